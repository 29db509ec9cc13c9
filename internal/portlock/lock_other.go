//go:build !unix || solaris || aix

package portlock

import "os"

// tryLock creates the file at path, failing if it exists, and takes that as the
// lock (this system has no flock). Release removes the file; a holder that crashes
// leaves it behind, and that port is not handed out again.
func tryLock(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o666)
	if os.IsExist(err) {
		return nil, nil
	}
	return f, err
}

// unlock releases a lock tryLock took.
func unlock(f *os.File) {
	f.Close()
	os.Remove(f.Name())
}
