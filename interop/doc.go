// Package interop tests github.com/brokerless/zmq against libzmq 4.3 through cgo
// (github.com/pebbe/zmq4). It holds tests, and one helper that sets a libzmq option
// pebbe/zmq4 lacks (ZMQ_METADATA); see README.md.
package interop
