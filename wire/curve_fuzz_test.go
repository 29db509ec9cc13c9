package wire

import (
	"bytes"
	"testing"
)

// The fuzz targets feed each CURVE command parser, in the state it has when
// that command is due, with inputs seeded from a real handshake. Whatever the
// input, a parser must not panic, and anything but the genuine command must
// be refused.

func FuzzCurveHello(f *testing.F) {
	s := runCurveSteps(f, nil)
	real := bytes.Clone(cmdData(f, s.hello))
	f.Add(real)
	f.Add(real[:100])
	f.Fuzz(func(t *testing.T, data []byte) {
		ss := curveServerState{m: s.ss.m}
		// The padding is not checked (libzmq does not either), but the
		// transient key, nonce and box must be the genuine ones.
		if err := ss.onHello(data); err == nil && !bytes.Equal(data[74:], real[74:]) {
			t.Fatal("forged HELLO accepted")
		}
	})
}

func FuzzCurveWelcome(f *testing.F) {
	s := runCurveSteps(f, nil)
	real := bytes.Clone(cmdData(f, s.welcome))
	f.Add(real)
	f.Add(real[:50])
	f.Fuzz(func(t *testing.T, data []byte) {
		cs := s.cs
		if err := cs.onWelcome(data); err == nil && !bytes.Equal(data, real) {
			t.Fatal("forged WELCOME accepted")
		}
	})
}

func FuzzCurveInitiate(f *testing.F) {
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
	initiate, _ := cs.initiate(nil, Metadata{{PropSocketType, []byte("REQ")}}.Append(nil))
	real := bytes.Clone(cmdData(f, initiate))
	f.Add(real)
	f.Add(real[:248])
	f.Fuzz(func(t *testing.T, data []byte) {
		st := ss
		if _, _, err := st.onInitiate(data); err == nil && !bytes.Equal(data, real) {
			t.Fatal("forged INITIATE accepted")
		}
	})
}

func FuzzCurveReady(f *testing.F) {
	s := runCurveSteps(f, Metadata{{PropSocketType, []byte("REP")}})
	real := bytes.Clone(cmdData(f, s.ready))
	f.Add(real)
	f.Add(real[:24])
	f.Fuzz(func(t *testing.T, data []byte) {
		cs := s.cs
		if _, err := cs.onReady(data); err == nil && !bytes.Equal(data, real) {
			t.Fatal("forged READY accepted")
		}
	})
}

func FuzzCurveMessage(f *testing.F) {
	s := runCurveSteps(f, nil)
	cc := newCurveCodec(&s.cs.shared, false, s.cs.nonce, s.cs.peerNonce)
	m1, _ := cc.Seal(nil, FlagMore, []byte("hello"))
	m2, _ := cc.Seal(nil, FlagCommand, []byte("\x04PING\x00\x00"))
	f.Add(m1[2:])
	f.Add(m2[2:])
	f.Fuzz(func(t *testing.T, data []byte) {
		sc := newCurveCodec(&s.ss.shared, true, s.ss.nonce, s.ss.peerNonce)
		_, _, err := sc.Open(nil, data)
		if err == nil && !bytes.Equal(data, m1[2:]) && !bytes.Equal(data, m2[2:]) {
			t.Fatal("forged MESSAGE accepted")
		}
	})
}
