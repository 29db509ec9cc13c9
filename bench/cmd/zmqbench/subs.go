package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/brokerless/zmq/bench/perf"
	"github.com/brokerless/zmq/socket"
)

// pub_subs's defaults and bounds, the same as bench/peers/c/pub_subs.c's.
const (
	subsEndpoint  = "tcp://127.0.0.1:*"
	subsWait      = 60 * time.Second      // bound of each wait: subscriptions, end marker, churn
	subsResend    = 10 * time.Millisecond // the end marker every 10 ms (see awaitEnd)
	subsMaxSubs   = 4096
	subsMaxTotal  = 10_000_000 // subscriptions
	subsMaxBodies = 1 << 30    // bytes of precomputed message bodies
)

// Every subscriber also holds subsControl, which the end marker matches; data topics
// start with "sym.", so neither can be taken for the other.
var (
	subsControl = []byte("ctl.")
	subsEnd     = []byte("ctl.end")
)

// subsResult is pub_subs's -json object.
type subsResult struct {
	Impl          string  `json:"impl"`
	Test          string  `json:"test"`
	Endpoint      string  `json:"endpoint"`
	Size          int     `json:"message_size"`
	Count         int     `json:"message_count"`
	Subscribers   int     `json:"subscribers"`
	PerSubscriber int     `json:"subscriptions_per_subscriber"`
	Subscriptions int     `json:"subscriptions"`
	SetupNS       int64   `json:"setup_ns"`
	PublishNS     int64   `json:"publish_ns"`
	PublishCost   float64 `json:"publish_ns_per_msg"`
	PublishCPU    float64 `json:"publish_cpu_ns_per_msg,omitempty"` // process CPU time / count
	Expected      int64   `json:"expected"`                         // deliveries the subscriptions call for
	Delivered     int64   `json:"delivered"`
	Dropped       int64   `json:"dropped"`   // expected - delivered: full queues
	Unmatched     int64   `json:"unmatched"` // messages no subscriber holds
	ChurnOps      int     `json:"churn_ops"`
	ChurnNS       int64   `json:"churn_ns"`
	ChurnPerSec   float64 `json:"churn_ops_s"`
	ChurnCPU      float64 `json:"churn_cpu_ns_per_op,omitempty"` // process CPU time / operations
}

// pubSubsReport is the pub_subs subcommand, <message-size> <message-count>
// <subscribers> <subscriptions-per-subscriber>: one publisher with many subscriptions,
// in one process. An XPUB (whose sending side is PUB's, here as in libzmq) with
// XPubVerbose binds tcp://127.0.0.1:* (or -endpoint), and <subscribers> SUB sockets,
// each run by its own goroutine, subscribe to <subscriptions-per-subscriber> distinct
// topics each (see subsLayout) and to the control prefix, and connect. Then:
//
//   - setup: from the first SUB to the moment the XPUB has reported every subscription
//     applied;
//   - publish cost: the publisher sends <message-count> messages of <message-size> bytes,
//     nine in ten to one subscriber and one in ten to none; the figure is the time of
//     that loop over the count. The publisher drops a message for a subscriber whose
//     queue is full, as a PUB does; an end marker, repeated every 10 ms, tells the
//     subscribers the data is over, and what they received is compared with what the
//     subscriptions call for: dropped is the difference, and the PUB's own drop counters
//     must agree with it and with the unmatched messages; publish cpu is the CPU time
//     of the whole process (every goroutine: publishing, writing, reading, receiving)
//     from the first message to the last subscriber's end marker, over the count, a
//     figure that a busy machine changes less than the time;
//   - churn: every subscriber cancels all its data subscriptions and subscribes to them
//     again; the clock runs from the signal to the subscribers until the XPUB has
//     reported every one of the 2 × subscriptions operations applied (with distinct
//     topics each cancel is the last holder's, which an XPUB reports); churn cpu is the
//     process's CPU time over that interval per operation.
//
// Every socket has the zero Options but the XPUB, whose reports of subscriptions are
// not bounded by a high-water mark (RecvHWM Unlimited; libzmq's XPUB queues them without
// a bound). Output, as bench/peers/c/pub_subs.c's:
//
//	message size: 64 [B]
//	message count: 1000000
//	subscribers: 1000
//	subscriptions: 100000
//	setup: 1234.5 [ms]
//	publish cost: 812.3 [ns/msg]
//	publish cpu: 1500.2 [ns/msg]
//	delivered: 900000 of 900000
//	dropped: 0
//	unmatched: 100000
//	churn operations: 200000
//	churn: 345678 [ops/s]
//	churn cpu: 4567.8 [ns/op]
//
// The cpu lines are left out where the process's CPU time cannot be read (not unix).
// -warmup does not apply.
func pubSubsReport(cfg perf.Config, args []int, w io.Writer) error {
	size, count, subs, per := args[0], args[1], args[2], args[3]
	if subs < 1 || subs > subsMaxSubs {
		return fmt.Errorf("pub_subs: subscribers must be 1 to %d, got %d", subsMaxSubs, subs)
	}
	if per < 1 || subs*per > subsMaxTotal {
		return fmt.Errorf("pub_subs: subscriptions per subscriber must be at least 1 and at most %d in all, got %d × %d", subsMaxTotal, subs, per)
	}
	l := newSubsLayout(subs, per)
	if size < l.topicLen() {
		return fmt.Errorf("pub_subs: message size must be at least %d, the topic's length, got %d", l.topicLen(), size)
	}
	if 2*l.total*size > subsMaxBodies {
		return fmt.Errorf("pub_subs: %d bodies of %d bytes exceed %d bytes", 2*l.total, size, subsMaxBodies)
	}
	if cfg.Warmup > 0 {
		return errors.New("pub_subs: -warmup is not supported")
	}
	ep := cfg.Endpoint
	if ep == "" {
		ep = subsEndpoint
	}
	r, err := pubSubs(ep, l, size, count)
	if err != nil {
		return err
	}
	if cfg.JSON {
		b, err := json.Marshal(r)
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(w, "%s\n", b)
		return err
	}
	var b strings.Builder
	fmt.Fprintf(&b, "message size: %d [B]\nmessage count: %d\nsubscribers: %d\nsubscriptions: %d\n"+
		"setup: %.1f [ms]\npublish cost: %.1f [ns/msg]\n",
		r.Size, r.Count, r.Subscribers, r.Subscriptions, float64(r.SetupNS)/1e6, r.PublishCost)
	if r.PublishCPU > 0 {
		fmt.Fprintf(&b, "publish cpu: %.1f [ns/msg]\n", r.PublishCPU)
	}
	fmt.Fprintf(&b, "delivered: %d of %d\ndropped: %d\nunmatched: %d\nchurn operations: %d\nchurn: %.0f [ops/s]\n",
		r.Delivered, r.Expected, r.Dropped, r.Unmatched, r.ChurnOps, r.ChurnPerSec)
	if r.ChurnCPU > 0 {
		fmt.Fprintf(&b, "churn cpu: %.1f [ns/op]\n", r.ChurnCPU)
	}
	_, err = io.WriteString(w, b.String())
	return err
}

// subsRun is the state the publisher shares with its subscriber goroutines.
type subsRun struct {
	l       subsLayout
	size    int
	ep      string
	ended   atomic.Int64       // subscribers that received the end marker
	wake    chan struct{}      // capacity 1: a subscriber reported something
	churn   chan struct{}      // closed: start the churn
	fail    context.CancelFunc // a subscriber gave up; its error is in its slot
	failed  context.Context
	sockets []*socket.Socket // each goroutine sets its own slot
}

// subsSubscriber is one subscriber goroutine's outcome.
type subsSubscriber struct {
	received int
	err      error
}

// pubSubs runs the test; see pubSubsReport.
func pubSubs(ep string, l subsLayout, size, count int) (res subsResult, err error) {
	// One body per symbol, held ones and unheld ones, and a one-frame list for each,
	// sliced from one array: the publisher sends them without a copy or an allocation,
	// and never writes to them again.
	bodies := make([]byte, 2*l.total*size)
	frames := make([][]byte, 2*l.total)
	for k := range frames {
		b := bodies[k*size : (k+1)*size : (k+1)*size]
		l.appendTopic(b[:0], k)
		frames[k] = b
	}
	expected := make([]int, l.subs)
	var unmatched int64
	for m := range count {
		if i, ok := l.owner(l.symbol(m)); ok {
			expected[i]++
		} else {
			unmatched++
		}
	}

	pub, err := socket.New(socket.XPub, socket.Options{XPubVerbose: true, RecvHWM: socket.Unlimited, Linger: -1})
	if err != nil {
		return res, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	r := &subsRun{l: l, size: size, wake: make(chan struct{}, 1), churn: make(chan struct{}),
		sockets: make([]*socket.Socket, l.subs)}
	r.failed, r.fail = context.WithCancel(ctx)
	results := make([]subsSubscriber, l.subs)
	var wg sync.WaitGroup
	defer func() {
		cancel() // ends the Recv or wait of any subscriber still at it
		wg.Wait()
		for _, s := range r.sockets {
			if s == nil {
				continue
			}
			if cerr := s.Close(); err == nil && cerr != nil {
				err = fmt.Errorf("close sub: %w", cerr)
			}
		}
		if cerr := pub.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("close pub: %w", cerr)
		}
	}()
	if err := pub.Bind(ep); err != nil {
		return res, fmt.Errorf("bind %s: %w", ep, err)
	}
	r.ep = pub.LastEndpoint()
	subErr := func(err error) error {
		cancel()
		wg.Wait()
		errs := []error{err}
		for i, s := range results {
			if s.err != nil && !errors.Is(s.err, context.Canceled) {
				errs = append(errs, fmt.Errorf("subscriber %d: %w", i, s.err))
			}
		}
		return errors.Join(errs...)
	}

	setup := time.Now()
	for i := range l.subs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i] = r.subscriber(ctx, i)
			if results[i].err != nil {
				r.fail()
			}
		}()
	}
	if err := r.applied(pub, l.subs*(l.per+1), 0); err != nil {
		return res, subErr(fmt.Errorf("waiting for the subscriptions: %w", err))
	}
	setupTime := time.Since(setup)

	before := pub.Stats().Drops
	cpu0, cpuOK := processCPU()
	start := time.Now()
	for m := range count {
		k := l.symbol(m)
		if err := pub.Send(ctx, socket.Msg{Frames: frames[k : k+1]}); err != nil {
			return res, subErr(fmt.Errorf("publish: %w", err))
		}
	}
	publish := time.Since(start)
	after := pub.Stats().Drops
	if err := r.awaitEnd(ctx, pub); err != nil {
		return res, subErr(err)
	}
	cpu1, _ := processCPU()

	start = time.Now()
	close(r.churn)
	ops := l.total
	if err := r.applied(pub, ops, ops); err != nil {
		return res, subErr(fmt.Errorf("waiting for the churn: %w", err))
	}
	churn := time.Since(start)
	cpu2, _ := processCPU()
	wg.Wait() // every subscriber returns after its churn
	if err := subErr(nil); err != nil {
		return res, err
	}

	var want, got int64
	for i, s := range results {
		if s.received > expected[i] {
			return res, fmt.Errorf("subscriber %d received %d messages, more than the %d published to it", i, s.received, expected[i])
		}
		want += int64(expected[i])
		got += int64(s.received)
	}
	if d := after.NoPeers - before.NoPeers; d != uint64(unmatched) {
		return res, fmt.Errorf("%d messages matched no subscriber but the PUB counted %d", unmatched, d)
	}
	if d := after.HWM - before.HWM; d != uint64(want-got) {
		return res, fmt.Errorf("subscribers missed %d messages but the PUB counted %d drops for full queues", want-got, d)
	}
	if publish <= 0 {
		publish = time.Nanosecond
	}
	if churn <= 0 {
		churn = time.Nanosecond
	}
	var publishCPU, churnCPU float64
	if cpuOK {
		publishCPU = float64(cpu1-cpu0) / float64(count)
		churnCPU = float64(cpu2-cpu1) / float64(2*ops)
	}
	return subsResult{
		Impl: "zmqbench", Test: "pub_subs", Endpoint: r.ep,
		Size: size, Count: count, Subscribers: l.subs, PerSubscriber: l.per, Subscriptions: l.total,
		SetupNS:   int64(setupTime),
		PublishNS: int64(publish), PublishCost: float64(publish) / float64(count), PublishCPU: publishCPU,
		Expected: want, Delivered: got, Dropped: want - got, Unmatched: unmatched,
		ChurnOps: 2 * ops, ChurnNS: int64(churn), ChurnPerSec: float64(2*ops) / churn.Seconds(), ChurnCPU: churnCPU,
	}, nil
}

// applied receives the XPUB's reports of subscriptions until it has seen subs
// subscribe and unsubs unsubscribe messages, for at most subsWait, or until a
// subscriber fails.
func (r *subsRun) applied(pub *socket.Socket, subs, unsubs int) error {
	ctx, cancel := context.WithTimeout(r.failed, subsWait)
	defer cancel()
	var gotSubs, gotUnsubs int
	for gotSubs < subs || gotUnsubs < unsubs {
		m, err := pub.Recv(ctx)
		if err != nil {
			if r.failed.Err() != nil {
				return errors.New("a subscriber failed")
			}
			return fmt.Errorf("%d of %d subscribe and %d of %d unsubscribe reports: %w", gotSubs, subs, gotUnsubs, unsubs, err)
		}
		ok := len(m.Frames) == 1 && len(m.Frames[0]) > 0
		if ok && m.Frames[0][0] == 1 {
			gotSubs++
		} else if ok && m.Frames[0][0] == 0 {
			gotUnsubs++
		} else {
			return fmt.Errorf("unexpected report from the XPUB: %q", m.Frames)
		}
		m.Release()
		if gotSubs > subs || gotUnsubs > unsubs {
			return fmt.Errorf("more reports than operations: %d of %d subscribe, %d of %d unsubscribe", gotSubs, subs, gotUnsubs, unsubs)
		}
	}
	return nil
}

// awaitEnd sends the end marker every 10 ms until every subscriber has received it, for
// at most subsWait. Like any PUB message it is dropped for a subscriber whose queue is
// full, hence the repetition; a subscriber that ends wakes it only to be counted. The
// interval is bench/peers/c/pub_subs.c's, where every millisecond was too often for
// libzmq's one I/O thread with 1000 subscribers.
func (r *subsRun) awaitEnd(ctx context.Context, pub *socket.Socket) error {
	m := socket.Msg{Frames: [][]byte{subsEnd}}
	deadline := time.Now().Add(subsWait)
	timer := time.NewTimer(subsResend)
	defer timer.Stop()
	for r.ended.Load() < int64(r.l.subs) {
		if r.failed.Err() != nil {
			return errors.New("waiting for the end marker: a subscriber failed")
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("timed out after %v: %d of %d subscribers received the end marker", subsWait, r.ended.Load(), r.l.subs)
		}
		if err := pub.Send(ctx, m); err != nil {
			return fmt.Errorf("send the end marker: %w", err)
		}
		timer.Reset(subsResend)
		for resend := false; !resend && r.ended.Load() < int64(r.l.subs) && r.failed.Err() == nil; {
			select {
			case <-r.wake: // a subscriber ended: the loop counts it
			case <-r.failed.Done():
			case <-timer.C:
				resend = true
			}
		}
	}
	return nil
}

// subscriber is subscriber i: it opens its SUB, subscribes and connects, counts the data
// messages up to the end marker, checking that each is one of its own symbols, waits
// for the churn signal, and then cancels and renews every data subscription.
func (r *subsRun) subscriber(ctx context.Context, i int) subsSubscriber {
	var out subsSubscriber
	fail := func(err error) subsSubscriber {
		out.err = err
		return out
	}
	s, err := socket.New(socket.Sub, socket.Options{})
	if err != nil {
		return fail(err)
	}
	r.sockets[i] = s
	topic := make([]byte, 0, r.l.topicLen())
	for j := range r.l.per {
		if err := s.Subscribe(r.l.appendTopic(topic[:0], r.l.subscription(i, j))); err != nil {
			return fail(err)
		}
	}
	if err := s.Subscribe(subsControl); err != nil {
		return fail(err)
	}
	if err := s.Connect(r.ep); err != nil {
		return fail(fmt.Errorf("connect %s: %w", r.ep, err))
	}
	for {
		m, err := s.Recv(ctx)
		if err != nil {
			return fail(fmt.Errorf("recv: %w", err))
		}
		if len(m.Frames) != 1 {
			return fail(fmt.Errorf("unexpected %d-frame message", len(m.Frames)))
		}
		b := m.Frames[0]
		if bytes.HasPrefix(b, subsControl) {
			if !bytes.Equal(b, subsEnd) {
				err := fmt.Errorf("unknown control message %q", b)
				m.Release()
				return fail(err)
			}
			m.Release()
			break
		}
		k, err := r.l.parse(b)
		n := len(b)
		m.Release()
		if err != nil {
			return fail(err)
		}
		if n != r.size {
			return fail(fmt.Errorf("message of incorrect size received: %d, want %d", n, r.size))
		}
		if owner, ok := r.l.owner(k); !ok || owner != i {
			return fail(fmt.Errorf("received symbol %d, which is not subscribed to here", k))
		}
		out.received++
	}
	r.ended.Add(1)
	select {
	case r.wake <- struct{}{}:
	default:
	}
	select {
	case <-r.churn:
	case <-ctx.Done():
		return fail(ctx.Err())
	}
	for _, sub := range []bool{false, true} {
		for j := range r.l.per {
			t := r.l.appendTopic(topic[:0], r.l.subscription(i, j))
			if sub {
				err = s.Subscribe(t)
			} else {
				err = s.Unsubscribe(t)
			}
			if err != nil {
				return fail(err)
			}
		}
	}
	return out
}
