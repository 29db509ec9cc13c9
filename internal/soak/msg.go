package soak

import (
	"encoding/binary"
	"errors"
)

// MsgSize is the payload size of every soak message: stream (4 bytes),
// sequence (8), send time in Unix nanoseconds (8), then zero padding.
const MsgSize = 64

// RecordSize is the size of one consumer record: the message's stream,
// sequence and send time, then the receive time.
const RecordSize = 28

// errShort reports a message or record too short to carry its fields.
var errShort = errors.New("soak: message too short")

// PutMsg fills b (at least MsgSize bytes) with a message's header.
func PutMsg(b []byte, stream uint32, seq uint64, sent int64) {
	binary.LittleEndian.PutUint32(b[0:], stream)
	binary.LittleEndian.PutUint64(b[4:], seq)
	binary.LittleEndian.PutUint64(b[12:], uint64(sent))
}

// ParseMsg reads a message's header.
func ParseMsg(b []byte) (stream uint32, seq uint64, sent int64, err error) {
	if len(b) < 20 {
		return 0, 0, 0, errShort
	}
	return binary.LittleEndian.Uint32(b[0:]), binary.LittleEndian.Uint64(b[4:]),
		int64(binary.LittleEndian.Uint64(b[12:])), nil
}

// PutRecord writes the record of a received message into b (RecordSize bytes):
// the message header followed by the receive time.
func PutRecord(b []byte, msg []byte, recv int64) error {
	if len(msg) < 20 {
		return errShort
	}
	copy(b[:20], msg[:20])
	binary.LittleEndian.PutUint64(b[20:], uint64(recv))
	return nil
}

// ParseRecord reads a record written by PutRecord.
func ParseRecord(b []byte) (Record, error) {
	if len(b) < RecordSize {
		return Record{}, errShort
	}
	st, seq, sent, _ := ParseMsg(b)
	return Record{Stream: st, Seq: seq, Sent: sent, Recv: int64(binary.LittleEndian.Uint64(b[20:]))}, nil
}
