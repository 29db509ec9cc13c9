// Package promtext writes sockets' Stats as Prometheus metrics in the text
// exposition format (version 0.0.4), for zmqdevice's --metrics-listen.
//
// The metric names, help texts and labels are those of the collector in the nested
// module github.com/brokerless/zmq/metrics/prom, which builds them with
// prometheus/client_golang; that module's tests parse this package's output with
// Prometheus's own parser and require it to equal the collector's, family by family
// and value by value. The format is written by hand here so that the main module,
// and every program that imports the library, does not depend on client_golang: the
// tools stay installable with a plain "go install ...@version", which a nested
// module with a replace directive could not offer.
package promtext

import (
	"bufio"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/brokerless/zmq/socket"
)

// The metric names. Scripts read them: they do not change.
const (
	MessagesReceived = "zmq_socket_messages_received_total"
	MessagesSent     = "zmq_socket_messages_sent_total"
	BytesReceived    = "zmq_socket_bytes_received_total"
	BytesSent        = "zmq_socket_bytes_sent_total"
	Drops            = "zmq_socket_drops_total"
	Peers            = "zmq_socket_peers"
)

// ContentType is the content type of the text exposition format.
const ContentType = "text/plain; version=0.0.4; charset=utf-8"

// Socket is a socket to export, under the name given by the application (the value
// of the "socket" label).
type Socket struct {
	Name  string
	Stats func() socket.Stats
}

// DropReasons are the values of the "reason" label of zmq_socket_drops_total, in
// the order of the fields of socket.Drops.
var DropReasons = []string{"hwm", "oldest", "unroutable", "no_peers", "filtered",
	"malformed", "disconnects", "conflated", "oversized"}

// dropCounts returns the counts of d in the order of DropReasons.
func dropCounts(d socket.Drops) []uint64 {
	return []uint64{d.HWM, d.Oldest, d.Unroutable, d.NoPeers, d.Filtered,
		d.Malformed, d.Disconnects, d.Conflated, d.Oversized}
}

// family is one metric: its name, type, help text and value for a snapshot.
type family struct {
	name, typ, help string
	value           func(st *socket.Stats) uint64
}

var families = []family{
	{MessagesReceived, "counter", "Messages returned by Recv.", func(st *socket.Stats) uint64 { return st.MsgsRecv }},
	{MessagesSent, "counter", "Messages accepted by Send.", func(st *socket.Stats) uint64 { return st.MsgsSent }},
	{BytesReceived, "counter", "Bytes of the messages returned by Recv.", func(st *socket.Stats) uint64 { return st.BytesRecv }},
	{BytesSent, "counter", "Bytes of the messages accepted by Send.", func(st *socket.Stats) uint64 { return st.BytesSent }},
	{Drops, "counter", "Messages discarded by flow control or routing, by reason.", nil},
	{Peers, "gauge", "Connections and inproc pipes attached now.", func(st *socket.Stats) uint64 { return uint64(st.Peers) }},
}

// Help returns the help text of the metric called name, or "" if there is none.
func Help(name string) string {
	for _, f := range families {
		if f.name == name {
			return f.help
		}
	}
	return ""
}

// Write writes the metrics of sockets to w, taking one snapshot of each socket's
// Stats.
func Write(w io.Writer, sockets []Socket) error {
	snaps := make([]socket.Stats, len(sockets))
	for i, s := range sockets {
		snaps[i] = s.Stats()
	}
	bw := bufio.NewWriter(w)
	for _, f := range families {
		bw.WriteString("# HELP " + f.name + " " + escapeHelp(f.help) + "\n")
		bw.WriteString("# TYPE " + f.name + " " + f.typ + "\n")
		for i, s := range sockets {
			label := `{socket="` + escapeLabel(s.Name) + `"`
			if f.value == nil {
				for j, n := range dropCounts(snaps[i].Drops) {
					bw.WriteString(f.name + label + `,reason="` + DropReasons[j] + `"} ` + strconv.FormatUint(n, 10) + "\n")
				}
				continue
			}
			bw.WriteString(f.name + label + "} " + strconv.FormatUint(f.value(&snaps[i]), 10) + "\n")
		}
	}
	return bw.Flush()
}

// Handler serves the metrics of sockets to GET requests.
func Handler(sockets []Socket) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		w.Header().Set("Content-Type", ContentType)
		Write(w, sockets) // an error here is the client's connection failing
	})
}

var (
	helpEscaper  = strings.NewReplacer(`\`, `\\`, "\n", `\n`)
	labelEscaper = strings.NewReplacer(`\`, `\\`, "\n", `\n`, `"`, `\"`)
)

func escapeHelp(s string) string  { return helpEscaper.Replace(s) }
func escapeLabel(s string) string { return labelEscaper.Replace(s) }
