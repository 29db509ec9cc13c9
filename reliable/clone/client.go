package clone

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"maps"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/brokerless/zmq/socket"
)

// ClientOptions configures a Client: the server's three endpoints to connect to, and
// the subtree of keys to follow.
type ClientOptions struct {
	Snapshot  string // the server's ROUTER
	Publisher string // the server's PUB, which the client subscribes to
	Collector string // the server's PULL, where Set sends updates

	// Subtree limits the client to the keys that start with it; empty means all.
	Subtree string

	// Timeout is how long the client waits for a snapshot, and how long it accepts
	// silence from the publisher (no update, no HUGZ) before it asks for a new
	// snapshot. Zero means DefaultTimeout; it should exceed the server's Heartbeat.
	Timeout time.Duration

	// OnUpdate, when set, is called for every change of the client's state, in
	// order, from the client's goroutine: each update as it is applied, and after a
	// resync one call per key whose value the snapshot changed (Value empty for a
	// key that disappeared). It must not block for long and must not call Close.
	OnUpdate func(KV)

	// Socket is the base configuration of the client's sockets.
	Socket socket.Options
}

// Client is a Clone client: it keeps a replica of the server's state under its
// subtree, from a snapshot followed by the sequenced updates, and sends its own
// updates to the server. Its methods are safe for concurrent use.
type Client struct {
	opts        ClientOptions
	sub, push   *socket.Socket
	ctx         context.Context
	cancel      context.CancelFunc
	done        chan struct{}
	ready       chan struct{} // closed after the first snapshot
	readyOnce   sync.Once
	closeOnce   sync.Once
	resyncs     atomic.Uint64
	snapshotErr atomic.Pointer[error]
	events      chan socket.Event // the SUB's connection events
	handshakes  int               // owned by the loop
	reconnected bool              // owned by the loop: resync at the next HUGZ

	mu  sync.RWMutex
	seq int64
	kv  map[string]KV
}

// NewClient connects to a server and returns once the client holds its first
// snapshot, or ctx ends (then the client is closed). Close stops it.
func NewClient(ctx context.Context, opts ClientOptions) (*Client, error) {
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultTimeout
	}
	c := &Client{opts: opts, done: make(chan struct{}), ready: make(chan struct{}), kv: make(map[string]KV),
		events: make(chan socket.Event, 64)}
	subOpts := opts.Socket
	subOpts.Monitor = c.events
	var err error
	if c.sub, err = socket.New(socket.Sub, subOpts); err != nil {
		return nil, fmt.Errorf("clone: %w", err)
	}
	if c.push, err = socket.New(socket.Push, opts.Socket); err != nil {
		c.sub.Close()
		return nil, fmt.Errorf("clone: %w", err)
	}
	// Subscribe before asking for the snapshot, so no update falls between them.
	err = errors.Join(c.sub.Subscribe([]byte(opts.Subtree)), c.sub.Subscribe([]byte(keyHugz)),
		c.sub.Connect(opts.Publisher), c.push.Connect(opts.Collector))
	if err != nil {
		c.sub.Close()
		c.push.Close()
		return nil, fmt.Errorf("clone: %w", err)
	}
	c.ctx, c.cancel = context.WithCancel(context.Background())
	go c.run()
	select {
	case <-c.ready:
		return c, nil
	case <-ctx.Done():
		c.Close()
		if p := c.snapshotErr.Load(); p != nil {
			return nil, fmt.Errorf("clone: no snapshot from %s: %w (last: %v)", opts.Snapshot, ctx.Err(), *p)
		}
		return nil, fmt.Errorf("clone: no snapshot from %s: %w", opts.Snapshot, ctx.Err())
	}
}

// Close stops the client and closes its sockets.
func (c *Client) Close() error {
	c.closeOnce.Do(func() {
		c.cancel()
		<-c.done
		c.sub.Close()
		c.push.Close()
	})
	return nil
}

// Get returns the value of key, and whether the client holds it.
func (c *Client) Get(key string) ([]byte, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	kv, ok := c.kv[key]
	return kv.Value, ok
}

// State returns a copy of the client's replica: every key and its value.
func (c *Client) State() map[string][]byte {
	c.mu.RLock()
	defer c.mu.RUnlock()
	m := make(map[string][]byte, len(c.kv))
	for k, kv := range c.kv {
		m[k] = kv.Value
	}
	return m
}

// Sequence returns the server sequence number the replica is at.
func (c *Client) Sequence() int64 {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.seq
}

// Resyncs returns how many snapshots the client fetched after its first one (after
// a gap in the sequence, a server restart or a silent server).
func (c *Client) Resyncs() uint64 { return c.resyncs.Load() }

// Set sends an update to the server: value nil or empty deletes key, and a positive
// ttl asks the server to delete it after that long (rounded up to whole seconds).
// It returns once the update is queued; the replica shows it when the server's
// sequenced copy comes back, which needs key to be under the client's subtree.
func (c *Client) Set(ctx context.Context, key string, value []byte, ttl time.Duration) error {
	if key == "" {
		return errors.New("clone: empty key")
	}
	kv := KV{Key: key, UUID: make([]byte, 16), Value: value}
	rand.Read(kv.UUID)
	if ttl > 0 {
		kv.Props = map[string]string{"ttl": ttlSeconds(ttl)}
	}
	return c.push.Send(ctx, kv.Msg())
}

func (c *Client) run() {
	defer close(c.done)
	first := true
	for {
		if !c.awaitHugz() || !c.sync(first) {
			return
		}
		if first {
			first = false
			c.readyOnce.Do(func() { close(c.ready) })
		}
		if !c.follow() {
			return
		}
	}
}

// awaitHugz waits, up to the Timeout, for a HUGZ from the publisher, which shows
// that the server has the subscriber's subscriptions: a snapshot asked for after it
// and the updates that follow it leave no hole. Updates received meanwhile are
// older than that snapshot and dropped. A server that sends no HUGZ (the guide's
// clonesrv5) costs one Timeout. It returns false when the client closes.
func (c *Client) awaitHugz() bool {
	ctx, cancel := context.WithTimeout(c.ctx, c.opts.Timeout)
	defer cancel()
	for {
		select {
		case e := <-c.events:
			c.noteEvent(e)
			continue
		default:
		}
		m, err := c.sub.Recv(ctx)
		if err != nil {
			return c.ctx.Err() == nil && !errors.Is(err, socket.ErrClosed)
		}
		if len(m.Frames) > 0 && string(m.Frames[0]) == keyHugz {
			c.reconnected = false
			return true
		}
	}
}

func (c *Client) noteEvent(e socket.Event) {
	if e.Type == socket.EventHandshakeSucceeded {
		if c.handshakes++; c.handshakes > 1 {
			c.reconnected = true
		}
	}
}

// sync fetches a snapshot, retrying with a fresh DEALER after each timeout (so a
// late answer to an earlier request cannot mix in), and installs it. It returns
// false when the client closes.
func (c *Client) sync(first bool) bool {
	for c.ctx.Err() == nil {
		snap, seq, err := c.fetch()
		if err != nil {
			c.snapshotErr.Store(&err)
			continue
		}
		if !first {
			c.resyncs.Add(1) // before the replica changes, so that the count explains it
		}
		c.install(snap, seq, first)
		return true
	}
	return false
}

func (c *Client) fetch() (map[string]KV, int64, error) {
	dopts := c.opts.Socket
	dopts.Linger = -1 // an unanswered request is worth nothing after Close
	d, err := socket.New(socket.Dealer, dopts)
	if err != nil {
		return nil, 0, err
	}
	defer d.Close()
	if err := d.Connect(c.opts.Snapshot); err != nil {
		// An endpoint that can never work: wait a timeout before trying again.
		t := time.NewTimer(c.opts.Timeout)
		defer t.Stop()
		select {
		case <-t.C:
		case <-c.ctx.Done():
		}
		return nil, 0, err
	}
	ctx, cancel := context.WithTimeout(c.ctx, c.opts.Timeout)
	defer cancel()
	if err := d.Send(ctx, socket.NewMsgString(cmdSnapshot, c.opts.Subtree)); err != nil {
		return nil, 0, err
	}
	snap := make(map[string]KV)
	for {
		m, err := d.Recv(ctx)
		if err != nil {
			return nil, 0, err
		}
		kv, err := ParseKV(m)
		if err != nil {
			return nil, 0, err
		}
		if kv.Key == cmdSnapEnd {
			return snap, kv.Seq, nil
		}
		if len(kv.Value) > 0 {
			snap[kv.Key] = kv
		}
	}
}

// install replaces the replica with a snapshot and reports the keys that changed.
func (c *Client) install(snap map[string]KV, seq int64, first bool) {
	c.mu.Lock()
	old := c.kv
	c.kv, c.seq = snap, seq
	c.mu.Unlock()
	if c.opts.OnUpdate == nil {
		return
	}
	for k, kv := range snap {
		if o, ok := old[k]; first || !ok || !bytes.Equal(o.Value, kv.Value) {
			c.opts.OnUpdate(kv)
		}
	}
	for k := range maps.Keys(old) {
		if _, ok := snap[k]; !ok {
			c.opts.OnUpdate(KV{Key: k, Seq: seq})
		}
	}
}

// follow applies updates from the publisher until a resync is needed (it returns
// true) or the client closes (false).
func (c *Client) follow() bool {
	poller := socket.NewPoller()
	poller.Add(c.sub, socket.PollIn)
	w := poller.Watch()
	defer w.Stop()
	silence := time.NewTimer(c.opts.Timeout)
	defer silence.Stop()
	now, cancel := context.WithCancel(c.ctx)
	cancel()
	for {
		select {
		case <-c.ctx.Done():
			return false
		case <-silence.C:
			return true // the server is silent: gone, or we are cut off
		case e := <-c.events:
			// Whatever the server published while the subscriber was reconnecting
			// is lost. Resync at the first HUGZ after the new connection: it shows
			// that the server has our subscriptions again, so the snapshot and the
			// updates that follow it leave no hole.
			c.noteEvent(e)
		case <-w.C:
			for range w.Ready() {
				m, err := c.sub.Recv(now)
				if err != nil {
					if errors.Is(err, socket.ErrClosed) {
						return false
					}
					continue
				}
				silence.Reset(c.opts.Timeout)
				kv, err := ParseKV(m)
				if err != nil {
					continue // not ours to judge; the sequence tells if we lost anything
				}
				if !c.update(kv) {
					return true
				}
			}
		}
	}
}

// update applies one message from the publisher. It returns false when the replica
// must be fetched again: the subscriber reconnected, the server restarted (HUGZ
// behind the replica) or, for a client of the whole tree, the replica missed updates
// (a gap in the sequence, or HUGZ ahead of it). A client of a subtree sees only part
// of the sequence, so it cannot tell a gap from updates of other subtrees.
func (c *Client) update(kv KV) bool {
	whole := c.opts.Subtree == ""
	c.mu.Lock()
	seq := c.seq
	switch {
	case kv.Key == keyHugz:
		c.mu.Unlock()
		if c.reconnected {
			c.reconnected = false
			return false
		}
		return kv.Seq == seq || (!whole && kv.Seq > seq)
	case kv.Seq <= seq || !strings.HasPrefix(kv.Key, c.opts.Subtree):
		c.mu.Unlock()
		return true // already in the snapshot, or not ours
	case whole && kv.Seq > seq+1:
		c.mu.Unlock()
		return false
	}
	c.seq = kv.Seq
	if len(kv.Value) == 0 {
		delete(c.kv, kv.Key)
	} else {
		c.kv[kv.Key] = kv
	}
	c.mu.Unlock()
	if c.opts.OnUpdate != nil {
		c.opts.OnUpdate(kv)
	}
	return true
}
