package soak

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os/exec"
	"strings"
)

// Topology is three network namespaces in a line, joined by veth links:
// producers <-> device <-> consumers. No interface of it is ever in the host
// namespace: each veth pair is created inside the device namespace with its
// peer moved straight into the other one.
type Topology struct {
	Prod, Dev, Cons string // namespace names
	ProdIf, ConsIf  string // the veth end in Prod and in Cons, the ones Cut acts on
	ProdAddr        string // Prod's address on the producer link
	DevFront        string // Dev's address on the producer link
	DevBack         string // Dev's address on the consumer link
	ConsAddr        string // Cons's address on the consumer link

	made []string
}

// KernelBufferMax is the largest TCP send or receive buffer, in bytes, that
// the namespaces allow (net.ipv4.tcp_wmem and tcp_rmem): it bounds how many
// messages a socket's kernel buffers can hold when its process is killed.
const KernelBufferMax = 65536

// NewTopology creates the namespaces with unique names. On error it removes
// whatever it created.
func NewTopology() (t *Topology, err error) {
	var rnd [3]byte
	_, _ = rand.Read(rnd[:])
	tag := "bzsoak-" + hex.EncodeToString(rnd[:])
	a, b := 200+int(rnd[0]%50), int(rnd[1]&0xfe)
	t = &Topology{
		Prod: tag + "-prod", Dev: tag + "-dev", Cons: tag + "-cons",
		ProdIf: "sp0", ConsIf: "sc0",
		ProdAddr: fmt.Sprintf("10.%d.%d.1", a, b), DevFront: fmt.Sprintf("10.%d.%d.2", a, b),
		DevBack: fmt.Sprintf("10.%d.%d.2", a, b+1), ConsAddr: fmt.Sprintf("10.%d.%d.1", a, b+1),
	}
	defer func() {
		if err != nil {
			t.Close()
		}
	}()
	for _, ns := range []string{t.Prod, t.Dev, t.Cons} {
		if err := run("ip", "netns", "add", ns); err != nil {
			return nil, err
		}
		t.made = append(t.made, ns)
	}
	buf := fmt.Sprintf("4096 16384 %d", KernelBufferMax)
	steps := [][]string{
		{"ip", "-n", t.Dev, "link", "add", "sd0", "type", "veth", "peer", "name", t.ProdIf, "netns", t.Prod},
		{"ip", "-n", t.Dev, "link", "add", "sd1", "type", "veth", "peer", "name", t.ConsIf, "netns", t.Cons},
		{"ip", "-n", t.Prod, "addr", "add", t.ProdAddr + "/24", "dev", t.ProdIf},
		{"ip", "-n", t.Dev, "addr", "add", t.DevFront + "/24", "dev", "sd0"},
		{"ip", "-n", t.Dev, "addr", "add", t.DevBack + "/24", "dev", "sd1"},
		{"ip", "-n", t.Cons, "addr", "add", t.ConsAddr + "/24", "dev", t.ConsIf},
	}
	for _, ns := range []string{t.Prod, t.Dev, t.Cons} {
		steps = append(steps,
			[]string{"ip", "-n", ns, "link", "set", "lo", "up"},
			[]string{"ip", "netns", "exec", ns, "sysctl", "-q", "-w", "net.ipv4.tcp_rmem=" + buf},
			[]string{"ip", "netns", "exec", ns, "sysctl", "-q", "-w", "net.ipv4.tcp_wmem=" + buf},
		)
	}
	steps = append(steps,
		[]string{"ip", "-n", t.Prod, "link", "set", t.ProdIf, "up"},
		[]string{"ip", "-n", t.Dev, "link", "set", "sd0", "up"},
		[]string{"ip", "-n", t.Dev, "link", "set", "sd1", "up"},
		[]string{"ip", "-n", t.Cons, "link", "set", t.ConsIf, "up"},
	)
	for _, s := range steps {
		if err := run(s[0], s[1:]...); err != nil {
			return nil, err
		}
	}
	return t, nil
}

// Close deletes the namespaces (their veth links go with them). Processes
// still inside keep a namespace alive, so stop them first.
func (t *Topology) Close() error {
	var first error
	for _, ns := range t.made {
		if err := run("ip", "netns", "del", ns); err != nil && first == nil {
			first = err
		}
	}
	t.made = nil
	return first
}

// Command returns a command that runs name inside namespace ns.
func (t *Topology) Command(ns, name string, args ...string) *exec.Cmd {
	return exec.Command("ip", append([]string{"netns", "exec", ns, name}, args...)...)
}

const cutTable = "soakcut"

// Cut drops every packet in and out of interface dev of namespace ns with nft
// rules, so TCP connections over it stall without being reset.
func (t *Topology) Cut(ns, dev string) error {
	rules := fmt.Sprintf(`table inet %[1]s {
	chain in { type filter hook input priority -10; policy accept; iifname %[2]q drop; }
	chain out { type filter hook output priority -10; policy accept; oifname %[2]q drop; }
}
`, cutTable, dev)
	cmd := t.Command(ns, "nft", "-f", "-")
	cmd.Stdin = strings.NewReader(rules)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("nft in %s: %v: %s", ns, err, bytes.TrimSpace(out))
	}
	return nil
}

// Restore removes the rules Cut added in ns.
func (t *Topology) Restore(ns string) error {
	return run("ip", "netns", "exec", ns, "nft", "delete", "table", "inet", cutTable)
}

func run(name string, args ...string) error {
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s %s: %v: %s", name, strings.Join(args, " "), err, bytes.TrimSpace(out))
	}
	return nil
}
