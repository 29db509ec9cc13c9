//go:build zmqpoison

package wire

import (
	"sync"
	"unsafe"
)

// With the zmqpoison build tag (go test -tags zmqpoison), Release checks how it is used:
// the bytes of every recycled frame are overwritten with poisonByte, so a frame used
// after its release reads as garbage instead of as the next message, and releasing the
// same received message twice (through two copies of the Msg) panics at the second
// Release. It costs a lock and a map operation per frame: for tests, never production.

const poisonEnabled = true

// poisonByte fills released frames.
const poisonByte = 0xDB

var poisoned struct {
	sync.Mutex
	released map[unsafe.Pointer]struct{} // first bytes of released, not yet reused frames
}

// poisonRelease records f as released, panicking if it already is, and fills it.
func poisonRelease(f []byte) {
	if len(f) == 0 {
		return
	}
	p := unsafe.Pointer(unsafe.SliceData(f))
	poisoned.Lock()
	if poisoned.released == nil {
		poisoned.released = make(map[unsafe.Pointer]struct{})
	}
	_, twice := poisoned.released[p]
	poisoned.released[p] = struct{}{}
	poisoned.Unlock()
	if twice {
		panic("wire: Msg.Release called twice for the same received message")
	}
	for i := range f {
		f[i] = poisonByte
	}
}

// poisonReuse forgets the releases recorded inside b, which is being handed out again.
func poisonReuse(b []byte) {
	if cap(b) == 0 {
		return
	}
	lo := uintptr(unsafe.Pointer(unsafe.SliceData(b)))
	hi := lo + uintptr(cap(b))
	poisoned.Lock()
	for p := range poisoned.released {
		if a := uintptr(p); a >= lo && a < hi {
			delete(poisoned.released, p)
		}
	}
	poisoned.Unlock()
}
