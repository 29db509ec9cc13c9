package wire

import "sync"

// Read and write buffers that follow the traffic.
//
// A connection needs its 64 KiB read buffer only while bytes are arriving and its
// write buffer only while bytes are leaving. A Writer of the default size takes its
// buffer from a pool when it queues the first byte and gives it back when a flush has
// written everything; a Reader of the default size over an IdleReader gives its
// buffer back whenever it has decoded everything it read and the stream has nothing
// more to read yet. An idle connection then holds neither, and a busy one reuses a
// buffer that is already mapped instead of faulting in a fresh one. Buffers of other
// sizes are the Reader's or the Writer's own for good.
//
// The pools hold pointers to arrays, so that Put and Get allocate nothing.

// writeBufSize is the capacity of a default Writer's buffer: its flush threshold
// plus room for one frame header.
const writeBufSize = defaultBufSize + 9

var (
	readBufs  sync.Pool // *[defaultBufSize]byte
	writeBufs sync.Pool // *[writeBufSize]byte
)

// takeReadBuf returns a buffer of length defaultBufSize, not cleared.
func takeReadBuf() []byte {
	if p, _ := readBufs.Get().(*[defaultBufSize]byte); p != nil {
		return p[:]
	}
	return new([defaultBufSize]byte)[:]
}

// giveReadBuf returns b, which takeReadBuf returned, to the pool. Nobody may use b
// afterwards.
func giveReadBuf(b []byte) {
	readBufs.Put((*[defaultBufSize]byte)(b))
}

// takeWriteBuf returns an empty buffer of capacity writeBufSize.
func takeWriteBuf() []byte {
	if p, _ := writeBufs.Get().(*[writeBufSize]byte); p != nil {
		return p[:0]
	}
	return new([writeBufSize]byte)[:0]
}

// giveWriteBuf returns b to the pool if takeWriteBuf made it (its capacity says so)
// and reports whether it did. Nobody may use b afterwards.
func giveWriteBuf(b []byte) bool {
	if cap(b) != writeBufSize {
		return false
	}
	writeBufs.Put((*[writeBufSize]byte)(b[:writeBufSize]))
	return true
}
