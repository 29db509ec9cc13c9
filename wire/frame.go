package wire

import "encoding/binary"

// Frame flags (zmq-spec §1.4).
const (
	FlagMore    byte = 0x01 // more frames of this message follow
	FlagLong    byte = 0x02 // the size field is 8 bytes
	FlagCommand byte = 0x04 // the frame is a command
)

// flagsKnown are the flag bits ZMTP 3 defines. The other bits are reserved:
// libzmq does not reject them, so neither do we, but they are masked off.
const flagsKnown = FlagMore | FlagLong | FlagCommand

// maxFrameSize is the largest size ZMTP allows (2^63-1).
const maxFrameSize = 1<<63 - 1

// FrameHeaderSize returns the length of the header for a frame with a body of
// size bytes: 2, or 9 when size > 255 (the LONG form is used only then, as
// libzmq does).
func FrameHeaderSize(size int) int {
	if size > 255 {
		return 9
	}
	return 2
}

// AppendFrameHeader appends a frame header for a body of size bytes to b.
// The LONG flag in flags is ignored and set exactly when size > 255.
func AppendFrameHeader(b []byte, flags byte, size int) []byte {
	flags &^= FlagLong
	if size > 255 {
		return binary.BigEndian.AppendUint64(append(b, flags|FlagLong), uint64(size))
	}
	return append(b, flags, byte(size))
}

// ConsumeFrameHeader parses a frame header at the start of b. It returns the
// flags (reserved bits masked off, LONG kept), the body size, and the header
// length n. n == 0 with err == nil means b does not yet hold a whole header.
//
// A command frame with MORE set is ErrMalformedFrame, and a size above
// 2^63-1 is ErrFrameTooLarge, both as *ProtocolError. Reserved flag bits are
// tolerated, as libzmq tolerates them.
func ConsumeFrameHeader(b []byte) (flags byte, size uint64, n int, err error) {
	if len(b) < 2 {
		return 0, 0, 0, nil
	}
	flags = b[0] & flagsKnown
	if flags&FlagCommand != 0 && flags&FlagMore != 0 {
		return 0, 0, 0, protoErrf(CodeZMTPUnspecified, ErrMalformedFrame, "command frame with MORE set (flags %#02x)", b[0])
	}
	if flags&FlagLong == 0 {
		return flags, uint64(b[1]), 2, nil
	}
	if len(b) < 9 {
		return 0, 0, 0, nil
	}
	size = binary.BigEndian.Uint64(b[1:9])
	if size > maxFrameSize {
		return 0, 0, 0, protoErrf(CodeZMTPUnspecified, ErrFrameTooLarge, "frame size %d", size)
	}
	return flags, size, 9, nil
}
