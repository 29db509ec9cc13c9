package pgm_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/brokerless/zmq/internal/netns"
	"github.com/brokerless/zmq/transport/pgm"
	"github.com/brokerless/zmq/wire"
	"github.com/stretchr/testify/require"
)

// TestMulticastBench measures the engine alone, sender and receiver in one
// private namespace on its loopback (Loopback on), at 100 Mbit/s: throughput
// of 64 B and 1000 B messages, one Send per message (one packet each) and
// SendBatch of 64 (packed as libzmq packs: 21 messages of 64 B per packet),
// and a ping-pong over two groups. Not part of the normal run:
//
//	PGM_BENCH=1 go test -count=1 -run TestMulticastBench -v ./transport/pgm
//
// The socket-level figures, against libzmq too, are in interop/pgm_bench_test.go.
func TestMulticastBench(t *testing.T) {
	if os.Getenv("PGM_BENCH") == "" && !netns.InChild() {
		t.Skip("benchmark: set PGM_BENCH=1 to run it")
	}
	netns.Run(t, 2*time.Minute, func(t *testing.T) {
		opts := pgm.Options{Rate: 100_000_000, RecoveryInterval: 2 * time.Second, Loopback: true}
		ep := func(group string) pgm.Endpoint {
			// A port per group: two senders on one address and port would
			// share the NAK address (see the package doc's limits).
			e, err := pgm.ParseEndpoint("epgm", "lo;"+group+":75"+group[len(group)-2:])
			require.NoError(t, err)
			return e
		}
		var rows []string
		for _, c := range []struct{ size, n, batch int }{{64, 50_000, 1}, {64, 200_000, 64}, {1000, 10_000, 1}, {1000, 20_000, 64}} {
			r, err := pgm.NewReceiver(ep("239.192.9.11"), opts)
			require.NoError(t, err)
			s, err := pgm.NewSender(ep("239.192.9.11"), opts)
			require.NoError(t, err)
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			warm(t, ctx, s, r)
			payload := bytes.Repeat([]byte{'x'}, c.size)
			done := make(chan error, 1)
			go func() {
				batch := make([]wire.Msg, c.batch)
				for i := range batch {
					batch[i] = wire.Msg{Frames: [][]byte{[]byte("D"), payload}}
				}
				for i := 0; i < c.n; i += c.batch {
					var err error
					if c.batch == 1 {
						err = s.Send(batch[0])
					} else {
						err = s.SendBatch(batch[:min(c.batch, c.n-i)])
					}
					if err != nil {
						done <- err
						return
					}
				}
				done <- nil
			}()
			var first, last time.Time
			got := 0
			for got < c.n {
				rctx, rcancel := context.WithTimeout(ctx, 5*time.Second)
				m, err := r.Recv(rctx)
				rcancel()
				if err != nil {
					break // a loss: report what arrived
				}
				if string(m.Frames[0]) != "D" {
					continue
				}
				if got == 0 {
					first = time.Now()
				}
				last = time.Now()
				got++
			}
			require.NoError(t, <-done)
			el := last.Sub(first).Seconds()
			st := r.Stats()
			how := "Send"
			if c.batch > 1 {
				how = fmt.Sprintf("SendBatch(%d)", c.batch)
			}
			rows = append(rows, fmt.Sprintf("| throughput %d B, %s | %d/%d msgs in %.2f s: %.0f msg/s, %.1f Mbit/s payload, %d packets (dups %d, lost %d) |",
				c.size, how, got, c.n, el, float64(got-1)/el, float64((got-1)*c.size*8)/el/1e6, st.Packets, st.Duplicates, st.Lost))
			cancel()
			s.Close()
			r.Close()
		}

		// Ping-pong: group 1 carries pings, group 2 pongs.
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		pingS, err := pgm.NewSender(ep("239.192.9.12"), opts)
		require.NoError(t, err)
		defer pingS.Close()
		pingR, err := pgm.NewReceiver(ep("239.192.9.12"), opts)
		require.NoError(t, err)
		defer pingR.Close()
		pongS, err := pgm.NewSender(ep("239.192.9.13"), opts)
		require.NoError(t, err)
		defer pongS.Close()
		pongR, err := pgm.NewReceiver(ep("239.192.9.13"), opts)
		require.NoError(t, err)
		defer pongR.Close()
		go func() { // echo
			for {
				m, err := pingR.Recv(ctx)
				if err != nil {
					return
				}
				_ = pongS.Send(m)
			}
		}()
		warm(t, ctx, pingS, pongR)
		const rounds = 500
		payload := bytes.Repeat([]byte{'x'}, 64)
		rtts := make([]time.Duration, 0, rounds)
		for i := 0; i < rounds; i++ {
			seq := []byte(strconv.Itoa(i))
			start := time.Now()
			require.NoError(t, pingS.Send(wire.Msg{Frames: [][]byte{seq, payload}}))
			for {
				rctx, rcancel := context.WithTimeout(ctx, 5*time.Second)
				m, err := pongR.Recv(rctx)
				rcancel()
				require.NoError(t, err, "pong %d", i)
				if bytes.Equal(m.Frames[0], seq) {
					break
				}
			}
			rtts = append(rtts, time.Since(start))
		}
		slices.Sort(rtts)
		rows = append(rows, fmt.Sprintf("| ping-pong RTT 64 B | median %v, p99 %v (%d round trips) |",
			rtts[rounds/2].Round(time.Microsecond), rtts[rounds*99/100].Round(time.Microsecond), rounds))
		t.Logf("engine only, one namespace, lo, Loopback on, rate 100 Mbit/s\n| test | result |\n|---|---|\n%s",
			joinLines(rows))
	})
}

// warm sends "W" until r hears one (a receiver joins at a message start).
func warm(t *testing.T, ctx context.Context, s *pgm.Sender, r *pgm.Receiver) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); ; {
		require.True(t, time.Now().Before(deadline), "receiver heard nothing")
		require.NoError(t, s.Send(wire.Msg{Frames: [][]byte{[]byte("W")}}))
		rctx, cancel := context.WithTimeout(ctx, 10*time.Millisecond)
		_, err := r.Recv(rctx)
		cancel()
		if err == nil {
			break
		}
	}
	for { // drain the warm-up
		rctx, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
		_, err := r.Recv(rctx)
		cancel()
		if err != nil {
			return
		}
	}
}

func joinLines(rows []string) string {
	var b bytes.Buffer
	for _, r := range rows {
		b.WriteString(r)
		b.WriteByte('\n')
	}
	return b.String()
}
