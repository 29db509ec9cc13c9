package socket

import (
	"strings"
	"testing"
	"unsafe"

	"github.com/stretchr/testify/require"
)

// Messages from a stream peer carry its properties: what it sent in its handshake,
// application metadata included, and its address.
func TestPeerProperties(t *testing.T) {
	for _, tr := range []string{"ipc", "tcp"} {
		t.Run(tr, func(t *testing.T) {
			router := newSocket(t, Router, Options{Metadata: map[string]string{"X-Role": "server"}})
			ep := bind(t, router, tr)
			dealer := newSocket(t, Dealer, Options{
				RoutingID: []byte("d-1"),
				Metadata:  map[string]string{"X-Color": "red", "X-Empty": ""},
			})
			connect(t, dealer, ep)

			big := strings.Repeat("x", 100<<10) // a body with a buffer of its own
			for _, frames := range [][]string{{"small"}, {""}, {big}, {"a", big}} {
				require.NoError(t, dealer.Send(ctxT(t), NewMsgString(frames...)))
				m, err := router.Recv(ctxT(t))
				require.NoError(t, err)
				p := m.Properties()
				require.NotNil(t, p)
				requireProp(t, p, "Socket-Type", "DEALER")
				requireProp(t, p, "Identity", "d-1")
				requireProp(t, p, "X-Color", "red")
				requireProp(t, p, "x-color", "red") // names ignore case, as ZMTP says
				requireProp(t, p, "X-Empty", "")
				if tr == "tcp" {
					requireProp(t, p, "Peer-Address", "127.0.0.1")
				}
				_, ok := p.Get("X-Missing")
				require.False(t, ok)
				_, ok = p.Get("User-Id")
				require.False(t, ok, "no security mechanism, no User-Id")
				m.Release()
			}

			// And the other way round.
			send(t, router, "d-1", "reply")
			m, err := dealer.Recv(ctxT(t))
			require.NoError(t, err)
			requireProp(t, m.Properties(), "Socket-Type", "ROUTER")
			requireProp(t, m.Properties(), "X-Role", "server")
		})
	}
}

func requireProp(t *testing.T, p *Properties, name, want string) {
	t.Helper()
	v, ok := p.Get(name)
	require.True(t, ok, "property %s missing", name)
	require.Equal(t, want, v, "property %s", name)
}

// REP and REQ keep the properties of the messages they strip envelopes from.
func TestPeerPropertiesReqRep(t *testing.T) {
	for _, tr := range []string{"ipc", "tcp"} {
		t.Run(tr, func(t *testing.T) {
			rep := newSocket(t, Rep, Options{})
			ep := bind(t, rep, tr)
			req := newSocket(t, Req, Options{Metadata: map[string]string{"X-Client": "c"}})
			connect(t, req, ep)
			send(t, req, "q")
			m, err := rep.Recv(ctxT(t))
			require.NoError(t, err)
			requireProp(t, m.Properties(), "Socket-Type", "REQ")
			requireProp(t, m.Properties(), "X-Client", "c")
			send(t, rep, "a")
			m, err = req.Recv(ctxT(t))
			require.NoError(t, err)
			requireProp(t, m.Properties(), "Socket-Type", "REP")

			// A REP behind a proxy gets an envelope with routing ids; a DEALER
			// can send one itself.
			dealer := newSocket(t, Dealer, Options{})
			rep2 := newSocket(t, Rep, Options{})
			connect(t, dealer, bind(t, rep2, tr))
			send(t, dealer, "hop", "", "q2")
			m, err = rep2.Recv(ctxT(t))
			require.NoError(t, err)
			require.Equal(t, "q2", string(m.Frames[0]))
			requireProp(t, m.Properties(), "Socket-Type", "DEALER")
			m.Release() // the envelope kept for the reply must survive this
			send(t, rep2, "a2")
			require.Equal(t, []string{"hop", "", "a2"}, recvStrings(t, dealer))
		})
	}
}

// Inproc messages have no properties, as in libzmq, and messages the application
// makes have none either.
func TestNoPropertiesInproc(t *testing.T) {
	pull := newSocket(t, Pull, Options{})
	push := newSocket(t, Push, Options{Metadata: map[string]string{"X-A": "b"}})
	connect(t, push, bind(t, pull, "inproc"))
	send(t, push, "m")
	m, err := pull.Recv(ctxT(t))
	require.NoError(t, err)
	require.Nil(t, m.Properties())
	_, ok := m.Properties().Get("Socket-Type")
	require.False(t, ok)
	require.Nil(t, NewMsgString("x").Properties())
}

// Properties ride on the pointer a message already had: a Msg is still 32 bytes.
func TestMsgSize(t *testing.T) {
	require.Equal(t, uintptr(32), unsafe.Sizeof(Msg{}))
}

func TestMetadataValidation(t *testing.T) {
	for _, name := range []string{"Color", "X-", "X-bad name", "X-é", "Y-x", "X-" + strings.Repeat("a", 254)} {
		_, err := New(Dealer, Options{Metadata: map[string]string{name: "v"}})
		require.ErrorIs(t, err, ErrBadOption, "name %q", name)
	}
	for _, name := range []string{"X-a", "x-lower", "X-a.b_c+d-1", "X-" + strings.Repeat("a", 253)} {
		_, err := New(Dealer, Options{Metadata: map[string]string{name: "v"}})
		require.NoError(t, err, "name %q", name)
	}
	_, err := New(Dealer, Options{TOS: 256})
	require.ErrorIs(t, err, ErrBadOption)
	_, err = New(Dealer, Options{BindToDevice: strings.Repeat("e", 16)})
	require.ErrorIs(t, err, ErrBadOption)
	_, err = New(Dealer, Options{RoutingID: make([]byte, 256)})
	require.ErrorIs(t, err, ErrBadOption)
}
