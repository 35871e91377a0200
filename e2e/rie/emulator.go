//go:build linux

package rie

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/logfire-go/sdk/e2e/collector"
)

const (
	// readyTimeout bounds the wait for the emulator's port.
	readyTimeout = 15 * time.Second
	// cleanupWait bounds the wait for the emulator's exit after SIGKILL.
	cleanupWait = 10 * time.Second
	// maxOutput bounds the output kept; what comes after it is counted.
	maxOutput = 16 << 20
	// mountFailed is the exit status of the namespace's shell when a
	// mount is refused.
	mountFailed = 97
)

// namespaceScript runs as PID 1 of the new PID namespace, in the new mount
// namespace: it stops mounts from propagating to the machine's namespace,
// mounts $1 on /var and $2 on /opt, and execs the emulator (the remaining
// arguments) in /var/task, so that the emulator is PID 1 and everything it
// starts is killed when it ends.
const namespaceScript = `mount --make-rprivate / && mount --bind "$1" /var && mount --bind "$2" /opt || exit 97
cd /var/task || exit 97
shift 2
exec "$@"`

// Emulator is one aws-lambda-rie process running one function.
type Emulator struct {
	url     string
	cmd     *exec.Cmd
	out     *output
	done    chan struct{} // closed when the process has been waited for
	exited  time.Time
	waitErr error

	stopOnce sync.Once
	stop     *Exit
	stopErr  error
}

// Exit is how the emulator ended after Stop.
type Exit struct {
	// SIGTERMSent is when Stop sent SIGTERM to the emulator; zero if the
	// emulator had ended on its own before (it does when the runtime
	// exits in the Managed Instances mode).
	SIGTERMSent time.Time
	// Exited is when the emulator's process had ended.
	Exited time.Time
	// State is the process's exit state, "exit status 0" for a clean exit.
	State string
	// Killed is true if the emulator did not exit in time and was killed.
	Killed bool
}

// Start builds the emulator (Build), puts bootstrap (a function built for
// Lambda: static, Linux) at /var/task/bootstrap of a private mount
// namespace and runs the emulator there on 127.0.0.1, with a free port
// for its invocation endpoint and one for the Runtime API. It returns once
// the invocation endpoint accepts connections. The emulator is killed, and
// with it the function, when tb's test ends.
//
// Start skips the test where it cannot run: not as root, or where the
// mount and PID namespaces or the mounts are refused.
func Start(tb testing.TB, bootstrap string, opts ...Option) *Emulator {
	tb.Helper()
	if os.Geteuid() != 0 {
		tb.Skip("rie: the emulator runs in a private mount namespace, to find the function at /var/task without writing to this machine's /var, and that takes root; run the tests as root (CI does) to include it")
	}
	if _, err := exec.LookPath("mount"); err != nil {
		tb.Skipf("rie: no mount command to mount the function's directory on /var in the emulator's namespace: %v", err)
	}
	var cfg config
	for _, opt := range opts {
		opt(&cfg)
	}
	bin := Build(tb)
	root, opt := layout(tb, bootstrap)
	rieAddr, apiAddr := freeAddr(tb), freeAddr(tb)

	out := &output{}
	cmd := exec.Command("/bin/sh", "-c", namespaceScript, "rie-namespace", root, opt,
		bin, "--runtime-interface-emulator-address", rieAddr, "--runtime-api-address", apiAddr)
	// The environment's own /tmp, which otellambdaflush writes to during
	// an invocation, rather than the machine's, shared with other tests.
	cfg.env = append([]string{"TMPDIR=" + tb.TempDir()}, cfg.env...)
	cmd.Env = cfg.environ(os.Getenv("PATH"))
	cmd.Stdout, cmd.Stderr = out, out
	cmd.SysProcAttr = &syscall.SysProcAttr{
		Cloneflags: syscall.CLONE_NEWNS | syscall.CLONE_NEWPID,
		Pdeathsig:  syscall.SIGKILL,
	}
	if err := cmd.Start(); err != nil {
		if errors.Is(err, syscall.EPERM) || errors.Is(err, syscall.EINVAL) || errors.Is(err, syscall.ENOSPC) {
			tb.Skipf("rie: a private mount and PID namespace for the emulator is refused here: %v", err)
		}
		tb.Fatalf("rie: starting the emulator: %v", err)
	}
	e := &Emulator{url: "http://" + rieAddr, cmd: cmd, out: out, done: make(chan struct{})}
	go func() {
		e.waitErr = cmd.Wait()
		e.exited = time.Now()
		close(e.done)
	}()
	tb.Cleanup(func() {
		select {
		case <-e.done:
			return
		default:
		}
		_ = cmd.Process.Kill()
		select {
		case <-e.done:
		case <-time.After(cleanupWait):
			tb.Errorf("rie: the emulator (pid %d) did not end within %v of SIGKILL", cmd.Process.Pid, cleanupWait)
		}
	})
	tb.Cleanup(func() {
		if tb.Failed() {
			tb.Logf("rie: the emulator's output:\n%s", out.tail(64<<10))
		}
	})

	if err := e.waitReady(rieAddr); err != nil {
		if e.mountRefused() {
			tb.Skipf("rie: mounting the function's directory on /var in the emulator's namespace is refused here:\n%s", out.String())
		}
		tb.Fatalf("rie: %v\n%s", err, out.String())
	}
	return e
}

// layout makes the directory mounted on /var, holding task/bootstrap (a
// copy of bootstrap), and the empty one mounted on /opt. Both are
// readable by everyone: in the Managed Instances mode the emulator runs
// the function as another user (uid 993).
func layout(tb testing.TB, bootstrap string) (root, opt string) {
	tb.Helper()
	root, opt = tb.TempDir(), tb.TempDir()
	task := filepath.Join(root, "task")
	if err := os.Mkdir(task, 0o755); err != nil {
		tb.Fatalf("rie: %v", err)
	}
	for _, dir := range []string{root, opt} {
		if err := os.Chmod(dir, 0o755); err != nil {
			tb.Fatalf("rie: %v", err)
		}
	}
	if err := copyFile(filepath.Join(task, "bootstrap"), bootstrap); err != nil {
		tb.Fatalf("rie: putting the function in place: %v", err)
	}
	return root, opt
}

func copyFile(dst, src string) (err error) {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o755)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := out.Close(); err == nil {
			err = cerr
		}
	}()
	_, err = io.Copy(out, in)
	return err
}

// freeAddr returns "127.0.0.1:PORT" with a port that was free a moment
// ago (bound and released).
func freeAddr(tb testing.TB) string {
	return strings.TrimPrefix(collector.RefusedEndpoint(tb), "http://")
}

// waitReady waits until addr accepts connections, the emulator ends or
// readyTimeout passes.
func (e *Emulator) waitReady(addr string) error {
	deadline := time.Now().Add(readyTimeout)
	for time.Now().Before(deadline) {
		select {
		case <-e.done:
			return fmt.Errorf("the emulator ended before it listened on %s: %v", addr, e.waitErr)
		default:
		}
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			return c.Close()
		}
		time.Sleep(20 * time.Millisecond)
	}
	return fmt.Errorf("the emulator did not listen on %s within %v", addr, readyTimeout)
}

// mountRefused reports whether the emulator's process has ended because
// the namespace's shell could not mount its directories.
func (e *Emulator) mountRefused() bool {
	select {
	case <-e.done:
		var exit *exec.ExitError
		return errors.As(e.waitErr, &exit) && exit.ExitCode() == mountFailed
	default:
		return false
	}
}

// URL returns the emulator's invocation endpoint,
// "http://127.0.0.1:PORT/2015-03-31/functions/function/invocations".
func (e *Emulator) URL() string {
	return e.url + "/2015-03-31/functions/function/invocations"
}

// Stop sends SIGTERM to the emulator, which shuts the function down
// (SIGTERM to the runtime, SIGKILL when its shutdown deadline has passed)
// and exits, and waits for it to end. If ctx ends first, the emulator is
// killed and Stop returns ctx's error with the Exit. Only the first call
// acts; later ones return its result.
func (e *Emulator) Stop(ctx context.Context) (*Exit, error) {
	e.stopOnce.Do(func() {
		x := &Exit{SIGTERMSent: time.Now()}
		e.stop = x
		if err := e.cmd.Process.Signal(syscall.SIGTERM); errors.Is(err, os.ErrProcessDone) {
			x.SIGTERMSent = time.Time{} // it had ended on its own
		} else if err != nil {
			e.stopErr = fmt.Errorf("rie: SIGTERM: %w", err)
		}
		select {
		case <-e.done:
		case <-ctx.Done():
			x.Killed = true
			_ = e.cmd.Process.Kill()
			e.stopErr = fmt.Errorf("rie: the emulator did not exit after SIGTERM: %w", ctx.Err())
			select {
			case <-e.done:
			case <-time.After(cleanupWait):
				e.stopErr = fmt.Errorf("rie: the emulator did not end within %v of SIGKILL", cleanupWait)
				return
			}
		}
		x.Exited = e.exited
		x.State = "exit status 0"
		if e.waitErr != nil {
			x.State = e.waitErr.Error()
		}
	})
	return e.stop, e.stopErr
}

// Done returns a channel that is closed when the emulator's process has
// ended, after Stop or on its own: in the Managed Instances mode the
// emulator ends when the function's runtime exits.
func (e *Emulator) Done() <-chan struct{} {
	return e.done
}

// Output returns what the emulator and the function printed so far, in
// the order the emulator wrote it (the function's lines come through the
// emulator).
func (e *Emulator) Output() string {
	return e.out.String()
}

// startLine is the emulator's line for an invocation it hands out; the
// classic mode separates the version with a space, the Managed Instances
// mode with a tab. It is not anchored at the start of a line: the
// function's output, which the emulator passes on in chunks as it comes,
// may end without a newline just before it.
var startLine = regexp.MustCompile(`START RequestId: ([0-9a-f-]+)\sVersion: `)

// RequestIDs returns the request ids of the invocations the emulator has
// handed out to the function, in order, from its START lines. The list is
// complete once the emulator has ended (Stop): until then a line may still
// be on its way from the emulator's output, even for an invocation already
// answered.
func (e *Emulator) RequestIDs() []string {
	var ids []string
	for _, m := range startLine.FindAllStringSubmatch(e.out.String(), -1) {
		ids = append(ids, m[1])
	}
	return ids
}

// output keeps what the emulator writes, up to maxOutput bytes.
type output struct {
	mu      sync.Mutex
	b       []byte
	dropped int
}

func (o *output) Write(p []byte) (int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	n := min(len(p), maxOutput-len(o.b))
	o.b = append(o.b, p[:n]...)
	o.dropped += len(p) - n
	return len(p), nil
}

func (o *output) String() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.dropped > 0 {
		return string(o.b) + "\n[rie: " + strconv.Itoa(o.dropped) + " more bytes not kept]\n"
	}
	return string(o.b)
}

// tail returns the last n bytes of the output.
func (o *output) tail(n int) string {
	s := o.String()
	return s[max(0, len(s)-n):]
}
