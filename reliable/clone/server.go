package clone

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/brokerless/zmq/socket"
)

// Defaults of ServerOptions and ClientOptions.
const (
	DefaultHeartbeat = time.Second     // interval of HUGZ and of TTL expiry
	DefaultTimeout   = 5 * time.Second // server silence before a client resyncs
	DefaultMaxKeys   = 1 << 20         // keys a server holds at most
)

// ServerOptions configures a Server. Snapshot, Publisher and Collector are the
// endpoints it binds; the guide's clonesrv5 uses ports P, P+1 and P+2 of one host.
type ServerOptions struct {
	Snapshot  string // ROUTER answering ICANHAZ? with the state
	Publisher string // PUB sending every sequenced update and HUGZ
	Collector string // PULL receiving updates from clients

	// Heartbeat is the interval at which the server publishes HUGZ (with its current
	// sequence) and deletes keys whose TTL expired. Zero means DefaultHeartbeat.
	Heartbeat time.Duration

	// SnapshotTimeout bounds the sending of one snapshot to a client that does not
	// read it; the rest of that snapshot is dropped and the client asks again. Zero
	// means DefaultTimeout.
	SnapshotTimeout time.Duration

	// MaxKeys bounds the keys the server holds: an update that would add a key
	// beyond it is dropped and counted (see Refused). Zero means DefaultMaxKeys;
	// negative means no bound.
	MaxKeys int

	// Socket is the base configuration of the three sockets (security, HWMs, an
	// inproc registry...). The server sets RouterMandatory and blocking on its ROUTER.
	Socket socket.Options

	// Logger receives the server's notable events (malformed messages). Nil logs
	// nothing.
	Logger *slog.Logger
}

// Server is a Clone server: it holds the key-value state, sequences every update
// from clients, publishes it, and serves snapshots. Its methods are safe for
// concurrent use.
type Server struct {
	opts                         ServerOptions
	snapshot, publisher, collect *socket.Socket
	seq                          atomic.Int64
	sets                         chan KV
	ctx                          context.Context
	cancel                       context.CancelFunc
	done                         chan struct{}
	closeOnce                    sync.Once
	malformed, refused           atomic.Uint64

	mu sync.RWMutex // guards kv; only the loop writes it
	kv map[string]KV
}

// NewServer binds the server's three sockets and starts serving. Close stops it.
func NewServer(opts ServerOptions) (*Server, error) {
	if opts.Heartbeat <= 0 {
		opts.Heartbeat = DefaultHeartbeat
	}
	if opts.SnapshotTimeout <= 0 {
		opts.SnapshotTimeout = DefaultTimeout
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.MaxKeys == 0 {
		opts.MaxKeys = DefaultMaxKeys
	}
	s := &Server{opts: opts, sets: make(chan KV), done: make(chan struct{}), kv: make(map[string]KV)}
	ropts := opts.Socket
	ropts.RouterMandatory = true
	ropts.WhenFull = socket.PolicyBlock
	var err error
	if s.snapshot, err = bound(socket.Router, ropts, opts.Snapshot); err == nil {
		if s.publisher, err = bound(socket.Pub, opts.Socket, opts.Publisher); err == nil {
			s.collect, err = bound(socket.Pull, opts.Socket, opts.Collector)
		}
	}
	if err != nil {
		s.closeSockets()
		return nil, fmt.Errorf("clone: %w", err)
	}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	go s.run()
	return s, nil
}

func bound(t socket.Type, o socket.Options, endpoint string) (*socket.Socket, error) {
	s, err := socket.New(t, o)
	if err != nil {
		return nil, err
	}
	if err := s.Bind(endpoint); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

func (s *Server) closeSockets() {
	for _, so := range []*socket.Socket{s.snapshot, s.publisher, s.collect} {
		if so != nil {
			so.Close()
		}
	}
}

// Endpoints returns the resolved endpoints of the snapshot, publisher and collector
// sockets (wildcard ports filled in).
func (s *Server) Endpoints() (snapshot, publisher, collector string) {
	return s.snapshot.LastEndpoint(), s.publisher.LastEndpoint(), s.collect.LastEndpoint()
}

// Sequence returns the sequence number of the last update the server published.
func (s *Server) Sequence() int64 { return s.seq.Load() }

// State returns a copy of the server's state: every key and its value.
func (s *Server) State() map[string][]byte {
	s.mu.RLock()
	defer s.mu.RUnlock()
	m := make(map[string][]byte, len(s.kv))
	for k, kv := range s.kv {
		m[k] = kv.Value
	}
	return m
}

// Malformed returns how many malformed messages the server dropped.
func (s *Server) Malformed() uint64 { return s.malformed.Load() }

// Refused returns how many updates the server dropped because they would have
// added a key beyond MaxKeys.
func (s *Server) Refused() uint64 { return s.refused.Load() }

// Set applies an update from the server itself, as if a client had sent it: value
// nil or empty deletes key, and a positive ttl deletes it after that long (rounded up
// to whole seconds, the protocol's unit).
func (s *Server) Set(ctx context.Context, key string, value []byte, ttl time.Duration) error {
	kv := KV{Key: key, Value: value}
	if ttl > 0 {
		kv.Props = map[string]string{"ttl": ttlSeconds(ttl)}
	}
	select {
	case s.sets <- kv:
		return nil
	case <-s.done:
		return socket.ErrClosed
	case <-ctx.Done():
		return ctx.Err()
	}
}

func ttlSeconds(d time.Duration) string {
	return strconv.FormatInt(int64((d+time.Second-1)/time.Second), 10)
}

// Close stops the server and closes its sockets; its state is lost.
func (s *Server) Close() error {
	s.closeOnce.Do(func() {
		s.cancel()
		<-s.done
		s.closeSockets()
	})
	return nil
}

func (s *Server) run() {
	defer close(s.done)
	poller := socket.NewPoller()
	poller.Add(s.snapshot, socket.PollIn)
	poller.Add(s.collect, socket.PollIn)
	w := poller.Watch()
	defer w.Stop()
	tick := time.NewTicker(s.opts.Heartbeat)
	defer tick.Stop()
	now, cancel := context.WithCancel(s.ctx)
	cancel() // Recv with an ended context takes only what is there
	var ready []socket.Polled
	for {
		select {
		case <-s.ctx.Done():
			return
		case <-w.C:
			ready = w.AppendReady(ready[:0])
			for _, r := range ready {
				m, err := r.Socket.Recv(now)
				if err != nil {
					if errors.Is(err, socket.ErrClosed) {
						return
					}
					continue
				}
				if r.Socket == s.snapshot {
					s.serveSnapshot(m)
				} else {
					s.collectUpdate(m)
				}
			}
		case kv := <-s.sets:
			s.apply(kv)
		case <-tick.C:
			s.flushTTL()
			s.publish(KV{Key: keyHugz, Seq: s.seq.Load()})
		}
	}
}

// serveSnapshot answers [identity, ICANHAZ?, subtree] with every key under subtree,
// then KTHXBAI carrying the current sequence and the subtree.
func (s *Server) serveSnapshot(m socket.Msg) {
	if len(m.Frames) != 3 || string(m.Frames[1]) != cmdSnapshot {
		s.drop("snapshot request", m)
		return
	}
	id, subtree := m.Frames[0], string(m.Frames[2])
	ctx, cancel := context.WithTimeout(s.ctx, s.opts.SnapshotTimeout)
	defer cancel()
	send := func(kv KV) bool {
		out := kv.Msg()
		out.Frames = append([][]byte{id}, out.Frames...)
		if err := s.snapshot.Send(ctx, out); err != nil {
			s.opts.Logger.Info("clone: snapshot abandoned", "err", err)
			return false
		}
		return true
	}
	for key, kv := range s.kv {
		if strings.HasPrefix(key, subtree) && !send(kv) {
			return
		}
	}
	send(KV{Key: cmdSnapEnd, Seq: s.seq.Load(), Value: []byte(subtree)})
}

// collectUpdate sequences and publishes an update from a client.
func (s *Server) collectUpdate(m socket.Msg) {
	kv, err := ParseKV(m)
	if err != nil || kv.Key == "" || kv.Key == keyHugz || kv.Key == cmdSnapEnd {
		s.drop("update", m)
		return
	}
	s.apply(kv)
}

func (s *Server) drop(what string, m socket.Msg) {
	s.malformed.Add(1)
	s.opts.Logger.Info("clone: dropped malformed "+what, "frames", len(m.Frames))
}

// apply sequences kv, turns a relative ttl (seconds) into an expiry time in
// milliseconds since the epoch, as clonesrv5 does, stores and publishes it.
func (s *Server) apply(kv KV) {
	if _, ok := s.kv[kv.Key]; !ok && len(kv.Value) > 0 && s.opts.MaxKeys > 0 && len(s.kv) >= s.opts.MaxKeys {
		s.refused.Add(1)
		s.opts.Logger.Info("clone: key refused, the map is full", "keys", len(s.kv))
		return
	}
	if t, ok := kv.Props["ttl"]; ok {
		secs, err := strconv.ParseInt(t, 10, 64)
		if err != nil || secs <= 0 {
			delete(kv.Props, "ttl")
		} else {
			kv.Props["ttl"] = strconv.FormatInt(time.Now().UnixMilli()+secs*1000, 10)
		}
	}
	kv.Seq = s.seq.Add(1)
	s.store(kv)
	s.publish(kv)
}

func (s *Server) store(kv KV) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(kv.Value) == 0 {
		delete(s.kv, kv.Key)
	} else {
		s.kv[kv.Key] = kv
	}
}

func (s *Server) publish(kv KV) {
	// PUB never blocks: a subscriber too slow to keep up loses updates, notices the
	// gap in the sequence and asks for a new snapshot.
	s.publisher.Send(s.ctx, kv.Msg())
}

// flushTTL deletes the keys whose expiry passed, publishing each deletion.
func (s *Server) flushTTL() {
	now := time.Now().UnixMilli()
	for key, kv := range s.kv {
		t, ok := kv.Props["ttl"]
		if !ok {
			continue
		}
		if at, err := strconv.ParseInt(t, 10, 64); err == nil && now >= at {
			del := KV{Key: key, Seq: s.seq.Add(1), UUID: kv.UUID}
			s.store(del)
			s.publish(del)
		}
	}
}
