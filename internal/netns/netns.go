// Package netns runs tests inside private Linux network namespaces, so that
// tests which send multicast (or otherwise touch real interfaces) never put a
// packet on a host interface.
//
// Two shapes are offered:
//
//   - Run re-executes the current test binary under `unshare -n`, restricted
//     to the calling test, with an environment variable marking the child.
//     In the child the namespace holds only a loopback interface; Run brings
//     it up, turns multicast on for it and routes 224.0.0.0/4 through it,
//     checks that lo is the only interface, and then runs the test body.
//     The parent reports the child's output and result.
//
//   - NewPair creates two named namespaces (`ip netns add`) joined by a veth
//     pair with addresses 10.x.y.1/24 and 10.x.y.2/24, multicast routed over
//     the veth in both; Pair.Command and Pair.RunTest run programs or a test
//     function of this binary in either side. It is meant for interop tests
//     between two "hosts" (for example a libzmq peer in one namespace and a
//     Go peer in the other). The veth pair is created from inside the first
//     namespace, so no interface ever appears in the host namespace.
//
// When namespaces cannot be created (not root, no unshare, a sandbox that
// forbids them) the test is skipped with the reason.
package netns

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"
)

// childEnv marks a re-executed test binary; its value is the test name the
// child should run its body for.
const childEnv = "BROKERLESS_NETNS_CHILD"

// InChild reports whether this process is a child started by Run or
// Pair.RunTest.
func InChild() bool { return os.Getenv(childEnv) != "" }

// runPattern builds a -test.run pattern matching exactly the test name
// (subtests included).
func runPattern(name string) string {
	parts := strings.Split(name, "/")
	for i, p := range parts {
		parts[i] = "^" + regexp.QuoteMeta(p) + "$"
	}
	return strings.Join(parts, "/")
}

// Run runs body inside a fresh network namespace holding only a loopback
// interface with multicast enabled and 224.0.0.0/4 routed through it.
//
// In the parent process Run re-executes the test binary under `unshare -n`
// with -test.run selecting t alone, waits for it (bounded by timeout, or 2
// minutes when timeout is 0) and fails t if the child failed. In the child
// it prepares the namespace and calls body(t). Test bodies should therefore
// do nothing before calling Run that they would not want done twice.
func Run(t *testing.T, timeout time.Duration, body func(t *testing.T)) {
	t.Helper()
	if os.Getenv(childEnv) == t.Name() {
		if err := setupLoopback(); err != nil {
			t.Fatalf("netns: preparing the namespace: %v", err)
		}
		body(t)
		return
	}
	if os.Getenv(childEnv) != "" {
		// A child for another test: never run this body in that namespace
		// without preparing it, and never in the host namespace.
		t.Skip("netns: child process for another test")
	}
	if reason := unavailable(); reason != "" {
		t.Skip(reason)
	}
	if timeout <= 0 {
		timeout = 2 * time.Minute
	}
	args := []string{"-n", os.Args[0], "-test.run", runPattern(t.Name()), "-test.v", "-test.count=1",
		"-test.timeout", timeout.String()}
	if testing.Short() {
		args = append(args, "-test.short")
	}
	out, err := runChild(t, timeout+10*time.Second, "unshare", args, childEnv+"="+t.Name())
	report(t, out, err)
}

func report(t *testing.T, out []byte, err error) {
	t.Helper()
	// Skips and failures of the child are the parent's.
	s := string(out)
	if err != nil {
		t.Fatalf("netns: child failed: %v\n%s", err, s)
	}
	if !strings.Contains(s, "--- PASS") && strings.Contains(s, "--- SKIP") {
		t.Skipf("netns: child skipped:\n%s", s)
	}
	if testing.Verbose() {
		t.Logf("child output:\n%s", s)
	}
}

func runChild(t *testing.T, timeout time.Duration, name string, args []string, env ...string) ([]byte, error) {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Env = append(os.Environ(), env...)
	var buf bytes.Buffer
	cmd.Stdout = &buf
	cmd.Stderr = &buf
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		return buf.Bytes(), err
	case <-time.After(timeout):
		_ = cmd.Process.Kill()
		<-done
		return buf.Bytes(), fmt.Errorf("timed out after %v", timeout)
	}
}

// unavailable returns why namespaces cannot be made here, or "".
func unavailable() string {
	if os.Geteuid() != 0 {
		return "netns: network namespaces need root (euid != 0); skipping multicast test"
	}
	if _, err := exec.LookPath("unshare"); err != nil {
		return "netns: unshare not found: " + err.Error()
	}
	if _, err := exec.LookPath("ip"); err != nil {
		return "netns: ip (iproute2) not found: " + err.Error()
	}
	out, err := exec.Command("unshare", "-n", "true").CombinedOutput()
	if err != nil {
		return fmt.Sprintf("netns: cannot create a network namespace (unshare -n): %v %s", err, bytes.TrimSpace(out))
	}
	return ""
}

func ip(args ...string) error {
	out, err := exec.Command("ip", args...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("ip %s: %v: %s", strings.Join(args, " "), err, bytes.TrimSpace(out))
	}
	return nil
}

// setupLoopback prepares the child's namespace and checks it is private.
func setupLoopback() error {
	ifs, err := net.Interfaces()
	if err != nil {
		return err
	}
	for _, ifc := range ifs {
		if ifc.Name != "lo" {
			// A fresh namespace holds only lo: anything else means we are
			// not where we think, so refuse to send anything.
			return fmt.Errorf("unexpected interface %q: not a private namespace", ifc.Name)
		}
	}
	for _, args := range [][]string{
		{"link", "set", "lo", "up"},
		{"link", "set", "lo", "multicast", "on"},
		{"route", "add", "224.0.0.0/4", "dev", "lo"},
	} {
		if err := ip(args...); err != nil {
			return err
		}
	}
	return nil
}

// Pair is two network namespaces joined by a veth pair.
type Pair struct {
	// NS holds the two namespaces' names (for `ip netns exec`).
	NS [2]string
	// Dev holds the veth interface name in each namespace.
	Dev [2]string
	// Addr holds each side's IPv4 address on the veth (a /24).
	Addr [2]net.IP
}

// NewPair creates two namespaces joined by a veth pair, with lo and the veth
// ends up, addresses 10.<a>.<b>.1 and .2 (/24), multicast on and 224.0.0.0/4
// routed over the veth. They are deleted when t ends. NewPair skips t when
// namespaces cannot be made.
func NewPair(t *testing.T) *Pair {
	t.Helper()
	if InChild() {
		t.Fatal("netns: NewPair called inside a child")
	}
	if reason := unavailable(); reason != "" {
		t.Skip(reason)
	}
	var rnd [3]byte
	_, _ = rand.Read(rnd[:])
	tag := hex.EncodeToString(rnd[:])
	p := &Pair{
		NS:   [2]string{"bzmq-" + tag + "-a", "bzmq-" + tag + "-b"},
		Dev:  [2]string{"veth0", "veth1"},
		Addr: [2]net.IP{net.IPv4(10, 200+rnd[0]%50, rnd[1], 1), net.IPv4(10, 200+rnd[0]%50, rnd[1], 2)},
	}
	for _, ns := range p.NS {
		if err := ip("netns", "add", ns); err != nil {
			t.Skipf("netns: cannot create a named network namespace: %v", err)
		}
		ns := ns
		t.Cleanup(func() { _ = ip("netns", "del", ns) })
	}
	// Created inside namespace A with its peer moved straight into B: the
	// host namespace never sees either end.
	steps := [][]string{
		{"-n", p.NS[0], "link", "add", p.Dev[0], "type", "veth", "peer", "name", p.Dev[1], "netns", p.NS[1]},
	}
	for i := 0; i < 2; i++ {
		steps = append(steps,
			[]string{"-n", p.NS[i], "link", "set", "lo", "up"},
			[]string{"-n", p.NS[i], "addr", "add", p.Addr[i].String() + "/24", "dev", p.Dev[i]},
			[]string{"-n", p.NS[i], "link", "set", p.Dev[i], "multicast", "on"},
			[]string{"-n", p.NS[i], "link", "set", p.Dev[i], "up"},
			[]string{"-n", p.NS[i], "route", "add", "224.0.0.0/4", "dev", p.Dev[i]},
		)
	}
	for _, s := range steps {
		if err := ip(s...); err != nil {
			t.Fatalf("netns: %v", err)
		}
	}
	return p
}

// Command returns a command running name with args inside side 0 or 1.
func (p *Pair) Command(side int, name string, args ...string) *exec.Cmd {
	return exec.Command("ip", append([]string{"netns", "exec", p.NS[side], name}, args...)...)
}

// RunTest re-executes this test binary inside side 0 or 1, running the test
// named test (a top-level test function, usually one that returns at once
// unless Child(t) says otherwise) with env added to its environment. It
// starts the child and returns a function that waits for it (bounded by
// timeout) and returns its combined output and error.
func (p *Pair) RunTest(t *testing.T, side int, test string, timeout time.Duration, env ...string) (wait func() ([]byte, error)) {
	t.Helper()
	args := []string{"netns", "exec", p.NS[side], os.Args[0], "-test.run", runPattern(test), "-test.v",
		"-test.count=1", "-test.timeout", timeout.String()}
	cmd := exec.Command("ip", args...)
	cmd.Env = append(append(os.Environ(), childEnv+"="+test), env...)
	var buf bytes.Buffer
	cmd.Stdout = &buf
	cmd.Stderr = &buf
	if err := cmd.Start(); err != nil {
		t.Fatalf("netns: starting child: %v", err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	var out []byte
	var werr error
	waited := false
	wait = func() ([]byte, error) {
		if waited {
			return out, werr
		}
		waited = true
		select {
		case werr = <-done:
		case <-time.After(timeout + 10*time.Second):
			_ = cmd.Process.Kill()
			<-done
			werr = fmt.Errorf("netns: child timed out after %v", timeout)
		}
		out = buf.Bytes()
		return out, werr
	}
	t.Cleanup(func() { _, _ = wait() })
	return wait
}

// Child reports whether this process was started by Pair.RunTest (or Run)
// to run the test t. Helper tests started through RunTest begin with
//
//	if !netns.Child(t) { t.Skip("helper process") }
func Child(t *testing.T) bool { return os.Getenv(childEnv) == t.Name() }
