//go:build !unix

package portlock

import "os"

// tryLock creates the file at path and takes it as the lock: without flock, a
// reservation only holds within this process's view of the file system.
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
