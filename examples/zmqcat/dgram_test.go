package main

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/brokerless/zmq/socket"
)

// zmqcat dgram sends ADDRESS<TAB>BODY lines (the body keeps its TABs) and prints what
// arrives the same way, the sender's address first.
func TestDgram(t *testing.T) {
	peer, err := socket.New(socket.Dgram, socket.Options{})
	require.NoError(t, err)
	defer peer.Close()
	require.NoError(t, peer.Bind("udp://127.0.0.1:*"))
	peerAddr := strings.TrimPrefix(peer.LastEndpoint(), "udp://")

	cat := start(t, strings.NewReader(peerAddr+"\thello\tworld\n"), "dgram", "--bind", "udp://127.0.0.1:*", "--count", "1")
	catAddr := strings.TrimPrefix(cat.endpoint(t), "udp://")

	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	m, err := peer.Recv(ctx)
	require.NoError(t, err)
	require.Equal(t, catAddr, string(m.Frames[0]))
	require.Equal(t, "hello\tworld", string(m.Frames[1]))
	require.NoError(t, peer.Send(ctx, socket.NewMsg(m.Frames[0], []byte("pong"))))

	require.Equal(t, 0, cat.wait(t), "stderr:\n%s", cat.stderr.String())
	require.Equal(t, peerAddr+"\tpong\n", cat.stdout.String())
}

// radio and dish over udp://: the dish binds and keeps the group it joined.
func TestRadioDishUDP(t *testing.T) {
	dish := start(t, nil, "dish", "--bind", "udp://127.0.0.1:*", "--join", "a", "--count", "2")
	ep := dish.endpoint(t)
	radio := start(t, strings.NewReader("b\tnot joined\na\tfirst\tline\nb\tnot joined\na\tsecond\n"), "radio", "--connect", ep)
	require.Equal(t, 0, radio.wait(t), "radio stderr:\n%s", radio.stderr.String())
	require.Equal(t, 0, dish.wait(t), "dish stderr:\n%s", dish.stderr.String())
	require.Equal(t, "a\tfirst\tline\na\tsecond\n", dish.stdout.String())
}

// writerFunc is an io.Writer made of a function.
type writerFunc func(p []byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }

// A dish has joined its groups by the time zmqcat reports the endpoint it bound: a
// RADIO that sends as soon as it reads the "bound to" line is heard. The stderr
// writer below sends and waits for the datagram while setup is still inside that
// line, so a Join that came after the Bind would find it already filtered.
func TestDishJoinsBeforeReportingItsEndpoint(t *testing.T) {
	dish := goSocket(t, socket.Dish, socket.Options{})
	radio := goSocket(t, socket.Radio, socket.Options{})
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	var got socket.Msg
	var group string
	var recvErr error
	stderr := writerFunc(func(p []byte) (int, error) {
		ep, ok := strings.CutPrefix(strings.TrimSpace(string(p)), "zmqcat: bound to ")
		if !ok {
			return len(p), nil
		}
		if err := radio.Connect(ep); err != nil {
			recvErr = err
			return len(p), nil
		}
		if err := radio.SendGroup(ctx, "a", socket.NewMsg([]byte("early"))); err != nil {
			recvErr = err
			return len(p), nil
		}
		got, group, recvErr = dish.RecvGroup(ctx)
		return len(p), nil
	})
	_, code := setup(dish, config{typ: socket.Dish, binds: []string{"udp://127.0.0.1:*"}, joins: []string{"a"}}, stderr)
	require.Equal(t, exitOK, code)
	require.NoError(t, recvErr, "filtered by the dish: %d", dish.Stats().Drops.Filtered)
	require.Equal(t, "a", group)
	require.Equal(t, "early", string(got.Frames[0]))
}
