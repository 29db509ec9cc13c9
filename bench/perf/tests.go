package perf

import (
	"fmt"
	"time"
)

// errSize is libzmq's complaint about a message of the wrong size.
func errSize(got, want int) error {
	return fmt.Errorf("message of incorrect size received: %d, want %d", got, want)
}

// open creates a socket of kind k and binds or connects it.
func open(impl Impl, k Kind, endpoint string, bind bool) (Socket, string, error) {
	s, err := impl.Socket(k)
	if err != nil {
		return nil, "", fmt.Errorf("%v socket: %w", k, err)
	}
	if bind {
		resolved, err := s.Bind(endpoint)
		if err != nil {
			s.Close()
			return nil, "", fmt.Errorf("bind %s: %w", endpoint, err)
		}
		return s, resolved, nil
	}
	if err := s.Connect(endpoint); err != nil {
		s.Close()
		return nil, "", fmt.Errorf("connect %s: %w", endpoint, err)
	}
	return s, endpoint, nil
}

// finish closes s and then impl, keeping the first error.
func finish(impl Impl, s Socket, err error) error {
	if s != nil {
		if cerr := s.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("close: %w", cerr)
		}
	}
	if cerr := impl.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("terminate: %w", cerr)
	}
	return err
}

// echo is local_lat's loop: a REP that returns n messages of the given size.
func echo(s Socket, size, n int) error {
	for i := 0; i < n; i++ {
		b, err := s.Recv()
		if err != nil {
			return fmt.Errorf("recv: %w", err)
		}
		if len(b) != size {
			return errSize(len(b), size)
		}
		if err := s.Send(b); err != nil {
			return fmt.Errorf("send: %w", err)
		}
	}
	return nil
}

// pingPong is remote_lat's loop: warmup untimed round trips, then n timed ones. The
// clock starts before the first timed send (libzmq starts it right after connect, so a
// run without warm-up includes connection setup in its first round trip, as libzmq's).
func pingPong(s Socket, cfg Config, size, n int) ([]time.Duration, time.Duration, error) {
	body := make([]byte, size)
	trip := func() error {
		if err := s.Send(body); err != nil {
			return fmt.Errorf("send: %w", err)
		}
		b, err := s.Recv()
		if err != nil {
			return fmt.Errorf("recv: %w", err)
		}
		if len(b) != size {
			return errSize(len(b), size)
		}
		return nil
	}
	for i := 0; i < cfg.Warmup; i++ {
		if err := trip(); err != nil {
			return nil, 0, err
		}
	}
	var rtts []time.Duration
	if cfg.Percentiles {
		rtts = make([]time.Duration, n)
	}
	start := time.Now()
	if rtts == nil {
		for i := 0; i < n; i++ {
			if err := trip(); err != nil {
				return nil, 0, err
			}
		}
	} else {
		last := start
		for i := 0; i < n; i++ {
			if err := trip(); err != nil {
				return nil, 0, err
			}
			now := time.Now()
			rtts[i] = now.Sub(last)
			last = now
		}
	}
	return rtts, time.Since(start), nil
}

// sink is local_thr's loop: warmup untimed messages, then the first message, which
// starts the clock, then n-1 more.
func sink(s Socket, cfg Config, size, n int) (time.Duration, error) {
	recv := func() error {
		b, err := s.Recv()
		if err != nil {
			return fmt.Errorf("recv: %w", err)
		}
		if len(b) != size {
			return errSize(len(b), size)
		}
		return nil
	}
	for i := 0; i < cfg.Warmup; i++ {
		if err := recv(); err != nil {
			return 0, err
		}
	}
	if err := recv(); err != nil {
		return 0, err
	}
	start := time.Now()
	for i := 0; i < n-1; i++ {
		if err := recv(); err != nil {
			return 0, err
		}
	}
	return time.Since(start), nil
}

// source is remote_thr's loop: n messages of the given size, never touched.
func source(s Socket, size, n int) error {
	body := make([]byte, size)
	for i := 0; i < n; i++ {
		if err := s.Send(body); err != nil {
			return fmt.Errorf("send: %w", err)
		}
	}
	return nil
}

func localLat(p Program, cfg Config, ep string, size, n int) error {
	impl := p.New()
	s, _, err := open(impl, Rep, ep, true)
	if err != nil {
		return finish(impl, nil, err)
	}
	return finish(impl, s, echo(s, size, n+cfg.Warmup))
}

func remoteLat(p Program, cfg Config, ep string, size, n int) ([]time.Duration, time.Duration, error) {
	impl := p.New()
	s, _, err := open(impl, Req, ep, false)
	if err != nil {
		return nil, 0, finish(impl, nil, err)
	}
	rtts, elapsed, err := pingPong(s, cfg, size, n)
	return rtts, elapsed, finish(impl, s, err)
}

func localThr(p Program, cfg Config, ep string, size, n int) (time.Duration, error) {
	impl := p.New()
	s, _, err := open(impl, Pull, ep, true)
	if err != nil {
		return 0, finish(impl, nil, err)
	}
	elapsed, err := sink(s, cfg, size, n)
	return elapsed, finish(impl, s, err)
}

func remoteThr(p Program, cfg Config, ep string, size, n int) error {
	impl := p.New()
	s, _, err := open(impl, Push, ep, false)
	if err != nil {
		return finish(impl, nil, err)
	}
	return finish(impl, s, source(s, size, n+cfg.Warmup))
}

// inprocLat is libzmq's inproc_lat: REQ binds in the main goroutine, REP connects in a
// second one and echoes.
func inprocLat(p Program, cfg Config, ep string, size, n int) ([]time.Duration, time.Duration, error) {
	impl := p.New()
	req, resolved, err := open(impl, Req, ep, true)
	if err != nil {
		return nil, 0, finish(impl, nil, err)
	}
	done := make(chan error, 1)
	go func() {
		rep, _, err := open(impl, Rep, resolved, false)
		if err != nil {
			done <- err
			return
		}
		err = echo(rep, size, n+cfg.Warmup)
		if cerr := rep.Close(); err == nil && cerr != nil {
			err = cerr
		}
		done <- err
	}()
	rtts, elapsed, err := pingPong(req, cfg, size, n)
	if err != nil {
		// The echo goroutine may be stuck in Recv; the process is about to exit anyway.
		return nil, 0, err
	}
	err = <-done
	return rtts, elapsed, finish(impl, req, err)
}

// inprocThr is libzmq's inproc_thr: PULL binds in the main goroutine, PUSH connects in a
// second one and sends.
func inprocThr(p Program, cfg Config, ep string, size, n int) (time.Duration, error) {
	impl := p.New()
	pull, resolved, err := open(impl, Pull, ep, true)
	if err != nil {
		return 0, finish(impl, nil, err)
	}
	done := make(chan error, 1)
	go func() {
		push, _, err := open(impl, Push, resolved, false)
		if err != nil {
			done <- err
			return
		}
		err = source(push, size, n+cfg.Warmup)
		if cerr := push.Close(); err == nil && cerr != nil {
			err = cerr
		}
		done <- err
	}()
	elapsed, err := sink(pull, cfg, size, n)
	if err != nil {
		return 0, err
	}
	err = <-done
	return elapsed, finish(impl, pull, err)
}
