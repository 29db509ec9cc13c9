//go:build cgo

package interop

import (
	"fmt"
	"os"
	"testing"

	zmq "github.com/pebbe/zmq4"
)

// TestMain refuses to run the suite without a working libzmq 4.3: a missing library
// must fail the run, never turn it into a row of skips. (When libzmq.so.5 is not
// installed at all, the dynamic loader already stops the test binary with "error
// while loading shared libraries: libzmq.so.5"; see README.md.)
func TestMain(m *testing.M) {
	if err := checkLibzmq(); err != nil {
		fmt.Fprintf(os.Stderr, "FAIL: interop: libzmq cannot be used: %v\n"+
			"       install it with: apt-get install -y libzmq3-dev (libzmq 4.3.x)\n", err)
		os.Exit(1)
	}
	code := m.Run()
	stopZAP()
	os.Exit(code)
}

// checkLibzmq loads libzmq, checks its version and moves one message through it.
func checkLibzmq() error {
	major, minor, patch := zmq.Version()
	if major != 4 || minor < 3 {
		return fmt.Errorf("found libzmq %d.%d.%d, need 4.3 or later in the 4.x series", major, minor, patch)
	}
	a, err := zmq.NewSocket(zmq.PAIR)
	if err != nil {
		return fmt.Errorf("zmq_socket: %w", err)
	}
	defer a.Close()
	b, err := zmq.NewSocket(zmq.PAIR)
	if err != nil {
		return fmt.Errorf("zmq_socket: %w", err)
	}
	defer b.Close()
	a.SetLinger(0)
	b.SetLinger(0)
	if err := a.Bind("inproc://interop-selftest"); err != nil {
		return fmt.Errorf("zmq_bind: %w", err)
	}
	if err := b.Connect("inproc://interop-selftest"); err != nil {
		return fmt.Errorf("zmq_connect: %w", err)
	}
	if _, err := a.Send("ping", zmq.DONTWAIT); err != nil {
		return fmt.Errorf("zmq_send: %w", err)
	}
	if got, err := b.Recv(0); err != nil || got != "ping" {
		return fmt.Errorf("zmq_recv = %q, %v", got, err)
	}
	return nil
}

// TestLibzmqVersion records which libzmq the suite ran against.
func TestLibzmqVersion(t *testing.T) {
	major, minor, patch := zmq.Version()
	t.Logf("libzmq %d.%d.%d", major, minor, patch)
}
