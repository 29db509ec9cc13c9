//go:build !unix

package transport

import "io"

// newConnReader returns the reader a Conn's wire.Reader reads nc's bytes from.
func newConnReader(c *Conn) io.Reader { return connReader{c} }
