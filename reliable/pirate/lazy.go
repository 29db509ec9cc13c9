package pirate

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/brokerless/zmq/socket"
)

// Defaults used where a ClientOptions, QueueOptions or WorkerOptions field is zero.
// They are the guide's values.
const (
	DefaultTimeout              = 2500 * time.Millisecond
	DefaultRetries              = 3
	DefaultHeartbeatInterval    = time.Second
	DefaultLiveness             = 3
	DefaultReconnectInterval    = time.Second
	DefaultReconnectIntervalMax = 32 * time.Second
)

// ErrNoReply is returned by [Client.Request] when no reply came after every attempt.
// The request may or may not have been carried out by a server: its reply, or the
// request itself, was lost.
var ErrNoReply = errors.New("pirate: no reply")

// ErrClosed is returned by the methods of a closed Client.
var ErrClosed = errors.New("pirate: client closed")

// ClientOptions configures a Lazy Pirate [Client].
type ClientOptions struct {
	// Timeout bounds each attempt: the wait for a reply to one send of the request.
	// Zero means DefaultTimeout.
	Timeout time.Duration
	// Retries is how many times a request is sent in all before Request gives up
	// with ErrNoReply. Zero means DefaultRetries.
	Retries int
	// Socket configures each REQ socket the client makes. Linger is always set to
	// discard: a socket is only closed when its request is abandoned.
	Socket socket.Options
}

func (o ClientOptions) normalize() ClientOptions {
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	if o.Retries <= 0 {
		o.Retries = DefaultRetries
	}
	o.Socket.Linger = -1
	return o
}

// Client is a Lazy Pirate client: a REQ socket that sends a request, waits up to a
// timeout for the reply, and on a timeout closes its socket, opens a new one and sends
// the request again, up to a number of attempts. A new socket is the only way to
// abandon a request on REQ; it also guarantees that a late reply to an abandoned
// attempt is never taken for the reply to a later one.
//
// A Client is safe for concurrent use; concurrent requests are sent one at a time.
type Client struct {
	endpoint string
	opts     ClientOptions

	mu     sync.Mutex // held for a whole request
	sock   *socket.Socket
	closed bool
}

// NewClient returns a Lazy Pirate client of the server (or queue) at endpoint. It
// connects at once; the connection, as every socket's, is made in the background.
func NewClient(endpoint string, opts ClientOptions) (*Client, error) {
	c := &Client{endpoint: endpoint, opts: opts.normalize()}
	if err := c.open(); err != nil {
		return nil, err
	}
	return c, nil
}

// open makes and connects a fresh REQ socket.
func (c *Client) open() error {
	s, err := socket.New(socket.Req, c.opts.Socket)
	if err != nil {
		return err
	}
	if err := s.Connect(c.endpoint); err != nil {
		s.Close()
		return err
	}
	c.sock = s
	return nil
}

// reset abandons the current socket and any request outstanding on it.
func (c *Client) reset() {
	if c.sock != nil {
		c.sock.Close()
		c.sock = nil
	}
}

// Request sends req and returns the reply. Each attempt waits up to the Timeout; after
// a timeout the socket is rebuilt and req sent again, up to Retries attempts in all,
// then Request returns ErrNoReply. It returns ctx.Err() when ctx ends first. The
// frames of req are shared with the socket and must not be modified until Request
// returns.
//
// Request guarantees that the reply it returns answers this request (never a late
// reply to an earlier one), and that it returns once per call. It does not guarantee
// that the server carried the request out only once: a server that was slow rather
// than dead may carry out every attempt. Make the request idempotent, or deduplicate
// on the server, where that matters.
func (c *Client) Request(ctx context.Context, req socket.Msg) (socket.Msg, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return socket.Msg{}, ErrClosed
	}
	for range c.opts.Retries {
		if c.sock == nil {
			if err := c.open(); err != nil {
				return socket.Msg{}, err
			}
		}
		reply, err := c.attempt(ctx, req)
		if err == nil {
			return reply, nil
		}
		c.reset()
		if ctx.Err() != nil {
			return socket.Msg{}, ctx.Err()
		}
		if !errors.Is(err, context.DeadlineExceeded) {
			return socket.Msg{}, err
		}
	}
	return socket.Msg{}, ErrNoReply
}

// attempt sends req once and waits up to the timeout for the reply.
func (c *Client) attempt(ctx context.Context, req socket.Msg) (socket.Msg, error) {
	actx, cancel := context.WithTimeout(ctx, c.opts.Timeout)
	defer cancel()
	// Send takes ownership of the frame slice; give it a copy of the slice header
	// list so that a retry can send the same frames again.
	frames := make([][]byte, len(req.Frames))
	copy(frames, req.Frames)
	if err := c.sock.Send(actx, socket.NewMsg(frames...)); err != nil {
		return socket.Msg{}, err
	}
	return c.sock.Recv(actx)
}

// Close closes the client's socket, abandoning nothing: Request holds the client for
// its whole duration, so Close waits for a Request in progress to finish.
func (c *Client) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return nil
	}
	c.closed = true
	c.reset()
	return nil
}
