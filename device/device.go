package device

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/brokerless/zmq/socket"
)

// Option configures a [Device].
type Option func(*config)

type config struct {
	capture *socket.Socket
	control *socket.Socket
	logger  *slog.Logger
}

// WithCapture sends a copy of every message the device receives, from either side,
// to s before forwarding it. The copy shares the message's frames.
func WithCapture(s *socket.Socket) Option { return func(c *config) { c.capture = s } }

// WithControl serves the steering commands received on s, which must be a REP or PAIR
// socket (see the package documentation for the commands and replies).
func WithControl(s *socket.Socket) Option { return func(c *config) { c.control = s } }

// WithLogger logs the device's notable events (control commands, unknown commands,
// a direction that discards what its destination cannot send) to l. By default the
// device logs nothing.
func WithLogger(l *slog.Logger) Option { return func(c *config) { c.logger = l } }

// ErrRunning is returned by [Device.Run] when the device was already run.
var ErrRunning = errors.New("device: already run")

// Device is a steerable proxy between a frontend and a backend socket. Create it with
// [New] (any socket types) or [NewQueue], [NewForwarder] or [NewStreamer] (checked
// types), then call Run. Its methods are safe for concurrent use.
type Device struct {
	frontend, backend *socket.Socket
	cfg               config
	front, back       counters
	started           atomic.Bool

	term     chan struct{} // closed by Terminate
	termOnce sync.Once

	mu         sync.Mutex
	cond       sync.Cond // signalled when a direction leaves Recv
	paused     bool
	resumed    chan struct{} // closed by Resume while paused
	runCtx     context.Context
	recvCtx    context.Context // the context of every Recv; Pause cancels it
	recvCancel context.CancelFunc
	receiving  int // directions inside Recv
}

// New returns a device that forwards between frontend and backend, whatever their
// types, like libzmq's zmq_proxy. The two may be the same socket, which then
// forwards to itself.
func New(frontend, backend *socket.Socket, opts ...Option) (*Device, error) {
	if frontend == nil || backend == nil {
		return nil, errors.New("device: nil frontend or backend socket")
	}
	d := &Device{frontend: frontend, backend: backend, term: make(chan struct{})}
	d.cond.L = &d.mu
	for _, o := range opts {
		o(&d.cfg)
	}
	if c := d.cfg.control; c != nil && c.Type() != socket.Rep && c.Type() != socket.Pair {
		return nil, &TypeError{Device: "proxy", Side: "control", Want: []socket.Type{socket.Rep, socket.Pair}, Got: c.Type()}
	}
	if d.cfg.logger == nil {
		d.cfg.logger = slog.New(slog.DiscardHandler)
	}
	return d, nil
}

// Proxy forwards messages between frontend and backend, whatever their types, until
// ctx ends (returning ctx.Err()), a socket fails (returning an error that wraps the
// socket's, such as socket.ErrClosed) or a TERMINATE command arrives on the control
// socket (returning nil). It is New followed by Run.
func Proxy(ctx context.Context, frontend, backend *socket.Socket, opts ...Option) error {
	d, err := New(frontend, backend, opts...)
	if err != nil {
		return err
	}
	return d.Run(ctx)
}

// Run forwards messages until ctx ends (returning ctx.Err()), the device is
// terminated (returning nil) or a socket fails (returning an error that wraps the
// socket's, such as socket.ErrClosed). It starts a goroutine for each direction, and
// one for the control socket, and returns only when they have all exited. A device
// runs once; a second Run returns ErrRunning.
func (d *Device) Run(ctx context.Context) error {
	if !d.started.CompareAndSwap(false, true) {
		return ErrRunning
	}
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	d.mu.Lock()
	d.runCtx = runCtx
	d.mu.Unlock()

	var (
		wg       sync.WaitGroup
		errOnce  sync.Once
		firstErr error
	)
	fail := func(err error) {
		if err != nil {
			errOnce.Do(func() { firstErr = err })
			cancel()
		}
	}
	wg.Go(func() { fail(d.forward(runCtx, d.frontend, d.backend, &d.front, &d.back, "frontend", "backend")) })
	if d.backend != d.frontend {
		wg.Go(func() { fail(d.forward(runCtx, d.backend, d.frontend, &d.back, &d.front, "backend", "frontend")) })
	}
	if d.cfg.control != nil {
		wg.Go(func() { fail(d.serveControl(runCtx)) })
	}
	terminated := false
	select {
	case <-runCtx.Done():
	case <-d.term:
		terminated = true
	}
	cancel()
	wg.Wait()
	d.mu.Lock()
	if d.recvCancel != nil {
		d.recvCancel()
	}
	d.mu.Unlock()

	// Every fail call happened before wg.Wait returned.
	switch {
	case firstErr != nil:
		return firstErr
	case terminated:
		return nil
	}
	select {
	case <-d.term:
		return nil
	default:
	}
	return ctx.Err()
}

// forward moves messages from src to dst until ctx ends or a socket fails.
func (d *Device) forward(ctx context.Context, src, dst *socket.Socket, in, out *counters, srcName, dstName string) error {
	discard := false
	for {
		rctx, ok := d.enter(ctx)
		if !ok {
			return nil
		}
		m, err := src.Recv(rctx)
		d.leave()
		if err != nil {
			switch {
			case ctx.Err() != nil:
				return nil
			case rctx.Err() != nil:
				continue // paused
			case errors.Is(err, socket.ErrNotSupported):
				return nil // src cannot receive: this direction is not used
			}
			return fmt.Errorf("device: %s recv: %w", srcName, err)
		}
		in.received(m)
		if c := d.cfg.capture; c != nil {
			// The capture socket gets its own frame list (never the bodies), so nothing
			// it does to the list can reach the message forwarded below.
			if err := c.Send(ctx, socket.Msg{Frames: slices.Clone(m.Frames)}); err != nil {
				if ctx.Err() != nil {
					return nil
				}
				return fmt.Errorf("device: capture send: %w", err)
			}
		}
		if discard {
			continue
		}
		// Counted before Send, so a peer that has the message sees it in the stats;
		// taken back if Send fails.
		frames, bytes := uint64(len(m.Frames)), frameBytes(m)
		out.sent(frames, bytes)
		err = dst.Send(ctx, m)
		if err != nil {
			out.unsent(frames, bytes)
		}
		switch {
		case err == nil:
		case ctx.Err() != nil:
			return nil
		case errors.Is(err, socket.ErrNotSupported):
			d.cfg.logger.Warn("device: destination cannot send; discarding what it would get",
				"from", srcName, "to", dstName, "type", dst.Type().String())
			discard = true
		case errors.Is(err, socket.ErrHostUnreachable), errors.Is(err, socket.ErrQueueFull):
			out.dropped.Add(1) // this message only; the device carries on
		default:
			return fmt.Errorf("device: %s send: %w", dstName, err)
		}
	}
}

// enter waits while the device is paused and returns the context for the next Recv,
// counting the caller as receiving. It reports false when ctx ended.
func (d *Device) enter(ctx context.Context) (context.Context, bool) {
	d.mu.Lock()
	for d.paused {
		ch := d.resumed
		d.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return nil, false
		}
		d.mu.Lock()
	}
	if d.recvCtx == nil {
		d.recvCtx, d.recvCancel = context.WithCancel(ctx)
	}
	rctx := d.recvCtx
	d.receiving++
	d.mu.Unlock()
	return rctx, true
}

// leave ends a Recv started after enter.
func (d *Device) leave() {
	d.mu.Lock()
	d.receiving--
	if d.receiving == 0 {
		d.cond.Broadcast()
	}
	d.mu.Unlock()
}

// Pause stops forwarding. When it returns, no message that reaches the device
// afterwards is forwarded until Resume; a message the device had already received
// is still delivered. Pausing a paused device does nothing. The control socket, if
// any, is still served; a frontend or backend closed while the device is paused is
// noticed when it resumes.
func (d *Device) Pause() {
	d.mu.Lock()
	defer d.mu.Unlock()
	if !d.paused {
		d.paused = true
		d.resumed = make(chan struct{})
		if d.recvCancel != nil {
			d.recvCancel() // wakes the directions blocked in Recv
			d.recvCtx, d.recvCancel = nil, nil
		}
	}
	for d.paused && d.receiving > 0 {
		d.cond.Wait()
	}
}

// Resume restarts forwarding after Pause. Resuming a running device does nothing.
func (d *Device) Resume() {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.paused {
		d.paused = false
		close(d.resumed)
	}
}

// Paused reports whether the device is paused.
func (d *Device) Paused() bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.paused
}

// Terminate makes Run return nil, after its goroutines have exited. It does not wait
// for that; a device terminated before Run returns from Run at once.
func (d *Device) Terminate() {
	d.termOnce.Do(func() { close(d.term) })
}
