package wire

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestSocketTypeNames(t *testing.T) {
	tests := [...]struct {
		t    SocketType
		name string
	}{
		{Pair, "PAIR"}, {Pub, "PUB"}, {Sub, "SUB"}, {Req, "REQ"}, {Rep, "REP"},
		{Dealer, "DEALER"}, {Router, "ROUTER"}, {Pull, "PULL"}, {Push, "PUSH"},
		{XPub, "XPUB"}, {XSub, "XSUB"}, {Stream, "STREAM"},
		{Server, "SERVER"}, {Client, "CLIENT"}, {Radio, "RADIO"}, {Dish, "DISH"},
		{Gather, "GATHER"}, {Scatter, "SCATTER"}, {Dgram, "DGRAM"}, {PeerSocket, "PEER"},
		{Channel, "CHANNEL"},
	}
	for i, tt := range tests {
		require.Equal(t, SocketType(i), tt.t, "libzmq numbering")
		require.Equal(t, tt.name, tt.t.String())
		got, ok := ParseSocketType([]byte(tt.name))
		require.True(t, ok, tt.name)
		require.Equal(t, tt.t, got)
	}
	require.Equal(t, "SocketType(21)", SocketType(21).String())
	require.Equal(t, "SocketType(255)", SocketType(255).String())
	for _, bad := range []string{"", "dealer", "Dealer", "DEALER ", "client", "stream", "PU"} {
		_, ok := ParseSocketType([]byte(bad))
		require.False(t, ok, bad)
	}
}

func TestStreamTalksNoZMTP(t *testing.T) {
	for peer := Pair; peer <= Stream; peer++ {
		require.False(t, Stream.Compatible(peer), "STREAM with %v", peer)
		require.False(t, peer.Compatible(Stream), "%v with STREAM", peer)
	}
}

func TestSocketTypeCompatible(t *testing.T) {
	// zmq-spec §1.10.
	allowed := map[SocketType][]SocketType{
		Req:    {Rep, Router},
		Rep:    {Req, Dealer},
		Dealer: {Rep, Dealer, Router},
		Router: {Req, Dealer, Router},
		Pub:    {Sub, XSub},
		XPub:   {Sub, XSub},
		Sub:    {Pub, XPub},
		XSub:   {Pub, XPub},
		Push:   {Pull},
		Pull:   {Push},
		Pair:   {Pair},
		// libzmq 4.3.5's draft types.
		Server:     {Client},
		Client:     {Server},
		Radio:      {Dish},
		Dish:       {Radio},
		Gather:     {Scatter},
		Scatter:    {Gather},
		PeerSocket: {PeerSocket},
		Channel:    {Channel},
	}
	for a := SocketType(0); a <= 21; a++ {
		for b := SocketType(0); b <= 21; b++ {
			want := false
			for _, p := range allowed[a] {
				want = want || p == b
			}
			require.Equal(t, want, a.Compatible(b), "%v with %v", a, b)
			require.Equal(t, a.Compatible(b), b.Compatible(a), "symmetry %v %v", a, b)
		}
	}
}

func TestSocketTypeSendsIdentity(t *testing.T) {
	for st := SocketType(0); st <= XSub; st++ {
		want := st == Req || st == Dealer || st == Router
		require.Equal(t, want, st.SendsIdentity(), st.String())
	}
}

func TestParseSocketTypeAllocs(t *testing.T) {
	name := []byte("XSUB")
	allocs := testing.AllocsPerRun(100, func() {
		if _, ok := ParseSocketType(name); !ok {
			t.Fatal("not parsed")
		}
	})
	require.Zero(t, allocs)
}
