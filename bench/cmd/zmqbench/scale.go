package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/brokerless/zmq/bench/perf"
	"github.com/brokerless/zmq/socket"
)

// The scale tests: a ROUTER server with many DEALER clients, with the arguments and
// output lines of bench/peers/c's programs of the same names, so ours and libzmq's
// pair over the wire in either role:
//
//	zmqbench local_router   <bind-to> <message-size> <request-count>
//	zmqbench remote_dealers <connect-to> <message-size> <request-count> <clients>
//	zmqbench remote_conns   <connect-to> <clients>
//	zmqbench local_idle     <bind-to> <clients>
//	zmqbench remote_idle    <connect-to> <clients>
//
// local_router echoes every request to its sender; requests of message-size bytes
// count, empty ones (the clients' warm-up round trips) do not. It stops after
// request-count requests and prints its own throughput and resident memory.
// remote_dealers runs clients DEALERs, one goroutine each, each with a window of
// scaleWindow requests outstanding, request-count requests in all; after every DEALER
// made one empty round trip, the clock runs to the last reply. remote_conns opens
// clients DEALERs at once, each sending one 1-byte request to local_router (given
// message-size 1 and request-count clients), and times the first connect to the last
// reply. local_idle binds a ROUTER, waits until clients peers sent one message each,
// and prints its steady resident memory before and after them; then it releases them
// with one empty message each, which remote_idle's DEALERs wait for.

// scaleWindow is the requests each remote_dealers DEALER keeps outstanding (as
// bench/peers/c/remote_dealers.c's WINDOW).
const scaleWindow = 4

// scaleTimeout bounds every scale test.
const scaleTimeout = 10 * time.Minute

type scaleCommand struct {
	usage string
	run   func(ctx context.Context, ep string, nums []int, w io.Writer) error
}

var scaleCommands = map[string]scaleCommand{
	"local_router":   {"<bind-to> <message-size> <request-count>", localRouter},
	"remote_dealers": {"<connect-to> <message-size> <request-count> <clients>", remoteDealers},
	"remote_conns":   {"<connect-to> <clients>", remoteConns},
	"local_idle":     {"<bind-to> <clients>", localIdle},
	"remote_idle":    {"<connect-to> <clients>", remoteIdle},
}

// scaleMain runs args if they name a scale test, and reports whether they did; the
// exit status is 2 for a usage error and 1 for a failed test.
func scaleMain(args []string, w io.Writer) (handled bool, status int) {
	if len(args) == 0 {
		return false, 0
	}
	c, ok := scaleCommands[args[0]]
	if !ok {
		return false, 0
	}
	usage := func(msg string) (bool, int) {
		fmt.Fprintf(os.Stderr, "zmqbench: %s\nusage: zmqbench %s %s\n", msg, args[0], c.usage)
		return true, 2
	}
	want := len(strings.Fields(c.usage))
	if len(args)-1 != want {
		return usage(fmt.Sprintf("%s takes %d arguments, got %d", args[0], want, len(args)-1))
	}
	var nums []int
	for _, a := range args[2:] {
		n, err := strconv.Atoi(a)
		if err != nil || n < 1 {
			return usage(fmt.Sprintf("%s: want a positive number, got %q", args[0], a))
		}
		nums = append(nums, n)
	}
	ctx, cancel := context.WithTimeout(context.Background(), scaleTimeout)
	defer cancel()
	if err := c.run(ctx, args[1], nums, w); err != nil {
		fmt.Fprintf(os.Stderr, "zmqbench: %s: %v\n", args[0], err)
		return true, 1
	}
	return true, 0
}

// localRouter is local_router: a ROUTER that echoes requests until n of them had size
// bytes, then prints its throughput and memory.
func localRouter(ctx context.Context, ep string, nums []int, w io.Writer) error {
	size, n := nums[0], nums[1]
	s, err := socket.New(socket.Router, socket.Options{})
	if err != nil {
		return err
	}
	defer s.Close()
	if err := s.Bind(ep); err != nil {
		return err
	}
	var start time.Time
	for done := 0; done < n; {
		m, err := s.Recv(ctx)
		if err != nil {
			return fmt.Errorf("recv after %d requests: %w", done, err)
		}
		if len(m.Frames) != 2 {
			return fmt.Errorf("a request of %d frames, want the routing id and a body", len(m.Frames))
		}
		switch len(m.Frames[1]) {
		case size:
			if done == 0 {
				start = time.Now()
			}
			done++
		case 0: // a warm-up round trip
		default:
			return fmt.Errorf("a request of %d bytes, want %d or 0", len(m.Frames[1]), size)
		}
		if err := s.Send(ctx, m); err != nil {
			return fmt.Errorf("send: %w", err)
		}
	}
	elapsed := max(time.Since(start), time.Microsecond)
	rss, peak, err := perf.RSS()
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(w, "message size: %d [B]\nrequest count: %d\nserver throughput: %.0f [msg/s]\nserver rss: %d [KiB]\nserver peak rss: %d [KiB]\n",
		size, n, float64(n)/elapsed.Seconds(), rss, peak)
	return err // Close, deferred, lingers until the last replies are out
}

// dealers opens n DEALERs connected to ep; on failure it closes those it opened.
func dealers(ep string, n int) ([]*socket.Socket, error) {
	socks := make([]*socket.Socket, 0, n)
	for range n {
		s, err := socket.New(socket.Dealer, socket.Options{})
		if err == nil {
			if err = s.Connect(ep); err != nil {
				s.Close()
			}
		}
		if err != nil {
			closeAll(socks)
			return nil, err
		}
		socks = append(socks, s)
	}
	return socks, nil
}

// closeAll closes every socket, concurrently: each Close waits for its connection's
// goroutines, and thousands of them one after another would take long.
func closeAll(socks []*socket.Socket) error {
	errs := make([]error, len(socks))
	var wg sync.WaitGroup
	for i, s := range socks {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = s.Close()
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

// recvSized receives one message on s and checks that it is one frame of size bytes;
// it releases the message.
func recvSized(ctx context.Context, s *socket.Socket, size int) error {
	m, err := s.Recv(ctx)
	if err != nil {
		return err
	}
	defer m.Release()
	if len(m.Frames) != 1 {
		return fmt.Errorf("got a message of %d frames, want one of %d bytes", len(m.Frames), size)
	}
	if len(m.Frames[0]) != size {
		return fmt.Errorf("got a message of %d bytes, want %d", len(m.Frames[0]), size)
	}
	return nil
}

// remoteDealers is remote_dealers: clients DEALERs, one goroutine each, sharing
// request-count requests, each with scaleWindow outstanding.
func remoteDealers(ctx context.Context, ep string, nums []int, w io.Writer) error {
	size, total, n := nums[0], nums[1], nums[2]
	socks, err := dealers(ep, n)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	body := make([]byte, size) // shared by every request: Send never modifies it
	errs := make([]error, n)
	var warm, wg sync.WaitGroup
	begin := make(chan struct{})
	for i, s := range socks {
		quota := total / n
		if i < total%n {
			quota++
		}
		warm.Add(1)
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := s.Send(ctx, socket.Msg{Frames: [][]byte{{}}})
			if err == nil {
				err = recvSized(ctx, s, 0)
			}
			warm.Done()
			if err != nil {
				errs[i] = fmt.Errorf("warm-up: %w", err)
				cancel()
				return
			}
			<-begin
			errs[i] = dealerLoop(ctx, s, body, quota)
			if errs[i] != nil {
				cancel()
			}
		}()
	}
	warm.Wait()
	start := time.Now()
	close(begin)
	wg.Wait()
	elapsed := max(time.Since(start), time.Microsecond)
	if err := firstCause(errs); err != nil {
		closeAll(socks)
		return err
	}
	if err := closeAll(socks); err != nil {
		return err
	}
	_, err = fmt.Fprintf(w, "clients: %d\nreplies: %d\nmean throughput: %.0f [msg/s]\n", n, total, float64(total)/elapsed.Seconds())
	return err
}

// firstCause returns the first error that is not the cancellation the first failure
// caused in the other goroutines, or nil.
func firstCause(errs []error) error {
	var canceled error
	for _, err := range errs {
		if err != nil && !errors.Is(err, context.Canceled) {
			return err
		}
		if err != nil && canceled == nil {
			canceled = err
		}
	}
	return canceled
}

// dealerLoop sends quota requests of body on s, keeping up to scaleWindow outstanding,
// and receives their replies.
func dealerLoop(ctx context.Context, s *socket.Socket, body []byte, quota int) error {
	req := socket.Msg{Frames: [][]byte{body}} // Send only reads the frame list
	outstanding := 0
	for ; outstanding < scaleWindow && quota > 0; quota-- {
		if err := s.Send(ctx, req); err != nil {
			return err
		}
		outstanding++
	}
	for outstanding > 0 {
		if err := recvSized(ctx, s, len(body)); err != nil {
			return err
		}
		outstanding--
		if quota > 0 {
			if err := s.Send(ctx, req); err != nil {
				return err
			}
			quota--
			outstanding++
		}
	}
	return nil
}

// remoteConns is remote_conns: clients DEALERs opened at once, each making one round
// trip of a 1-byte request; the clock runs from the first connect to the last reply.
func remoteConns(ctx context.Context, ep string, nums []int, w io.Writer) error {
	n := nums[0]
	start := time.Now()
	socks, err := dealers(ep, n)
	if err != nil {
		return err
	}
	err = sendEach(ctx, socks, 1)
	for i := 0; err == nil && i < n; i++ {
		err = recvSized(ctx, socks[i], 1)
	}
	elapsed := max(time.Since(start), time.Microsecond)
	if cerr := closeAll(socks); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(w, "clients: %d\nmean connection rate: %.1f [conn/s]\n", n, float64(n)/elapsed.Seconds())
	return err
}

// sendEach sends one message of size bytes on each socket.
func sendEach(ctx context.Context, socks []*socket.Socket, size int) error {
	body := make([]byte, size)
	for _, s := range socks {
		if err := s.Send(ctx, socket.Msg{Frames: [][]byte{body}}); err != nil {
			return err
		}
	}
	return nil
}

// localIdle is local_idle: the ROUTER's steady resident memory before and after
// clients peers, each of which sent one message.
func localIdle(ctx context.Context, ep string, nums []int, w io.Writer) error {
	n := nums[0]
	s, err := socket.New(socket.Router, socket.Options{})
	if err != nil {
		return err
	}
	defer s.Close()
	// Before binding, so that no peer can have connected yet.
	before, err := perf.SteadyRSS()
	if err != nil {
		return err
	}
	if err := s.Bind(ep); err != nil {
		return err
	}
	ids := make([][]byte, n)
	for i := range ids {
		m, err := s.Recv(ctx)
		if err != nil {
			return fmt.Errorf("recv after %d peers: %w", i, err)
		}
		if len(m.Frames) < 1 {
			return fmt.Errorf("an empty message")
		}
		ids[i] = append([]byte(nil), m.Frames[0]...)
		m.Release()
	}
	after, err := perf.SteadyRSS()
	if err != nil {
		return err
	}
	if _, err := fmt.Fprintf(w, "clients: %d\nrss before: %d [KiB]\nrss after: %d [KiB]\nmemory per connection: %.0f [B]\n",
		n, before, after, float64(after-before)*1024/float64(n)); err != nil {
		return err
	}
	for _, id := range ids {
		if err := s.Send(ctx, socket.Msg{Frames: [][]byte{id, {}}}); err != nil {
			return fmt.Errorf("release: %w", err)
		}
	}
	return nil // Close, deferred, lingers until the releases are out
}

// remoteIdle is remote_idle: clients DEALERs that send one 1-byte message each and
// wait for local_idle's release.
func remoteIdle(ctx context.Context, ep string, nums []int, w io.Writer) error {
	n := nums[0]
	socks, err := dealers(ep, n)
	if err != nil {
		return err
	}
	err = sendEach(ctx, socks, 1)
	for i := 0; err == nil && i < n; i++ {
		err = recvSized(ctx, socks[i], 0)
	}
	if cerr := closeAll(socks); err == nil {
		err = cerr
	}
	return err
}
