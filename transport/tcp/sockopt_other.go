//go:build unix && !linux

package tcp

import "errors"

func bindToDevice(int, string) error {
	return errors.New("SO_BINDTODEVICE is only available on Linux")
}
