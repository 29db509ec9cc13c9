//go:build cgo && linux

package interop

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/brokerless/zmq/internal/netns"
	"github.com/brokerless/zmq/socket"
	zmq "github.com/pebbe/zmq4"
	"github.com/stretchr/testify/require"
)

// Multicast tests run as two child processes of the test binary, one in each
// namespace of a netns.Pair (Pair.RunTest). The parent passes them their part
// through these environment variables, and the children meet through files in
// a shared directory (pgmDirEnv): each side writes a marker file and polls for
// the other's, always with a deadline.
const (
	pgmDirEnv  = "PGM_DIR"      // directory for the marker files
	pgmEPEnv   = "PGM_ENDPOINT" // this side's endpoint: epgm://<iface or address>;group:port
	pgmImplEnv = "PGM_IMPL"     // "ours" or "libzmq"
	pgmRateEnv = "PGM_RATE"     // kbit/s, for both libraries
	pgmIvlEnv  = "PGM_IVL_MS"   // recovery interval in ms, for both libraries
)

// pgmGroupSeq hands each multicast case its own group and port, so that
// packets of one case could never reach another even if namespaces were shared.
var pgmGroupSeq atomic.Int32

func pgmGroup() (group string, port int) {
	n := int(pgmGroupSeq.Add(1))
	return fmt.Sprintf("239.192.%d.%d", 40+n/200, 1+n%200), 32000 + n
}

// pgmParams is what both sides of a multicast case are told.
type pgmParams struct {
	rate int           // kbit/s: libzmq ZMQ_RATE, our MulticastRate
	ivl  time.Duration // libzmq ZMQ_RECOVERY_IVL, our RecoveryInterval
}

func (p pgmParams) env() []string {
	return []string{fmt.Sprintf("%s=%d", pgmRateEnv, p.rate), fmt.Sprintf("%s=%d", pgmIvlEnv, p.ivl.Milliseconds())}
}

func pgmParamsFromEnv(t testing.TB) pgmParams {
	t.Helper()
	rate, err := strconv.Atoi(os.Getenv(pgmRateEnv))
	require.NoError(t, err, "%s", pgmRateEnv)
	ivl, err := strconv.Atoi(os.Getenv(pgmIvlEnv))
	require.NoError(t, err, "%s", pgmIvlEnv)
	return pgmParams{rate: rate, ivl: time.Duration(ivl) * time.Millisecond}
}

// extraPgmPeers lets other files of the suite add kinds of multicast peers
// (for example the bare pgm engine, to read its counters while debugging).
var extraPgmPeers = map[string]func(t testing.TB, typ socket.Type, p pgmParams) peer{}

// newPgmPeer opens a PUB or SUB of the library named by impl with the
// multicast rate and recovery interval of p (the same values on both
// libraries), not yet connected. hwm 0 keeps the default queue limits;
// socket.Unlimited lifts them.
func newPgmPeer(t testing.TB, impl string, typ socket.Type, p pgmParams, hwm int) peer {
	t.Helper()
	if f := extraPgmPeers[impl]; f != nil {
		return f(t, typ, p)
	}
	switch impl {
	case "ours":
		o := socket.Options{MulticastRate: int64(p.rate), RecoveryInterval: p.ivl}
		if hwm != 0 {
			o.SendHWM, o.RecvHWM = hwm, hwm
		}
		return newOurs(t, typ, o)
	case "libzmq":
		return newLZ(t, typ, func(s *zmq.Socket) error {
			if hwm != 0 {
				h := max(hwm, 0) // socket.Unlimited is libzmq's 0
				if err := s.SetSndhwm(h); err != nil {
					return err
				}
				if err := s.SetRcvhwm(h); err != nil {
					return err
				}
			}
			if err := s.SetRate(p.rate); err != nil {
				return err
			}
			return s.SetRecoveryIvl(p.ivl)
		})
	}
	t.Fatalf("%s=%q: want ours or libzmq", pgmImplEnv, impl)
	return nil
}

// mark creates the marker file name in dir.
func mark(t testing.TB, dir, name string) {
	t.Helper()
	require.NoError(t, os.WriteFile(filepath.Join(dir, name), nil, 0o644))
}

func marked(dir, name string) bool {
	_, err := os.Stat(filepath.Join(dir, name))
	return err == nil
}

// waitMark polls for the marker name in dir for up to d.
func waitMark(t testing.TB, dir, name string, d time.Duration) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !marked(dir, name) {
		if marked(dir, "failed") {
			t.Fatalf("the other side failed while we waited for %q", name)
		}
		if time.Now().After(deadline) {
			t.Fatalf("no %q marker within %v", name, d)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// markFailure leaves a "failed" marker when the test has failed, so the
// other side stops waiting at once.
func markFailure(t testing.TB, dir string) {
	t.Cleanup(func() {
		if t.Failed() {
			_ = os.WriteFile(filepath.Join(dir, "failed"), nil, 0o644)
		}
	})
}

// childPassed checks a RunTest child's result: it must have passed (a skip is
// not enough: the parent decided the child can run).
func childPassed(t testing.TB, what string, out []byte, err error) {
	t.Helper()
	if err != nil || !bytes.Contains(out, []byte("--- PASS")) {
		t.Fatalf("%s: %v\n%s", what, err, out)
	}
}

// childLogs extracts the lines a child logged with "PGM: " for the parent's log.
func childLogs(out []byte) string {
	var b strings.Builder
	for _, l := range strings.Split(string(out), "\n") {
		if i := strings.Index(l, "PGM: "); i >= 0 {
			b.WriteString(strings.TrimSpace(l[i+5:]))
			b.WriteByte('\n')
		}
	}
	return strings.TrimSpace(b.String())
}

var nftCounter = regexp.MustCompile(`counter packets (\d+)`)

// dropIncoming makes side drop pct % of the UDP datagrams to port that arrive
// at it, chosen at random, with nftables (numgen random) or else iptables (the
// statistic match), inside that side's namespace only. It returns a function
// reporting how many were dropped so far and one removing the rule. The test
// is skipped, with the reason, when neither tool works.
func dropIncoming(t *testing.T, p *netns.Pair, side, port, pct int) (dropped func() int, remove func()) {
	t.Helper()
	run := func(name string, args ...string) error {
		out, err := p.Command(side, name, args...).CombinedOutput()
		if err != nil {
			return fmt.Errorf("%s %s: %v: %s", name, strings.Join(args, " "), err, bytes.TrimSpace(out))
		}
		return nil
	}
	var nftErr, iptErr error
	if _, nftErr = exec.LookPath("nft"); nftErr == nil {
		rule := []string{"add", "rule", "inet", "pgmloss", "in", "udp", "dport", strconv.Itoa(port)}
		if pct < 100 {
			// numgen's values are 0..99, so "< 100" is out of range: a blackout drops
			// everything with no numgen at all.
			rule = append(rule, "numgen", "random", "mod", "100", "<", strconv.Itoa(pct))
		}
		nftErr = errors.Join(
			run("nft", "add", "table", "inet", "pgmloss"),
			run("nft", "add", "chain", "inet", "pgmloss", "in", "{ type filter hook input priority 0; policy accept; }"),
			run("nft", append(rule, "counter", "drop")...),
		)
		if nftErr == nil {
			remove = func() { require.NoError(t, run("nft", "delete", "table", "inet", "pgmloss")) }
			return func() int {
				out, err := p.Command(side, "nft", "list", "chain", "inet", "pgmloss", "in").CombinedOutput()
				if m := nftCounter.FindSubmatch(out); err == nil && m != nil {
					n, _ := strconv.Atoi(string(m[1]))
					return n
				}
				return -1
			}, remove
		}
	}
	if _, iptErr = exec.LookPath("iptables"); iptErr == nil {
		rule := []string{"INPUT", "-p", "udp", "--dport", strconv.Itoa(port),
			"-m", "statistic", "--mode", "random", "--probability", fmt.Sprintf("%.2f", float64(pct)/100), "-j", "DROP"}
		iptErr = run("iptables", append([]string{"-A"}, rule...)...)
		if iptErr == nil {
			remove = func() { require.NoError(t, run("iptables", append([]string{"-D"}, rule...)...)) }
			return func() int {
				out, err := p.Command(side, "iptables", "-L", "INPUT", "-v", "-n", "-x").CombinedOutput()
				if err != nil {
					return -1
				}
				for _, l := range strings.Split(string(out), "\n") {
					if f := strings.Fields(l); len(f) > 2 && f[2] == "DROP" {
						n, _ := strconv.Atoi(f[0])
						return n
					}
				}
				return -1
			}, remove
		}
	}
	t.Skipf("cannot inject loss inside the namespace: nft: %v; iptables: %v "+
		"(install nftables or iptables: apt-get install -y nftables)", nftErr, iptErr)
	return nil, nil
}

// pgmCaptureEnv names a directory: when set, multicast cases record the
// subscriber side's traffic to the case's port there with tcpdump (a
// debugging aid; nothing checks the files).
const pgmCaptureEnv = "PGM_CAPTURE"

// capture starts tcpdump on side's veth for UDP port when PGM_CAPTURE is set,
// and stops it (by its own pid) when t ends.
func capture(t *testing.T, p *netns.Pair, side, port int) {
	dir := os.Getenv(pgmCaptureEnv)
	if dir == "" {
		return
	}
	name := filepath.Join(dir, strings.NewReplacer("/", "_", "%", "pct").Replace(t.Name())+fmt.Sprintf(".%d.%d.pcap", os.Getpid(), port))
	cmd := p.Command(side, "tcpdump", "-i", p.Dev[side], "-U", "-s", "0", "-w", name, "udp", "port", strconv.Itoa(port))
	if err := cmd.Start(); err != nil {
		t.Logf("capture: %v", err)
		return
	}
	time.Sleep(300 * time.Millisecond) // let it open the device
	t.Cleanup(func() {
		time.Sleep(200 * time.Millisecond)
		_ = cmd.Process.Signal(os.Interrupt)
		_ = cmd.Wait()
		t.Logf("capture: %s", name)
	})
}
