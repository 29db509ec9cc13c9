package soak

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

var t0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func at(ms int) time.Time { return t0.Add(time.Duration(ms) * time.Millisecond) }

// feed adds seqs of stream 1 at consumer c, message i sent at i ms and
// received 5 ms later.
func feed(c *Checker, consumer int, seqs ...uint64) {
	for _, s := range seqs {
		sent := at(int(s)).UnixNano()
		c.Add(Record{Stream: 1, Seq: s, Sent: sent, Recv: sent + 5e6, Consumer: consumer})
	}
}

func newStream(c *Checker, sent uint64, final bool) {
	c.AddStream(Stream{ID: 1, Producer: "p", Start: t0})
	c.ReportSent(1, sent, final)
}

func seq(from, to uint64) []uint64 {
	var s []uint64
	for i := from; i < to; i++ {
		s = append(s, i)
	}
	return s
}

func hasViolation(t *testing.T, r Result, sub string) {
	t.Helper()
	for _, v := range r.Violations {
		if strings.Contains(v, sub) {
			return
		}
	}
	t.Fatalf("no violation containing %q in %q", sub, r.Violations)
}

func TestCheckCleanRunPasses(t *testing.T) {
	c := NewChecker()
	newStream(c, 100, true)
	feed(c, 1, seq(0, 100)...)
	r := c.Check(nil)
	require.True(t, r.OK(), r.Violations)
	require.Equal(t, 100, r.Received)
	require.Zero(t, r.Lost)
}

func TestCheckTwoConsumersInterleavedPasses(t *testing.T) {
	c := NewChecker()
	newStream(c, 100, true)
	for i := uint64(0); i < 100; i++ {
		feed(c, int(i%2), i)
	}
	r := c.Check(nil)
	require.True(t, r.OK(), r.Violations)
}

func TestCheckDetectsDuplicateAtOneConsumer(t *testing.T) {
	c := NewChecker()
	newStream(c, 10, true)
	feed(c, 1, 0, 1, 2, 2, 3, 4, 5, 6, 7, 8, 9)
	r := c.Check(nil)
	require.False(t, r.OK())
	require.GreaterOrEqual(t, r.Duplicates, 1)
	hasViolation(t, r, "duplicate")
}

func TestCheckDetectsDuplicateAcrossConsumers(t *testing.T) {
	c := NewChecker()
	newStream(c, 10, true)
	feed(c, 1, seq(0, 10)...)
	feed(c, 2, 4)
	r := c.Check(nil)
	require.Equal(t, 1, r.Duplicates)
	hasViolation(t, r, "received more than once")
}

func TestCheckDetectsReordering(t *testing.T) {
	c := NewChecker()
	newStream(c, 10, true)
	feed(c, 1, 0, 1, 3, 2, 4, 5, 6, 7, 8, 9)
	r := c.Check(nil)
	require.Equal(t, 1, r.Reordered)
	hasViolation(t, r, "order")
}

func TestCheckDetectsGapWithoutFault(t *testing.T) {
	c := NewChecker()
	newStream(c, 10, true)
	feed(c, 1, 0, 1, 2, 6, 7, 8, 9)
	r := c.Check(nil)
	require.Equal(t, 3, r.Lost)
	require.Equal(t, 3, r.Unexplained)
	hasViolation(t, r, "seq 3..5")
}

func TestCheckDetectsMissingTailOfGracefulStream(t *testing.T) {
	c := NewChecker()
	newStream(c, 10, true)
	feed(c, 1, seq(0, 8)...)
	r := c.Check(nil)
	require.Equal(t, 2, r.Unexplained)
	hasViolation(t, r, "no kill")
}

func TestCheckDetectsMessagesBeyondFinalCount(t *testing.T) {
	c := NewChecker()
	newStream(c, 5, true)
	feed(c, 1, seq(0, 7)...)
	r := c.Check(nil)
	hasViolation(t, r, "sent only 5")
}

func TestCheckDetectsUnknownStream(t *testing.T) {
	c := NewChecker()
	c.Add(Record{Stream: 9, Seq: 0})
	r := c.Check(nil)
	hasViolation(t, r, "no producer started")
}

func TestCheckGapExplainedByDeviceKill(t *testing.T) {
	c := NewChecker()
	newStream(c, 1000, true)
	feed(c, 1, seq(0, 400)...)
	// Messages sent while the device was down wait for its restart at 600 ms.
	for s := uint64(420); s < 1000; s++ {
		sent := at(int(s)).UnixNano()
		c.Add(Record{Stream: 1, Seq: s, Sent: sent, Recv: max(sent, at(630).UnixNano()), Consumer: 1})
	}
	f := &Fault{Kind: KillDevice, Target: "device", Start: at(410), End: at(600), MaxLoss: 50, MaxRecovery: time.Second}
	r := c.Check([]*Fault{f})
	require.True(t, r.OK(), r.Violations)
	require.Equal(t, 20, f.Lost)
	require.Equal(t, 20, r.Lost)
	require.Equal(t, 30*time.Millisecond, f.Recovery)
}

func TestCheckDetectsLossBeyondBound(t *testing.T) {
	c := NewChecker()
	newStream(c, 1000, true)
	feed(c, 1, seq(0, 400)...)
	feed(c, 1, seq(700, 1000)...)
	f := &Fault{Kind: KillDevice, Target: "device", Start: at(500), End: at(690), MaxLoss: 50, MaxRecovery: time.Second}
	r := c.Check([]*Fault{f})
	require.Equal(t, 300, f.Lost)
	hasViolation(t, r, "more than the 50")
}

func TestCheckLinkCutExplainsNoLoss(t *testing.T) {
	c := NewChecker()
	newStream(c, 1000, true)
	feed(c, 1, seq(0, 400)...)
	feed(c, 1, seq(420, 1000)...)
	f := &Fault{Kind: CutLink, Target: "link", Start: at(405), End: at(900), MaxRecovery: time.Second}
	r := c.Check([]*Fault{f})
	require.Equal(t, 20, r.Unexplained)
	hasViolation(t, r, "no kill to explain")
}

func TestCheckKillFarAwayExplainsNothing(t *testing.T) {
	c := NewChecker()
	newStream(c, 1000, true)
	feed(c, 1, seq(0, 400)...)
	feed(c, 1, seq(420, 1000)...)
	f := &Fault{Kind: KillConsumer, Target: "c", Start: at(400 + 60_000), End: at(400 + 61_000), MaxLoss: 1000, NewConsumer: 7}
	r := c.Check([]*Fault{f})
	require.Equal(t, 20, r.Unexplained)
	require.Zero(t, f.Lost)
}

func TestCheckDetectsTrafficThroughACut(t *testing.T) {
	c := NewChecker()
	newStream(c, 1000, true)
	// feed delivers each message 5 ms after sending: straight through a
	// cut that was supposedly in force from 100 ms to 500 ms.
	feed(c, 1, seq(0, 1000)...)
	f := &Fault{Kind: CutLink, Target: "link", Start: at(100), End: at(500), MaxRecovery: time.Second}
	r := c.Check([]*Fault{f})
	hasViolation(t, r, "did not hold")
}

func TestCheckRecoveryMeasuredAndBounded(t *testing.T) {
	c := NewChecker()
	newStream(c, 0, false)
	c.AddStream(Stream{ID: 2, Producer: "p", Start: at(2000)})
	c.ReportSent(2, 3, true)
	feed(c, 1, seq(0, 10)...)
	c.ReportSent(1, 12, false) // killed with 2 more sent than received
	for i := uint64(0); i < 3; i++ {
		c.Add(Record{Stream: 2, Seq: i, Sent: at(4000).UnixNano(), Recv: at(4500).UnixNano(), Consumer: 1})
	}
	f := &Fault{Kind: KillProducer, Target: "p", Start: at(100), End: at(2000), MaxLoss: 5,
		MaxRecovery: time.Second, Stream: 1, NewStream: 2}
	r := c.Check([]*Fault{f})
	require.Equal(t, 2, f.Lost)
	require.Equal(t, 2500*time.Millisecond, f.Recovery)
	hasViolation(t, r, "took 2.5s")

	f.MaxRecovery = 3 * time.Second
	r = c.Check([]*Fault{f})
	require.True(t, r.OK(), r.Violations)
}

// TestCheckRecoveryFromReady: a restarted process that the machine was slow to start
// is timed from when it ran, and the first message's transit is reported.
func TestCheckRecoveryFromReady(t *testing.T) {
	c := NewChecker()
	newStream(c, 0, false)
	c.AddStream(Stream{ID: 2, Producer: "p", Start: at(2000)})
	c.ReportSent(2, 1, true)
	feed(c, 1, seq(0, 10)...)
	c.ReportSent(1, 10, false)
	c.Add(Record{Stream: 2, Seq: 0, Sent: at(5100).UnixNano(), Recv: at(5400).UnixNano(), Consumer: 1})
	f := &Fault{Kind: KillProducer, Target: "p", Start: at(100), End: at(2000), Ready: at(5000),
		MaxLoss: 5, MaxRecovery: time.Second, Stream: 1, NewStream: 2}
	r := c.Check([]*Fault{f})
	require.True(t, r.OK(), r.Violations)
	require.Equal(t, 400*time.Millisecond, f.Recovery)
	require.Equal(t, 300*time.Millisecond, f.Transit)

	// Without the ready time it is timed from the start, and over the bound.
	f.Ready = time.Time{}
	r = c.Check([]*Fault{f})
	require.Equal(t, 3400*time.Millisecond, f.Recovery)
	hasViolation(t, r, "took 3.4s")

	// A message read before the ready line was: recovery is 0, not negative.
	f.Ready = at(5500)
	r = c.Check([]*Fault{f})
	require.True(t, r.OK(), r.Violations)
	require.Equal(t, time.Duration(0), f.Recovery)
}

func TestCheckDetectsNoRecovery(t *testing.T) {
	c := NewChecker()
	newStream(c, 100, true)
	feed(c, 1, seq(0, 100)...)
	f := &Fault{Kind: KillConsumer, Target: "c", Start: at(50), End: at(60), MaxLoss: 1000, NewConsumer: 2}
	r := c.Check([]*Fault{f})
	hasViolation(t, r, "never received again")
}

func TestFlat(t *testing.T) {
	var flat, leak, goLeak []Sample
	for i := 0; i < 60; i++ {
		wobble := int64(i%3) << 20
		flat = append(flat, Sample{At: time.Duration(i) * time.Second, RSS: 20<<20 + wobble, Goroutines: 10 + i%4})
		leak = append(leak, Sample{RSS: int64(20+3*i) << 20, Goroutines: 10})
		goLeak = append(goLeak, Sample{RSS: 20 << 20, Goroutines: 10 + i})
	}
	require.Empty(t, Flat(flat))
	require.Contains(t, Flat(leak), "RSS grew")
	require.Contains(t, Flat(goLeak), "goroutines grew")
	require.Contains(t, Flat(flat[:5]), "only 5 samples")
}

// fanout adds messages from..to of PUB stream id at consumer c, sent at
// seq ms and received sendDelay later, or at readyAt when that is later.
func fanout(c *Checker, id uint32, consumer int, from, to uint64, readyAt int) {
	for s := from; s < to; s++ {
		sent := at(int(s)).UnixNano()
		c.Add(Record{Stream: id, Seq: s, Sent: sent, Recv: max(sent+5e6, at(readyAt).UnixNano()), Consumer: consumer})
	}
}

func TestCheckFanoutCountsDropsButNotCopies(t *testing.T) {
	c := NewChecker()
	c.AddStream(Stream{ID: 1, Producer: "pub", Start: t0, Path: "pubsub", Fanout: true})
	c.ReportSent(1, 1000, true)
	fanout(c, 1, 1, 0, 1000, 0)
	fanout(c, 1, 2, 100, 400, 0) // joined late, missed 400..599
	fanout(c, 1, 2, 600, 1000, 0)
	r := c.Check(nil)
	require.True(t, r.OK(), r.Violations)
	require.Equal(t, 200, r.Dropped)
	require.Zero(t, r.Duplicates)
	require.Zero(t, r.Lost)
}

func TestCheckFanoutDuplicateAtOneConsumer(t *testing.T) {
	c := NewChecker()
	c.AddStream(Stream{ID: 1, Producer: "pub", Start: t0, Path: "pubsub", Fanout: true})
	c.ReportSent(1, 10, true)
	fanout(c, 1, 1, 0, 5, 0)
	fanout(c, 1, 1, 4, 10, 0)
	r := c.Check(nil)
	require.Equal(t, 1, r.Duplicates)
}

func TestCheckDetectsSubscriberThatNeverResubscribes(t *testing.T) {
	c := NewChecker()
	c.AddStream(Stream{ID: 1, Producer: "pub", Start: t0, Path: "pubsub", Fanout: true})
	c.ReportSent(1, 2000, true)
	f := &Fault{Kind: KillDevice, Target: "forwarder", Path: "pubsub", Start: at(1000), End: at(1200), MaxRecovery: time.Second}
	fanout(c, 1, 1, 0, 1000, 0)
	fanout(c, 1, 2, 0, 1000, 0)
	fanout(c, 1, 1, 1300, 2000, 0) // consumer 1 subscribed again
	r := c.Check([]*Fault{f})
	hasViolation(t, r, "never received again")

	fanout(c, 1, 2, 1400, 2000, 0) // and now consumer 2 too, 200 ms after the restart
	r = c.Check([]*Fault{f})
	require.True(t, r.OK(), r.Violations)
	require.Equal(t, 205*time.Millisecond, f.Recovery) // its first message after it, received 5 ms after sending
}

func TestCheckKillOnAnotherPathExplainsNothing(t *testing.T) {
	c := NewChecker()
	c.AddStream(Stream{ID: 1, Producer: "push", Start: t0, Path: "pipeline"})
	c.ReportSent(1, 1000, true)
	for s := uint64(0); s < 1000; s++ {
		if s >= 400 && s < 420 {
			continue
		}
		sent := at(int(s)).UnixNano()
		c.Add(Record{Stream: 1, Seq: s, Sent: sent, Recv: sent + 5e6, Consumer: 1})
	}
	f := &Fault{Kind: KillDevice, Target: "forwarder", Path: "pubsub", Start: at(410), End: at(600), MaxLoss: 100, MaxRecovery: time.Second}
	r := c.Check([]*Fault{f})
	require.Equal(t, 20, r.Unexplained)
	require.Zero(t, f.Lost)
}

func TestCheckKilledClientIsNotAwaitedAfterLaterFaults(t *testing.T) {
	c := NewChecker()
	c.AddStream(Stream{ID: 1, Producer: "req", Start: t0, Path: "reqrep"})
	c.ReportSent(1, 500, false)
	c.AddStream(Stream{ID: 2, Producer: "req", Start: at(600), Path: "reqrep"})
	c.ReportSent(2, 1000, true)
	for s := uint64(0); s < 500; s++ { // client 1, killed at 500 ms
		c.Add(Record{Stream: 1, Seq: s, Sent: at(int(s)).UnixNano(), Recv: at(int(s)).UnixNano() + 1e6, Consumer: 1})
	}
	for s := uint64(0); s < 1000; s++ { // client 2, its restart at 600 ms
		sent := at(600 + 2*int(s)).UnixNano()
		recv := sent + 1e6
		if sent >= at(1500).UnixNano() && sent < at(1650).UnixNano() {
			recv = at(1650).UnixNano() // the queue is down from 1500 to 1600 ms
		}
		c.Add(Record{Stream: 2, Seq: s, Sent: sent, Recv: recv, Consumer: 2})
	}
	kill := &Fault{Kind: KillProducer, Target: "req", Path: "reqrep", Start: at(500), End: at(600),
		MaxRecovery: time.Second, Stream: 1, NewStream: 2, OldConsumer: 1, NewConsumer: 2}
	queue := &Fault{Kind: KillDevice, Target: "queue", Path: "reqrep", Start: at(1500), End: at(1600), MaxRecovery: time.Second}
	r := c.Check([]*Fault{kill, queue})
	require.True(t, r.OK(), r.Violations)

	// Without knowing client 1 was killed, the queue's recovery waits for it.
	kill.OldConsumer = 0
	r = c.Check([]*Fault{kill, queue})
	hasViolation(t, r, "consumer 1 of reqrep")
}
