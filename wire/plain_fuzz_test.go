package wire

import (
	"bytes"
	"errors"
	"io"
	"testing"
)

// The PLAIN fuzz targets run the real handshake of one side against a scripted peer
// whose stream is a genuine handshake with one command frame replaced by the fuzzer's
// bytes. Seeds come from a real handshake. Whatever the input, the handshake must not
// panic, must refuse what is not the genuine command, and must report a refusal as an
// error (a *ProtocolError or *PeerError), never a stalled read.

// plainFrame wraps a command body in a command frame.
func plainFrame(body []byte) []byte {
	return append(AppendFrameHeader(nil, FlagCommand, len(body)), body...)
}

// commandBody strips a frame's header.
func commandBody(tb testing.TB, frame []byte) []byte {
	tb.Helper()
	_, size, n, err := ConsumeFrameHeader(frame)
	if err != nil || int(size) != len(frame)-n {
		tb.Fatalf("bad frame %x: %v", frame, err)
	}
	return frame[n:]
}

var plainFuzzMetadata = Metadata{{PropSocketType, []byte("DEALER")}, {"X-Fuzz", []byte("seed")}}

// plainServerRun runs a PlainServer whose peer sends stream, and returns the metadata
// it accepted, the credentials its Authenticate saw (nil if not called), and the error.
func plainServerRun(stream []byte) (Metadata, *Credentials, error) {
	var seen *Credentials
	srv := &PlainServer{Authenticate: func(c Credentials) (AuthReply, error) {
		seen = &c
		if string(c.Username) == "admin" && string(c.Password) == "secret" {
			return AuthReply{UserID: "admin"}, nil
		}
		return AuthReply{}, &AuthError{Status: "400"}
	}}
	md, err := srv.Handshake(NewReader(bytes.NewReader(stream), 0), NewWriter(io.Discard, 0), Metadata{{PropSocketType, []byte("ROUTER")}})
	return md, seen, err
}

// plainClientRun runs a PlainClient whose server sends stream.
func plainClientRun(stream []byte) (Metadata, error) {
	cli := &PlainClient{Username: []byte("admin"), Password: []byte("secret")}
	return cli.Handshake(NewReader(bytes.NewReader(stream), 0), NewWriter(io.Discard, 0), Metadata{{PropSocketType, []byte("DEALER")}})
}

// requireReported fails unless err is a handshake failure the socket can report: a
// protocol error, the peer's ERROR, a refusal, or the end of the scripted stream.
func requireReported(t *testing.T, err error) {
	t.Helper()
	var pe *ProtocolError
	var peer *PeerError
	if errors.As(err, &pe) || errors.As(err, &peer) || errors.Is(err, ErrAuthRefused) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		return
	}
	t.Fatalf("unexpected kind of error %T: %v", err, err)
}

func FuzzPlainServerHello(f *testing.F) {
	good := commandBody(f, AppendPlainHello(nil, []byte("admin"), []byte("secret")))
	initiate := appendCommandHeader(nil, cmdInitiate, plainFuzzMetadata.Size())
	initiate = plainFuzzMetadata.Append(initiate)
	f.Add(good)
	f.Add(commandBody(f, AppendPlainHello(nil, []byte("admin"), []byte("guess"))))
	f.Add(commandBody(f, AppendPlainHello(nil, bytes.Repeat([]byte("u"), 255), bytes.Repeat([]byte("p"), 255))))
	f.Add(good[:len(good)-3])
	f.Add(append(bytes.Clone(good), 0))
	f.Fuzz(func(t *testing.T, hello []byte) {
		md, seen, err := plainServerRun(append(plainFrame(hello), initiate...))
		if err != nil {
			requireReported(t, err)
			return
		}
		// Accepted: the body was a HELLO whose credentials Authenticate accepted.
		cmd, perr := ParseCommand(hello)
		if perr != nil || !cmd.Is(cmdHello) {
			t.Fatalf("accepted a non-HELLO %x", hello)
		}
		u, p, perr := ParsePlainHello(cmd.Data)
		if perr != nil || seen == nil || !bytes.Equal(u, seen.Username) || !bytes.Equal(p, seen.Password) || string(u) != "admin" || string(p) != "secret" {
			t.Fatalf("accepted HELLO %x with credentials %q/%q", hello, u, p)
		}
		if v, _ := md.Get("X-Fuzz"); string(v) != "seed" {
			t.Fatalf("metadata %v", md)
		}
	})
}

func FuzzPlainServerInitiate(f *testing.F) {
	hello := AppendPlainHello(nil, []byte("admin"), []byte("secret"))
	good := commandBody(f, plainFuzzMetadata.Append(appendCommandHeader(nil, cmdInitiate, plainFuzzMetadata.Size())))
	f.Add(good)
	f.Add(commandBody(f, AppendCommand(nil, cmdInitiate)))
	f.Add(good[:len(good)-2])
	huge := bytes.Clone(good)
	huge[1+len(cmdInitiate)+1+len(PropSocketType)] = 0x7f // a value length far past the end
	f.Add(huge)
	f.Add(commandBody(f, AppendReady(nil, plainFuzzMetadata)))
	f.Fuzz(func(t *testing.T, initiate []byte) {
		md, _, err := plainServerRun(append(bytes.Clone(hello), plainFrame(initiate)...))
		if err != nil {
			requireReported(t, err)
			return
		}
		cmd, perr := ParseCommand(initiate)
		if perr != nil || !cmd.Is(cmdInitiate) {
			t.Fatalf("accepted a non-INITIATE %x", initiate)
		}
		if !bytes.Equal(md.Append(nil), cmd.Data) {
			t.Fatalf("metadata %v does not re-encode to INITIATE's %x", md, cmd.Data)
		}
	})
}

func FuzzPlainClientWelcome(f *testing.F) {
	ready := AppendReady(nil, Metadata{{PropSocketType, []byte("ROUTER")}})
	f.Add(commandBody(f, AppendCommand(nil, cmdWelcome)))
	f.Add(commandBody(f, AppendCommand(nil, cmdWelcome, []byte("x"))))
	f.Add(commandBody(f, AppendError(nil, "400")))
	f.Add([]byte(libzmqPlainError + "\x03400"))
	f.Fuzz(func(t *testing.T, welcome []byte) {
		_, err := plainClientRun(append(plainFrame(welcome), ready...))
		if err != nil {
			requireReported(t, err)
			return
		}
		if !bytes.Equal(welcome, commandBody(t, AppendCommand(nil, cmdWelcome))) {
			t.Fatalf("accepted %x as WELCOME", welcome)
		}
	})
}

func FuzzPlainClientReady(f *testing.F) {
	welcome := AppendCommand(nil, cmdWelcome)
	good := commandBody(f, AppendReady(nil, Metadata{{PropSocketType, []byte("ROUTER")}, {"X-A", nil}}))
	f.Add(good)
	f.Add(good[:len(good)-1])
	f.Add(commandBody(f, AppendCommand(nil, cmdWelcome)))
	f.Add(commandBody(f, AppendError(nil, "500")))
	f.Fuzz(func(t *testing.T, ready []byte) {
		md, err := plainClientRun(append(bytes.Clone(welcome), plainFrame(ready)...))
		if err != nil {
			requireReported(t, err)
			return
		}
		cmd, perr := ParseCommand(ready)
		if perr != nil || !cmd.Is(CmdReady) || !bytes.Equal(md.Append(nil), cmd.Data) {
			t.Fatalf("accepted %x as READY (metadata %v)", ready, md)
		}
	})
}

// FuzzPlainClientError feeds the client an ERROR, spelt as ZMTP spells it or as
// libzmq 4.3's PLAIN server does, in place of WELCOME and in place of READY. The
// client must always fail, and when it reports the server's refusal the reason is
// what the command carried, at most 255 bytes.
func FuzzPlainClientError(f *testing.F) {
	f.Add(commandBody(f, AppendError(nil, "400")), false)
	f.Add(commandBody(f, AppendError(nil, ""))[:6], true)
	f.Add([]byte(libzmqPlainError+"\x03500"), false)
	f.Add([]byte(libzmqPlainError+"\x09"), true)
	f.Fuzz(func(t *testing.T, body []byte, atReady bool) {
		stream := plainFrame(body)
		if atReady {
			stream = append(AppendCommand(nil, cmdWelcome), stream...)
		}
		_, err := plainClientRun(stream)
		if err == nil {
			t.Fatal("a handshake with no READY succeeded")
		}
		requireReported(t, err)
		var pe *PeerError
		if errors.As(err, &pe) {
			if len(pe.Reason) > 255 || !bytes.Contains(body, []byte(pe.Reason)) {
				t.Fatalf("reason %q from %x", pe.Reason, body)
			}
		}
	})
}
