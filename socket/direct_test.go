package socket

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// soloEngine returns the engine of s's only pipe, waiting for the connection.
func soloEngine(t *testing.T, s *Socket) *engine {
	t.Helper()
	var e *engine
	require.Eventually(t, func() bool {
		s.mu.Lock()
		defer s.mu.Unlock()
		if s.solo != nil {
			e, _ = s.solo.link.(*engine)
		}
		return e != nil
	}, 10*time.Second, time.Millisecond)
	return e
}

// TestDirectReadRoundTrips checks that once REQ and REP wait for each message, both
// read their connection on the caller's goroutine, and that every reply still comes.
func TestDirectReadRoundTrips(t *testing.T) {
	for _, tr := range []string{"tcp", "ipc"} {
		t.Run(tr, func(t *testing.T) {
			rep := newSocket(t, Rep, Options{})
			req := newSocket(t, Req, Options{})
			connect(t, req, bind(t, rep, tr))
			ctx := context.Background()
			done := make(chan error, 1)
			const rounds = 200
			go func() {
				for range rounds {
					m, err := rep.Recv(ctx)
					if err != nil {
						done <- err
						return
					}
					if err := rep.Send(ctx, m); err != nil {
						done <- err
						return
					}
				}
				done <- nil
			}()
			for i := range rounds {
				require.NoError(t, req.Send(ctx, NewMsg([]byte{byte(i)})))
				m, err := req.Recv(ctx)
				require.NoError(t, err)
				require.Equal(t, []byte{byte(i)}, m.Frames[0])
			}
			require.NoError(t, <-done)
			// All but the first few round trips read directly on both sides.
			require.Greater(t, soloEngine(t, req).directReads.Load()/2, uint64(rounds/2))
			require.Greater(t, soloEngine(t, rep).directReads.Load()/2, uint64(rounds/2))
		})
	}
}
