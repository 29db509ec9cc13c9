//go:build unix && !solaris && !aix

package portlock

import (
	"errors"
	"os"
	"syscall"
)

// tryLock takes an exclusive lock on the file at path, creating it. It returns nil,
// nil when another holder has the lock. The kernel drops the lock when the holder
// exits, so a crashed test leaves nothing reserved.
func tryLock(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o666)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, nil
		}
		return nil, err
	}
	return f, nil
}

// unlock releases a lock tryLock took.
func unlock(f *os.File) { f.Close() }
