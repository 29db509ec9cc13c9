//go:build cgo

package interop

/*
#cgo pkg-config: libzmq
#include <zmq.h>
#include <stdlib.h>
*/
import "C"

import (
	"errors"
	"reflect"
	"unsafe"

	zmq "github.com/pebbe/zmq4"
)

// zmqMetadata is ZMQ_METADATA, a draft option of libzmq 4.3 that Debian's build
// enables and pebbe/zmq4 has no setter for.
const zmqMetadata = 95

// setMetadata adds an application property ("X-Name:value") to the READY command of
// a libzmq socket's future connections, as zmq_setsockopt(ZMQ_METADATA).
func setMetadata(s *zmq.Socket, property string) error {
	handle, err := rawSocket(s)
	if err != nil {
		return err
	}
	cs := C.CString(property)
	defer C.free(unsafe.Pointer(cs))
	if rc, errno := C.zmq_setsockopt(handle, zmqMetadata, unsafe.Pointer(cs), C.size_t(len(property))); rc != 0 {
		return errno
	}
	return nil
}

// rawSocket returns libzmq's handle of s: pebbe/zmq4 keeps it in the unexported first
// field of Socket, which is checked here so that a different layout fails loudly.
func rawSocket(s *zmq.Socket) (unsafe.Pointer, error) {
	f, ok := reflect.TypeOf(*s).FieldByName("soc")
	if !ok || f.Offset != 0 || f.Type != reflect.TypeOf(unsafe.Pointer(nil)) {
		return nil, errors.New("interop: pebbe/zmq4's Socket no longer starts with its libzmq handle")
	}
	return *(*unsafe.Pointer)(unsafe.Pointer(s)), nil
}
