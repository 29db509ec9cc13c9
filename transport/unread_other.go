//go:build !linux

package transport

// UnreadByPeer reports how many bytes written to an ipc connection its peer has
// not read yet. Only Linux tells; elsewhere it is always 0.
func (c *Conn) UnreadByPeer() int { return 0 }
