package lambdatest

import (
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// errClosed is returned by operations on an Emulator that has been closed.
var errClosed = errors.New("lambdatest: the emulator is closed")

// Bounds on the emulator's own waits.
const (
	exitWaitLimit    = 5 * time.Second // for a killed process to be reaped
	stopConfirmLimit = time.Second     // for SIGSTOP to take effect on every thread
	idleWaitLimit    = 5 * time.Second // for handlers and drivers to finish on Close
)

// Emulator is a local AWS Lambda execution environment for one function
// binary: it serves the Runtime API and the Extensions API on 127.0.0.1 and
// runs the binary as a child process, freezing it between invocations.
//
// The process is started lazily by the first Invoke (an on-demand cold
// start) or by Init, and again after a timeout, crash or Shutdown. All
// methods are safe for concurrent use. An Emulator must be closed with
// Close; Start does that through t.Cleanup.
type Emulator struct {
	cfg    config
	binary string // absolute path
	dir    string // LAMBDA_TASK_ROOT and working directory
	// tmp is the environment's /tmp (TMPDIR): it outlives a reset, as
	// Lambda's /tmp does, and is removed by Close.
	tmp  string
	addr string // host:port, the value of AWS_LAMBDA_RUNTIME_API
	srv  *http.Server
	// telemetryClient delivers Telemetry API events to subscribers.
	telemetryClient *http.Client

	stdout, stderr syncBuffer

	slots     chan struct{} // invocation admission: capacity = max concurrency
	lifecycle chan struct{} // serialises process starts
	closed    chan struct{}
	closeOnce sync.Once
	closeErr  error
	work      activity // HTTP handlers and invocation drivers
	quiet     atomic.Bool

	mu        sync.Mutex
	isClosed  bool
	gen       *generation           // the current execution environment, nil if none
	genCount  int                   // number of processes started so far
	invs      map[string]*invState  // handed-out invocations by request id
	expired   []string              // request ids of timed-out invocations kept in invs (managed mode)
	exts      map[string]*extension // registered extensions by identifier
	extErrors []extensionError      // errors extensions posted, across all processes
}

// New starts the Runtime/Extensions API server for the function binary at
// path and returns the emulator. The function process itself is started by
// the first Invoke or Init. Use Start in tests.
func New(path string, opts ...Option) (*Emulator, error) {
	cfg, err := newConfig(opts)
	if err != nil {
		return nil, fmt.Errorf("lambdatest: invalid options: %w", err)
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("lambdatest: function binary: %w", err)
	}
	st, err := os.Stat(abs)
	if err != nil {
		return nil, fmt.Errorf("lambdatest: function binary: %w", err)
	}
	if st.IsDir() {
		return nil, fmt.Errorf("lambdatest: function binary %s is a directory", abs)
	}
	tmp, err := os.MkdirTemp("", "lambdatest-tmp-")
	if err != nil {
		return nil, fmt.Errorf("lambdatest: the environment's /tmp: %w", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		_ = os.RemoveAll(tmp)
		return nil, fmt.Errorf("lambdatest: listen: %w", err)
	}
	e := &Emulator{
		cfg:       cfg,
		binary:    abs,
		dir:       filepath.Dir(abs),
		tmp:       tmp,
		addr:      ln.Addr().String(),
		slots:     make(chan struct{}, cfg.maxConcurrency),
		lifecycle: make(chan struct{}, 1),
		closed:    make(chan struct{}),
		invs:      map[string]*invState{},
		exts:      map[string]*extension{},
		// A connection to a subscriber is not kept: its process is frozen,
		// reset or gone between deliveries.
		telemetryClient: &http.Client{Transport: &http.Transport{Proxy: nil, DisableKeepAlives: true}},
	}
	e.srv = &http.Server{
		Handler:           e.routes(),
		ReadHeaderTimeout: 30 * time.Second,
		ErrorLog:          log.New(logWriter{e}, "", 0),
	}
	go func() { _ = e.srv.Serve(ln) }()
	e.logf("serving the Runtime API on %s for %s", e.addr, abs)
	return e, nil
}

// Start is New for tests: it fails tb if the emulator cannot be created and
// registers Close with tb.Cleanup. If the test failed, the function's
// captured output is logged at cleanup.
func Start(tb testing.TB, path string, opts ...Option) *Emulator {
	tb.Helper()
	e, err := New(path, opts...)
	if err != nil {
		tb.Fatalf("%v", err)
	}
	tb.Cleanup(func() {
		if err := e.Close(); err != nil {
			tb.Errorf("lambdatest: close: %v", err)
		}
		if tb.Failed() {
			if s := e.Stdout(); s != "" {
				tb.Logf("lambdatest: function stdout:\n%s", s)
			}
			if s := e.Stderr(); s != "" {
				tb.Logf("lambdatest: function stderr:\n%s", s)
			}
		}
	})
	return e
}

// Starts returns how many times the function process has been started
// (cold starts).
func (e *Emulator) Starts() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.genCount
}

// Stdout returns everything the function processes have written to
// standard output so far.
func (e *Emulator) Stdout() string { return e.stdout.String() }

// Stderr returns everything the function processes have written to
// standard error so far. aws-lambda-go's log output goes here.
func (e *Emulator) Stderr() string { return e.stderr.String() }

// Close kills the function process group, stops the API server and waits
// (bounded) for the emulator's goroutines. It is idempotent. It returns an
// error if the process could not be reaped in time.
func (e *Emulator) Close() error {
	e.closeOnce.Do(func() {
		e.mu.Lock()
		e.isClosed = true
		g := e.gen
		e.mu.Unlock()
		close(e.closed)
		if g != nil {
			_ = g.proc.signalGroup(sigKill)
			if !g.proc.waitExit(exitWaitLimit) {
				e.closeErr = fmt.Errorf("lambdatest: function process %d did not exit after SIGKILL", g.proc.pid)
			}
		}
		_ = e.srv.Close()
		_ = os.RemoveAll(e.tmp)
		if !e.work.waitIdle(idleWaitLimit) {
			e.logf("close: some requests or invocations were still running after %v", idleWaitLimit)
		}
		e.quiet.Store(true)
	})
	return e.closeErr
}

// logf logs through the WithLogf function until Close has returned.
func (e *Emulator) logf(format string, args ...any) {
	if !e.quiet.Load() {
		e.cfg.log(format, args...)
	}
}

// logWriter forwards the HTTP server's error log to logf.
type logWriter struct{ e *Emulator }

func (w logWriter) Write(p []byte) (int, error) {
	w.e.logf("http server: %s", p)
	return len(p), nil
}

// environment returns the function process's environment.
func (e *Emulator) environment(logStream string) []string {
	var env []string
	if p, ok := os.LookupEnv("PATH"); ok {
		env = append(env, "PATH="+p)
	}
	initType := "on-demand"
	if e.cfg.managed {
		initType = "lambda-managed-instances"
	}
	env = append(env,
		"AWS_LAMBDA_RUNTIME_API="+e.addr,
		envFunctionName+"="+e.cfg.functionName,
		envFunctionVersion+"="+e.cfg.functionVer,
		envMemorySize+"="+strconv.Itoa(e.cfg.memorySizeMB),
		envRegion+"="+e.cfg.region,
		"AWS_DEFAULT_REGION="+e.cfg.region,
		"AWS_LAMBDA_LOG_GROUP_NAME=/aws/lambda/"+e.cfg.functionName,
		"AWS_LAMBDA_LOG_STREAM_NAME="+logStream,
		"AWS_LAMBDA_INITIALIZATION_TYPE="+initType,
		envHandler+"="+e.cfg.handler,
		"LAMBDA_TASK_ROOT="+e.dir,
		"TMPDIR="+e.tmp,
		"TZ=:UTC",
		"LANG=en_US.UTF-8",
	)
	if e.cfg.managed {
		env = append(env, "AWS_LAMBDA_MAX_CONCURRENCY="+strconv.Itoa(e.cfg.maxConcurrency))
	}
	// os/exec keeps the last value of a duplicated key, so extra env wins.
	return append(env, e.cfg.extraEnv...)
}

// ensureGeneration returns the running execution environment, starting a
// new function process if there is none. cold reports whether a process was
// started.
func (e *Emulator) ensureGeneration() (g *generation, cold bool, err error) {
	select {
	case e.lifecycle <- struct{}{}:
	case <-e.closed:
		return nil, false, errClosed
	}
	defer func() { <-e.lifecycle }()

	// A reset may be in progress (managed mode only: elsewhere the driver
	// doing the reset holds the only invocation slot). Wait for it, bounded
	// by the reset's own bounds; it clears e.gen before teardownDone is
	// closed, and no other process can start while e.lifecycle is held.
	e.mu.Lock()
	if old := e.gen; old != nil && old.tearingDown {
		e.mu.Unlock()
		select {
		case <-old.teardownDone:
		case <-e.closed:
			return nil, false, errClosed
		}
		e.mu.Lock()
	}
	defer e.mu.Unlock()
	if e.isClosed {
		return nil, false, errClosed
	}
	if e.gen != nil {
		return e.gen, false, nil
	}
	now := time.Now()
	g = newGeneration(e.genCount+1, now, newLogStreamName(now, e.cfg.functionVer))
	spec := processSpec{
		path:   e.binary,
		dir:    e.dir,
		env:    e.environment(g.logStream),
		stdout: teeWriter(&e.stdout, e.cfg.stdout),
		stderr: teeWriter(&e.stderr, e.cfg.stderr),
	}
	// The process is started with e.mu held so that its first requests see
	// the new generation.
	if err := g.proc.start(spec); err != nil {
		return nil, false, fmt.Errorf("lambdatest: start %s: %w", e.binary, err)
	}
	e.genCount++
	e.gen = g
	e.logf("INIT: started %s as pid %d (process #%d)", filepath.Base(e.binary), g.proc.pid, g.n)
	g.tel.e = e
	e.sendInitStartLocked(g)
	g.mem.limit = uint64(e.cfg.memorySizeMB) * mib
	if e.work.begin() {
		go e.watchMemory(g)
	}
	return g, true, nil
}

// teeWriter writes to the buffer and, if given, to w as well.
func teeWriter(buf *syncBuffer, w io.Writer) io.Writer {
	if w == nil {
		return buf
	}
	return multiWriter{buf, w}
}

// multiWriter writes to both writers; an error of the caller's writer is
// not propagated, so that it cannot break the function's output pipe.
type multiWriter struct {
	buf *syncBuffer
	w   io.Writer
}

func (m multiWriter) Write(p []byte) (int, error) {
	_, _ = m.buf.Write(p)
	_, _ = m.w.Write(p)
	return len(p), nil
}

// activity counts in-flight work (HTTP handlers, invocation drivers) so
// that Close can wait for it, and refuses new work once closing started.
type activity struct {
	mu      sync.Mutex
	n       int
	closing bool
	idle    chan struct{} // closed when n drops to 0 while closing
}

func (a *activity) begin() bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.closing {
		return false
	}
	a.n++
	return true
}

func (a *activity) end() {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.n--
	if a.n == 0 && a.idle != nil {
		close(a.idle)
		a.idle = nil
	}
}

// waitIdle refuses new work and waits up to d for the current work to end.
func (a *activity) waitIdle(d time.Duration) bool {
	a.mu.Lock()
	a.closing = true
	if a.n == 0 {
		a.mu.Unlock()
		return true
	}
	idle := make(chan struct{})
	a.idle = idle
	a.mu.Unlock()
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-idle:
		return true
	case <-t.C:
		return false
	}
}
