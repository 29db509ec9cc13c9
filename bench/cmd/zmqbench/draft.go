package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/brokerless/zmq/bench/perf"
	"github.com/brokerless/zmq/socket"
)

// The draft types' subcommands, each in one process over -endpoint (inproc by
// default; tcp://127.0.0.1:* and ipc:// work too), every socket with the zero Options:
//
//	client_lat  <message-size> <roundtrip-count>  CLIENT → SERVER echo, inproc_lat's lines
//	scatter_thr <message-size> <message-count>    SCATTER → GATHER, inproc_thr's lines
//	radio_thr   <message-size> <message-count>    RADIO → DISH, one group, inproc_thr's lines
//
// radio_thr's RADIO blocks at the high-water mark (PolicyBlock, libzmq's XPUB_NODROP)
// so that every message counts, as proxy_thr's publishers do.

// draftWait bounds each wait for the receiving side.
const draftWait = 30 * time.Second

var draftExtras = map[string]perf.Extra{
	"client_lat":  {Usage: "<message-size> <roundtrip-count>", Report: clientLat},
	"scatter_thr": {Usage: "<message-size> <message-count>", Run: scatterThr},
	"radio_thr":   {Usage: "<message-size> <message-count>", Run: radioThr},
}

// draftPair makes a socket of type bindT bound to ep (or the default) and one of
// connT connected to it; the closer closes both.
func draftPair(ep, def string, bindT, connT socket.Type, connOpts socket.Options) (b, c *socket.Socket, closer func(), err error) {
	if ep == "" {
		ep = def
	}
	if b, err = socket.New(bindT, socket.Options{}); err != nil {
		return nil, nil, nil, err
	}
	if c, err = socket.New(connT, connOpts); err != nil {
		b.Close()
		return nil, nil, nil, err
	}
	closer = func() { c.Close(); b.Close() }
	if err = b.Bind(ep); err == nil {
		err = c.Connect(b.LastEndpoint())
	}
	if err != nil {
		closer()
		return nil, nil, nil, err
	}
	return b, c, closer, nil
}

// clientLat times round trips of a CLIENT to a SERVER that echoes by routing id.
func clientLat(cfg perf.Config, args []int, w io.Writer) error {
	size, n := args[0], args[1]
	server, client, closer, err := draftPair(cfg.Endpoint, "inproc://client_lat", socket.Server, socket.Client, socket.Options{})
	if err != nil {
		return err
	}
	defer closer()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	echoed := make(chan error, 1)
	go func() {
		for i := 0; i < n+cfg.Warmup; i++ {
			m, id, err := server.RecvFrom(ctx)
			if err == nil {
				err = server.SendTo(ctx, id, m)
			}
			if err != nil {
				echoed <- err
				return
			}
		}
		echoed <- nil
	}()
	body := make([]byte, size)
	frames := [][]byte{body}
	trip := func() error {
		if err := client.Send(ctx, socket.Msg{Frames: frames}); err != nil {
			return err
		}
		m, err := client.Recv(ctx)
		if err != nil {
			return err
		}
		if m.Size() != size {
			return fmt.Errorf("client_lat: got %d bytes, want %d", m.Size(), size)
		}
		m.Release()
		return nil
	}
	for i := 0; i < cfg.Warmup; i++ {
		if err := trip(); err != nil {
			return err
		}
	}
	start := time.Now()
	for i := 0; i < n; i++ {
		if err := trip(); err != nil {
			return err
		}
	}
	elapsed := time.Since(start)
	if err := <-echoed; err != nil {
		return err
	}
	r := perf.Result{Impl: "zmqbench", Test: "client_lat", Endpoint: cfg.Endpoint, Size: size,
		Roundtrips: n, Warmup: cfg.Warmup, ElapsedNS: int64(elapsed),
		LatencyUS: float64(elapsed) / 1e3 / float64(2*n)}
	return r.Print(w, cfg.JSON)
}

// scatterThr sends count messages from a SCATTER to a GATHER; the clock runs from the
// first message received to the last, as inproc_thr's.
func scatterThr(cfg perf.Config, size, count int) (time.Duration, error) {
	gather, scatter, closer, err := draftPair(cfg.Endpoint, "inproc://scatter_thr", socket.Gather, socket.Scatter, socket.Options{})
	if err != nil {
		return 0, err
	}
	defer closer()
	total := count + cfg.Warmup
	sent := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), draftWait)
		defer cancel()
		frames := [][]byte{make([]byte, size)}
		for i := 0; i < total; i++ {
			if err := scatter.Send(ctx, socket.Msg{Frames: frames}); err != nil {
				sent <- err
				return
			}
		}
		sent <- nil
	}()
	elapsed, err := receiveAll(total, cfg.Warmup, size, func(ctx context.Context) (socket.Msg, error) {
		return gather.Recv(ctx)
	})
	if serr := <-sent; err == nil {
		err = serr
	}
	return elapsed, err
}

// radioThr sends count messages from a RADIO to a DISH joined to their group, once the
// JOIN has reached the RADIO.
func radioThr(cfg perf.Config, size, count int) (time.Duration, error) {
	dish, radio, closer, err := draftPair(cfg.Endpoint, "inproc://radio_thr", socket.Dish, socket.Radio, socket.Options{WhenFull: socket.PolicyBlock})
	if err != nil {
		return 0, err
	}
	defer closer()
	const group = "bench"
	if err := dish.Join(group); err != nil {
		return 0, err
	}
	if err := awaitJoin(radio, dish, group); err != nil {
		return 0, err
	}
	total := count + cfg.Warmup
	sent := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), draftWait)
		defer cancel()
		frames := [][]byte{make([]byte, size)}
		for i := 0; i < total; i++ {
			if err := radio.SendGroup(ctx, group, socket.Msg{Frames: frames}); err != nil {
				sent <- err
				return
			}
		}
		sent <- nil
	}()
	elapsed, err := receiveAll(total, cfg.Warmup, size, func(ctx context.Context) (socket.Msg, error) {
		m, _, err := dish.RecvGroup(ctx)
		return m, err
	})
	if serr := <-sent; err == nil {
		err = serr
	}
	return elapsed, err
}

// awaitJoin sends probes to group until the DISH receives one, then reads the probes
// still on their way: those the RADIO did not drop for want of a member.
func awaitJoin(radio, dish *socket.Socket, group string) error {
	ctx, cancel := context.WithTimeout(context.Background(), draftWait)
	defer cancel()
	probes := uint64(0)
	for {
		if err := radio.SendGroup(ctx, group, socket.NewMsgString("probe")); err != nil {
			return err
		}
		probes++
		pctx, pcancel := context.WithTimeout(ctx, time.Millisecond)
		_, _, err := dish.RecvGroup(pctx)
		pcancel()
		if err == nil {
			break
		}
		if ctx.Err() != nil {
			return fmt.Errorf("radio_thr: the DISH's JOIN did not reach the RADIO: %w", ctx.Err())
		}
	}
	for left := probes - radio.Stats().Drops.NoPeers - 1; left > 0; left-- {
		if _, _, err := dish.RecvGroup(ctx); err != nil {
			return err
		}
	}
	return nil
}

// receiveAll receives warmup untimed messages, then the first timed one, which starts
// the clock, then the rest, and returns the time from the first timed message to the
// last.
func receiveAll(total, warmup, size int, recv func(context.Context) (socket.Msg, error)) (time.Duration, error) {
	ctx, cancel := context.WithTimeout(context.Background(), draftWait)
	defer cancel()
	var start time.Time
	for i := 0; i < total; i++ {
		m, err := recv(ctx)
		if err != nil {
			return 0, fmt.Errorf("after %d of %d messages: %w", i, total, err)
		}
		if m.Size() != size {
			return 0, fmt.Errorf("got %d bytes, want %d", m.Size(), size)
		}
		m.Release()
		if i == warmup {
			start = time.Now()
		}
	}
	return time.Since(start), nil
}
