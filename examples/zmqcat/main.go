// Command zmqcat is netcat for ZeroMQ: it opens one socket of any type, binds and
// connects it, and moves messages between the socket and stdin/stdout.
//
// Usage:
//
//	zmqcat TYPE [--bind EP]... [--connect EP]... [--subscribe PREFIX]... [--join GROUP]...
//	       [--count N] [--timeout DURATION] [--linger DURATION]
//	       [security flags] [authenticator flags]
//	       [--tls-cert FILE --tls-key FILE] [--tls-ca FILE]
//
// TYPE is one of pair, pub, sub, req, rep, dealer, router, pull, push, xpub, xsub, or
// of the draft types server, client, radio, dish, scatter, gather, peer, channel, dgram
// (in any case). A message is one line; its frames are separated by a TAB, on stdin and
// on stdout alike, and frames are printed as raw bytes. The draft types carry one frame
// per message, so for them a line is one frame, TABs included, except where said
// below. What zmqcat does depends on TYPE:
//
//   - push, pub: send each stdin line; at EOF wait up to --linger for the messages to
//     be delivered, then exit.
//   - pull, sub: print each message; stop after --count messages, or when --timeout
//     passes without one. A sub without --subscribe subscribes to everything.
//   - req: send each stdin line and print the reply (waiting at most --timeout for it).
//   - rep: echo every request back, print nothing; stop like pull.
//   - client: like req, without req's strict turns.
//   - server: echo every message back to its sender, print nothing; stop like pull.
//   - scatter: like push. gather: like pull.
//   - radio: send each stdin line, GROUP<TAB>BODY, to the dishes that joined GROUP.
//   - dish: join each --join GROUP, and print each message as GROUP<TAB>BODY; stop
//     like pull.
//   - peer: each --connect is a peer with a routing id, reported on stderr; a stdin
//     line ID<TAB>BODY goes to peer ID, a line without a TAB to the first --connect.
//     Each message is printed as ID<TAB>BODY. It stops like pair.
//   - dgram: binds a udp:// endpoint; lines are ADDRESS<TAB>BODY both ways, ADDRESS
//     being "IP:PORT" (the destination on stdin, the sender on stdout) and BODY the
//     rest of the line, TABs included. It runs like pair.
//   - pair, dealer, router, xpub, xsub, channel: send every stdin line and print what arrives;
//     once stdin has ended (and all of it was sent), stop after --count messages in
//     all, or when --timeout passes without a message. While stdin is open zmqcat
//     keeps going: you may still be typing.
//
// Endpoints may be ws:// and wss:// too. For wss, a binding socket needs --tls-cert and
// --tls-key (PEM files), and a connecting one trusts the system's certificate
// authorities, or those of --tls-ca.
//
// When --count is set and --timeout ends the wait first, zmqcat exits with status 1.
// A bind to a wildcard endpoint (tcp://127.0.0.1:*) reports the endpoint it got on
// stderr. Bad arguments exit with status 2. SIGINT or SIGTERM stops zmqcat cleanly.
//
// # Security
//
// The socket's tcp and ipc connections use the NULL mechanism (no security) unless
// one of these flags is given:
//
//   - CURVE server: --curve-server, with the server's keys from --curve-cert FILE (a
//     secret certificate, NAME.key_secret, as zmqcert new writes) or --curve-secretkey
//     Z85.
//   - CURVE client: --curve-servercert FILE (the server's public certificate,
//     NAME.key) or --curve-serverkey Z85, and the client's own keys from --curve-cert
//     FILE, or --curve-secretkey Z85 (with --curve-publickey Z85 if you like: it is
//     checked), or, without these, a key pair generated for the run.
//   - PLAIN server: --plain-server (it needs --auth-passwords). PLAIN client:
//     --plain-user NAME --plain-password PASSWORD. PLAIN sends both in clear.
//   - --zap-domain DOMAIN: the socket's ZAP domain.
//
// A CURVE socket reports its public key on stderr. Keys and passwords on the command
// line are visible to other users of the machine (ps); prefer certificate files.
// Handshake failures (a refused client, a box that does not open, a wrong server key)
// are reported on stderr, once per kind and endpoint; a socket that its peer refuses
// (with ERROR, as an authenticator makes it) does not reconnect, and zmqcat stops with
// status 1.
//
// Any of these flags starts an authenticator in the process, which decides on the
// clients of every server socket in it (ZAP domain "*"):
//
//   - --auth-passwords FILE: PLAIN clients, from a file of name=password lines;
//   - --auth-curve-keys DIR: CURVE clients whose public certificate (NAME.key) is in DIR;
//   - --auth-curve-any: CURVE clients of any key;
//   - --auth-allow IP, --auth-deny IP (repeatable): accept clients from these
//     addresses or prefixes (10.0.0.0/8) only, or refuse them; deny wins. These
//     match tcp clients: an ipc client's address is not an IP, so an allow list
//     refuses it.
//
// Without an authenticator a CURVE server accepts every client that knows its public
// key, as libzmq does without a ZAP handler.
//
// Examples:
//
//	zmqcat pull --bind 'tcp://*:5557' --count 3
//	printf 'a\nb\nc\n' | zmqcat push --connect tcp://localhost:5557
//	zmqcat rep --bind tcp://127.0.0.1:5555 &
//	echo Hello | zmqcat req --connect tcp://localhost:5555
//	printf '127.0.0.1:5556\thello\n' | zmqcat dgram --bind udp://127.0.0.1:5555 --count 1
//
//	zmqcert new server    # server.key, server.key_secret
//	zmqcat pull --bind tcp://127.0.0.1:5557 --curve-server --curve-cert server.key_secret &
//	echo secret | zmqcat push --connect tcp://127.0.0.1:5557 --curve-servercert server.key
package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/brokerless/zmq/internal/secflag"
	"github.com/brokerless/zmq/internal/tlsfiles"
	"github.com/brokerless/zmq/internal/version"
	"github.com/brokerless/zmq/socket"
	"github.com/brokerless/zmq/transport"
	"github.com/brokerless/zmq/wire"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// Exit statuses.
const (
	exitOK    = 0
	exitError = 1 // a runtime failure, or --count not reached before --timeout
	exitUsage = 2 // bad arguments
)

// config is the parsed command line.
type config struct {
	typ        socket.Type
	binds      []string
	connects   []string
	subscribes []string
	joins      []string
	count      int
	timeout    time.Duration
	linger     time.Duration
	sec        secflag.Config
	auth       *secflag.AuthFlags
	tls        *tls.Config // wss: --tls-cert, --tls-key, --tls-ca
}

// listFlag collects the values of a repeatable flag.
type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ",") }
func (l *listFlag) Set(v string) error { *l = append(*l, v); return nil }

// usageError is an argument error: it exits with exitUsage.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

const usage = `usage: zmqcat TYPE [--bind EP]... [--connect EP]... [--subscribe PREFIX]... [--join GROUP]...
              [--count N] [--timeout DURATION] [--linger DURATION]
              [--curve-server (--curve-cert FILE | --curve-secretkey Z85)]
              [(--curve-servercert FILE | --curve-serverkey Z85)
               [--curve-cert FILE | --curve-secretkey Z85 [--curve-publickey Z85]]]
              [--plain-server | --plain-user NAME --plain-password PASSWORD]
              [--zap-domain DOMAIN] [--auth-passwords FILE] [--auth-curve-keys DIR]
              [--auth-curve-any] [--auth-allow IP]... [--auth-deny IP]...
              [--tls-cert FILE --tls-key FILE] [--tls-ca FILE]
       zmqcat --version
TYPE: pair, pub, sub, req, rep, dealer, router, pull, push, xpub, xsub,
      server, client, radio, dish, scatter, gather, peer, channel, dgram
`

// parseArgs parses the command line. The socket type may come before or after the
// flags.
func parseArgs(args []string, stderr io.Writer) (config, error) {
	var c config
	fs := flag.NewFlagSet("zmqcat", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), usage)
		fs.PrintDefaults()
	}
	var binds, connects, subscribes, joins listFlag
	fs.Var(&binds, "bind", "bind the socket to `EP` (repeatable)")
	fs.Var(&connects, "connect", "connect the socket to `EP` (repeatable)")
	fs.Var(&subscribes, "subscribe", "subscribe to `PREFIX` (sub and xsub; repeatable)")
	fs.Var(&joins, "join", "join `GROUP` (dish; repeatable)")
	fs.IntVar(&c.count, "count", 0, "stop after `N` messages received (0: no limit)")
	fs.DurationVar(&c.timeout, "timeout", 0, "stop when no message arrives for `DURATION` (0: wait forever)")
	fs.DurationVar(&c.linger, "linger", socket.DefaultLinger, "at exit, wait up to `DURATION` for queued messages to be delivered")
	sec := secflag.Register(fs, "")
	c.auth = secflag.RegisterAuth(fs)
	var tlsCert, tlsKey, tlsCA string
	fs.StringVar(&tlsCert, "tls-cert", "", "wss: the server certificate, a PEM `FILE` (with --tls-key)")
	fs.StringVar(&tlsKey, "tls-key", "", "wss: the server certificate's private key, a PEM `FILE`")
	fs.StringVar(&tlsCA, "tls-ca", "", "wss: the certificate authorities a client trusts, a PEM `FILE` (default: the system's)")

	var name string
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		name, args = args[0], args[1:]
	}
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	rest := fs.Args()
	if name == "" && len(rest) > 0 {
		name, rest = rest[0], rest[1:]
	}
	if name == "" {
		return c, usageError{"missing socket type"}
	}
	if len(rest) > 0 {
		return c, usageError{fmt.Sprintf("unexpected argument %q", rest[0])}
	}
	typ, ok := wire.ParseSocketType([]byte(strings.ToUpper(name)))
	if !ok {
		return c, usageError{fmt.Sprintf("unknown socket type %q", name)}
	}
	c.typ = typ
	c.binds, c.connects, c.subscribes, c.joins = binds, connects, subscribes, joins
	switch {
	case len(c.binds)+len(c.connects) == 0:
		return c, usageError{"no endpoint: give at least one --bind or --connect"}
	case len(c.subscribes) > 0 && typ != socket.Sub && typ != socket.XSub:
		return c, usageError{fmt.Sprintf("--subscribe needs a sub or xsub socket, not %s", strings.ToLower(typ.String()))}
	case len(c.joins) > 0 && typ != socket.Dish:
		return c, usageError{fmt.Sprintf("--join needs a dish socket, not %s", strings.ToLower(typ.String()))}
	case c.count < 0:
		return c, usageError{"--count must not be negative"}
	case c.timeout < 0:
		return c, usageError{"--timeout must not be negative"}
	}
	var err error
	if c.sec, err = sec.Config(); err != nil {
		return c, usageError{err.Error()}
	}
	if err := c.auth.Check(c.sec); err != nil {
		return c, usageError{err.Error()}
	}
	tc, err := tlsfiles.Config(tlsCert, tlsKey, tlsCA)
	if err != nil {
		return c, usageError{err.Error()}
	}
	c.tls = tc
	return c, nil
}

// run is zmqcat's main: it returns the exit status.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if version.Requested(args) {
		fmt.Fprintln(stdout, version.String("zmqcat"))
		return exitOK
	}
	c, err := parseArgs(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return exitOK
	}
	var uerr usageError
	if errors.As(err, &uerr) {
		fmt.Fprintf(stderr, "zmqcat: %v\n%s", err, usage)
		return exitUsage
	}
	if err != nil { // the flag package has printed the problem and the usage
		return exitUsage
	}

	// The authenticator logs its decisions on stderr. It serves the sockets of
	// inproc.Default, as zmqcat's socket is one of them.
	auth, err := c.auth.Start(nil, slog.New(slog.NewTextHandler(stderr, nil)))
	if err != nil {
		fmt.Fprintf(stderr, "zmqcat: %v\n", err)
		return exitError
	}
	if auth != nil {
		defer auth.Close()
	}

	events := make(chan socket.Event, 64)
	opts := socket.Options{Linger: c.linger, Mechanism: c.sec.Mechanism, ZAPDomain: c.sec.ZAPDomain, Monitor: events, TLSConfig: c.tls}
	s, err := socket.New(c.typ, opts)
	if err != nil {
		fmt.Fprintf(stderr, "zmqcat: %v\n", err)
		return exitError
	}
	if c.sec.PublicKey != "" {
		fmt.Fprintf(stderr, "zmqcat: CURVE public key %s\n", c.sec.PublicKey)
	}
	parent := ctx
	ctx, refused := context.WithCancelCause(parent)
	defer refused(nil)
	mon := watch(events, stderr, refused)
	firstPeer, code := setup(s, c, stderr)
	if code != exitOK {
		s.Close()
		mon.stop()
		return code
	}

	cat := &cat{c: c, s: s, in: bufio.NewReader(stdin), out: bufio.NewWriter(stdout), peer: firstPeer,
		done: make(chan struct{})}
	err = cat.run(ctx)
	close(cat.done)

	// Give queued messages up to --linger to reach their peers.
	lctx, cancel := context.WithTimeout(ctx, c.linger)
	serr := s.Shutdown(lctx)
	cancel()
	mon.stop() // after it has seen every event of the socket
	switch {
	case parent.Err() != nil:
		err = nil // interrupted: stop quietly
	case ctx.Err() != nil:
		// The peer refused this socket: what was sent went nowhere.
		err = context.Cause(ctx)
	case err == nil && serr != nil:
		err = fmt.Errorf("messages not delivered within --linger %v: %w", c.linger, serr)
	}
	if err != nil {
		fmt.Fprintf(stderr, "zmqcat: %v\n", err)
		return exitError
	}
	return exitOK
}

// monitor reports a socket's handshake failures on stderr.
type monitor struct {
	done chan struct{}
	wg   sync.WaitGroup
}

// watch reports the handshake failures among events on
// stderr, once per kind and endpoint, until stop, and then those still in
// the channel. A socket the peer refused
// (HANDSHAKE_FAILED_AUTH with the peer's ERROR) does not reconnect, so it
// cannot get anywhere: watch ends the run through refused.
func watch(events <-chan socket.Event, stderr io.Writer, refused context.CancelCauseFunc) *monitor {
	m := &monitor{done: make(chan struct{})}
	m.wg.Go(func() {
		type key struct {
			t  socket.EventType
			ep string
		}
		seen := make(map[key]bool)
		for {
			var e socket.Event
			select {
			case e = <-events:
			case <-m.done:
				select {
				case e = <-events:
				default:
					return
				}
			}
			switch e.Type {
			case socket.EventHandshakeFailed, socket.EventHandshakeProtocol, socket.EventHandshakeAuth:
			default:
				continue
			}
			var pe *wire.PeerError
			if e.Type == socket.EventHandshakeAuth && errors.As(e.Err, &pe) {
				refused(fmt.Errorf("the peer refused this socket: %v", e))
				continue
			}
			if k := (key{e.Type, e.Endpoint}); !seen[k] {
				seen[k] = true
				fmt.Fprintf(stderr, "zmqcat: %v\n", e)
			}
		}
	})
	return m
}

// stop stops the monitor, once it has handled the events already sent, and
// waits for it.
func (m *monitor) stop() {
	close(m.done)
	m.wg.Wait()
}

// setup subscribes, joins, binds and connects s. For a PEER it returns the routing
// id of the first --connect.
func setup(s *socket.Socket, c config, stderr io.Writer) (firstPeer uint32, code int) {
	fail := func(err error) (uint32, int) {
		fmt.Fprintf(stderr, "zmqcat: %v\n", err)
		if errors.Is(err, transport.ErrBadEndpoint) || errors.Is(err, transport.ErrUnknownTransport) ||
			errors.Is(err, socket.ErrTransportNotAllowed) || errors.Is(err, errors.ErrUnsupported) {
			return 0, exitUsage
		}
		return 0, exitError
	}
	// Subscriptions and groups come first: a peer may send as soon as the "bound to"
	// line is out, and a DISH on udp:// filters what arrives before its Join.
	if c.typ == socket.Sub && len(c.subscribes) == 0 {
		c.subscribes = []string{""}
	}
	for _, prefix := range c.subscribes {
		if err := s.Subscribe([]byte(prefix)); err != nil {
			return fail(err)
		}
	}
	for _, group := range c.joins {
		if err := s.Join(group); err != nil {
			return fail(err)
		}
	}
	for _, ep := range c.binds {
		if err := s.Bind(ep); err != nil {
			return fail(err)
		}
		if got := s.LastEndpoint(); got != ep {
			fmt.Fprintf(stderr, "zmqcat: bound to %s\n", got)
		}
	}
	for _, ep := range c.connects {
		if c.typ == socket.Peer {
			id, err := s.ConnectPeer(ep)
			if err != nil {
				return fail(err)
			}
			fmt.Fprintf(stderr, "zmqcat: peer %d is %s\n", id, ep)
			if firstPeer == 0 {
				firstPeer = id
			}
			continue
		}
		if err := s.Connect(ep); err != nil {
			return fail(err)
		}
	}
	return firstPeer, exitOK
}

// cat moves messages between one socket and stdin/stdout.
type cat struct {
	c        config
	s        *socket.Socket
	in       *bufio.Reader
	out      *bufio.Writer
	received int
	peer     uint32 // PEER: where a line without an ID goes
	from     uint32 // SERVER, PEER: the sender of the message received last

	lines chan stdinMsg // what the stdin reader read; see nextMsg
	done  chan struct{} // closed when run has returned: the stdin reader stops handing over
}

// stdinMsg is a message read from stdin, or the error that ended stdin.
type stdinMsg struct {
	m   socket.Msg
	err error
}

// nextMsg returns the next message of stdin (io.EOF after the last), or ctx's error
// as soon as ctx ends: a signal must not wait for the user's next line. stdin is read
// by a goroutine of its own, started on first use, since a read of stdin cannot be
// interrupted. That goroutine may stay blocked in a read after run returns; it touches
// nothing but stdin and its channel, and the program exits next.
func (x *cat) nextMsg(ctx context.Context) (socket.Msg, error) {
	if x.lines == nil {
		x.lines = make(chan stdinMsg)
		go func() {
			for {
				m, err := x.readMsg()
				select {
				case x.lines <- stdinMsg{m, err}:
				case <-x.done:
					return
				}
				if err != nil {
					return
				}
			}
		}()
	}
	select {
	case r := <-x.lines:
		return r.m, r.err
	case <-ctx.Done():
		return socket.Msg{}, ctx.Err()
	}
}

func (x *cat) run(ctx context.Context) error {
	switch x.c.typ {
	case socket.Push, socket.Pub, socket.Scatter, socket.Radio:
		return x.sendAll(ctx)
	case socket.Pull, socket.Sub, socket.Gather, socket.Dish:
		return x.recvAll(ctx, nil, nil)
	case socket.Req, socket.Client:
		return x.request(ctx)
	case socket.Rep:
		return x.recvAll(ctx, nil, func(m socket.Msg) error { return x.s.Send(ctx, m) })
	case socket.Server:
		return x.recvAll(ctx, nil, func(m socket.Msg) error { return x.s.SendTo(ctx, x.from, m) })
	default:
		return x.duplex(ctx)
	}
}

// readMsg reads one line of stdin as a message; it returns io.EOF after the last.
func (x *cat) readMsg() (socket.Msg, error) {
	line, err := x.in.ReadBytes('\n')
	if len(line) == 0 && err != nil {
		return socket.Msg{}, err
	}
	line = bytes.TrimSuffix(line, []byte("\n"))
	switch {
	case x.c.typ == socket.Dgram: // ADDRESS<TAB>BODY, the body as it is
		addr, body, _ := bytes.Cut(line, []byte("\t"))
		return socket.NewMsg(addr, body), nil
	case x.c.typ == socket.Radio || x.c.typ == socket.Peer:
		// GROUP or ID, then the body.
		if head, body, ok := bytes.Cut(line, []byte("\t")); ok {
			return socket.NewMsg(head, body), nil
		}
		return socket.NewMsg(line), nil
	case x.c.typ.Draft():
		return socket.NewMsg(line), nil // single-frame: TABs are part of the body
	}
	return socket.NewMsg(bytes.Split(line, []byte("\t"))...), nil
}

// send sends a message read by readMsg.
func (x *cat) send(ctx context.Context, m socket.Msg) error {
	switch x.c.typ {
	case socket.Radio:
		if len(m.Frames) != 2 {
			return fmt.Errorf("radio: line %q is not GROUP<TAB>BODY", m.Frames[0])
		}
		return x.s.SendGroup(ctx, string(m.Frames[0]), socket.NewMsg(m.Frames[1]))
	case socket.Peer:
		if len(m.Frames) == 1 {
			if x.peer == 0 {
				return fmt.Errorf("peer: line %q has no ID<TAB> and there is no --connect", m.Frames[0])
			}
			return x.s.SendTo(ctx, x.peer, m)
		}
		id, err := strconv.ParseUint(string(m.Frames[0]), 10, 32)
		if err != nil {
			return fmt.Errorf("peer: line %q does not start with a routing id", bytes.Join(m.Frames, []byte("\t")))
		}
		return x.s.SendTo(ctx, uint32(id), socket.NewMsg(m.Frames[1]))
	}
	return x.s.Send(ctx, m)
}

// recvMsg receives one message; a DISH's comes with its group as a first frame, a
// PEER's with the sender's routing id, for printing.
func (x *cat) recvMsg(ctx context.Context) (socket.Msg, error) {
	switch x.c.typ {
	case socket.Dish:
		m, group, err := x.s.RecvGroup(ctx)
		if err != nil {
			return m, err
		}
		return socket.NewMsg(append([][]byte{[]byte(group)}, m.Frames...)...), nil
	case socket.Server, socket.Peer:
		m, id, err := x.s.RecvFrom(ctx)
		if err != nil {
			return m, err
		}
		x.from = id
		if x.c.typ == socket.Server {
			return m, nil // echoed back as it is
		}
		return socket.NewMsg(append([][]byte{strconv.AppendUint(nil, uint64(id), 10)}, m.Frames...)...), nil
	}
	return x.s.Recv(ctx)
}

// print writes m as one line.
func (x *cat) print(m socket.Msg) error {
	x.out.Write(bytes.Join(m.Frames, []byte("\t")))
	x.out.WriteByte('\n')
	return x.out.Flush()
}

// sendAll sends every line of stdin.
func (x *cat) sendAll(ctx context.Context) error {
	for {
		m, err := x.nextMsg(ctx)
		if err == io.EOF {
			return nil
		}
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return fmt.Errorf("reading stdin: %w", err)
		}
		if err := x.send(ctx, m); err != nil {
			return err
		}
	}
}

// request sends each line of stdin and prints the reply.
func (x *cat) request(ctx context.Context) error {
	for x.c.count == 0 || x.received < x.c.count {
		m, err := x.nextMsg(ctx)
		if err == io.EOF {
			return nil
		}
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return fmt.Errorf("reading stdin: %w", err)
		}
		if err := x.send(ctx, m); err != nil {
			return err
		}
		reply, err := x.recv(ctx, true)
		if err != nil {
			return err
		}
		x.received++
		if err := x.print(reply); err != nil {
			return err
		}
	}
	return nil
}

// errTimeout reports --timeout passing without a message.
var errTimeout = errors.New("timeout")

// recv receives one message. With timed set and a --timeout, it gives up with
// errTimeout after that long.
func (x *cat) recv(ctx context.Context, timed bool) (socket.Msg, error) {
	if !timed || x.c.timeout <= 0 {
		return x.recvMsg(ctx)
	}
	tctx, cancel := context.WithTimeout(ctx, x.c.timeout)
	defer cancel()
	m, err := x.recvMsg(tctx)
	if err != nil && ctx.Err() == nil && errors.Is(err, context.DeadlineExceeded) {
		return m, errTimeout
	}
	return m, err
}

// recvAll receives until --count or --timeout. The timeout is armed once armed is
// closed (at once when armed is nil); a receive waiting without a timeout is
// interrupted when armed closes, so that the timeout starts then. Each message goes to
// handle, or is printed when handle is nil.
func (x *cat) recvAll(ctx context.Context, armed <-chan struct{}, handle func(socket.Msg) error) error {
	isArmed := armed == nil
	for x.c.count == 0 || x.received < x.c.count {
		if !isArmed {
			select {
			case <-armed:
				isArmed = true
			default:
			}
		}
		rctx, cancel := ctx, context.CancelFunc(func() {})
		if !isArmed && x.c.timeout > 0 {
			// Wait without a timeout, but wake up at EOF to arm it.
			rctx, cancel = context.WithCancel(ctx)
			go func() {
				select {
				case <-armed:
					cancel()
				case <-rctx.Done():
				}
			}()
		}
		m, err := x.recv(rctx, isArmed)
		cancel()
		if err != nil {
			if ctx.Err() == nil && !isArmed && rctx.Err() != nil {
				continue // stdin reached EOF: arm the timeout
			}
			if err == errTimeout {
				if x.c.count > 0 {
					return fmt.Errorf("timeout after %d of %d messages", x.received, x.c.count)
				}
				return nil
			}
			return err
		}
		x.received++
		if handle == nil {
			err = x.print(m)
		} else {
			err = handle(m)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// duplex sends stdin lines from a goroutine while receiving and printing messages.
func (x *cat) duplex(ctx context.Context) error {
	var wg sync.WaitGroup
	defer wg.Wait() // after cancel: the sender returns once ctx ends
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	eof := make(chan struct{})
	sendErr := make(chan error, 1)
	wg.Go(func() {
		err := x.sendAll(ctx)
		if err != nil {
			sendErr <- err
			cancel()
			return
		}
		close(eof)
	})
	err := x.recvAll(ctx, eof, nil)
	if err == nil {
		// --count is reached; stdin still gets sent in full.
		select {
		case <-eof:
		case err = <-sendErr:
		case <-ctx.Done():
			err = ctx.Err()
		}
		return err
	}
	select {
	case serr := <-sendErr:
		return serr // it made recvAll fail by cancelling ctx
	default:
	}
	return err
}
