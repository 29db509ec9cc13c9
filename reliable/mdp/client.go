package mdp

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/brokerless/zmq/reliable/pirate"
	"github.com/brokerless/zmq/socket"
)

// ClientOptions configures a [Client].
type ClientOptions struct {
	// Timeout bounds each attempt. Zero means DefaultTimeout.
	Timeout time.Duration
	// Retries is how many times a request is sent in all before Request returns
	// ErrNoReply. Zero means DefaultRetries.
	Retries int
	// Socket configures each REQ socket the client makes.
	Socket socket.Options
}

// Client is a Majordomo client (the guide's mdcliapi): it sends a request for a
// service to a broker and waits for the reply, retrying as a Lazy Pirate client does
// (a fresh REQ socket for each attempt after a timeout). A Client is safe for
// concurrent use; concurrent requests are sent one at a time.
type Client struct {
	lp *pirate.Client
}

// NewClient returns a client of the broker at endpoint.
func NewClient(endpoint string, opts ClientOptions) (*Client, error) {
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultTimeout
	}
	if opts.Retries <= 0 {
		opts.Retries = DefaultRetries
	}
	lp, err := pirate.NewClient(endpoint, pirate.ClientOptions{
		Timeout: opts.Timeout,
		Retries: opts.Retries,
		Socket:  opts.Socket,
	})
	if err != nil {
		return nil, err
	}
	return &Client{lp: lp}, nil
}

// Request sends body to service and returns the reply's body. It returns ErrNoReply
// when every attempt timed out, ctx.Err() when ctx ended first, and an error matching
// ErrProtocol when the broker's reply is not an MDP 0.1 reply for service. The
// frames of body must not be modified until Request returns.
//
// A request to an MMI service ("mmi.service" with a service name as body) is
// answered by the broker: ["200"] when the service has workers, ["404"] when not.
//
// Request returns once per call with the reply to this request or an error; the
// service may have carried out a retried request more than once.
func (c *Client) Request(ctx context.Context, service string, body ...[]byte) ([][]byte, error) {
	frames := make([][]byte, 0, 2+len(body))
	frames = append(frames, []byte(ClientHeader), []byte(service))
	frames = append(frames, body...)
	m, err := c.lp.Request(ctx, socket.NewMsg(frames...))
	if err != nil {
		if errors.Is(err, pirate.ErrNoReply) {
			return nil, ErrNoReply
		}
		return nil, err
	}
	if len(m.Frames) < 2 || string(m.Frames[0]) != ClientHeader {
		return nil, fmt.Errorf("%w: no %s header", ErrProtocol, ClientHeader)
	}
	if string(m.Frames[1]) != service {
		return nil, fmt.Errorf("%w: reply from service %q to a request for %q", ErrProtocol, m.Frames[1], service)
	}
	return m.Frames[2:], nil
}

// Close closes the client, waiting for a Request in progress to finish.
func (c *Client) Close() error { return c.lp.Close() }
