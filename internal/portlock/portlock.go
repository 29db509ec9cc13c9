// Package portlock reserves loopback TCP ports for tests and benchmarks that must
// name a port to a program before the program binds it.
//
// The usual way, binding port 0 and closing the listener, hands out a port from the
// kernel's ephemeral range, and any connect on the machine may take that port as its
// source port before the program binds it: the program then fails with "address
// already in use". Tests of several packages run at once and open thousands of
// connections, so this happens. Reserve picks from below the ephemeral range
// instead, where the kernel assigns no port on its own, and holds a lock file for the
// port until Release, so that no other process using this package picks it meanwhile.
package portlock

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// Port is a reserved loopback TCP port.
type Port struct {
	Num  int      // the port number
	lock *os.File // held while the reservation lasts; nil when no lock was taken
}

// String returns the port's number in decimal.
func (p *Port) String() string { return strconv.Itoa(p.Num) }

// Release ends the reservation. The port itself is not touched: a program bound to
// it keeps it.
func (p *Port) Release() {
	if p.lock != nil {
		unlock(p.lock)
		p.lock = nil
	}
}

// lowest is the smallest port Reserve hands out: above the well-known and registered
// ports that examples use by default (5555 and the like).
const lowest = 20000

// pick chooses a candidate in [0, n): at random, so that processes reserving at the
// same time rarely try the same port. Tests replace it.
var pick = rand.IntN

// attempts bounds the ports Reserve tries before it gives up.
const attempts = 200

// Reserve returns a port on 127.0.0.1 that is free now and that no other Reserve, in
// this process or another, returns until it is released. Where the ephemeral range
// cannot be read, or leaves no room below it, it falls back to a port the kernel
// picks (free a moment ago, with no reservation).
func Reserve() (*Port, error) {
	low, ok := ephemeralLow()
	if !ok || low-lowest < 1000 {
		n, err := kernelPick()
		if err != nil {
			return nil, fmt.Errorf("portlock: %w", err)
		}
		return &Port{Num: n}, nil
	}
	dir := filepath.Join(os.TempDir(), "brokerless-zmq-ports")
	if err := os.MkdirAll(dir, 0o777); err != nil {
		return nil, fmt.Errorf("portlock: %w", err)
	}
	for range attempts {
		n := lowest + pick(low-lowest)
		f, err := tryLock(filepath.Join(dir, strconv.Itoa(n)))
		if err != nil {
			return nil, fmt.Errorf("portlock: %w", err)
		}
		if f == nil {
			continue // reserved by someone else
		}
		if free(n) {
			return &Port{Num: n, lock: f}, nil
		}
		unlock(f)
	}
	return nil, errors.New("portlock: no free port found below the ephemeral range")
}

// free reports whether 127.0.0.1:n can be bound now.
func free(n int) bool {
	l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(n)))
	if err != nil {
		return false
	}
	l.Close()
	return true
}

// kernelPick returns a port the kernel chose for a listener that is closed again.
func kernelPick() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// ephemeralLow reads the first port of Linux's ephemeral range.
func ephemeralLow() (int, bool) {
	b, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range")
	if err != nil {
		return 0, false
	}
	fields := strings.Fields(string(b))
	if len(fields) != 2 {
		return 0, false
	}
	n, err := strconv.Atoi(fields[0])
	return n, err == nil
}
