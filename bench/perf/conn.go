package perf

import (
	"fmt"
	"time"
)

// The connection-rate test, ours and libzmq's C programs (bench/peers/c/local_conn.c,
// remote_conn.c) alike; libzmq's perf tools have none:
//
//	local_conn  <bind-to> <message-size> <connection-count>     REP, binds, echoes
//	remote_conn <connect-to> <message-size> <connection-count>  REQ per connection, prints
//
// remote_conn opens one REQ socket per connection, connects it, makes one round trip of
// a message-size body (which cannot complete before the handshake has, CURVE's included)
// and closes it, one connection after another. The clock runs from before the first
// socket to after the last close, and the figure is connections per second:
//
//	message size: 1 [B]
//	connection count: 2000
//	mean connection rate: 2143.7 [conn/s]
//
// local_conn answers connection-count requests (plus -warmup) on one REP socket; each
// comes from a new peer. -warmup N makes N untimed connections first.

// localConn is local_conn: a REP that answers n requests, one per connecting peer.
func localConn(p Program, cfg Config, ep string, size, n int) error {
	impl := p.New()
	s, _, err := open(impl, Rep, ep, true)
	if err != nil {
		return finish(impl, nil, err)
	}
	return finish(impl, s, echo(s, size, n+cfg.Warmup))
}

// remoteConn is remote_conn: warmup untimed connections, then n timed ones, each a
// fresh REQ socket that connects, makes one round trip and closes.
func remoteConn(p Program, cfg Config, ep string, size, n int) (time.Duration, error) {
	impl := p.New()
	body := make([]byte, size)
	one := func() error {
		s, _, err := open(impl, Req, ep, false)
		if err != nil {
			return err
		}
		if err := s.Send(body); err != nil {
			s.Close()
			return fmt.Errorf("send: %w", err)
		}
		b, err := s.Recv()
		if err == nil && len(b) != size {
			err = errSize(len(b), size)
		}
		if err != nil {
			s.Close()
			return fmt.Errorf("recv: %w", err)
		}
		if err := s.Close(); err != nil {
			return fmt.Errorf("close: %w", err)
		}
		return nil
	}
	for i := 0; i < cfg.Warmup; i++ {
		if err := one(); err != nil {
			return 0, finish(impl, nil, err)
		}
	}
	start := time.Now()
	for i := 0; i < n; i++ {
		if err := one(); err != nil {
			return 0, finish(impl, nil, err)
		}
	}
	elapsed := time.Since(start)
	return elapsed, finish(impl, nil, nil)
}
