package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"time"

	"github.com/brokerless/zmq/device"
	"github.com/brokerless/zmq/internal/promtext"
	"github.com/brokerless/zmq/internal/secflag"
	"github.com/brokerless/zmq/internal/version"
	"github.com/brokerless/zmq/socket"
)

// run is the whole command, testable: it parses args, runs the device until ctx ends
// or the device stops, and returns the exit status.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if version.Requested(args) {
		fmt.Fprintln(stdout, version.String("zmqdevice"))
		return 0
	}
	cfg, err := parseArgs(args)
	if errors.Is(err, flag.ErrHelp) {
		fmt.Fprint(stdout, usageText)
		return 0
	}
	if err != nil {
		fmt.Fprintf(stderr, "zmqdevice: %v\nRun 'zmqdevice --help' for usage.\n", err)
		return 2
	}
	var handler slog.Handler = slog.NewTextHandler(stderr, nil)
	if cfg.logFormat == "json" {
		handler = slog.NewJSONHandler(stderr, nil)
	}
	log := slog.New(handler)

	// At exit the sockets close first, then what serves them: a CURVE server
	// whose authenticator had gone would let any client in while it lingers.
	var sockets []*socket.Socket
	var after []func()
	defer func() {
		closeAll(sockets)
		for _, f := range after {
			f()
		}
	}()
	open := func(role string, t socket.Type, eps []endpoint, opts socket.Options) (*socket.Socket, error) {
		opts.Linger = cfg.linger
		if cfg.linger == 0 {
			opts.Linger = -1 // the socket package reads 0 as its default
		}
		s, err := socket.New(t, opts)
		if err != nil {
			return nil, fmt.Errorf("%s socket: %w", role, err)
		}
		sockets = append(sockets, s)
		for _, e := range eps {
			if e.bind {
				if err := s.Bind(e.addr); err != nil {
					return nil, fmt.Errorf("%s: %w", role, err)
				}
				log.Info("bound", "socket", role, "type", t.String(), "endpoint", s.LastEndpoint())
			} else {
				if err := s.Connect(e.addr); err != nil {
					return nil, fmt.Errorf("%s: %w", role, err)
				}
				log.Info("connecting", "socket", role, "type", t.String(), "endpoint", e.addr)
			}
		}
		return s, nil
	}

	hwm := socket.Options{SendHWM: cfg.hwm, RecvHWM: cfg.hwm, TLSConfig: cfg.tls}
	if cfg.hwm == -1 {
		hwm.SendHWM, hwm.RecvHWM = socket.Unlimited, socket.Unlimited
	}
	fail := func(err error) int {
		log.Error("zmqdevice: " + err.Error())
		return 1
	}

	// The authenticator serves the sockets of inproc.Default, which the device's
	// sockets are.
	authenticator, err := cfg.auth.Start(nil, log)
	if err != nil {
		return fail(err)
	}
	if authenticator != nil {
		after = append(after, func() { authenticator.Close() })
		log.Info("authenticator started")
	}
	var mon monitors
	after = append(after, mon.stop)
	secure := func(role string, sec secflag.Config) socket.Options {
		opts := hwm
		opts.Mechanism, opts.ZAPDomain = sec.Mechanism, sec.ZAPDomain
		opts.Monitor = mon.watch(log, role)
		attrs := []any{"socket", role, "mechanism", sec.Name()}
		switch sec.Role {
		case secflag.RoleServer:
			attrs = append(attrs, "role", "server")
		case secflag.RoleClient:
			attrs = append(attrs, "role", "client")
		}
		if sec.PublicKey != "" {
			attrs = append(attrs, "public_key", sec.PublicKey)
		}
		if sec.ZAPDomain != "" {
			attrs = append(attrs, "zap_domain", sec.ZAPDomain)
		}
		log.Info("security", attrs...)
		return opts
	}
	frontend, err := open("frontend", cfg.frontendType, cfg.frontend, secure("frontend", cfg.frontendSec))
	if err != nil {
		return fail(err)
	}
	backend, err := open("backend", cfg.backendType, cfg.backend, secure("backend", cfg.backendSec))
	if err != nil {
		return fail(err)
	}
	opts := []device.Option{device.WithLogger(log)}
	exported := []promtext.Socket{{Name: "frontend", Stats: frontend.Stats}, {Name: "backend", Stats: backend.Stats}}
	if cfg.capture != nil {
		capture, err := open("capture", socket.Pub, cfg.capture, socket.Options{TLSConfig: cfg.tls})
		if err != nil {
			return fail(err)
		}
		opts = append(opts, device.WithCapture(capture))
		exported = append(exported, promtext.Socket{Name: "capture", Stats: capture.Stats})
	}
	if cfg.control != nil {
		control, err := open("control", socket.Rep, cfg.control, socket.Options{TLSConfig: cfg.tls})
		if err != nil {
			return fail(err)
		}
		opts = append(opts, device.WithControl(control))
	}

	var d *device.Device
	switch cfg.kind {
	case "queue":
		d, err = device.NewQueue(frontend, backend, opts...)
	case "forwarder":
		d, err = device.NewForwarder(frontend, backend, opts...)
	case "streamer":
		d, err = device.NewStreamer(frontend, backend, opts...)
	default:
		d, err = device.New(frontend, backend, opts...)
	}
	if err != nil {
		var te *device.TypeError
		if errors.As(err, &te) {
			fmt.Fprintf(stderr, "zmqdevice: %v\nRun 'zmqdevice --help' for usage.\n", err)
			return 2
		}
		return fail(err)
	}

	if cfg.metricsListen != "" {
		metrics, err := startMetrics(cfg.metricsListen, exported, log)
		if err != nil {
			return fail(err)
		}
		defer metrics.stop()
	}

	log.Info("running", "device", cfg.kind,
		"frontend", cfg.frontendType.String(), "backend", cfg.backendType.String())
	var wg sync.WaitGroup
	statsCtx, stopStats := context.WithCancel(ctx)
	if cfg.statsInterval > 0 {
		wg.Go(func() { logStats(statsCtx, log, cfg.statsInterval, d, frontend, backend) })
	}
	err = d.Run(ctx)
	stopStats()
	wg.Wait()
	switch {
	case err == nil:
		log.Info("terminated by control command")
	case ctx.Err() != nil && errors.Is(err, ctx.Err()):
		log.Info("stopping", "reason", context.Cause(ctx).Error(), "linger", cfg.linger.String())
	default:
		return fail(err)
	}
	logStatsLine(log, "final stats", d, frontend, backend)
	return 0
}

// closeAll closes the sockets in parallel, so the whole shutdown takes at most one
// linger time.
func closeAll(sockets []*socket.Socket) {
	var wg sync.WaitGroup
	for _, s := range sockets {
		wg.Go(func() { s.Close() })
	}
	wg.Wait()
}

// logStats logs the device's traffic every interval until ctx ends.
func logStats(ctx context.Context, log *slog.Logger, interval time.Duration, d *device.Device, frontend, backend *socket.Socket) {
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			logStatsLine(log, "stats", d, frontend, backend)
		}
	}
}

// logStatsLine logs the traffic each way: the messages (frames, as libzmq counts
// them) and bytes received from the source, and the messages the destination socket
// dropped on the way out (HWM, no peers or subscribers, unroutable, disconnects) or
// refused.
func logStatsLine(log *slog.Logger, msg string, d *device.Device, frontend, backend *socket.Socket) {
	st := d.Stats()
	fs, bs := frontend.Stats(), backend.Stats()
	log.Info(msg,
		slog.Group("frontend_to_backend",
			"msgs", st.Frontend.MsgsIn, "bytes", st.Frontend.BytesIn, "drops", outDrops(bs)+st.Backend.Dropped),
		slog.Group("backend_to_frontend",
			"msgs", st.Backend.MsgsIn, "bytes", st.Backend.BytesIn, "drops", outDrops(fs)+st.Frontend.Dropped),
		"paused", d.Paused(),
		"frontend_peers", fs.Peers, "backend_peers", bs.Peers)
}

func outDrops(s socket.Stats) uint64 {
	d := s.Drops
	return d.HWM + d.Oldest + d.Unroutable + d.NoPeers + d.Disconnects
}

// monitors log the handshake failures of the device's sockets.
type monitors struct {
	wg   sync.WaitGroup
	done chan struct{}
}

// watch returns a Monitor channel for the socket called role, whose handshake
// failures it logs as warnings, once per kind and endpoint (a peer retrying
// every reconnect interval would flood the log), until stop.
func (m *monitors) watch(log *slog.Logger, role string) chan socket.Event {
	if m.done == nil {
		m.done = make(chan struct{})
	}
	events := make(chan socket.Event, 64)
	m.wg.Go(func() {
		type key struct {
			t  socket.EventType
			ep string
		}
		seen := make(map[key]bool)
		for {
			var e socket.Event
			select {
			case e = <-events:
			case <-m.done:
				return
			}
			switch e.Type {
			case socket.EventHandshakeFailed, socket.EventHandshakeProtocol, socket.EventHandshakeAuth:
			default:
				continue
			}
			if k := (key{e.Type, e.Endpoint}); !seen[k] {
				seen[k] = true
				log.Warn("handshake failed", "socket", role, "event", e.String())
			}
		}
	})
	return events
}

// stop stops the monitors and waits for them.
func (m *monitors) stop() {
	if m.done != nil {
		close(m.done)
	}
	m.wg.Wait()
}
