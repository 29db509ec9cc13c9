package prom

import (
	"bytes"
	"context"
	"fmt"
	"sort"
	"testing"
	"time"

	"github.com/brokerless/zmq/internal/promtext"
	"github.com/brokerless/zmq/socket"
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"github.com/stretchr/testify/require"
)

const testTimeout = 10 * time.Second

func ctxT(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	t.Cleanup(cancel)
	return ctx
}

func newSocket(t testing.TB, typ socket.Type) *socket.Socket {
	t.Helper()
	s, err := socket.New(typ, socket.Options{})
	require.NoError(t, err)
	t.Cleanup(func() { s.Close() })
	return s
}

// families maps metric name to family.
type families map[string]*dto.MetricFamily

// value returns the value of the metric name with the given label values
// (socket, and reason for drops); ok is false if there is no such metric.
func (f families) value(name, sock string, reason ...string) (v float64, ok bool) {
	fam := f[name]
	if fam == nil {
		return 0, false
	}
	for _, m := range fam.GetMetric() {
		labels := map[string]string{}
		for _, l := range m.GetLabel() {
			labels[l.GetName()] = l.GetValue()
		}
		if labels["socket"] != sock || (len(reason) > 0 && labels["reason"] != reason[0]) {
			continue
		}
		switch {
		case m.Counter != nil:
			return m.Counter.GetValue(), true
		case m.Gauge != nil:
			return m.Gauge.GetValue(), true
		}
	}
	return 0, false
}

// must returns the value of a metric that has to be there.
func (f families) must(t testing.TB, name, sock string, reason ...string) float64 {
	t.Helper()
	v, ok := f.value(name, sock, reason...)
	require.True(t, ok, "no %s{socket=%q,reason=%v}", name, sock, reason)
	return v
}

// gather collects c through a pedantic registry, which checks the metrics
// against their descriptions.
func gather(t testing.TB, c *Collector) families {
	t.Helper()
	reg := prometheus.NewPedanticRegistry()
	require.NoError(t, reg.Register(c))
	mfs, err := reg.Gather()
	require.NoError(t, err)
	f := families{}
	for _, mf := range mfs {
		f[mf.GetName()] = mf
	}
	return f
}

// parseText parses the text exposition format with Prometheus's parser.
func parseText(t testing.TB, text []byte) families {
	t.Helper()
	p := expfmt.NewTextParser(model.UTF8Validation)
	mfs, err := p.TextToMetricFamilies(bytes.NewReader(text))
	require.NoError(t, err, "%s", text)
	return families(mfs)
}

// requireStats checks every metric of the socket called name against st.
func requireStats(t testing.TB, f families, name string, st socket.Stats) {
	t.Helper()
	require.Equal(t, float64(st.MsgsRecv), f.must(t, "zmq_socket_messages_received_total", name))
	require.Equal(t, float64(st.MsgsSent), f.must(t, "zmq_socket_messages_sent_total", name))
	require.Equal(t, float64(st.BytesRecv), f.must(t, "zmq_socket_bytes_received_total", name))
	require.Equal(t, float64(st.BytesSent), f.must(t, "zmq_socket_bytes_sent_total", name))
	d := st.Drops
	for i, n := range []uint64{d.HWM, d.Oldest, d.Unroutable, d.NoPeers, d.Filtered,
		d.Malformed, d.Disconnects, d.Conflated, d.Oversized} {
		require.Equal(t, float64(n), f.must(t, "zmq_socket_drops_total", name, DropReasons[i]), DropReasons[i])
	}
	require.Equal(t, float64(st.Peers), f.must(t, "zmq_socket_peers", name))
}

// TestExactCounts sends N messages of S bytes over tcp: the counters of both ends
// are N and N*S.
func TestExactCounts(t *testing.T) {
	const n, size = 1000, 64
	pull := newSocket(t, socket.Pull)
	require.NoError(t, pull.Bind("tcp://127.0.0.1:*"))
	push := newSocket(t, socket.Push)
	require.NoError(t, push.Connect(pull.LastEndpoint()))
	c := NewCollector()
	require.NoError(t, c.Add("producer", push))
	require.NoError(t, c.Add("consumer", pull))

	payload := bytes.Repeat([]byte{'x'}, size)
	for range n {
		require.NoError(t, push.Send(ctxT(t), socket.NewMsg(payload)))
	}
	for range n {
		m, err := pull.Recv(ctxT(t))
		require.NoError(t, err)
		require.Len(t, m.Frames[0], size)
	}

	f := gather(t, c)
	require.Equal(t, float64(n), f.must(t, "zmq_socket_messages_sent_total", "producer"))
	require.Equal(t, float64(n*size), f.must(t, "zmq_socket_bytes_sent_total", "producer"))
	require.Equal(t, float64(n), f.must(t, "zmq_socket_messages_received_total", "consumer"))
	require.Equal(t, float64(n*size), f.must(t, "zmq_socket_bytes_received_total", "consumer"))
	require.Equal(t, float64(0), f.must(t, "zmq_socket_messages_received_total", "producer"))
	require.Equal(t, float64(0), f.must(t, "zmq_socket_messages_sent_total", "consumer"))
	require.Equal(t, float64(1), f.must(t, "zmq_socket_peers", "producer"))
	require.Equal(t, float64(1), f.must(t, "zmq_socket_peers", "consumer"))
	requireStats(t, f, "producer", push.Stats())
	requireStats(t, f, "consumer", pull.Stats())
}

// TestDrops makes a PUB drop messages for want of subscribers and a ROUTER drop
// messages for an unknown peer: every reason's counter is the socket's.
func TestDrops(t *testing.T) {
	pub := newSocket(t, socket.Pub)
	router := newSocket(t, socket.Router)
	c := NewCollector()
	require.NoError(t, c.Add("pub", pub))
	require.NoError(t, c.Add("router", router))
	for range 7 {
		require.NoError(t, pub.Send(ctxT(t), socket.NewMsgString("news")))
	}
	for range 5 {
		require.NoError(t, router.Send(ctxT(t), socket.NewMsgString("nobody", "hello")))
	}
	f := gather(t, c)
	require.Equal(t, float64(7), f.must(t, "zmq_socket_drops_total", "pub", "no_peers"))
	require.Equal(t, float64(5), f.must(t, "zmq_socket_drops_total", "router", "unroutable"))
	require.Len(t, f["zmq_socket_drops_total"].GetMetric(), 2*len(DropReasons))
	requireStats(t, f, "pub", pub.Stats())
	requireStats(t, f, "router", router.Stats())
}

// awaitPeers polls the peers gauge of the socket called name until it is want.
func awaitPeers(t testing.TB, c *Collector, name string, want int) {
	t.Helper()
	deadline := time.Now().Add(testTimeout)
	for {
		got := gather(t, c).must(t, "zmq_socket_peers", name)
		if got == float64(want) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("zmq_socket_peers{socket=%q} is %v, want %d", name, got, want)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestPeers connects and disconnects peers: the gauge follows.
func TestPeers(t *testing.T) {
	pull := newSocket(t, socket.Pull)
	require.NoError(t, pull.Bind("tcp://127.0.0.1:*"))
	c := NewCollector()
	require.NoError(t, c.Add("sink", pull))
	awaitPeers(t, c, "sink", 0)
	var pushes []*socket.Socket
	for i := range 3 {
		push := newSocket(t, socket.Push)
		require.NoError(t, push.Connect(pull.LastEndpoint()))
		pushes = append(pushes, push)
		awaitPeers(t, c, "sink", i+1)
	}
	for i, push := range pushes {
		require.NoError(t, push.Close())
		awaitPeers(t, c, "sink", len(pushes)-i-1)
	}
}

func TestAddRemove(t *testing.T) {
	a, b := newSocket(t, socket.Pub), newSocket(t, socket.Sub)
	c := NewCollector()
	require.NoError(t, c.Add("a", a))
	require.ErrorContains(t, c.Add("a", b), `"a" is already exported`)
	require.ErrorContains(t, c.Add("bad\xff", b), "not valid UTF-8")
	require.NoError(t, c.Add("b", b))
	f := gather(t, c)
	_, ok := f.value("zmq_socket_peers", "b")
	require.True(t, ok)
	c.Remove("b")
	c.Remove("nothing")
	f = gather(t, c)
	_, ok = f.value("zmq_socket_peers", "b")
	require.False(t, ok)
	_, ok = f.value("zmq_socket_peers", "a")
	require.True(t, ok)
}

// frozen is a StatsSource that returns fixed Stats, so that two collections see
// the same numbers.
type frozen socket.Stats

func (f frozen) Stats() socket.Stats { return socket.Stats(f) }

// TestSameAsDeviceWriter parses zmqdevice's hand-written text format with
// Prometheus's parser and requires the same families, help, types, labels and
// values as the collector's, for sockets with traffic, drops and peers, and for
// a name that needs escaping.
func TestSameAsDeviceWriter(t *testing.T) {
	stats := []socket.Stats{
		{MsgsSent: 3, BytesSent: 300, MsgsRecv: 1 << 40, BytesRecv: 1<<53 - 1, Peers: 4,
			Drops: socket.Drops{HWM: 1, Oldest: 2, Unroutable: 3, NoPeers: 4, Filtered: 5,
				Malformed: 6, Disconnects: 7, Conflated: 8, Oversized: 9}},
		{},
		{MsgsRecv: 12, BytesRecv: 34, Peers: 1},
	}
	names := []string{"frontend", "backend", "odd \"name\" \\ with\nnewline"}
	c := NewCollector()
	var exported []promtext.Socket
	for i, st := range stats {
		require.NoError(t, c.Add(names[i], frozen(st)))
		exported = append(exported, promtext.Socket{Name: names[i], Stats: frozen(st).Stats})
	}
	var buf bytes.Buffer
	require.NoError(t, promtext.Write(&buf, exported))
	hand := parseText(t, buf.Bytes())
	lib := gather(t, c)

	require.Equal(t, sortedKeys(lib), sortedKeys(hand))
	for name, want := range lib {
		got := hand[name]
		require.Equal(t, want.GetHelp(), got.GetHelp(), name)
		require.Equal(t, want.GetType(), got.GetType(), name)
		require.Equal(t, metricStrings(want), metricStrings(got), name)
	}
	for i, st := range stats {
		requireStats(t, hand, names[i], st)
	}
}

func sortedKeys(f families) []string {
	var keys []string
	for k := range f {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// metricStrings renders each metric of a family as its labels and value, sorted.
func metricStrings(mf *dto.MetricFamily) []string {
	var out []string
	for _, m := range mf.GetMetric() {
		s := ""
		labels := m.GetLabel()
		sort.Slice(labels, func(i, j int) bool { return labels[i].GetName() < labels[j].GetName() })
		for _, l := range labels {
			s += fmt.Sprintf("%s=%q,", l.GetName(), l.GetValue())
		}
		s += fmt.Sprintf(" %v %v", m.GetCounter().GetValue(), m.GetGauge().GetValue())
		out = append(out, s)
	}
	sort.Strings(out)
	return out
}
