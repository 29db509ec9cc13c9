//go:build !unix

package fdio

import "errors"

// Supported says whether Write works on this system: not on this one, whose socket
// handles are not written with write(2). Callers fall back to the connection's own
// (waiting) Write.
const Supported = false

// Write is not available on this system: it writes nothing.
func Write(uintptr, []byte) (int, error) { return 0, errors.ErrUnsupported }
