//go:build linux

package e2e_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// The console of examples/basic, run in a real pseudo-terminal, piped, and
// in a terminal with NO_COLOR set. The colours are the console's
// (console/color.go): green timestamps, yellow warnings, red errors, each
// piece closed by a reset.

const (
	ansiGreen  = "\x1b[32m"
	ansiYellow = "\x1b[33m"
	ansiRed    = "\x1b[31m"
	ansiReset  = "\x1b[0m"
)

// basicConsole is what examples/basic prints after each timestamp, in order,
// without colours.
var basicConsole = []string{
	"Hello world",
	"processing order 42",
	"  checking stock for widget",
	"  stock for widget is low: 3 left",
	"payment for order 42 failed: card declined",
}

// basicConsoleColored is the same in a terminal: the warning in yellow, the
// error in red, the indent outside the colour.
var basicConsoleColored = []string{
	"Hello world",
	"processing order 42",
	"  checking stock for widget",
	"  " + ansiYellow + "stock for widget is low: 3 left" + ansiReset,
	ansiRed + "payment for order 42 failed: card declined" + ansiReset,
}

var (
	plainLine   = regexp.MustCompile(`^([0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}) (.*)$`)
	coloredLine = regexp.MustCompile(`^` + regexp.QuoteMeta(ansiGreen) + `([0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3})` + regexp.QuoteMeta(ansiReset) + ` (.*)$`)
)

// consoleEnv is the child's whole environment apart from PATH and HOME:
// no token, so it prints to the console only, and no credentials file.
func consoleEnv(t *testing.T, extra ...string) []string {
	return append([]string{"TERM=xterm-256color", "LOGFIRE_CREDENTIALS_DIR=" + t.TempDir()}, extra...)
}

// checkConsole checks that out is exactly the lines of want, each after a
// timestamp matched by stamp.
func checkConsole(t *testing.T, out string, stamp *regexp.Regexp, want []string) {
	t.Helper()
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if len(lines) != len(want) {
		t.Fatalf("%d lines, want %d:\n%q", len(lines), len(want), out)
	}
	for i, line := range lines {
		m := stamp.FindStringSubmatch(line)
		if m == nil {
			t.Errorf("line %d %q does not start with the expected timestamp", i+1, line)
			continue
		}
		if m[2] != want[i] {
			t.Errorf("line %d: %q after the timestamp, want %q", i+1, m[2], want[i])
		}
	}
}

func TestPtyBasicConsoleColors(t *testing.T) {
	bin := buildExample(t, "basic")
	out, err := runInPty(t, bin, 30*time.Second, consoleEnv(t)...)
	if err != nil {
		t.Fatalf("examples/basic in a pty: %v\noutput:\n%q", err, out)
	}
	if !strings.Contains(out, "\x1b[") {
		t.Fatalf("no ANSI escape code in a terminal:\n%q", out)
	}
	checkConsole(t, out, coloredLine, basicConsoleColored)
}

func TestPtyBasicNoColorEnv(t *testing.T) {
	bin := buildExample(t, "basic")
	out, err := runInPty(t, bin, 30*time.Second, consoleEnv(t, "NO_COLOR=1")...)
	if err != nil {
		t.Fatalf("examples/basic in a pty: %v\noutput:\n%q", err, out)
	}
	if strings.Contains(out, "\x1b") {
		t.Fatalf("escape codes in a terminal with NO_COLOR=1:\n%q", out)
	}
	checkConsole(t, out, plainLine, basicConsole)
}

func TestPtyBasicPipedHasNoColors(t *testing.T) {
	bin := buildExample(t, "basic")
	run := runExample(t, bin, 30*time.Second, consoleEnv(t)...)
	if run.err != nil {
		t.Fatalf("examples/basic piped: %v", run)
	}
	if strings.Contains(run.stdout+run.stderr, "\x1b") {
		t.Fatalf("escape codes in piped output: %v", run)
	}
	if run.stderr != "" {
		t.Errorf("stderr not empty: %q", run.stderr)
	}
	checkConsole(t, run.stdout, plainLine, basicConsole)

	// LOGFIRE_CONSOLE_COLORS=always forces them, even into a pipe.
	run = runExample(t, bin, 30*time.Second, consoleEnv(t, "LOGFIRE_CONSOLE_COLORS=always")...)
	if run.err != nil {
		t.Fatalf("examples/basic piped, colours always: %v", run)
	}
	checkConsole(t, run.stdout, coloredLine, basicConsoleColored)
}

// openPty opens a new pseudo-terminal pair: the master side (non-blocking,
// so that reads honour deadlines) and the slave side, as the standard
// library's openpt/grantpt/unlockpt/ptsname do on Linux.
func openPty(t *testing.T) (master, slave *os.File) {
	t.Helper()
	if _, err := os.Stat("/dev/ptmx"); errors.Is(err, os.ErrNotExist) {
		t.Skip("no /dev/ptmx on this system")
	}
	mfd, err := unix.Open("/dev/ptmx", unix.O_RDWR|unix.O_NOCTTY|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Fatalf("open /dev/ptmx: %v", err)
	}
	if err := unix.IoctlSetPointerInt(mfd, unix.TIOCSPTLCK, 0); err != nil { // unlockpt
		unix.Close(mfd)
		t.Fatalf("TIOCSPTLCK: %v", err)
	}
	n, err := unix.IoctlGetInt(mfd, unix.TIOCGPTN) // ptsname
	if err != nil {
		unix.Close(mfd)
		t.Fatalf("TIOCGPTN: %v", err)
	}
	name := "/dev/pts/" + strconv.Itoa(n)
	sfd, err := unix.Open(name, unix.O_RDWR|unix.O_NOCTTY|unix.O_CLOEXEC, 0)
	if err != nil {
		unix.Close(mfd)
		t.Fatalf("open %s: %v", name, err)
	}
	if err := unix.SetNonblock(mfd, true); err != nil {
		unix.Close(mfd)
		unix.Close(sfd)
		t.Fatalf("non-blocking master: %v", err)
	}
	// A fixed size, as a terminal window has.
	_ = unix.IoctlSetWinsize(sfd, unix.TIOCSWINSZ, &unix.Winsize{Row: 24, Col: 120})
	return os.NewFile(uintptr(mfd), "/dev/ptmx"), os.NewFile(uintptr(sfd), name)
}

// runInPty runs bin with the slave side of a new pseudo-terminal as its
// controlling terminal and its stdin, stdout and stderr, and with only
// PATH, HOME and env in its environment. It returns everything read from
// the master side until the child exits and the terminal is drained, with
// the terminal's "\r\n" line endings turned back into "\n". The child is
// killed, and reading stops, after timeout.
func runInPty(t *testing.T, bin string, timeout time.Duration, env ...string) (string, error) {
	t.Helper()
	master, slave := openPty(t)
	defer master.Close()

	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin)
	cmd.Dir = t.TempDir()
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME")}, env...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = slave, slave, slave
	// A session of its own whose controlling terminal is the pty (Ctty is
	// the child's descriptor 0, its stdin).
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true, Ctty: 0}
	cmd.WaitDelay = 2 * time.Second

	deadline := time.Now().Add(timeout)
	if err := master.SetReadDeadline(deadline); err != nil {
		slave.Close()
		t.Fatalf("read deadline on the pty master: %v", err)
	}
	if err := cmd.Start(); err != nil {
		slave.Close()
		return "", err
	}
	// The child holds the slave now; once it exits and no one has the slave
	// open, reading the master ends with EIO.
	slave.Close()

	type readResult struct {
		out []byte
		err error
	}
	read := make(chan readResult, 1)
	go func() {
		var out bytes.Buffer
		_, err := io.Copy(&out, master)
		read <- readResult{out.Bytes(), err}
	}()

	waitErr := cmd.Wait()
	var r readResult
	select {
	case r = <-read:
	case <-time.After(time.Until(deadline) + time.Second):
		// The deadline ends io.Copy; this only guards against a bug here.
		return "", errors.New("reading the pty did not end")
	}
	out := strings.ReplaceAll(string(r.out), "\r\n", "\n")
	if r.err != nil && !errors.Is(r.err, syscall.EIO) {
		return out, errors.Join(waitErr, errors.New("reading the pty: "+r.err.Error()))
	}
	if ctx.Err() != nil {
		return out, errors.Join(waitErr, errors.New("killed: did not exit within "+timeout.String()))
	}
	return out, waitErr
}
