// Package interop tests github.com/brokerless/zmq against libzmq 4.3 through cgo
// (github.com/pebbe/zmq4). It holds only tests; see README.md.
package interop
