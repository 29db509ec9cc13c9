package soak

import (
	"os/exec"
	"syscall"
)

// dieWithParent makes cmd's process die should the orchestrator die (ip execs the
// program, which keeps the parent-death signal).
func dieWithParent(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
