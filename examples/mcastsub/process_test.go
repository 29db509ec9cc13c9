package main

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"net/netip"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/brokerless/zmq/internal/netns"
	"github.com/brokerless/zmq/internal/progtest"
	"github.com/stretchr/testify/require"
)

var averageLine = regexp.MustCompile(`^Average temperature for zipcode "" was (-?[0-9]+)F over 20 updates\n$`)

// TestProcesses runs mcastsub and mcastpub as programs on the loopback of a private
// network namespace (skipped, with the reason, where one cannot be made): a
// subscriber stopped by SIGTERM before any update exits 0 without printing; one that
// asks for 20 updates prints their average and exits by itself; the publisher exits
// 0 on SIGTERM, and by itself after -n updates.
func TestProcesses(t *testing.T) {
	netns.Run(t, 3*time.Minute, func(t *testing.T) {
		sub := progtest.Build(t, ".")
		pub := progtest.Build(t, "../mcastpub")
		group := netip.MustParseAddr("239.192.1.3")
		ep := fmt.Sprintf("epgm://lo;%s:5557", group)

		s := progtest.Start(t, sub, nil, "-endpoint", ep, "-zip", "", "-n", "20", "-timeout", "0")
		waitJoined(t, group)
		require.Empty(t, s.Stop(), "nothing to average before the first update")

		s = progtest.Start(t, sub, nil, "-endpoint", ep, "-zip", "", "-n", "20", "-timeout", "1m")
		waitJoined(t, group) // it hears the publisher from its first update on
		p := progtest.Start(t, pub, nil, "-endpoint", ep, "-loop")
		out := s.Wait()
		m := averageLine.FindStringSubmatch(out)
		require.NotNil(t, m, "mcastsub printed %q", out)
		avg, err := strconv.Atoi(m[1])
		require.NoError(t, err)
		require.GreaterOrEqual(t, avg, -80)
		require.LessOrEqual(t, avg, 134)
		require.Empty(t, p.Stop())

		require.Empty(t, progtest.Start(t, pub, nil, "-endpoint", ep, "-loop", "-n", "50").Wait())
	})
}

// waitJoined waits until a socket in this namespace has joined group on lo, as
// /proc/net/igmp shows: the subscriber is then set up, its signal handler included.
func waitJoined(t *testing.T, group netip.Addr) {
	t.Helper()
	// The kernel prints the group as the 32-bit word in memory, in hexadecimal.
	a := group.As4()
	want := fmt.Sprintf("%08X", binary.NativeEndian.Uint32(a[:]))
	deadline := time.Now().Add(progtest.Timeout)
	for {
		if joined(t, want) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("no member of %s on lo after %v", group, progtest.Timeout)
		}
		time.Sleep(5 * time.Millisecond) // polling the kernel's table, bounded above
	}
}

func joined(t *testing.T, hexGroup string) bool {
	f, err := os.Open("/proc/net/igmp")
	require.NoError(t, err)
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if fields := strings.Fields(sc.Text()); len(fields) > 0 && fields[0] == hexGroup {
			return true
		}
	}
	require.NoError(t, sc.Err())
	return false
}
