package socket

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// parkWriter makes the next goroutine that takes messages from a pipe for writing (the
// writer, or a sender writing directly) stop before it writes them. It returns a channel
// closed once a goroutine is parked there, and a function that lets it go on.
func parkWriter(t *testing.T) (parked <-chan struct{}, release func()) {
	t.Helper()
	p := make(chan struct{})
	r := make(chan struct{})
	var once sync.Once
	testHookWriterTook = func() {
		first := false
		once.Do(func() { first = true })
		if first {
			close(p)
			<-r
		}
	}
	var releaseOnce sync.Once
	release = func() { releaseOnce.Do(func() { close(r) }) }
	t.Cleanup(func() {
		release()
		testHookWriterTook = nil
	})
	return p, release
}

// lingerWaits returns a channel that receives a value each time Close finds a peer not
// yet drained and waits for it.
func lingerWaits(t *testing.T) <-chan struct{} {
	t.Helper()
	ch := make(chan struct{}, 1)
	testHookLingerWait = func() {
		select {
		case ch <- struct{}{}:
		default:
		}
	}
	t.Cleanup(func() { testHookLingerWait = nil })
	return ch
}

// closeKeepsTakenBatch checks that Close lingers for a message that a writer has taken
// from the queue but not yet written: the socket must not be torn down (s.done) until
// the writer is let go, and the peer must get the message.
func closeKeepsTakenBatch(t *testing.T, s *Socket, sendDone <-chan error, parked <-chan struct{}, release func()) {
	t.Helper()
	select {
	case <-parked:
	case <-time.After(10 * time.Second):
		t.Fatal("no writer took the message")
	}
	waiting := lingerWaits(t)
	closed := make(chan error, 1)
	go func() { closed <- s.Close() }()
	select {
	case <-waiting:
	case <-s.done:
		t.Fatal("Close took a pipe whose batch was still in the writer's hands for drained")
	case <-time.After(10 * time.Second):
		t.Fatal("Close neither waited nor tore down")
	}
	release()
	if sendDone != nil {
		require.NoError(t, <-sendDone)
	}
	select {
	case err := <-closed:
		require.NoError(t, err)
	case <-time.After(20 * time.Second):
		t.Fatal("Close did not return once the writer had written")
	}
}

func TestCloseLingersForBatchTakenByWriter(t *testing.T) {
	runStream(t, func(t *testing.T, tr string) {
		pull := newSocket(t, Pull, Options{})
		ep := bind(t, pull, tr)
		push, err := New(Push, Options{Linger: time.Minute})
		require.NoError(t, err)
		connect(t, push, ep)
		send(t, push, "warm-up")
		require.Equal(t, []string{"warm-up"}, recvStrings(t, pull))

		parked, release := parkWriter(t)
		send(t, push, "last words")
		closeKeepsTakenBatch(t, push, nil, parked, release)
		require.Equal(t, []string{"last words"}, recvStrings(t, pull))
	})
}

func TestCloseLingersForDirectWrite(t *testing.T) {
	runStream(t, func(t *testing.T, tr string) {
		rep := newSocket(t, Rep, Options{})
		ep := bind(t, rep, tr)
		req, err := New(Req, Options{Linger: time.Minute})
		require.NoError(t, err)
		connect(t, req, ep)
		send(t, req, "warm-up")
		require.Equal(t, []string{"warm-up"}, recvStrings(t, rep))
		send(t, rep, "ok")
		require.Equal(t, []string{"ok"}, recvStrings(t, req))

		// REQ writes a request on the sending goroutine when its writer is idle, so
		// the parked goroutine may be Send itself.
		parked, release := parkWriter(t)
		sendDone := make(chan error, 1)
		go func() { sendDone <- req.Send(context.Background(), NewMsgString("last words")) }()
		closeKeepsTakenBatch(t, req, sendDone, parked, release)
		require.Equal(t, []string{"last words"}, recvStrings(t, rep))
	})
}

func TestSecondCloseWaitsForFirst(t *testing.T) {
	runStream(t, func(t *testing.T, tr string) {
		pull := newSocket(t, Pull, Options{})
		ep := bind(t, pull, tr)
		push, err := New(Push, Options{Linger: time.Minute})
		require.NoError(t, err)
		connect(t, push, ep)
		send(t, push, "warm-up")
		require.Equal(t, []string{"warm-up"}, recvStrings(t, pull))

		// The first Close lingers while a writer holds a message.
		parked, release := parkWriter(t)
		send(t, push, "held")
		<-parked
		waiting := lingerWaits(t)
		first := make(chan error, 1)
		go func() { first <- push.Close() }()
		<-waiting

		second := make(chan error, 1)
		go func() { second <- push.Close() }()
		shutdown := make(chan error, 1)
		go func() { shutdown <- push.Shutdown(context.Background()) }()
		// Neither may return while the first Close is still running. The first one
		// cannot finish before release, so a return now is the fault under test.
		select {
		case err := <-second:
			t.Fatalf("second Close returned %v while the first was still lingering", err)
		case err := <-shutdown:
			t.Fatalf("Shutdown returned %v while the first Close was still lingering", err)
		case <-push.done:
			t.Fatal("the first Close stopped lingering before the writer was let go")
		case <-waitFor(func() bool { return closeWaiters(push) >= 2 }):
		case <-time.After(30 * time.Second):
			t.Fatal("the later Close and Shutdown never started waiting")
		}
		release()
		require.NoError(t, <-first)
		require.NoError(t, <-second, "Close of a closed socket returns nil")
		require.ErrorIs(t, <-shutdown, ErrClosed, "Shutdown of a closed socket reports it")
		require.Equal(t, []string{"held"}, recvStrings(t, pull))
	})
}

func TestShutdownOfClosedSocket(t *testing.T) {
	s, err := New(Push, Options{})
	require.NoError(t, err)
	require.NoError(t, s.Shutdown(context.Background()))
	require.ErrorIs(t, s.Shutdown(context.Background()), ErrClosed)
	require.NoError(t, s.Close())
}

// closeWaiters counts the goroutines blocked in Close or Shutdown behind the first one.
func closeWaiters(s *Socket) int { return int(s.closeWaiting.Load()) }

// waitFor returns a channel closed once cond holds; it checks every millisecond for up
// to 20 seconds, and never closes if cond never holds.
func waitFor(cond func() bool) <-chan struct{} {
	ch := make(chan struct{})
	go func() {
		deadline := time.Now().Add(20 * time.Second)
		for time.Now().Before(deadline) {
			if cond() {
				close(ch)
				return
			}
			time.Sleep(time.Millisecond)
		}
	}()
	return ch
}

// Over ipc, Close lingers until the peer process has read what was written: a libzmq
// peer that has paused reading drops what it has not read when an ipc connection
// hangs up (interop's TestLibzmqPullGetsAllFromClosingPushIPC shows the loss). Here the
// PULL's queue holds one message and its reader's buffer 64 KiB, so most of a 150 KB
// batch waits in the kernel (which takes about 200 KB) until the application receives.
func TestCloseLingersUntilIPCPeerHasRead(t *testing.T) {
	pull := newSocket(t, Pull, Options{RecvHWM: 1})
	ep := bind(t, pull, "ipc")
	push := newSocket(t, Push, Options{Linger: time.Minute})
	connect(t, push, ep)
	send(t, push, "warm-up")
	require.Equal(t, []string{"warm-up"}, recvStrings(t, pull))

	const n = 150
	ctx := context.Background()
	for i := range n {
		body := make([]byte, 1000) // the socket holds the body until it is written
		body[0] = byte(i)
		require.NoError(t, push.Send(ctx, NewMsg(body)))
	}
	waiting := lingerWaits(t)
	closed := make(chan error, 1)
	go func() { closed <- push.Close() }()
	// Close keeps looking at the peer, which reads nothing until the application
	// receives: it must still be lingering after several looks.
	for range 5 {
		select {
		case <-waiting:
		case err := <-closed:
			t.Fatalf("Close returned (%v) before the peer had read the batch", err)
		case <-time.After(10 * time.Second):
			t.Fatal("Close neither waited nor returned")
		}
	}
	rctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	for i := range n {
		m, err := pull.Recv(rctx)
		require.NoError(t, err, "message %d", i)
		require.Len(t, m.Frames, 1)
		require.Equal(t, byte(i), m.Frames[0][0])
		m.Release()
	}
	select {
	case err := <-closed:
		require.NoError(t, err)
	case <-time.After(10 * time.Second):
		t.Fatal("Close did not return once the peer had read everything")
	}
}
