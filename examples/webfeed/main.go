// Command webfeed publishes live updates on a PUB socket bound to a ws:// endpoint,
// answers requests on a REP socket bound to another, and serves a page that
// subscribes and asks from the browser with web/zws.js, a small JavaScript ZeroMQ
// client speaking bare ZWS2.0 (SUB, REQ, DEALER and PUSH). A PULL socket logs what
// pages push to it, and a ROUTER echoes what DEALERs send.
//
//	go run ./examples/webfeed -http 127.0.0.1:8080
//
// then open http://127.0.0.1:8080/. The PUB publishes two topics, the page's and
// another, so the subscription's filter shows.
package main

import (
	"context"
	"embed"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"

	"github.com/brokerless/zmq/socket"
)

//go:embed web
var webFiles embed.FS

// config is what the command line sets.
type config struct {
	http     string        // the page's address
	feed     string        // the PUB's ws endpoint
	rpc      string        // the REP's ws endpoint
	sink     string        // the PULL's ws endpoint
	echo     string        // the ROUTER's ws endpoint
	topic    string        // the page's topic
	other    string        // a topic the page does not subscribe to
	interval time.Duration // between updates
	// onReport, if set, gets what a page reports (see web/app.js); the browser test
	// uses it.
	onReport func(report)
}

// report is what the page posts to /report when asked to with ?report=N.
type report struct {
	Updates [][]string `json:"updates"`
	Replies []string   `json:"replies"`
	Echoes  []string   `json:"echoes"` // what the ROUTER sent the page's DEALER
	Error   string     `json:"error"`
}

// server is a running webfeed.
type server struct {
	pub, rep *socket.Socket
	pull     *socket.Socket // logs what pages push
	router   *socket.Socket // echoes what DEALERs send
	pushed   chan []string  // what the PULL received, for the test; dropped when full
	http     *http.Server
	ln       net.Listener
	cancel   context.CancelFunc
	wg       sync.WaitGroup
}

// start binds the sockets and the page's HTTP server and starts publishing and
// answering.
func start(cfg config) (_ *server, err error) {
	s := &server{}
	defer func() {
		if err != nil {
			s.close()
		}
	}()
	if s.pub, err = socket.New(socket.Pub, socket.Options{}); err != nil {
		return nil, err
	}
	if err = s.pub.Bind(cfg.feed); err != nil {
		return nil, err
	}
	if s.rep, err = socket.New(socket.Rep, socket.Options{}); err != nil {
		return nil, err
	}
	if err = s.rep.Bind(cfg.rpc); err != nil {
		return nil, err
	}
	if s.pull, err = socket.New(socket.Pull, socket.Options{}); err != nil {
		return nil, err
	}
	if err = s.pull.Bind(cfg.sink); err != nil {
		return nil, err
	}
	if s.router, err = socket.New(socket.Router, socket.Options{}); err != nil {
		return nil, err
	}
	if err = s.router.Bind(cfg.echo); err != nil {
		return nil, err
	}
	s.pushed = make(chan []string, 64)
	if s.ln, err = net.Listen("tcp", cfg.http); err != nil {
		return nil, err
	}
	web, _ := fs.Sub(webFiles, "web")
	mux := http.NewServeMux()
	mux.Handle("GET /", http.FileServerFS(web))
	mux.HandleFunc("GET /endpoints", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]string{
			"feed": s.pub.LastEndpoint(), "rpc": s.rep.LastEndpoint(), "topic": cfg.topic,
			"sink": s.pull.LastEndpoint(), "echo": s.router.LastEndpoint(),
		})
	})
	mux.HandleFunc("POST /report", func(w http.ResponseWriter, r *http.Request) {
		var rep report
		if err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&rep); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		log.Printf("page report: %d updates, replies %q, error %q", len(rep.Updates), rep.Replies, rep.Error)
		if cfg.onReport != nil {
			cfg.onReport(rep)
		}
	})
	s.http = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	ctx, cancel := context.WithCancel(context.Background())
	s.cancel = cancel
	s.wg.Go(func() { s.http.Serve(s.ln) })
	s.wg.Go(func() { s.publish(ctx, cfg) })
	s.wg.Go(func() { s.answer(ctx) })
	s.wg.Go(func() { s.collect(ctx) })
	s.wg.Go(func() { s.echo(ctx) })
	return s, nil
}

// url returns the page's address.
func (s *server) url() string { return "http://" + s.ln.Addr().String() + "/" }

// publish sends an update on each topic every interval until ctx ends.
func (s *server) publish(ctx context.Context, cfg config) {
	t := time.NewTicker(cfg.interval)
	defer t.Stop()
	for n := 1; ; n++ {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		now := time.Now().Format(time.TimeOnly)
		for _, topic := range []string{cfg.other, cfg.topic} {
			m := socket.NewMsgString(topic, fmt.Sprintf("update %d at %s", n, now))
			if err := s.pub.Send(ctx, m); err != nil {
				return
			}
		}
	}
}

// answer replies to every request until ctx ends.
func (s *server) answer(ctx context.Context) {
	for {
		m, err := s.rep.Recv(ctx)
		if err != nil {
			return
		}
		if err := s.rep.Send(ctx, socket.NewMsgString("answer to "+string(m.Frames[0]))); err != nil {
			return
		}
	}
}

// collect logs what the PULL receives until ctx ends.
func (s *server) collect(ctx context.Context) {
	for {
		m, err := s.pull.Recv(ctx)
		if err != nil {
			return
		}
		frames := make([]string, len(m.Frames))
		for i, f := range m.Frames {
			frames[i] = string(f)
		}
		log.Printf("pushed: %q", frames)
		select {
		case s.pushed <- frames:
		default:
		}
	}
}

// echo sends every DEALER's message back to it, each frame prefixed with "echo: ".
func (s *server) echo(ctx context.Context) {
	for {
		m, err := s.router.Recv(ctx)
		if err != nil {
			return
		}
		out := [][]byte{m.Frames[0]} // the routing id
		for _, f := range m.Frames[1:] {
			out = append(out, append([]byte("echo: "), f...))
		}
		if err := s.router.Send(ctx, socket.NewMsg(out...)); err != nil {
			return
		}
	}
}

// close stops everything start started and waits for it.
func (s *server) close() {
	if s.cancel != nil {
		s.cancel()
	}
	if s.http != nil {
		s.http.Close()
	} else if s.ln != nil {
		s.ln.Close()
	}
	for _, sk := range []*socket.Socket{s.pub, s.rep, s.pull, s.router} {
		if sk != nil {
			sk.Close()
		}
	}
	s.wg.Wait()
}

func main() {
	var cfg config
	flag.StringVar(&cfg.http, "http", "127.0.0.1:8080", "the page's HTTP address")
	flag.StringVar(&cfg.feed, "feed", "ws://127.0.0.1:*/feed", "the PUB's ws endpoint")
	flag.StringVar(&cfg.rpc, "rpc", "ws://127.0.0.1:*/rpc", "the REP's ws endpoint")
	flag.StringVar(&cfg.sink, "sink", "ws://127.0.0.1:*/sink", "the PULL's ws endpoint")
	flag.StringVar(&cfg.echo, "echo", "ws://127.0.0.1:*/echo", "the ROUTER's ws endpoint")
	flag.StringVar(&cfg.topic, "topic", "weather", "the page's topic")
	flag.StringVar(&cfg.other, "other", "sports", "another topic, which the page filters out")
	flag.DurationVar(&cfg.interval, "interval", time.Second, "time between updates")
	flag.Parse()
	s, err := start(cfg)
	if err != nil {
		log.Fatal(err)
	}
	defer s.close()
	log.Printf("open %s (PUB on %s, REP on %s)", s.url(), s.pub.LastEndpoint(), s.rep.LastEndpoint())
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	<-ctx.Done()
	if !errors.Is(ctx.Err(), context.Canceled) {
		log.Print(ctx.Err())
	}
}
