package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/brokerless/zmq/internal/promtext"
)

// metricsServer serves /metrics and /healthz for --metrics-listen.
type metricsServer struct {
	srv     *http.Server
	running atomic.Bool // /healthz answers 200 while set
	wg      sync.WaitGroup
}

// startMetrics listens on addr and serves the metrics of sockets on /metrics (in
// the Prometheus text format; see package promtext for why it is not written with
// client_golang) and the device's health on /healthz, until stop.
func startMetrics(addr string, sockets []promtext.Socket, log *slog.Logger) (*metricsServer, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("--metrics-listen: %w", err)
	}
	m := &metricsServer{}
	m.running.Store(true)
	mux := http.NewServeMux()
	mux.Handle("/metrics", promtext.Handler(sockets))
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		if !m.running.Load() {
			w.WriteHeader(http.StatusServiceUnavailable)
			io.WriteString(w, "stopping\n")
			return
		}
		io.WriteString(w, "ok\n")
	})
	m.srv = &http.Server{
		Handler:           mux,
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	log.Info("serving metrics", "address", ln.Addr().String())
	m.wg.Go(func() {
		if err := m.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("metrics server", "error", err.Error())
		}
	})
	return m, nil
}

// stop marks the device as stopped, closes the listener, gives requests in
// progress a second to finish, and waits for the server.
func (m *metricsServer) stop() {
	m.running.Store(false)
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if m.srv.Shutdown(ctx) != nil {
		m.srv.Close()
	}
	m.wg.Wait()
}
