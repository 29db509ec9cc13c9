package leakcheck

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestLeakedFindsARunningGoroutine(t *testing.T) {
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() { blockUntil(stop); close(done) }()
	require.Contains(t, Leaked(50*time.Millisecond), "leakcheck.blockUntil")
	close(stop)
	<-done
	require.Empty(t, Leaked(time.Second))
}

func blockUntil(stop chan struct{}) { <-stop }
