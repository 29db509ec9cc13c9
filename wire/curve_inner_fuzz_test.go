package wire

import (
	"bytes"
	"encoding/binary"
	"testing"

	"golang.org/x/crypto/nacl/box"
)

// A fuzzer cannot forge a CURVE box, so FuzzCurveInitiate, FuzzCurveReady and
// FuzzCurveMessage never reach what is inside one. These targets seal the fuzzer's
// bytes genuinely, with the connection's keys, and check what the receiver makes of
// the plaintext: the metadata of INITIATE and READY (parsed as ZAP would see it, but
// without ZAP) and the flags byte and body of MESSAGE.

// requireMetadataRoundTrip checks that md was accepted exactly when raw parses, and
// that it re-encodes to raw.
func requireMetadataRoundTrip(t *testing.T, raw []byte, md Metadata, err error) {
	t.Helper()
	want, werr := ParseMetadata(raw)
	if (err == nil) != (werr == nil) {
		t.Fatalf("metadata %x: handshake error %v, ParseMetadata error %v", raw, err, werr)
	}
	if err == nil && !bytes.Equal(md.Append(nil), raw) {
		t.Fatalf("metadata %x parsed as %v (ParseMetadata: %v)", raw, md, want)
	}
}

func metadataSeeds(f *testing.F) {
	md := Metadata{{PropSocketType, []byte("DEALER")}, {PropIdentity, []byte("id")}, {"X-Empty", nil}}.Append(nil)
	f.Add(md)
	f.Add([]byte{})
	f.Add(md[:len(md)-1])
	bad := bytes.Clone(md)
	bad[1+len(PropSocketType)] = 0xFF // a value length of about 4 GiB, from 6 bytes
	f.Add(bad)
	f.Add([]byte{0, 0, 0, 0, 0})
}

func FuzzCurveInitiateMetadata(f *testing.F) {
	cli, srv := curvePair(f)
	var cs curveClientState
	if err := cs.init(cli); err != nil {
		f.Fatal(err)
	}
	hello, _ := cs.hello(nil)
	ss := curveServerState{m: srv}
	if err := ss.onHello(cmdData(f, hello)); err != nil {
		f.Fatal(err)
	}
	welcome, _ := ss.welcome(nil)
	if err := cs.onWelcome(cmdData(f, welcome)); err != nil {
		f.Fatal(err)
	}
	metadataSeeds(f)
	f.Fuzz(func(t *testing.T, raw []byte) {
		c, s := cs, ss
		initiate, err := c.initiate(nil, raw)
		if err != nil {
			t.Fatal(err)
		}
		key, mdBytes, err := s.onInitiate(cmdData(t, initiate))
		if err != nil {
			t.Fatalf("genuine INITIATE refused: %v", err)
		}
		if !bytes.Equal(key, cli.PublicKey[:]) || !bytes.Equal(mdBytes, raw) {
			t.Fatalf("INITIATE gave key %x and metadata %x", key, mdBytes)
		}
		md, err := ParseMetadata(mdBytes)
		requireMetadataRoundTrip(t, raw, md, err)
	})
}

func FuzzCurveReadyMetadata(f *testing.F) {
	s := runCurveSteps(f, nil)
	metadataSeeds(f)
	f.Fuzz(func(t *testing.T, raw []byte) {
		c := s.cs
		data := binary.BigEndian.AppendUint64(nil, s.ss.nonce)
		n := shortNonce(nonceReady, s.ss.nonce)
		data = box.SealAfterPrecomputation(data, raw, &n, &s.ss.shared)
		md, err := c.onReady(data)
		requireMetadataRoundTrip(t, raw, md, err)
	})
}

func FuzzCurveMessagePlaintext(f *testing.F) {
	s := runCurveSteps(f, nil)
	f.Add([]byte{0})
	f.Add([]byte("\x01more"))
	f.Add([]byte("\x02\x04PING\x00\x0a"))
	f.Add([]byte("\x03both"))
	f.Add([]byte("\xfcother bits"))
	f.Fuzz(func(t *testing.T, pt []byte) {
		if len(pt) == 0 {
			return // a MESSAGE always carries its flags byte; a shorter box is FuzzCurveMessage's
		}
		frame := appendCommandHeader(nil, cmdMessage, 8+box.Overhead+len(pt))
		frame = binary.BigEndian.AppendUint64(frame, 7)
		n := shortNonce(nonceMsgC, 7)
		frame = box.SealAfterPrecomputation(frame, pt, &n, &s.cs.shared)
		sc := newCurveCodec(&s.ss.shared, true, s.ss.nonce, s.ss.peerNonce)
		flags, out, err := sc.Open([]byte("dst"), commandBody(t, frame))
		if pt[0]&(curveFlagMore|curveFlagCommand) == curveFlagMore|curveFlagCommand {
			if err == nil {
				t.Fatalf("a command with MORE accepted: %x", pt)
			}
			if string(out) != "dst" {
				t.Fatalf("dst changed on error: %q", out)
			}
			return
		}
		if err != nil {
			t.Fatalf("genuine MESSAGE %x refused: %v", pt, err)
		}
		want := byte(0)
		if pt[0]&curveFlagMore != 0 {
			want |= FlagMore
		}
		if pt[0]&curveFlagCommand != 0 {
			want |= FlagCommand
		}
		if flags != want || !bytes.Equal(out, append([]byte("dst"), pt[1:]...)) {
			t.Fatalf("MESSAGE %x opened as flags %#x body %q", pt, flags, out)
		}
		// The same box again is a replay.
		if _, _, err := sc.Open(nil, commandBody(t, frame)); err == nil {
			t.Fatal("replayed MESSAGE accepted")
		}
	})
}
