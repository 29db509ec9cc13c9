package main

import (
	"io"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestClientServer(t *testing.T) {
	server := start(t, nil, "server", "--bind", "tcp://127.0.0.1:*", "--count", "2")
	ep := server.endpoint(t)
	client := start(t, strings.NewReader("hello\nworld\twith a tab\n"), "client", "--connect", ep, "--timeout", "10s")
	require.Equal(t, 0, client.wait(t), "client stderr:\n%s", client.stderr.String())
	require.Equal(t, "hello\nworld\twith a tab\n", client.stdout.String(), "a line is one frame, TABs included")
	require.Equal(t, 0, server.wait(t), "server stderr:\n%s", server.stderr.String())
	require.Empty(t, server.stdout.String())
}

func TestRadioDish(t *testing.T) {
	dish := start(t, nil, "dish", "--bind", "tcp://127.0.0.1:*", "--join", "weather", "--join", "news", "--count", "2")
	ep := dish.endpoint(t)

	// A RADIO drops what it sends before the JOIN reaches it, so send until the DISH
	// has what it waits for.
	pr, pw := io.Pipe()
	radio := start(t, pr, "radio", "--connect", ep)
	stopFeed := make(chan struct{})
	fed := make(chan struct{})
	go func() {
		defer close(fed)
		tick := time.NewTicker(5 * time.Millisecond)
		defer tick.Stop()
		for {
			if _, err := io.WriteString(pw, "sport\tgoal\nweathe\tnear miss\nweather\tsunny\tand warm\n"); err != nil {
				return
			}
			select {
			case <-stopFeed:
				return
			case <-tick.C:
			}
		}
	}()
	code := dish.wait(t)
	close(stopFeed)
	<-fed
	pw.Close()
	require.Equal(t, 0, code, "dish stderr:\n%s", dish.stderr.String())
	require.Equal(t, "weather\tsunny\tand warm\nweather\tsunny\tand warm\n", dish.stdout.String())
	require.Equal(t, 0, radio.wait(t), "radio stderr:\n%s", radio.stderr.String())
}

func TestRadioNeedsGroup(t *testing.T) {
	radio := start(t, strings.NewReader("no group here\n"), "radio", "--bind", "tcp://127.0.0.1:*")
	require.Equal(t, 1, radio.wait(t))
	require.Contains(t, radio.stderr.String(), "is not GROUP<TAB>BODY")
}

func TestScatterGather(t *testing.T) {
	gather := start(t, nil, "gather", "--bind", "tcp://127.0.0.1:*", "--count", "3")
	ep := gather.endpoint(t)
	scatter := start(t, strings.NewReader("a\nb\tc\nd"), "SCATTER", "--connect", ep)
	require.Equal(t, 0, scatter.wait(t), "scatter stderr:\n%s", scatter.stderr.String())
	require.Equal(t, 0, gather.wait(t), "gather stderr:\n%s", gather.stderr.String())
	require.Equal(t, "a\nb\tc\nd\n", gather.stdout.String())
}

func TestPeer(t *testing.T) {
	a := start(t, nil, "peer", "--bind", "tcp://127.0.0.1:*", "--count", "1")
	ep := a.endpoint(t)
	b := start(t, strings.NewReader("hi there\n"), "peer", "--connect", ep, "--timeout", "100ms")
	require.Equal(t, 0, b.wait(t), "b stderr:\n%s", b.stderr.String())
	require.Regexp(t, regexp.MustCompile(`zmqcat: peer [1-9][0-9]* is `+regexp.QuoteMeta(ep)), b.stderr.String())
	require.Equal(t, 0, a.wait(t), "a stderr:\n%s", a.stderr.String())
	require.Regexp(t, regexp.MustCompile(`^[1-9][0-9]*\thi there\n$`), a.stdout.String())
}

func TestChannelInproc(t *testing.T) {
	ep := "inproc://zmqcat-" + t.Name()
	a := start(t, strings.NewReader("ping\tone frame\n"), "channel", "--bind", ep, "--count", "1")
	b := start(t, strings.NewReader("pong\n"), "channel", "--connect", ep, "--count", "1")
	require.Equal(t, 0, b.wait(t), "b stderr:\n%s", b.stderr.String())
	require.Equal(t, "ping\tone frame\n", b.stdout.String())
	require.Equal(t, 0, a.wait(t), "a stderr:\n%s", a.stderr.String())
	require.Equal(t, "pong\n", a.stdout.String())
}

func TestJoinNeedsDish(t *testing.T) {
	var stdout, stderr syncBuffer
	code := run(t.Context(), []string{"sub", "--bind", "tcp://127.0.0.1:*", "--join", "g"}, strings.NewReader(""), &stdout, &stderr)
	require.Equal(t, exitUsage, code)
	require.Contains(t, stderr.String(), "--join needs a dish socket")
}
