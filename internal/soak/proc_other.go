//go:build !linux

package soak

import "os/exec"

// dieWithParent does nothing where there is no parent-death signal; the soak run
// needs Linux's network namespaces anyway.
func dieWithParent(*exec.Cmd) {}
