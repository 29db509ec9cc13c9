package netns_test

import (
	"net"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/brokerless/zmq/internal/netns"
)

func TestRunIsolated(t *testing.T) {
	netns.Run(t, 30*time.Second, func(t *testing.T) {
		ifs, err := net.Interfaces()
		if err != nil {
			t.Fatal(err)
		}
		if len(ifs) != 1 || ifs[0].Name != "lo" || ifs[0].Flags&net.FlagUp == 0 || ifs[0].Flags&net.FlagMulticast == 0 {
			t.Fatalf("want only lo, up, multicast: %+v", ifs)
		}
	})
}

// TestPairHelper is the child half of TestPair: it checks the side it runs
// in and exchanges a multicast datagram over the veth.
func TestPairHelper(t *testing.T) {
	if !netns.Child(t) {
		t.Skip("helper process for TestPair")
	}
	dev := os.Getenv("PAIR_DEV")
	ifc, err := net.InterfaceByName(dev)
	if err != nil {
		t.Fatal(err)
	}
	grp := &net.UDPAddr{IP: net.IPv4(239, 255, 9, 9), Port: 19999}
	if os.Getenv("PAIR_ROLE") == "recv" {
		c, err := net.ListenMulticastUDP("udp4", ifc, grp)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
		buf := make([]byte, 100)
		n, _, err := c.ReadFrom(buf)
		if err != nil || string(buf[:n]) != "over the veth" {
			t.Fatalf("got %q, %v", buf[:n], err)
		}
		return
	}
	c, err := net.DialUDP("udp4", nil, grp)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for i := 0; i < 40; i++ { // until the receiver has joined; bounded
		_, _ = c.Write([]byte("over the veth"))
		time.Sleep(50 * time.Millisecond)
	}
}

func TestPair(t *testing.T) {
	if netns.InChild() {
		t.Skip("in a child")
	}
	p := netns.NewPair(t)
	recv := p.RunTest(t, 1, "TestPairHelper", 20*time.Second, "PAIR_DEV="+p.Dev[1], "PAIR_ROLE=recv")
	send := p.RunTest(t, 0, "TestPairHelper", 20*time.Second, "PAIR_DEV="+p.Dev[0], "PAIR_ROLE=send")
	if out, err := recv(); err != nil || !strings.Contains(string(out), "--- PASS") {
		t.Fatalf("receiver side: %v\n%s", err, out)
	}
	if out, err := send(); err != nil || !strings.Contains(string(out), "--- PASS") {
		t.Fatalf("sender side: %v\n%s", err, out)
	}
	out, err := p.Command(0, "ip", "-4", "addr", "show", p.Dev[0]).CombinedOutput()
	if err != nil || !strings.Contains(string(out), p.Addr[0].String()) {
		t.Fatalf("%v %s", err, out)
	}
}
