package socket

import (
	"testing"

	"github.com/brokerless/zmq/internal/leakcheck"
)

// TestMain fails the run if goroutines started by sockets outlive the tests: every
// socket must wait for what it starts.
func TestMain(m *testing.M) { leakcheck.Main(m) }
