package ws

import (
	"bytes"
	"errors"
	"io"
	"net"
	"testing"
	"time"

	"github.com/gobwas/ws"

	"github.com/brokerless/zmq/wire"
)

// fakeConn is a net.Conn that reads in and discards what is written.
type fakeConn struct{ in io.Reader }

func (f *fakeConn) Read(b []byte) (int, error)       { return f.in.Read(b) }
func (f *fakeConn) Write(b []byte) (int, error)      { return len(b), nil }
func (f *fakeConn) Close() error                     { return nil }
func (f *fakeConn) LocalAddr() net.Addr              { return &net.TCPAddr{} }
func (f *fakeConn) RemoteAddr() net.Addr             { return &net.TCPAddr{} }
func (f *fakeConn) SetDeadline(time.Time) error      { return nil }
func (f *fakeConn) SetReadDeadline(time.Time) error  { return nil }
func (f *fakeConn) SetWriteDeadline(time.Time) error { return nil }
func maskedFrame(op ws.OpCode, fin bool, p []byte) []byte {
	var b bytes.Buffer
	f := ws.MaskFrameInPlaceWith(ws.NewFrame(op, fin, append([]byte(nil), p...)), [4]byte{1, 2, 3, 4})
	ws.WriteFrame(&b, f)
	return b.Bytes()
}

// FuzzClientRead is FuzzServerRead for a client's Conn, whose peer must not mask.
func FuzzClientRead(f *testing.F) {
	frame := func(op ws.OpCode, fin bool, p []byte) []byte {
		var b bytes.Buffer
		ws.WriteFrame(&b, ws.NewFrame(op, fin, p))
		return b.Bytes()
	}
	f.Add(append(frame(ws.OpBinary, true, []byte{0x01, 'a'}), frame(ws.OpBinary, true, []byte{0x00, 'b'})...))
	f.Add(frame(ws.OpPing, true, nil))
	f.Add(frame(ws.OpPong, true, []byte("x")))
	f.Add(frame(ws.OpClose, true, []byte{3, 232}))
	f.Add(frame(ws.OpBinary, true, append([]byte{0x00}, make([]byte, 300)...)))
	f.Add(maskedFrame(ws.OpBinary, true, []byte{0x01, 'a'}))
	f.Fuzz(func(t *testing.T, data []byte) {
		readAll(t, newConn(&fakeConn{in: bytes.NewReader(data)}, nil, true, ProtocolNull, 1024), 1024)
	})
}

// readAll decodes what c makes of its input with the ZMTP reader under limit: no
// panic, no error but EOF or a protocol error, no frame over the limit.
func readAll(t *testing.T, c *Conn, limit int64) {
	r := wire.NewReader(c, 0)
	r.SetMaxFrame(limit)
	for range 64 {
		var m wire.Msg
		err := r.ReadMsg(&m, func(wire.Command) error { return nil })
		if err != nil {
			var pe *wire.ProtocolError
			if !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.As(err, &pe) {
				t.Fatalf("error of unexpected kind: %v", err)
			}
			return
		}
		for _, fr := range m.Frames {
			if int64(len(fr)) > limit {
				t.Fatalf("frame of %d bytes passed a limit of %d", len(fr), limit)
			}
		}
	}
}

// FuzzServerRead feeds a server's Conn arbitrary client bytes and decodes what it
// makes of them with the ZMTP reader under a 1 KiB frame limit: no panic, and no
// message larger than the limit.
func FuzzServerRead(f *testing.F) {
	f.Add(maskedFrame(ws.OpBinary, true, []byte{0x01, 'a'}))
	f.Add(append(maskedFrame(ws.OpBinary, true, []byte{0x01, 'a'}), maskedFrame(ws.OpBinary, true, []byte{0x00, 'b'})...))
	f.Add(maskedFrame(ws.OpPing, true, []byte("ctx")))
	f.Add(maskedFrame(ws.OpClose, true, []byte{3, 232}))
	f.Add(maskedFrame(ws.OpBinary, false, []byte{0x00, 'a'}))
	f.Add(maskedFrame(ws.OpBinary, true, append([]byte{0x02, 5}, "READY"...)))
	f.Add([]byte{0x82, 0xff, 0, 0, 1, 0, 0, 0, 0, 0, 1, 2, 3, 4})
	f.Add([]byte{0x82, 0x02, 0x00, 'a'})
	f.Fuzz(func(t *testing.T, data []byte) {
		readAll(t, newConn(&fakeConn{in: bytes.NewReader(data)}, nil, false, ProtocolNull, 1024), 1024)
	})
}

// TestUnmaskSmall checks xorMaskSmall against ws.Cipher at every length and offset
// that smallFrames uses.
func TestUnmaskSmall(t *testing.T) {
	mask := [4]byte{0x12, 0x34, 0x56, 0x78}
	for n := range 300 {
		for off := range 4 {
			want := make([]byte, n)
			for i := range want {
				want[i] = byte(i * 31)
			}
			got := bytes.Clone(want)
			ws.Cipher(want, mask, off)
			xorMaskSmall(got, mask, off)
			if !bytes.Equal(want, got) {
				t.Fatalf("length %d, offset %d: got %x, want %x", n, off, got, want)
			}
		}
	}
}
