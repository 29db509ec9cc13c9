// Package leakcheck fails a test binary whose tests leave goroutines of this module
// running: every socket and device must wait for the goroutines it starts.
package leakcheck

import (
	"fmt"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"
)

// Main runs the tests like testing.M.Run and exits. If they passed, it then waits up to
// five seconds for every goroutine running this module's code to end, and fails the
// run, printing their stacks, if some do not. Call it from TestMain.
func Main(m *testing.M) {
	code := m.Run()
	if code == 0 {
		if leaked := Leaked(5 * time.Second); leaked != "" {
			fmt.Fprintf(os.Stderr, "goroutines leaked by the tests:\n%s\n", leaked)
			code = 1
		}
	}
	os.Exit(code)
}

// Leaked waits up to d for every goroutine running this module's code (other than the
// test runner's own) to end, and returns the stacks of those still running.
func Leaked(d time.Duration) string {
	deadline := time.Now().Add(d)
	for {
		buf := make([]byte, 1<<20)
		buf = buf[:runtime.Stack(buf, true)]
		var leaked []string
		for _, g := range strings.Split(string(buf), "\n\n") {
			if strings.Contains(g, "github.com/brokerless/zmq/") &&
				!strings.Contains(g, "testing.(*M).Run") &&
				!strings.Contains(g, "leakcheck.Leaked") {
				leaked = append(leaked, g)
			}
		}
		if len(leaked) == 0 {
			return ""
		}
		if time.Now().After(deadline) {
			return strings.Join(leaked, "\n\n")
		}
		// Goroutines end on their own schedule; poll until they have or time is up.
		time.Sleep(20 * time.Millisecond)
	}
}
