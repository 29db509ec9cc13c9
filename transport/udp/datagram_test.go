package udp

import (
	"bytes"
	"net/netip"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestGroupDatagramRoundTrip(t *testing.T) {
	for _, c := range []struct{ group, body string }{
		{"", ""}, {"g", ""}, {"", "body"}, {"weather", "sunny"},
		{strings.Repeat("g", MaxGroup), strings.Repeat("b", MaxDatagram-1-MaxGroup)},
	} {
		b, err := AppendGroupDatagram(nil, []byte(c.group), []byte(c.body))
		require.NoError(t, err)
		require.Equal(t, byte(len(c.group)), b[0])
		require.Len(t, b, 1+len(c.group)+len(c.body))
		g, body, err := ParseGroupDatagram(b)
		require.NoError(t, err)
		require.Equal(t, c.group, string(g))
		require.Equal(t, c.body, string(body))
	}
}

func TestGroupDatagramLimits(t *testing.T) {
	_, err := AppendGroupDatagram(nil, bytes.Repeat([]byte("g"), MaxGroup+1), nil)
	require.ErrorIs(t, err, ErrGroupTooLong)
	_, err = AppendGroupDatagram(nil, []byte("g"), make([]byte, MaxDatagram-1))
	require.ErrorIs(t, err, ErrTooLarge, "1+1+8191 bytes is one too many")
	b, err := AppendGroupDatagram(nil, []byte("g"), make([]byte, MaxDatagram-2))
	require.NoError(t, err)
	require.Len(t, b, MaxDatagram)
}

// Every prefix of a datagram shorter than its header is refused, and every longer one
// parses with its body cut short: the length byte alone decides.
func TestGroupDatagramTruncationSweep(t *testing.T) {
	full, err := AppendGroupDatagram(nil, []byte("temperature"), []byte("21.5"))
	require.NoError(t, err)
	for n := 0; n <= len(full); n++ {
		g, body, err := ParseGroupDatagram(full[:n])
		if n < 1+len("temperature") {
			require.ErrorIs(t, err, ErrTruncated, "prefix %d", n)
			continue
		}
		require.NoError(t, err, "prefix %d", n)
		require.Equal(t, "temperature", string(g))
		require.Equal(t, "21.5"[:n-12], string(body))
	}
	// Every length byte that claims more than the datagram holds.
	for claim := 0; claim < 256; claim++ {
		b := append([]byte{byte(claim)}, "abc"...)
		_, _, err := ParseGroupDatagram(b)
		if claim > 3 {
			require.ErrorIs(t, err, ErrTruncated, "claim %d", claim)
		} else {
			require.NoError(t, err, "claim %d", claim)
		}
	}
}

func TestAddr(t *testing.T) {
	a := netip.MustParseAddrPort("127.0.0.1:5555")
	require.Equal(t, "127.0.0.1:5555", string(AppendAddr(nil, a)))
	mapped := netip.AddrPortFrom(netip.AddrFrom16(netip.MustParseAddr("::ffff:10.1.2.3").As16()), 9)
	require.Equal(t, "10.1.2.3:9", string(AppendAddr(nil, mapped)))
	got, err := ParseAddr("10.1.2.3:9")
	require.NoError(t, err)
	require.Equal(t, netip.MustParseAddrPort("10.1.2.3:9"), got)
	got, err = ParseAddr([]byte("255.255.255.255:65535"))
	require.NoError(t, err)
	require.Equal(t, netip.MustParseAddrPort("255.255.255.255:65535"), got)
	got, err = ParseAddr("0.0.0.0:1")
	require.NoError(t, err)
	require.Equal(t, netip.MustParseAddrPort("0.0.0.0:1"), got)
	for _, s := range []string{"", "10.1.2.3", "10.1.2.3:0", "10.1.2.3:65536", "host:9", "[::1]:9", ":9", "10.1.2.3:x",
		"256.1.2.3:9", "1.2.3:9", "1.2.3.4.5:9", "1..2.3:9", "01.2.3.4:9", "1.2.3.4:09", "1.2.3.4:", "1.2.3.4:9:", "1.2.3.4:99999999999"} {
		_, err := ParseAddr(s)
		require.ErrorIs(t, err, ErrBadAddress, "%q", s)
	}
}

func TestParseAddrAllocs(t *testing.T) {
	b := []byte("192.168.100.200:65000")
	require.Zero(t, testing.AllocsPerRun(100, func() { _, _ = ParseAddr(b) }))
}

// ParseAddr agrees with the standard library on every string it accepts.
func FuzzParseAddr(f *testing.F) {
	for _, s := range []string{"127.0.0.1:5555", "1.2.3.4:0", "01.2.3.4:9", "::1:9", "1.2.3.4:65536"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		a, err := ParseAddr(s)
		if err != nil {
			return
		}
		want, err := netip.ParseAddrPort(s)
		require.NoError(t, err, "%q", s)
		require.Equal(t, want, a)
		require.True(t, a.Addr().Is4())
		require.NotZero(t, a.Port())
	})
}

func FuzzParseGroupDatagram(f *testing.F) {
	b, _ := AppendGroupDatagram(nil, []byte("group"), []byte("body"))
	f.Add(b)
	f.Add([]byte{})
	f.Add([]byte{255})
	f.Fuzz(func(t *testing.T, b []byte) {
		g, body, err := ParseGroupDatagram(b)
		if err != nil {
			return
		}
		again, err := AppendGroupDatagram(nil, g, body)
		if len(b) <= MaxDatagram {
			require.NoError(t, err)
			require.Equal(t, b, again)
		}
	})
}
