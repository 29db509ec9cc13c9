package main

import (
	"regexp"
	"testing"

	"github.com/brokerless/zmq/internal/progtest"
	"github.com/stretchr/testify/require"
)

// TestProgram runs the demo as a process: every pattern works over every transport,
// it prints one line for each and exits 0.
func TestProgram(t *testing.T) {
	bin := progtest.Build(t, ".")
	out := progtest.Start(t, bin, nil, "-timeout", "2m").Wait()
	require.Regexp(t, regexp.MustCompile(`^`+regexp.QuoteMeta(`req/rep    inproc  10 requests, 10 replies
req/rep    ipc     10 requests, 10 replies
req/rep    tcp     10 requests, 10 replies
pub/sub    inproc  2 subscribers, 100 updates each, none off-topic
pub/sub    ipc     2 subscribers, 100 updates each, none off-topic
pub/sub    tcp     2 subscribers, 100 updates each, none off-topic
push/pull  inproc  100 tasks, 3 workers, 100 results
push/pull  ipc     100 tasks, 3 workers, 100 results
push/pull  tcp     100 tasks, 3 workers, 100 results
pair       inproc  10 pings, 10 pongs
pair       ipc     10 pings, 10 pongs
pair       tcp     10 pings, 10 pongs
every pattern worked over inproc, ipc and tcp
done in `)+`[0-9.hms]+\n$`), out)
}
