//go:build !unix

package tcp

import (
	"errors"
	"fmt"

	"github.com/brokerless/zmq/transport"
)

// setSockopts refuses TOS and BindToDevice: they are set with the socket calls of
// Unix systems, which this one does not have.
func setSockopts(_ uintptr, _ string, opts transport.Options) error {
	if opts.TOS != 0 {
		return fmt.Errorf("tcp: setting type of service: %w on this system", errors.ErrUnsupported)
	}
	return fmt.Errorf("tcp: binding to device %q: %w on this system", opts.BindToDevice, errors.ErrUnsupported)
}
