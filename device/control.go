package device

import (
	"context"
	"fmt"

	"github.com/brokerless/zmq/socket"
)

// The control commands, each a single frame (zmq_proxy_steerable).
const (
	CmdPause      = "PAUSE"
	CmdResume     = "RESUME"
	CmdTerminate  = "TERMINATE"
	CmdStatistics = "STATISTICS"
)

// serveControl executes the commands received on the control socket until ctx ends
// or the socket fails. A REP control socket answers every command, so a REQ client
// never hangs; a PAIR control socket answers STATISTICS only (libzmq master).
func (d *Device) serveControl(ctx context.Context) error {
	c := d.cfg.control
	rep := c.Type() == socket.Rep
	for {
		m, err := c.Recv(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("device: control recv: %w", err)
		}
		cmd := ""
		if len(m.Frames) == 1 {
			cmd = string(m.Frames[0])
		}
		var reply socket.Msg
		switch cmd {
		case CmdPause:
			d.Pause()
		case CmdResume:
			d.Resume()
		case CmdTerminate:
		case CmdStatistics:
			reply = d.Stats().Msg()
		default:
			d.cfg.logger.Warn("device: unknown control command", "frames", len(m.Frames), "command", quote(m))
		}
		if cmd != "" && cmd != CmdStatistics {
			d.cfg.logger.Info("device: control command", "command", cmd)
		}
		if reply.Frames == nil && rep {
			reply = socket.NewMsg([]byte{})
		}
		if reply.Frames != nil {
			if err := c.Send(ctx, reply); err != nil {
				if ctx.Err() != nil {
					return nil
				}
				return fmt.Errorf("device: control send: %w", err)
			}
		}
		if cmd == CmdTerminate {
			d.Terminate()
			return nil
		}
	}
}

// quote shows an unknown command in a log line, shortened.
func quote(m socket.Msg) string {
	if len(m.Frames) == 0 {
		return ""
	}
	f := m.Frames[0]
	if len(f) > 32 {
		f = f[:32]
	}
	return fmt.Sprintf("%q", f)
}
