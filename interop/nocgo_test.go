//go:build !cgo

package interop

import (
	"fmt"
	"os"
	"testing"
)

// TestMain fails the run at once: every test here drives libzmq through cgo.
func TestMain(m *testing.M) {
	fmt.Fprintln(os.Stderr, "FAIL: interop: these tests need cgo and libzmq; "+
		"build with CGO_ENABLED=1 and install libzmq with: apt-get install -y libzmq3-dev")
	os.Exit(1)
}
