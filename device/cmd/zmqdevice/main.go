// Command zmqdevice runs a ZeroMQ device between two sets of endpoints: a queue
// (ROUTER frontend, DEALER backend) for request-reply brokers, a forwarder (XSUB
// frontend, XPUB backend) for pub-sub relays, a streamer (PULL frontend, PUSH backend)
// for pipelines, or a general proxy between sockets of any types.
//
//	zmqdevice queue --frontend tcp://*:5559 --backend tcp://*:5560
//	zmqdevice forwarder --frontend '>tcp://localhost:5556' --backend tcp://*:8100
//	zmqdevice proxy --frontend-type PAIR --backend-type PAIR --frontend ... --backend ...
//
// Endpoint lists are comma-separated; an endpoint prefixed with '@' is bound, one
// prefixed with '>' is connected, one without prefix is bound. --capture sends a copy
// of every message to a PUB socket, --control takes libzmq's steering commands
// (PAUSE, RESUME, TERMINATE, STATISTICS) on a REP socket, and --stats-interval logs
// the traffic periodically. Logs go to standard error, as text or JSON.
//
// Each side can be secured with the flags of zmqcat, prefixed with its name: a
// CURVE frontend that clients reach from other machines and a NULL backend on
// the loopback, for example:
//
//	zmqdevice queue --frontend tcp://*:5559 --backend tcp://127.0.0.1:5560 \
//	    --frontend-curve-server --frontend-curve-cert certs/broker.key_secret \
//	    --auth-curve-keys certs/clients
//
// --frontend-curve-server and --backend-curve-server serve CURVE with the keys of
// --SIDE-curve-cert (a secret certificate) or --SIDE-curve-secretkey;
// --SIDE-curve-servercert or --SIDE-curve-serverkey connect to a CURVE server, with
// the side's own keys from --SIDE-curve-cert, --SIDE-curve-secretkey (and
// --SIDE-curve-publickey) or generated at start; --SIDE-plain-server,
// --SIDE-plain-user and --SIDE-plain-password do the same for PLAIN; and
// --SIDE-zap-domain sets the side's ZAP domain. The --auth-* flags, unprefixed,
// start an authenticator for both sides and every domain: --auth-passwords FILE,
// --auth-curve-keys DIR, --auth-curve-any, and the repeatable --auth-allow IP and
// --auth-deny IP. Each side's mechanism and public key, the authenticator's
// decisions and failed handshakes are logged.
//
// --metrics-listen ADDR serves Prometheus metrics of the frontend, backend and
// capture sockets on http://ADDR/metrics, labelled socket="frontend", "backend"
// and "capture" (zmq_socket_messages_received_total, zmq_socket_messages_sent_total,
// zmq_socket_bytes_received_total, zmq_socket_bytes_sent_total,
// zmq_socket_drops_total{reason=...}, zmq_socket_peers), and answers "ok" on
// /healthz while the device runs. --version prints the version.
//
// SIGINT or SIGTERM stops the device; queued messages then get up to --linger to be
// delivered, and the exit status is 0. Usage errors exit with status 2, other
// failures with 1. Run "zmqdevice --help" for every flag.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
