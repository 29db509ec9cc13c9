package harness

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// Dirs locates the tree: Peers is bench/peers, Main the main module's root.
type Dirs struct {
	Peers, Main string
}

// FindDirs walks up from the working directory to bench/peers (the directory holding
// the peers module's go.mod).
func FindDirs() (Dirs, error) {
	dir, err := os.Getwd()
	if err != nil {
		return Dirs{}, err
	}
	for d := dir; ; d = filepath.Dir(d) {
		if b, err := os.ReadFile(filepath.Join(d, "go.mod")); err == nil &&
			strings.Contains(string(b), "module github.com/brokerless/zmq/bench/peers") {
			return Dirs{Peers: d, Main: filepath.Clean(filepath.Join(d, "..", ".."))}, nil
		}
		if p := filepath.Join(d, "bench", "peers"); d != p {
			if b, err := os.ReadFile(filepath.Join(p, "go.mod")); err == nil &&
				strings.Contains(string(b), "module github.com/brokerless/zmq/bench/peers") {
				return Dirs{Peers: p, Main: d}, nil
			}
		}
		if filepath.Dir(d) == d {
			return Dirs{}, fmt.Errorf("bench/peers not found above %s", dir)
		}
	}
}

// CBin is where the C programs are built.
func (d Dirs) CBin() string { return filepath.Join(d.Peers, "c", "bin") }

// run runs a build command, returning its combined output in the error.
func run(dir string, env []string, name string, args ...string) error {
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return nil
}

// BuildC builds the libzmq C programs with their Makefile.
func (d Dirs) BuildC() error { return run(filepath.Join(d.Peers, "c"), nil, "make", "-s") }

// BuildOurs builds zmqbench with cgo disabled (the main module is pure Go) into out.
func (d Dirs) BuildOurs(out string) error {
	return run(d.Main, []string{"CGO_ENABLED=0"}, "go", "build", "-o", out, "./bench/cmd/zmqbench")
}

// BuildPeers builds the named commands of the peers module (pebbebench, gozmqbench,
// floorbench) into outDir.
func (d Dirs) BuildPeers(outDir string, cmds ...string) error {
	args := []string{"build", "-o", outDir + string(filepath.Separator)}
	for _, c := range cmds {
		args = append(args, "./cmd/"+c)
	}
	return run(d.Peers, nil, "go", args...)
}

// HaveLibzmq reports whether pkg-config knows libzmq and a C compiler is present.
func HaveLibzmq() error {
	if err := exec.Command("pkg-config", "--exists", "libzmq").Run(); err != nil {
		return fmt.Errorf("pkg-config --exists libzmq: %v", err)
	}
	for _, cc := range []string{"cc", "gcc"} {
		if _, err := exec.LookPath(cc); err == nil {
			return nil
		}
	}
	return fmt.Errorf("no C compiler (cc, gcc) in PATH")
}
