package wire

import (
	"bytes"
	"io"
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

type result struct {
	peer Peer
	err  error
}

// handshakeBoth runs Handshake on both ends at once.
func handshakeBoth(t *testing.T, a, b end, ca, cb HandshakeConfig) (ra, rb result) {
	t.Helper()
	done := make(chan result, 1)
	go func() {
		p, err := Handshake(b.r, b.w, cb)
		done <- result{p, err}
	}()
	p, err := Handshake(a.r, a.w, ca)
	return result{p, err}, <-done
}

func TestHandshakeCompatible(t *testing.T) {
	for _, tt := range []struct{ a, b SocketType }{
		{Req, Rep}, {Req, Router}, {Dealer, Router}, {Dealer, Dealer}, {Router, Router},
		{Pub, Sub}, {XPub, XSub}, {Push, Pull}, {Pair, Pair},
	} {
		t.Run(tt.a.String()+"-"+tt.b.String(), func(t *testing.T) {
			a, b := pipePair(t)
			ca := HandshakeConfig{SocketType: tt.a, Identity: []byte("id-a"), Metadata: Metadata{{"X-App", []byte("v")}}}
			cb := HandshakeConfig{SocketType: tt.b}
			ra, rb := handshakeBoth(t, a, b, ca, cb)
			require.NoError(t, ra.err)
			require.NoError(t, rb.err)
			require.Equal(t, tt.b, ra.peer.SocketType)
			require.Equal(t, tt.a, rb.peer.SocketType)
			require.Equal(t, uint8(3), ra.peer.Major)
			require.Equal(t, uint8(1), ra.peer.Minor)

			// Identity travels only from REQ, DEALER and ROUTER; empty if unset.
			if tt.a.SendsIdentity() {
				require.Equal(t, []byte("id-a"), rb.peer.Identity)
			} else {
				require.Nil(t, rb.peer.Identity)
			}
			if tt.b.SendsIdentity() {
				require.NotNil(t, ra.peer.Identity)
				require.Empty(t, ra.peer.Identity)
			} else {
				require.Nil(t, ra.peer.Identity)
			}
			v, ok := rb.peer.Metadata.Get("X-App")
			require.True(t, ok)
			require.Equal(t, []byte("v"), v)

			// Messages flow both ways afterwards.
			go func() {
				a.w.WriteMsg(frames("ping", "x"))
				a.w.Flush()
			}()
			var m Msg
			require.NoError(t, b.r.ReadMsg(&m, nil))
			require.Equal(t, frames("ping", "x").Frames, m.Frames)
		})
	}
}

func TestHandshakeIncompatible(t *testing.T) {
	a, b := pipePair(t)
	ra, rb := handshakeBoth(t, a, b, HandshakeConfig{SocketType: Pub}, HandshakeConfig{SocketType: Push})
	for _, r := range []result{ra, rb} {
		require.ErrorIs(t, r.err, ErrIncompatibleSocketType)
		require.ErrorIs(t, r.err, &ProtocolError{Code: CodeInvalidMetadata, Err: ErrIncompatibleSocketType})
	}
	require.Equal(t, Push, ra.peer.SocketType)
	// Each side sent ERROR after READY; the other side sees it next.
	for _, e := range []end{a, b} {
		cmd := nextCommand(t, e.r, CmdError)
		reason, err := ParseErrorReason(cmd.Data)
		require.NoError(t, err)
		require.Equal(t, "incompatible socket type", reason)
	}
}

// nextCommand reads the next frame from r and requires it to be the command name.
func nextCommand(t *testing.T, r *Reader, name string) Command {
	t.Helper()
	flags, body, err := r.ReadFrame()
	require.NoError(t, err)
	require.Equal(t, FlagCommand, flags)
	cmd, err := ParseCommand(body)
	require.NoError(t, err)
	require.True(t, cmd.Is(name), "%q instead of %q", cmd.Name, name)
	return cmd
}

// rawPeer plays a scripted peer: it writes script, then reads what comes back.
func rawPeer(t *testing.T, script []byte) (local end, remote end) {
	a, b := pipePair(t)
	go func() {
		b.conn.Write(script)
	}()
	return a, b
}

func TestHandshakePeerSendsError(t *testing.T) {
	script := Greeting{Major: 3, Minor: 1, Mechanism: "NULL"}.Append(nil)
	script = AppendError(script, "400")
	a, _ := rawPeer(t, script)
	_, err := Handshake(a.r, a.w, HandshakeConfig{SocketType: Dealer})
	var pe *PeerError
	require.ErrorAs(t, err, &pe)
	require.Equal(t, "400", pe.Reason)
}

func TestHandshakeScripted(t *testing.T) {
	greet := func(major, minor uint8, mech string) []byte {
		return Greeting{Major: major, Minor: minor, Mechanism: mech}.Append(nil)
	}
	ready := func(st string) []byte {
		return AppendReady(nil, Metadata{{PropSocketType, []byte(st)}})
	}
	cat := func(bs ...[]byte) []byte { return bytes.Join(bs, nil) }
	tests := [...]struct {
		name         string
		script       []byte
		err          error
		code         uint32
		sentErr      string // ERROR reason we must have sent, if any
		major, minor uint8
	}{
		0: {"http", []byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n"), ErrNotZMTP, CodeZMTPUnspecified, "", 0, 0},
		// Revision 2 is no ZMTP version: refused once the greeting is read.
		1:  {"revision 2", greet(2, 0, "NULL"), ErrVersion, CodeZMTPUnspecified, "", 0, 0},
		2:  {"plain vs null", greet(3, 1, "PLAIN"), ErrMechanismMismatch, CodeMechanismMismatch, "", 3, 1},
		3:  {"unknown type", cat(greet(3, 1, "NULL"), ready("CLIENTS")), ErrUnknownSocketType, CodeInvalidMetadata, "unknown socket type", 3, 1},
		4:  {"no socket type", cat(greet(3, 1, "NULL"), AppendReady(nil, Metadata{{"X-A", nil}})), ErrInvalidMetadata, CodeInvalidMetadata, "", 3, 1},
		5:  {"bad metadata", cat(greet(3, 1, "NULL"), AppendCommand(nil, CmdReady, []byte{0})), ErrInvalidMetadata, CodeInvalidMetadata, "", 3, 1},
		6:  {"ping instead of ready", cat(greet(3, 1, "NULL"), AppendPing(nil, 0, nil)), ErrUnexpectedCommand, CodeUnexpectedCommand, "", 3, 1},
		7:  {"data instead of ready", cat(greet(3, 1, "NULL"), unhex(t, "00 01 41")), ErrUnexpectedCommand, CodeUnexpectedCommand, "", 3, 1},
		8:  {"bad error", cat(greet(3, 1, "NULL"), AppendCommand(nil, CmdError, []byte{9})), ErrMalformedCommand, CodeMalformedCommandError, "", 3, 1},
		9:  {"3.0 peer", cat(greet(3, 0, "NULL"), ready("ROUTER")), nil, 0, "", 3, 0},
		10: {"major 4 is 3.1", cat(greet(4, 0, "NULL"), ready("ROUTER")), nil, 0, "", 3, 1},
		11: {"libzmq padding and dup", cat(unhex(t, "FF 0000000000000006 7F 03 01 4E554C4C"), make([]byte, 16+1+31),
			AppendReady(nil, Metadata{{PropSocketType, []byte("REP")}, {PropSocketType, []byte("REP")}})), nil, 0, "", 3, 1},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, b := rawPeer(t, tt.script)
			peer, err := Handshake(a.r, a.w, HandshakeConfig{SocketType: Dealer})
			if tt.err == nil {
				require.NoError(t, err, "%d", i)
			} else {
				require.ErrorIs(t, err, tt.err, "%d", i)
				var pe *ProtocolError
				require.ErrorAs(t, err, &pe)
				require.Equal(t, tt.code, pe.Code, "%d", i)
			}
			require.Equal(t, tt.major, peer.Major)
			require.Equal(t, tt.minor, peer.Minor)

			// What did we send? The signature, whose padding is the length of an
			// empty ZMTP/1.0 identity frame, and when the peer's is versioned, the
			// rest of the greeting.
			require.NoError(t, b.r.fill(signatureSize))
			require.Equal(t, unhex(t, "FF 0000000000000001 7F"), b.r.buf[:signatureSize])
			if tt.err == ErrNotZMTP {
				return // nothing more was sent
			}
			g, err := b.r.ReadGreeting()
			require.NoError(t, err)
			require.Equal(t, Greeting{3, 1, "NULL", false}, g)
			if tt.major == 0 || tt.err == ErrMechanismMismatch {
				return // nothing more was sent
			}
			_, body, err := b.r.ReadFrame()
			require.NoError(t, err)
			cmd, _ := ParseCommand(body)
			require.True(t, cmd.Is(CmdReady))
			md, err := ParseMetadata(cmd.Data)
			require.NoError(t, err)
			require.Equal(t, Metadata{{PropSocketType, []byte("DEALER")}, {PropIdentity, []byte{}}}, md)
			if tt.sentErr != "" {
				_, body, err := b.r.ReadFrame()
				require.NoError(t, err)
				cmd, _ := ParseCommand(body)
				require.True(t, cmd.Is(CmdError))
				reason, _ := ParseErrorReason(cmd.Data)
				require.Equal(t, tt.sentErr, reason)
			}
		})
	}
}

// fakeMechanism only names a mechanism, to test greeting mismatches.
type fakeMechanism struct{ name string }

func (m fakeMechanism) Name() string { return m.name }
func (m fakeMechanism) Handshake(*Reader, *Writer, Metadata) (Metadata, error) {
	return nil, io.ErrUnexpectedEOF
}

func TestHandshakeMechanismMismatch(t *testing.T) {
	a, b := pipePair(t)
	ra, rb := handshakeBoth(t, a, b,
		HandshakeConfig{SocketType: Req, Mechanism: fakeMechanism{"PLAIN"}},
		HandshakeConfig{SocketType: Rep})
	require.ErrorIs(t, ra.err, &ProtocolError{Code: CodeMechanismMismatch, Err: ErrMechanismMismatch})
	require.ErrorIs(t, rb.err, ErrMechanismMismatch)
	require.Contains(t, rb.err.Error(), `"PLAIN"`)
}

func TestHandshakeBadConfig(t *testing.T) {
	a, _ := pipePair(t)
	_, err := Handshake(a.r, a.w, HandshakeConfig{SocketType: 42})
	require.Error(t, err)
	_, err = Handshake(a.r, a.w, HandshakeConfig{SocketType: Dealer, Identity: make([]byte, 256)})
	require.Error(t, err)
	_, err = Handshake(a.r, a.w, HandshakeConfig{SocketType: Dealer, Metadata: Metadata{{"", nil}}})
	require.ErrorIs(t, err, ErrInvalidMetadata)
}

func TestHandshakeTCP(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	done := make(chan result, 1)
	go func() {
		c, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			done <- result{err: err}
			return
		}
		defer c.Close()
		r, w := NewReader(c, 0), NewWriter(c, 0)
		p, err := Handshake(r, w, HandshakeConfig{SocketType: Sub})
		if err == nil {
			err = w.WriteRaw(AppendSubscription(nil, p.Minor, true, []byte("A")))
		}
		if err == nil {
			err = w.Flush()
		}
		var m Msg
		if err == nil {
			err = r.ReadMsg(&m, nil) // the published message
		}
		if err == nil && (len(m.Frames) != 2 || len(m.Frames[1]) != 100000) {
			err = io.ErrUnexpectedEOF
		}
		done <- result{p, err}
	}()
	c, err := ln.Accept()
	require.NoError(t, err)
	r, w := NewReader(c, 0), NewWriter(c, 0)
	p, err := Handshake(r, w, HandshakeConfig{SocketType: XPub})
	require.NoError(t, err)
	require.Equal(t, Sub, p.SocketType)
	var subs []string
	go func() {
		w.WriteMsg(Msg{Frames: [][]byte{[]byte("A"), bytes.Repeat([]byte("z"), 100000)}})
		w.Flush()
	}()
	// The subscription arrives as a 3.1 command.
	flags, body, err := r.ReadFrame()
	require.NoError(t, err)
	require.Equal(t, FlagCommand, flags)
	cmd, err := ParseCommand(body)
	require.NoError(t, err)
	subs = append(subs, string(cmd.Name)+" "+string(cmd.Data))
	require.Equal(t, []string{"SUBSCRIBE A"}, subs)
	res := <-done
	require.NoError(t, res.err)
	require.Equal(t, XPub, res.peer.SocketType)
	c.Close()
}

// NULL's READY goes out with the rest of our greeting when the peer's greeting is
// not in yet: the peer, once it has sent its own, has nothing left to wait for.
func TestHandshakeNullSendsReadyWithGreeting(t *testing.T) {
	a, b := pipePair(t)
	done := make(chan result, 1)
	go func() {
		p, err := Handshake(a.r, a.w, HandshakeConfig{SocketType: Rep})
		done <- result{p, err}
	}()
	// The peer sends its signature and major version only, and reads.
	_, err := b.conn.Write(append(appendSignature(nil, 0), 3))
	require.NoError(t, err)
	require.NoError(t, b.conn.SetReadDeadline(time.Now().Add(5*time.Second)))
	g, err := b.r.ReadGreeting()
	require.NoError(t, err)
	require.Equal(t, "NULL", g.Mechanism)
	cmd := nextCommand(t, b.r, CmdReady) // before the peer's greeting is complete
	md, err := ParseMetadata(cmd.Data)
	require.NoError(t, err)
	st, _ := md.Get(PropSocketType)
	require.Equal(t, "REP", string(st))

	// The rest of the peer's greeting and its READY complete the handshake.
	rest := Greeting{Major: 3, Minor: 1, Mechanism: "NULL"}.Append(nil)[signatureSize+1:]
	require.NoError(t, b.conn.SetReadDeadline(time.Time{}))
	_, err = b.conn.Write(AppendReady(rest, Metadata{{PropSocketType, []byte("REQ")}}))
	require.NoError(t, err)
	r := <-done
	require.NoError(t, r.err)
	require.Equal(t, Req, r.peer.SocketType)
}
