// Package inproc is the in-process transport: sockets in one program exchange messages
// through shared queues, by reference, with no encoding and no goroutine in between.
//
// A connection is a pair of queues. The connecting side creates them at Connect, so
// messages can be queued before anyone binds the name (connect before bind works, as in
// libzmq 4); when a binder appears it receives the other end of the same queues. Each
// queue's limit is the sender's send limit plus the receiver's receive limit, as libzmq
// sums the two high-water marks of an inproc pipe.
//
// Names live in a Registry. Sockets use Default unless given another, the way
// http.DefaultServeMux fronts ServeMux; separate registries are separate namespaces.
package inproc

import (
	"errors"
	"sync"

	"github.com/brokerless/zmq/internal/queue"
	"github.com/brokerless/zmq/wire"
)

// Errors returned by a Registry.
var (
	// ErrAddrInUse reports a second Bind of a name.
	ErrAddrInUse = errors.New("inproc: address already in use")
	// ErrBadName reports an empty name or one longer than 256 bytes.
	ErrBadName = errors.New("inproc: invalid name")
)

// MaxNameLen is the longest name accepted, as libzmq.
const MaxNameLen = 256

// Peer describes one side of an inproc connection.
type Peer struct {
	Type      wire.SocketType
	RoutingID []byte
	SendHWM   int // 0: unlimited
	RecvHWM   int // 0: unlimited
}

// Conn is one side's view of an inproc connection: In carries messages to this side,
// Out carries messages from it.
type Conn struct {
	In, Out *queue.Queue
	Name    string
	local   Peer
	pair    *pair
	side    int
}

type pair struct {
	mu      sync.Mutex
	remote  [2]Peer
	bound   bool
	closed  bool
	onBound func(Peer) // the connector's notification
	onClose [2]func()  // each side's notification that the other side closed
	binder  *binding   // nil until bound
	reg     *Registry  // for removing a pending connector
	pending bool       // listed in reg.pending
}

// OnBound registers f to be called once the name is bound, with the binder's
// description. If it is bound already, f is called at once. f runs with no lock held
// and must not block.
func (c *Conn) OnBound(f func(Peer)) {
	p := c.pair
	p.mu.Lock()
	if p.bound {
		r := p.remote[1]
		p.mu.Unlock()
		f(r)
		return
	}
	p.onBound = f
	p.mu.Unlock()
}

// Remote returns the peer's description. For a connector it is known only once the
// name is bound (see Registry.Connect).
func (c *Conn) Remote() (Peer, bool) {
	c.pair.mu.Lock()
	defer c.pair.mu.Unlock()
	if !c.pair.bound {
		return Peer{}, false
	}
	return c.pair.remote[1-c.side], true
}

// OnClose registers f to be called once when the other side closes the connection. If it
// has already closed, f is called at once.
func (c *Conn) OnClose(f func()) {
	p := c.pair
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		f()
		return
	}
	p.onClose[c.side] = f
	p.mu.Unlock()
}

// Close ends the connection from this side. Messages this side already queued stay
// readable by the other side; further pushes in either direction are refused. The other
// side's OnClose notification runs.
func (c *Conn) Close() {
	p := c.pair
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return
	}
	p.closed = true
	notify := p.onClose[1-c.side]
	p.onClose = [2]func(){}
	b := p.binder
	pendingReg := p.reg
	wasPending := p.pending
	p.pending = false
	p.mu.Unlock()
	c.Out.Close()
	c.In.Close()
	if wasPending && pendingReg != nil {
		pendingReg.dropPending(p)
	}
	if b != nil {
		b.forget(p)
	}
	if notify != nil {
		notify()
	}
}

// Registry is an inproc namespace. The zero value is not usable; call NewRegistry.
type Registry struct {
	mu      sync.Mutex
	binds   map[string]*binding
	pending map[string][]*Conn
}

type binding struct {
	name   string
	local  Peer
	accept func(*Conn)
	mu     sync.Mutex
	conns  map[*pair]*Conn // the binder's side of each connection
}

// Default is the registry sockets use unless told otherwise.
var Default = NewRegistry()

// NewRegistry returns an empty namespace.
func NewRegistry() *Registry {
	return &Registry{binds: make(map[string]*binding), pending: make(map[string][]*Conn)}
}

func validName(name string) bool { return name != "" && len(name) <= MaxNameLen }

// Bind claims name. accept is called with the binder's side of every connection: at once
// for connectors that were waiting, and later for each new Connect. accept runs on the
// calling goroutine of Bind or Connect with no registry lock held, so it must not block.
// The returned unbind releases the name and closes every connection made through it.
func (r *Registry) Bind(name string, local Peer, accept func(*Conn)) (unbind func(), err error) {
	if !validName(name) {
		return nil, ErrBadName
	}
	b := &binding{name: name, local: local, accept: accept, conns: make(map[*pair]*Conn)}
	r.mu.Lock()
	if _, ok := r.binds[name]; ok {
		r.mu.Unlock()
		return nil, ErrAddrInUse
	}
	r.binds[name] = b
	waiting := r.pending[name]
	delete(r.pending, name)
	r.mu.Unlock()

	for _, c := range waiting {
		c.pair.mu.Lock()
		c.pair.pending = false
		closed := c.pair.closed
		c.pair.mu.Unlock()
		if !closed {
			b.join(c)
		}
	}
	return func() { r.unbind(b) }, nil
}

// Bound reports whether name is bound now, as libzmq's ZAP client checks for a
// handler at "inproc://zeromq.zap.01" before it sends a request. The answer may be
// stale as soon as it is returned.
func (r *Registry) Bound(name string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	_, ok := r.binds[name]
	return ok
}

func (r *Registry) unbind(b *binding) {
	r.mu.Lock()
	if r.binds[b.name] == b {
		delete(r.binds, b.name)
	}
	r.mu.Unlock()
	b.mu.Lock()
	conns := make([]*Conn, 0, len(b.conns))
	for _, c := range b.conns {
		conns = append(conns, c)
	}
	b.conns = nil
	b.mu.Unlock()
	for _, c := range conns {
		c.Close()
	}
}

// Connect connects to name and returns the connector's side at once. If name is not bound
// yet the connection waits; messages pushed to Out queue up to the connector's own limit.
// Use Conn.OnBound to learn when the binder is known.
func (r *Registry) Connect(name string, local Peer) (*Conn, error) {
	if !validName(name) {
		return nil, ErrBadName
	}
	p := &pair{reg: r}
	p.remote[0] = local
	c := &Conn{
		In:    queue.New(local.RecvHWM),
		Out:   queue.New(local.SendHWM),
		Name:  name,
		local: local,
		pair:  p,
		side:  0,
	}
	r.mu.Lock()
	b, ok := r.binds[name]
	if !ok {
		p.pending = true
		r.pending[name] = append(r.pending[name], c)
		r.mu.Unlock()
		return c, nil
	}
	r.mu.Unlock()
	b.join(c)
	return c, nil
}

func (r *Registry) dropPending(p *pair) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for name, list := range r.pending {
		for i, c := range list {
			if c.pair == p {
				list = append(list[:i], list[i+1:]...)
				if len(list) == 0 {
					delete(r.pending, name)
				} else {
					r.pending[name] = list
				}
				return
			}
		}
	}
}

// join completes connector c against binding b.
func (b *binding) join(c *Conn) {
	p := c.pair
	bc := &Conn{In: c.Out, Out: c.In, Name: c.Name, local: b.local, pair: p, side: 1}
	c.Out.SetLimit(sumHWM(c.local.SendHWM, b.local.RecvHWM))
	c.In.SetLimit(sumHWM(b.local.SendHWM, c.local.RecvHWM))
	p.mu.Lock()
	p.remote[1] = b.local
	p.bound = true
	p.binder = b
	onBound := p.onBound
	p.onBound = nil
	closed := p.closed
	p.mu.Unlock()
	if closed {
		return
	}
	b.mu.Lock()
	if b.conns == nil { // unbound meanwhile
		b.mu.Unlock()
		c.Close()
		return
	}
	b.conns[p] = bc
	b.mu.Unlock()
	b.accept(bc)
	if onBound != nil {
		onBound(b.local)
	}
}

func (b *binding) forget(p *pair) {
	b.mu.Lock()
	if b.conns != nil {
		delete(b.conns, p)
	}
	b.mu.Unlock()
}

// sumHWM adds two limits where 0 means unlimited, as libzmq does for inproc pipes.
func sumHWM(a, b int) int {
	if a == 0 || b == 0 {
		return 0
	}
	return a + b
}
