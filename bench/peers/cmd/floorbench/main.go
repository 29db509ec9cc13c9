// Command floorbench is the floor every ZeroMQ implementation is measured against: the
// same tests with no ZeroMQ at all. Subcommands, arguments and output are those of
// zmqbench, so the harness treats it like any other implementation.
//
//   - tcp:// and ipc:// endpoints: one raw TCP or unix-domain stream, each message framed
//     with a ZMTP-sized header (a 2-byte short frame up to 255 bytes, a 9-byte long frame
//     above), bufio with 64 KiB buffers at both ends. Throughput flushes only when the
//     buffer fills and at the end (the ideal batching writer); latency flushes every
//     message (a ping-pong). No greeting, no handshake, no queues, no goroutine per
//     message: a ZeroMQ library over the same kernel cannot beat this.
//   - inproc:// endpoints: Go channels of []byte between two goroutines, capacity 1000
//     (libzmq's HWM) for throughput and 1 for latency.
package main

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/brokerless/zmq/bench/perf"
)

func main() {
	perf.Main(perf.Program{
		Name: "floor",
		New:  func() perf.Impl { return impl{} },
	})
}

const bufSize = 64 << 10

type impl struct{}

func (impl) Socket(k perf.Kind) (perf.Socket, error) { return &sock{kind: k}, nil }
func (impl) Close() error                            { return nil }

// sock is one end of a stream or of an inproc channel pair.
type sock struct {
	kind  perf.Kind
	flush bool // flush after every message (latency)

	// stream
	ready chan error // the accepted or dialled connection is set
	conn  net.Conn
	br    *bufio.Reader
	bw    *bufio.Writer
	hdr   [9]byte
	body  []byte

	// inproc
	in, out chan []byte
}

func split(ep string) (scheme, addr string, err error) {
	i := strings.Index(ep, "://")
	if i < 0 {
		return "", "", fmt.Errorf("bad endpoint %q", ep)
	}
	return ep[:i], ep[i+3:], nil
}

func (s *sock) latency() bool { return s.kind == perf.Req || s.kind == perf.Rep }

func (s *sock) Bind(ep string) (string, error) {
	scheme, addr, err := split(ep)
	if err != nil {
		return "", err
	}
	switch scheme {
	case "inproc":
		return ep, s.bindInproc(addr)
	case "tcp", "ipc":
	default:
		return "", fmt.Errorf("unsupported transport %q", scheme)
	}
	network := "tcp"
	if scheme == "ipc" {
		network = "unix"
	}
	l, err := net.Listen(network, addr)
	if err != nil {
		return "", err
	}
	s.ready = make(chan error, 1)
	go func() {
		c, err := l.Accept()
		l.Close()
		if err == nil {
			s.setConn(c)
		}
		s.ready <- err
	}()
	if network == "tcp" {
		return "tcp://" + l.Addr().String(), nil
	}
	return ep, nil
}

func (s *sock) Connect(ep string) error {
	scheme, addr, err := split(ep)
	if err != nil {
		return err
	}
	switch scheme {
	case "inproc":
		return s.connectInproc(addr)
	case "tcp", "ipc":
	default:
		return fmt.Errorf("unsupported transport %q", scheme)
	}
	network := "tcp"
	if scheme == "ipc" {
		network = "unix"
	}
	// Like a ZeroMQ connect, tolerate a peer that is not listening yet (bounded).
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := net.Dial(network, addr)
		if err == nil {
			s.setConn(c)
			s.ready = make(chan error, 1)
			s.ready <- nil
			return nil
		}
		if time.Now().After(deadline) {
			return err
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func (s *sock) setConn(c net.Conn) {
	s.conn = c
	s.br = bufio.NewReaderSize(c, bufSize)
	s.bw = bufio.NewWriterSize(c, bufSize)
	s.flush = s.latency()
}

// wait blocks until the stream is up (a bound socket accepts lazily).
func (s *sock) wait() error {
	if s.ready == nil {
		return errors.New("not bound or connected")
	}
	if s.conn != nil {
		return nil
	}
	err := <-s.ready
	s.ready <- err
	return err
}

func (s *sock) Send(b []byte) error {
	if s.out != nil {
		s.out <- b
		return nil
	}
	if s.conn == nil {
		if err := s.wait(); err != nil {
			return err
		}
	}
	h := s.hdr[:2]
	if len(b) <= 255 {
		h[0], h[1] = 0, byte(len(b))
	} else {
		h = s.hdr[:9]
		h[0] = 2
		binary.BigEndian.PutUint64(h[1:], uint64(len(b)))
	}
	if _, err := s.bw.Write(h); err != nil {
		return err
	}
	if _, err := s.bw.Write(b); err != nil {
		return err
	}
	if s.flush {
		return s.bw.Flush()
	}
	return nil
}

func (s *sock) Recv() ([]byte, error) {
	if s.in != nil {
		return <-s.in, nil
	}
	if s.conn == nil {
		if err := s.wait(); err != nil {
			return nil, err
		}
	}
	flags, err := s.br.ReadByte()
	if err != nil {
		return nil, err
	}
	var n uint64
	if flags&2 == 0 {
		c, err := s.br.ReadByte()
		if err != nil {
			return nil, err
		}
		n = uint64(c)
	} else {
		if _, err := io.ReadFull(s.br, s.hdr[1:9]); err != nil {
			return nil, err
		}
		n = binary.BigEndian.Uint64(s.hdr[1:9])
		if n > 1<<31 {
			return nil, fmt.Errorf("frame of %d bytes", n)
		}
	}
	if uint64(cap(s.body)) < n {
		s.body = make([]byte, n)
	}
	b := s.body[:n]
	if _, err := io.ReadFull(s.br, b); err != nil {
		return nil, err
	}
	return b, nil
}

func (s *sock) Close() error {
	if s.conn == nil {
		return nil
	}
	err := s.bw.Flush()
	if cerr := s.conn.Close(); err == nil {
		err = cerr
	}
	return err
}

// The inproc registry: a bound name holds the channel pair until a peer connects.
var (
	inprocMu sync.Mutex
	inproc   = map[string][2]chan []byte{}
)

func (s *sock) bindInproc(name string) error {
	inprocMu.Lock()
	defer inprocMu.Unlock()
	if _, ok := inproc[name]; ok {
		return fmt.Errorf("inproc://%s: address in use", name)
	}
	capacity := 1000
	if s.latency() {
		capacity = 1
	}
	toBinder, toConnecter := make(chan []byte, capacity), make(chan []byte, capacity)
	inproc[name] = [2]chan []byte{toBinder, toConnecter}
	s.in, s.out = toBinder, toConnecter
	return nil
}

func (s *sock) connectInproc(name string) error {
	inprocMu.Lock()
	defer inprocMu.Unlock()
	p, ok := inproc[name]
	if !ok {
		return fmt.Errorf("inproc://%s: not bound", name)
	}
	delete(inproc, name)
	s.in, s.out = p[1], p[0]
	return nil
}
