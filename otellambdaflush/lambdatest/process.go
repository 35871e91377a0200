package lambdatest

import (
	"errors"
	"io"
	"os"
	"os/exec"
	"time"
)

// errUnsupported is returned on systems without process groups and job
// control signals.
var errUnsupported = errors.New("lambdatest: process control (SIGSTOP/SIGCONT, process groups) needs a Unix system")

// signal names the few signals the emulator sends; the mapping to real
// signal numbers is system specific.
type signal int

const (
	sigStop signal = iota + 1
	sigCont
	sigTerm
	sigKill
)

// processSpec describes how to start the function process.
type processSpec struct {
	path   string
	dir    string
	env    []string
	stdout io.Writer
	stderr io.Writer
}

// process is one run of the function binary, the leader of its own process
// group (so that the group id equals pid).
type process struct {
	exited chan struct{} // closed once the process has been reaped
	pid    int           // set by start (before the process is shared), read-only afterwards
	cmd    *exec.Cmd

	// Written before exited is closed, read only after it is closed.
	exitedAt time.Time
	state    *os.ProcessState
	waitErr  error
}

func newProcess() *process {
	return &process{exited: make(chan struct{})}
}

// wait reaps the process and publishes its exit status.
func (p *process) wait() {
	err := p.cmd.Wait()
	p.exitedAt = time.Now()
	p.state = p.cmd.ProcessState
	p.waitErr = err
	close(p.exited)
}

// hasExited reports whether the process has been reaped.
func (p *process) hasExited() bool { return isClosed(p.exited) }

// exitDescription describes how the process ended ("" while it runs).
func (p *process) exitDescription() string {
	if !p.hasExited() {
		return ""
	}
	if p.state != nil {
		return p.state.String()
	}
	if p.waitErr != nil {
		return p.waitErr.Error()
	}
	return "exited"
}

// waitExit waits up to d for the process to be reaped.
func (p *process) waitExit(d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-p.exited:
		return true
	case <-t.C:
		return false
	}
}
