// Package prom exports the Stats of sockets of github.com/brokerless/zmq as
// Prometheus metrics, with prometheus/client_golang:
//
//	zmq_socket_messages_received_total{socket="frontend"}
//	zmq_socket_messages_sent_total{socket="frontend"}
//	zmq_socket_bytes_received_total{socket="frontend"}
//	zmq_socket_bytes_sent_total{socket="frontend"}
//	zmq_socket_drops_total{socket="frontend",reason="hwm"}
//	zmq_socket_peers{socket="frontend"}
//
// The socket label is the name the application gives the socket. The reason label
// of zmq_socket_drops_total is one of hwm, oldest, unroutable, no_peers, filtered,
// malformed, disconnects, conflated and oversized: the fields of socket.Drops, each
// exported even at zero so that rate() sees a series from the start. Scripts read
// these names and labels; they do not change.
//
// This package is a module of its own, so that the library does not depend on
// client_golang: a program that exports no metrics does not download it, and the
// tools of the main module stay installable with a plain "go install ...@version"
// (a nested module's replace directive would forbid that). zmqdevice, which
// lives in the main module, serves the same metrics with a small hand-written
// writer of the text format; this module's tests parse its output with
// Prometheus's own parser and require it to equal this collector's.
package prom

import (
	"fmt"
	"sync"
	"unicode/utf8"

	"github.com/brokerless/zmq/socket"
	"github.com/prometheus/client_golang/prometheus"
)

// StatsSource is what the collector reads: *socket.Socket is one.
type StatsSource interface {
	Stats() socket.Stats
}

// DropReasons are the values of the reason label of zmq_socket_drops_total, in the
// order of the fields of socket.Drops.
var DropReasons = []string{"hwm", "oldest", "unroutable", "no_peers", "filtered",
	"malformed", "disconnects", "conflated", "oversized"}

var (
	descMsgsRecv  = prometheus.NewDesc("zmq_socket_messages_received_total", "Messages returned by Recv.", []string{"socket"}, nil)
	descMsgsSent  = prometheus.NewDesc("zmq_socket_messages_sent_total", "Messages accepted by Send.", []string{"socket"}, nil)
	descBytesRecv = prometheus.NewDesc("zmq_socket_bytes_received_total", "Bytes of the messages returned by Recv.", []string{"socket"}, nil)
	descBytesSent = prometheus.NewDesc("zmq_socket_bytes_sent_total", "Bytes of the messages accepted by Send.", []string{"socket"}, nil)
	descDrops     = prometheus.NewDesc("zmq_socket_drops_total", "Messages discarded by flow control or routing, by reason.", []string{"socket", "reason"}, nil)
	descPeers     = prometheus.NewDesc("zmq_socket_peers", "Connections and inproc pipes attached now.", []string{"socket"}, nil)
)

// Collector is a prometheus.Collector of the metrics of named sockets. Register it
// with a prometheus.Registerer; sockets may be added and removed at any time.
type Collector struct {
	mu      sync.Mutex
	names   []string // in the order added
	sockets map[string]StatsSource
}

// NewCollector returns a collector of no sockets.
func NewCollector() *Collector {
	return &Collector{sockets: make(map[string]StatsSource)}
}

// Add exports the metrics of s with the label socket=name. It returns an error if a
// socket of that name is already exported, or if name is not valid UTF-8 (which
// Prometheus requires of label values).
func (c *Collector) Add(name string, s StatsSource) error {
	if !utf8.ValidString(name) {
		return fmt.Errorf("prom: socket name %q is not valid UTF-8", name)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.sockets[name]; ok {
		return fmt.Errorf("prom: a socket named %q is already exported", name)
	}
	c.sockets[name] = s
	c.names = append(c.names, name)
	return nil
}

// Remove stops exporting the socket called name, if there is one.
func (c *Collector) Remove(name string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.sockets[name]; !ok {
		return
	}
	delete(c.sockets, name)
	for i, n := range c.names {
		if n == name {
			c.names = append(c.names[:i], c.names[i+1:]...)
			break
		}
	}
}

// Describe sends the descriptions of the metrics to ch.
func (c *Collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descMsgsRecv, descMsgsSent, descBytesRecv, descBytesSent, descDrops, descPeers} {
		ch <- d
	}
}

// Collect takes one snapshot of each socket's Stats and sends its metrics to ch.
func (c *Collector) Collect(ch chan<- prometheus.Metric) {
	c.mu.Lock()
	names := append([]string(nil), c.names...)
	sources := make([]StatsSource, len(names))
	for i, n := range names {
		sources[i] = c.sockets[n]
	}
	c.mu.Unlock()
	for i, name := range names {
		st := sources[i].Stats()
		counter := func(d *prometheus.Desc, v uint64) {
			ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, float64(v), name)
		}
		counter(descMsgsRecv, st.MsgsRecv)
		counter(descMsgsSent, st.MsgsSent)
		counter(descBytesRecv, st.BytesRecv)
		counter(descBytesSent, st.BytesSent)
		d := st.Drops
		for j, n := range []uint64{d.HWM, d.Oldest, d.Unroutable, d.NoPeers, d.Filtered,
			d.Malformed, d.Disconnects, d.Conflated, d.Oversized} {
			ch <- prometheus.MustNewConstMetric(descDrops, prometheus.CounterValue, float64(n), name, DropReasons[j])
		}
		ch <- prometheus.MustNewConstMetric(descPeers, prometheus.GaugeValue, float64(st.Peers), name)
	}
}
