package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"time"

	"github.com/brokerless/zmq/bench/perf"
	"github.com/brokerless/zmq/socket"
)

// fanoutThr's defaults and bounds, the same as bench/peers/c/fanout_thr.c's.
const (
	fanoutEndpoint = "tcp://127.0.0.1:*"
	fanoutWait     = 10 * time.Second // bound of each wait for the subscribers
	fanoutResend   = time.Millisecond // a control message every millisecond
	fanoutMaxSubs  = 1024
)

// Control messages are two frames, an empty one then one of these words, so they cannot
// be mistaken for a one-frame data message of any size.
var (
	wordHello = []byte("hello")
	wordEnd   = []byte("end")
)

// fanoutResult is fanout_thr's -json object.
type fanoutResult struct {
	Impl            string `json:"impl"`
	Test            string `json:"test"`
	Endpoint        string `json:"endpoint"`
	Size            int    `json:"message_size"`
	Count           int    `json:"message_count"`
	Subscribers     int    `json:"subscribers"`
	ElapsedNS       int64  `json:"elapsed_ns"`
	MsgPerSec       int64  `json:"throughput_msg_s"` // published
	DeliveredPerSec int64  `json:"delivered_msg_s"`  // received by all subscribers together
	Dropped         int64  `json:"dropped"`
	Total           int64  `json:"total"` // message count × subscribers
}

// fanoutReport is the fanout_thr subcommand, <message-size> <message-count>
// <subscribers>: one PUB binds tcp://127.0.0.1:* (or -endpoint) and publishes to
// <subscribers> SUB sockets in the same process, each read by its own goroutine, every
// socket with the zero Options (libzmq's defaults: HWM 1000 each side, and a PUB that
// drops messages for a subscriber whose queue is full). The drops are expected and
// counted. Timing and output are bench/peers/c/fanout_thr.c's, the libzmq program it is
// compared with:
//
//	message size: 64 [B]
//	message count: 200000
//	subscribers: 8
//	mean throughput: N [msg/s]    (message count / elapsed: published per second)
//	delivered: N [msg/s]          (data messages received by all subscribers / elapsed)
//	dropped: N of M               (M = message count × subscribers, N = M - received)
//
// The clock starts just before the first data message and stops when the last
// subscriber receives the end marker (see fanoutThr). -warmup does not apply.
func fanoutReport(cfg perf.Config, args []int, w io.Writer) error {
	size, count, subs := args[0], args[1], args[2]
	if subs < 1 || subs > fanoutMaxSubs {
		return fmt.Errorf("fanout_thr: subscribers must be 1 to %d, got %d", fanoutMaxSubs, subs)
	}
	if cfg.Warmup > 0 {
		return errors.New("fanout_thr: -warmup is not supported")
	}
	ep := cfg.Endpoint
	if ep == "" {
		ep = fanoutEndpoint
	}
	elapsed, received, err := fanoutThr(ep, size, count, subs)
	if err != nil {
		return err
	}
	if elapsed <= 0 {
		elapsed = time.Microsecond
	}
	total := int64(count) * int64(subs)
	r := fanoutResult{
		Impl: "zmqbench", Test: "fanout_thr", Endpoint: ep,
		Size: size, Count: count, Subscribers: subs,
		ElapsedNS:       int64(elapsed),
		MsgPerSec:       int64(float64(count) / elapsed.Seconds()),
		DeliveredPerSec: int64(float64(received) / elapsed.Seconds()),
		Dropped:         total - received,
		Total:           total,
	}
	if cfg.JSON {
		b, err := json.Marshal(r)
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(w, "%s\n", b)
		return err
	}
	_, err = fmt.Fprintf(w, "message size: %d [B]\nmessage count: %d\nsubscribers: %d\n"+
		"mean throughput: %d [msg/s]\ndelivered: %d [msg/s]\ndropped: %d of %d\n",
		r.Size, r.Count, r.Subscribers, r.MsgPerSec, r.DeliveredPerSec, r.Dropped, r.Total)
	return err
}

// fanout is the state the publisher shares with its subscriber goroutines.
type fanout struct {
	size         int
	ready, ended atomic.Int64  // subscribers that received a "hello", an "end"
	failed       atomic.Bool   // a subscriber gave up; its error is in its slot
	wake         chan struct{} // capacity 1: a subscriber reported something
}

func (f *fanout) signal() {
	select {
	case f.wake <- struct{}{}:
	default:
	}
}

// subscriberResult is one subscriber goroutine's outcome.
type subscriberResult struct {
	received int       // data messages
	end      time.Time // when it received "end"
	err      error
}

// fanoutThr runs the test and returns the time from just before the first data message
// to the moment the last subscriber received the end marker, and the data messages
// received by all subscribers together.
//
// Before the clock starts the publisher sends "hello" every millisecond until every
// subscriber has received one (a subscriber skips any later "hello"), so every
// subscription is in place. Then it sends the data messages, one body and one frame list
// for all of them (Send only reads them), and sends "end" every millisecond until every
// subscriber has received one. Each wait is bounded to 10 s. The PUB's drop counter
// over the data messages must account for every message a subscriber missed.
func fanoutThr(ep string, size, count, subs int) (elapsed time.Duration, received int64, err error) {
	pub, err := socket.New(socket.Pub, socket.Options{})
	if err != nil {
		return 0, 0, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	var sockets []*socket.Socket
	defer func() {
		cancel() // ends the Recv of any subscriber still waiting
		wg.Wait()
		for _, s := range sockets {
			if cerr := s.Close(); err == nil && cerr != nil {
				err = fmt.Errorf("close sub: %w", cerr)
			}
		}
		if cerr := pub.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("close pub: %w", cerr)
		}
	}()
	if err := pub.Bind(ep); err != nil {
		return 0, 0, fmt.Errorf("bind %s: %w", ep, err)
	}
	ep = pub.LastEndpoint()

	f := &fanout{size: size, wake: make(chan struct{}, 1)}
	results := make([]subscriberResult, subs)
	for i := range subs {
		s, err := socket.New(socket.Sub, socket.Options{})
		if err != nil {
			return 0, 0, err
		}
		sockets = append(sockets, s)
		if err := s.Subscribe(nil); err != nil {
			return 0, 0, err
		}
		if err := s.Connect(ep); err != nil {
			return 0, 0, fmt.Errorf("connect %s: %w", ep, err)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i] = f.subscriber(ctx, s)
			if results[i].err != nil {
				f.failed.Store(true)
				f.signal()
			}
		}()
	}
	subErr := func() error {
		cancel()
		wg.Wait()
		var errs []error
		for i, r := range results {
			if r.err != nil && !errors.Is(r.err, context.Canceled) {
				errs = append(errs, fmt.Errorf("subscriber %d: %w", i, r.err))
			}
		}
		return errors.Join(errs...)
	}

	if err := f.await(ctx, pub, wordHello, &f.ready, subs); err != nil {
		return 0, 0, errors.Join(err, subErr())
	}
	before := pub.Stats().Drops
	frames := [][]byte{make([]byte, size)}
	start := time.Now()
	for range count {
		if err := pub.Send(ctx, socket.Msg{Frames: frames}); err != nil {
			return 0, 0, errors.Join(fmt.Errorf("publish: %w", err), subErr())
		}
	}
	after := pub.Stats().Drops
	if err := f.await(ctx, pub, wordEnd, &f.ended, subs); err != nil {
		return 0, 0, errors.Join(err, subErr())
	}
	wg.Wait() // every subscriber has returned after its "end"

	var last time.Time
	for _, r := range results {
		received += int64(r.received)
		if r.end.After(last) {
			last = r.end
		}
	}
	dropped := (after.HWM - before.HWM) + (after.Oldest - before.Oldest) + (after.NoPeers - before.NoPeers)
	if missing := int64(count)*int64(subs) - received; uint64(missing) != dropped {
		return 0, 0, fmt.Errorf("subscribers missed %d data messages but the PUB counted %d drops", missing, dropped)
	}
	return last.Sub(start), received, nil
}

// await sends the control message word every millisecond until counter reaches want,
// for at most 10 s, or until a subscriber fails.
func (f *fanout) await(ctx context.Context, pub *socket.Socket, word []byte, counter *atomic.Int64, want int) error {
	m := socket.Msg{Frames: [][]byte{{}, word}}
	deadline := time.Now().Add(fanoutWait)
	timer := time.NewTimer(fanoutResend)
	defer timer.Stop()
	for counter.Load() < int64(want) {
		if f.failed.Load() {
			return fmt.Errorf("waiting for %q: a subscriber failed", word)
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("timed out after %v: %d of %d subscribers received %q",
				fanoutWait, counter.Load(), want, word)
		}
		// Like any PUB message it is dropped for a subscriber whose queue is full, hence
		// the repetition.
		if err := pub.Send(ctx, m); err != nil {
			return fmt.Errorf("send %q: %w", word, err)
		}
		timer.Reset(fanoutResend)
		select {
		case <-f.wake:
		case <-timer.C:
		}
	}
	return nil
}

// subscriber reads s until the end marker, counting the data messages and checking
// their size, and releases every message it receives.
func (f *fanout) subscriber(ctx context.Context, s *socket.Socket) subscriberResult {
	var r subscriberResult
	greeted := false
	for {
		m, err := s.Recv(ctx)
		if err != nil {
			r.err = fmt.Errorf("recv: %w", err)
			return r
		}
		if len(m.Frames) == 1 {
			n := len(m.Frames[0])
			m.Release()
			if n != f.size {
				r.err = fmt.Errorf("message of incorrect size received: %d, want %d", n, f.size)
				return r
			}
			r.received++
			continue
		}
		if len(m.Frames) != 2 || len(m.Frames[0]) != 0 {
			r.err = fmt.Errorf("unexpected %d-frame message", len(m.Frames))
			return r
		}
		word := string(m.Frames[1])
		m.Release()
		switch word {
		case string(wordHello):
			if !greeted {
				greeted = true
				f.ready.Add(1)
				f.signal()
			}
		case string(wordEnd):
			r.end = time.Now()
			f.ended.Add(1)
			f.signal()
			return r
		default:
			r.err = fmt.Errorf("unknown control message %q", word)
			return r
		}
	}
}
