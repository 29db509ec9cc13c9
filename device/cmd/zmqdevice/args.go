package main

import (
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/brokerless/zmq/internal/secflag"
	"github.com/brokerless/zmq/internal/tlsfiles"
	"github.com/brokerless/zmq/socket"
)

// endpoint is one entry of an endpoint list: bound or connected.
type endpoint struct {
	addr string
	bind bool
}

func (e endpoint) String() string {
	if e.bind {
		return "@" + e.addr
	}
	return ">" + e.addr
}

// config is the parsed command line.
type config struct {
	kind              string // queue, forwarder, streamer or proxy
	frontend, backend []endpoint
	capture, control  []endpoint
	frontendType      socket.Type
	backendType       socket.Type
	statsInterval     time.Duration
	hwm               int
	logFormat         string
	linger            time.Duration
	frontendSec       secflag.Config
	backendSec        secflag.Config
	auth              *secflag.AuthFlags
	tls               *tls.Config // wss: --tls-cert, --tls-key, --tls-ca
	metricsListen     string      // --metrics-listen: the address of /metrics and /healthz
}

// defaultTypes are each device's socket types.
var defaultTypes = map[string][2]socket.Type{
	"queue":     {socket.Router, socket.Dealer},
	"forwarder": {socket.XSub, socket.XPub},
	"streamer":  {socket.Pull, socket.Push},
}

const usageText = `Usage: zmqdevice queue|forwarder|streamer|proxy --frontend EPS --backend EPS [flags]

Runs a ZeroMQ device between a frontend and a backend socket:

  queue      ROUTER frontend (clients) <-> DEALER backend (workers)
  forwarder  XSUB frontend (publishers) <-> XPUB backend (subscribers);
             --frontend-type SUB and --backend-type PUB for legacy setups
  streamer   PULL frontend (producers) -> PUSH backend (consumers)
  proxy      any types, given with --frontend-type and --backend-type

An endpoint list (EPS) is comma-separated. '@' before an endpoint binds it, '>'
connects to it, and an endpoint without prefix is bound. Quote '>' in a shell.

Flags:
  --frontend EPS          frontend endpoints (required)
  --backend EPS           backend endpoints (required)
  --frontend-type TYPE    frontend socket type, e.g. ROUTER (required for proxy)
  --backend-type TYPE     backend socket type, e.g. DEALER (required for proxy)
  --capture EP            a PUB socket that gets a copy of every message
  --control EP            a REP socket taking PAUSE, RESUME, TERMINATE, STATISTICS
  --stats-interval D      log messages, bytes and drops each way every D (e.g. 10s)
  --hwm N                 send and receive high-water mark of the frontend and
                          backend, in messages (0: default 1000, -1: unlimited)
  --log-format FORMAT     text (default) or json, on standard error
  --linger D              how long queued messages may take to leave on exit
                          (default 1s)
  --metrics-listen ADDR   serve Prometheus metrics of the sockets on
                          http://ADDR/metrics (labelled socket="frontend",
                          "backend" and "capture") and /healthz, e.g.
                          127.0.0.1:9100
  --tls-cert FILE         wss: the certificate of bound wss:// endpoints (PEM),
  --tls-key FILE          with its private key (PEM)
  --tls-ca FILE           wss: the authorities trusted when connecting (PEM;
                          default: the system's)
  --help                  show this help
  --version               print the version

Security, for each side (SIDE is frontend or backend; without these flags a side
uses NULL, no security):
  --SIDE-curve-server          serve CURVE, with the server's keys from
  --SIDE-curve-cert FILE       ... a secret certificate (NAME.key_secret), or
  --SIDE-curve-secretkey Z85   ... a secret key
  --SIDE-curve-servercert FILE connect with CURVE to the server of this public
                               certificate (NAME.key), or
  --SIDE-curve-serverkey Z85   ... of this public key; the side's own keys come
                               from --SIDE-curve-cert, --SIDE-curve-secretkey
                               (with --SIDE-curve-publickey Z85, checked), or
                               are generated at start
  --SIDE-plain-server          serve PLAIN (needs --auth-passwords)
  --SIDE-plain-user NAME       connect with PLAIN as NAME,
  --SIDE-plain-password PW     ... with this password (sent in clear)
  --SIDE-zap-domain DOMAIN     the side's ZAP domain

Authenticator (any of these starts one, for every ZAP domain; it decides on the
clients of both sides, and logs each decision):
  --auth-passwords FILE   PLAIN clients: a file of name=password lines
  --auth-curve-keys DIR   CURVE clients whose public certificate is in DIR
  --auth-curve-any        CURVE clients of any key
  --auth-allow IP         accept clients from this address or prefix only
                          (repeatable)
  --auth-deny IP          refuse clients from this address or prefix
                          (repeatable; wins over --auth-allow)
                          The address lists match tcp clients: an ipc
                          client's address is not an IP, so an allow list
                          refuses it.

Without an authenticator a CURVE server accepts every client that knows its
public key. Keys and passwords given on the command line are visible to other
users of the machine: prefer certificate files. Make certificates with zmqcert.

Examples:
  zmqdevice queue --frontend tcp://*:5559 --backend tcp://*:5560
  zmqdevice forwarder --frontend '>tcp://localhost:5556' --backend tcp://*:8100
  zmqdevice streamer --frontend tcp://*:5557 --backend tcp://*:5558 --hwm 100
  zmqdevice proxy --frontend-type PAIR --backend-type PAIR \
      --frontend ipc:///tmp/a.ipc --backend '>tcp://127.0.0.1:7000'
  zmqdevice queue --frontend @tcp://127.0.0.1:5559,@ipc:///tmp/q.ipc \
      --backend tcp://127.0.0.1:5560 --control tcp://127.0.0.1:5561 \
      --stats-interval 10s --log-format json
  zmqdevice queue --frontend tcp://*:5559 --backend tcp://127.0.0.1:5560 \
      --frontend-curve-server --frontend-curve-cert certs/broker.key_secret \
      --auth-curve-keys certs/clients

SIGINT or SIGTERM stops the device with exit status 0; usage errors exit with 2.
`

// errUsage marks errors in the command line.
type errUsage struct{ error }

func usageErr(format string, args ...any) error { return errUsage{fmt.Errorf(format, args...)} }

// parseArgs parses the command line. It returns flag.ErrHelp when help was asked for.
func parseArgs(args []string) (*config, error) {
	if len(args) == 0 {
		return nil, usageErr("missing device: queue, forwarder, streamer or proxy")
	}
	switch args[0] {
	case "-h", "-help", "--help", "help":
		return nil, flag.ErrHelp
	}
	cfg := &config{kind: args[0]}
	if _, ok := defaultTypes[cfg.kind]; !ok && cfg.kind != "proxy" {
		return nil, usageErr("unknown device %q: want queue, forwarder, streamer or proxy", cfg.kind)
	}

	fs := flag.NewFlagSet("zmqdevice", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	frontend := fs.String("frontend", "", "")
	backend := fs.String("backend", "", "")
	capture := fs.String("capture", "", "")
	control := fs.String("control", "", "")
	frontendType := fs.String("frontend-type", "", "")
	backendType := fs.String("backend-type", "", "")
	fs.DurationVar(&cfg.statsInterval, "stats-interval", 0, "")
	fs.IntVar(&cfg.hwm, "hwm", 0, "")
	fs.StringVar(&cfg.logFormat, "log-format", "text", "")
	fs.DurationVar(&cfg.linger, "linger", time.Second, "")
	frontendSec := secflag.Register(fs, "frontend-")
	backendSec := secflag.Register(fs, "backend-")
	cfg.auth = secflag.RegisterAuth(fs)
	tlsCert := fs.String("tls-cert", "", "")
	tlsKey := fs.String("tls-key", "", "")
	tlsCA := fs.String("tls-ca", "", "")
	fs.StringVar(&cfg.metricsListen, "metrics-listen", "", "")
	if err := fs.Parse(args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil, err
		}
		return nil, errUsage{err}
	}
	if fs.NArg() > 0 {
		return nil, usageErr("unexpected argument %q", fs.Arg(0))
	}
	tc, err := tlsfiles.Config(*tlsCert, *tlsKey, *tlsCA)
	if err != nil {
		return nil, errUsage{err}
	}
	cfg.tls = tc

	if *frontend == "" {
		return nil, usageErr("--frontend is required")
	}
	if *backend == "" {
		return nil, usageErr("--backend is required")
	}
	if cfg.frontend, err = parseEndpoints("--frontend", *frontend); err != nil {
		return nil, err
	}
	if cfg.backend, err = parseEndpoints("--backend", *backend); err != nil {
		return nil, err
	}
	if *capture != "" {
		if cfg.capture, err = parseEndpoints("--capture", *capture); err != nil {
			return nil, err
		}
	}
	if *control != "" {
		if cfg.control, err = parseEndpoints("--control", *control); err != nil {
			return nil, err
		}
	}

	types := defaultTypes[cfg.kind]
	cfg.frontendType, cfg.backendType = types[0], types[1]
	if cfg.kind == "proxy" && (*frontendType == "" || *backendType == "") {
		return nil, usageErr("proxy needs --frontend-type and --backend-type")
	}
	if *frontendType != "" {
		if cfg.frontendType, err = parseType("--frontend-type", *frontendType); err != nil {
			return nil, err
		}
	}
	if *backendType != "" {
		if cfg.backendType, err = parseType("--backend-type", *backendType); err != nil {
			return nil, err
		}
	}

	switch {
	case cfg.statsInterval < 0:
		return nil, usageErr("--stats-interval must not be negative")
	case cfg.hwm < -1:
		return nil, usageErr("--hwm must be -1 (unlimited), 0 (default) or positive")
	case cfg.linger < 0:
		return nil, usageErr("--linger must not be negative")
	case cfg.logFormat != "text" && cfg.logFormat != "json":
		return nil, usageErr("--log-format must be text or json, not %q", cfg.logFormat)
	}
	if cfg.frontendSec, err = frontendSec.Config(); err != nil {
		return nil, errUsage{err}
	}
	if cfg.backendSec, err = backendSec.Config(); err != nil {
		return nil, errUsage{err}
	}
	if err := cfg.auth.Check(cfg.frontendSec, cfg.backendSec); err != nil {
		return nil, errUsage{err}
	}
	return cfg, nil
}

// parseEndpoints parses a comma-separated endpoint list.
func parseEndpoints(flagName, list string) ([]endpoint, error) {
	var eps []endpoint
	for _, s := range strings.Split(list, ",") {
		s = strings.TrimSpace(s)
		e := endpoint{addr: s, bind: true}
		switch {
		case strings.HasPrefix(s, "@"):
			e.addr = s[1:]
		case strings.HasPrefix(s, ">"):
			e.addr, e.bind = s[1:], false
		}
		if e.addr == "" {
			return nil, usageErr("%s: empty endpoint in %q", flagName, list)
		}
		scheme, rest, ok := strings.Cut(e.addr, "://")
		if !ok || rest == "" {
			return nil, usageErr("%s: %q is not an endpoint like tcp://127.0.0.1:5555 or ipc:///tmp/sock", flagName, e.addr)
		}
		switch scheme {
		case "tcp", "ipc", "inproc", "pgm", "epgm", "ws", "wss":
		default:
			return nil, usageErr("%s: %q: unknown transport %q (want tcp, ipc, inproc, pgm, epgm, ws or wss)", flagName, e.addr, scheme)
		}
		eps = append(eps, e)
	}
	return eps, nil
}

var socketTypes = []socket.Type{
	socket.Pair, socket.Pub, socket.Sub, socket.Req, socket.Rep, socket.Dealer,
	socket.Router, socket.Pull, socket.Push, socket.XPub, socket.XSub,
}

// parseType parses a socket type name, in any case.
func parseType(flagName, name string) (socket.Type, error) {
	for _, t := range socketTypes {
		if strings.EqualFold(t.String(), name) {
			return t, nil
		}
	}
	names := make([]string, len(socketTypes))
	for i, t := range socketTypes {
		names[i] = t.String()
	}
	return 0, usageErr("%s: unknown socket type %q (want one of %s)", flagName, name, strings.Join(names, ", "))
}
