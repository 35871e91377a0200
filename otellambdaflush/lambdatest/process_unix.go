//go:build unix

package lambdatest

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"strconv"
	"syscall"
	"time"
)

func (s signal) sys() syscall.Signal {
	switch s {
	case sigStop:
		return syscall.SIGSTOP
	case sigCont:
		return syscall.SIGCONT
	case sigTerm:
		return syscall.SIGTERM
	default:
		return syscall.SIGKILL
	}
}

// start runs the binary as the leader of a new process group.
func (p *process) start(spec processSpec) error {
	cmd := exec.Command(spec.path)
	cmd.Dir = spec.dir
	cmd.Env = spec.env
	cmd.Stdout = spec.stdout
	cmd.Stderr = spec.stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	// Bound the wait for the output pipes if a grandchild keeps them open.
	cmd.WaitDelay = time.Second
	if err := cmd.Start(); err != nil {
		return err
	}
	p.cmd = cmd
	p.pid = cmd.Process.Pid
	go p.wait()
	return nil
}

// signalGroup sends s to every process of the group led by p.
func (p *process) signalGroup(s signal) error {
	if p.pid <= 0 {
		return nil
	}
	err := syscall.Kill(-p.pid, s.sys())
	if errors.Is(err, syscall.ESRCH) {
		return nil
	}
	return err
}

// signalLeader sends s to the runtime process only. Once the process has
// been reaped its pid may be reused, so nothing is sent then.
func (p *process) signalLeader(s signal) error {
	if p.pid <= 0 || p.hasExited() {
		return nil
	}
	err := syscall.Kill(p.pid, s.sys())
	if errors.Is(err, syscall.ESRCH) {
		return nil
	}
	return err
}

// groupAlive reports whether any process of the group still exists.
func (p *process) groupAlive() bool {
	if p.pid <= 0 {
		return false
	}
	return !errors.Is(syscall.Kill(-p.pid, 0), syscall.ESRCH)
}

// waitStopped polls /proc until every thread of the process is in the
// stopped state, for at most limit. It reports false if that was not
// observed; on systems without /proc it returns true at once. The stop
// usually takes effect within microseconds, so the poll starts fast and
// backs off to at most 10 ms between checks.
func (p *process) waitStopped(limit time.Duration) bool {
	deadline := time.Now().Add(limit)
	for pause := 50 * time.Microsecond; ; pause = min(2*pause, 10*time.Millisecond) {
		stopped, known := threadsStopped(p.pid)
		if stopped || !known {
			return true
		}
		if p.hasExited() || time.Now().After(deadline) {
			return false
		}
		time.Sleep(pause)
	}
}

// threadsStopped reads /proc/<pid>/task/*/stat. known is false when /proc is
// not available.
func threadsStopped(pid int) (stopped, known bool) {
	dir := "/proc/" + strconv.Itoa(pid) + "/task"
	entries, err := os.ReadDir(dir)
	if err != nil {
		return false, false
	}
	for _, e := range entries {
		data, err := os.ReadFile(dir + "/" + e.Name() + "/stat")
		if err != nil {
			continue // the thread is gone
		}
		switch procState(data) {
		case 'T', 't', 'Z', 'X':
		default:
			return false, true
		}
	}
	return true, true
}

// procState extracts the state letter from a /proc/<pid>/stat line: the
// first field after the parenthesised command name.
func procState(stat []byte) byte {
	i := bytes.LastIndexByte(stat, ')')
	if i < 0 || i+2 >= len(stat) {
		return 0
	}
	return stat[i+2]
}
