package titanic

import (
	"context"
	"errors"
	"fmt"

	"github.com/brokerless/zmq/reliable/mdp"
)

// Errors of Client.Reply.
var (
	ErrPending = errors.New("titanic: reply not ready") // 300
	ErrUnknown = errors.New("titanic: unknown request") // 400
	ErrFailed  = errors.New("titanic: request failed")  // 500, or an unknown status
)

// Client talks to Titanic through a Majordomo broker, as the guide's ticlient does.
// Its methods are safe for concurrent use (they run one at a time).
type Client struct {
	mdp *mdp.Client
}

// NewClient returns a client of the Titanic behind the broker at endpoint.
func NewClient(broker string, opts mdp.ClientOptions) (*Client, error) {
	c, err := mdp.NewClient(broker, opts)
	if err != nil {
		return nil, err
	}
	return &Client{mdp: c}, nil
}

// Close closes the client.
func (c *Client) Close() error { return c.mdp.Close() }

func (c *Client) call(ctx context.Context, service string, body ...[]byte) ([][]byte, error) {
	reply, err := c.mdp.Request(ctx, service, body...)
	if err != nil {
		return nil, err
	}
	if len(reply) == 0 {
		return nil, fmt.Errorf("%w: empty reply from %s", ErrFailed, service)
	}
	switch string(reply[0]) {
	case StatusOK:
		return reply[1:], nil
	case StatusPending:
		return nil, ErrPending
	case StatusUnknown:
		return nil, ErrUnknown
	}
	return nil, fmt.Errorf("%w: %s answered %q", ErrFailed, service, reply[0])
}

// Request hands a request for service to Titanic and returns its uuid once Titanic
// has stored it on disk. If the acknowledgement is lost, the client's retry stores
// the request again, under another uuid: Titanic may then carry it out twice.
func (c *Client) Request(ctx context.Context, service string, body ...[]byte) (string, error) {
	r, err := c.call(ctx, ServiceRequest, append([][]byte{[]byte(service)}, body...)...)
	if err != nil {
		return "", err
	}
	if len(r) != 1 {
		return "", fmt.Errorf("%w: %s answered %d frames after 200", ErrFailed, ServiceRequest, len(r))
	}
	return string(r[0]), nil
}

// Reply returns the service's reply to request uuid, ErrPending while there is none
// yet, or ErrUnknown for a request Titanic does not know (never made, or closed).
func (c *Client) Reply(ctx context.Context, uuid string) ([][]byte, error) {
	return c.call(ctx, ServiceReply, []byte(uuid))
}

// CloseRequest tells Titanic to forget request uuid and its reply.
func (c *Client) CloseRequest(ctx context.Context, uuid string) error {
	_, err := c.call(ctx, ServiceClose, []byte(uuid))
	return err
}
