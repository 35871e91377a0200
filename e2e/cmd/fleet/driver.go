package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"
)

// phase is one part of the schedule, from start to end since the start of
// the run.
type phase struct {
	name       string
	start, end time.Duration
}

// schedule returns the phases of o: up, refused, throttled, recovered.
func (o options) schedule() []phase {
	names := []string{"up", "refused", strconv.Itoa(o.throttleStatus), "recovered"}
	lens := []time.Duration{o.up, o.down, o.throttle, o.recover}
	var out []phase
	var t time.Duration
	for i, n := range names {
		out = append(out, phase{name: n, start: t, end: t + lens[i]})
		t += lens[i]
	}
	return out
}

// sample is one report of a worker's counts.
type sample struct {
	at                                 time.Duration // since the start of the run
	buffered, queued, delivered, drops int64
	produced                           int64 // logs and spans recorded
	dials, dialErrs                    int64 // connections the SDK tried to open, and failed to
}

// window is one ForceFlush of a worker.
type window struct {
	start, end time.Duration
	err        string
}

// worker is the driver's view of one worker process.
type worker struct {
	id    int
	cmd   *exec.Cmd
	stdin io.WriteCloser

	mu       sync.Mutex
	ready    bool
	samples  []sample
	flushes  []window
	final    *workerLine
	exited   chan struct{} // closed once the process is reaped
	killed   bool          // by the driver, after its deadline
	exitErr  error
	cpu      time.Duration
	badLines int
}

// fleet is the set of workers and what they reported.
type fleet struct {
	workers []*worker
	t0      time.Time // the start of the run; zero before
	t0mu    sync.Mutex
	stderr  *lockedWriter
}

func (f *fleet) since(unixNano int64) time.Duration {
	f.t0mu.Lock()
	defer f.t0mu.Unlock()
	if f.t0.IsZero() {
		return 0
	}
	return time.Unix(0, unixNano).Sub(f.t0)
}

type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) line(s string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	_, _ = io.WriteString(l.w, s+"\n")
}

// workerEnv is the driver's environment without the variables that
// configure the SDK, so that a worker exports to the receiver only, with
// the settings of the run.
func workerEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "LOGFIRE_") || strings.HasPrefix(kv, "OTEL_") {
			continue
		}
		env = append(env, kv)
	}
	return env
}

// spawn starts worker id.
func (f *fleet) spawn(o options, exe, url string, id int) (*worker, error) {
	args := []string{"-worker", "-id", strconv.Itoa(id), "-url", url,
		"-rate", strconv.FormatFloat(o.rate, 'g', -1, 64),
		"-spans=" + strconv.FormatBool(o.spans),
		"-flush", o.flushEvery.String(), "-flush-timeout", o.flushTimeout.String(),
		"-report", o.report.String(), "-shutdown-timeout", o.shutdownTimeout.String()}
	cmd := exec.Command(exe, args...)
	cmd.Env = workerEnv()
	w := &worker{id: id, cmd: cmd, exited: make(chan struct{})}
	var err error
	if w.stdin, err = cmd.StdinPipe(); err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	var errDone sync.WaitGroup
	errDone.Go(func() {
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			f.stderr.line(fmt.Sprintf("w%03d %s", id, sc.Text()))
		}
	})
	go func() {
		sc := bufio.NewScanner(stdout)
		sc.Buffer(make([]byte, 64<<10), 4<<20)
		for sc.Scan() {
			f.read(w, sc.Bytes())
		}
		_, _ = io.Copy(io.Discard, stdout)
		errDone.Wait()
		werr := cmd.Wait()
		w.mu.Lock()
		w.exitErr = werr
		if cmd.ProcessState != nil {
			w.cpu = cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
		}
		w.mu.Unlock()
		close(w.exited)
	}()
	return w, nil
}

// read takes one line of worker w's standard output.
func (f *fleet) read(w *worker, b []byte) {
	var l workerLine
	if err := json.Unmarshal(b, &l); err != nil {
		w.mu.Lock()
		w.badLines++
		w.mu.Unlock()
		f.stderr.line(fmt.Sprintf("w%03d (stdout) %s", w.id, b))
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	switch l.Type {
	case "ready":
		w.ready = true
	case "stats", "final":
		w.samples = append(w.samples, sample{at: f.since(l.At), buffered: l.Buffered, queued: l.Queued,
			delivered: l.Delivered, drops: l.Dropped, produced: l.Produced + l.Spans, dials: l.Dials, dialErrs: l.DialErrs})
		if l.Type == "final" {
			w.final = &l
		}
	case "flush":
		w.flushes = append(w.flushes, window{start: f.since(l.Start), end: f.since(l.At), err: l.Err})
	}
}

// tell writes a line to every worker's standard input.
func (f *fleet) tell(s string) {
	for _, w := range f.workers {
		_, _ = io.WriteString(w.stdin, s+"\n")
	}
}

// kill kills the workers that have not exited.
func (f *fleet) kill() (killed []int) {
	for _, w := range f.workers {
		select {
		case <-w.exited:
			continue
		default:
		}
		w.mu.Lock()
		w.killed = true
		w.mu.Unlock()
		_ = w.cmd.Process.Kill()
		killed = append(killed, w.id)
	}
	for _, w := range f.workers {
		select {
		case <-w.exited:
		case <-time.After(5 * time.Second):
		}
	}
	return killed
}

// waitExit waits until every worker has exited or the deadline.
func (f *fleet) waitExit(ctx context.Context, deadline time.Time) bool {
	for _, w := range f.workers {
		select {
		case <-w.exited:
		case <-ctx.Done():
			return false
		case <-time.After(time.Until(deadline)):
			return false
		}
	}
	return true
}

// totals returns the fleet's buffered records and produced records by the
// workers' latest reports.
func (f *fleet) totals() (buffered, produced int64) {
	for _, w := range f.workers {
		w.mu.Lock()
		if n := len(w.samples); n > 0 {
			buffered += w.samples[n-1].buffered
			produced += w.samples[n-1].produced
		}
		w.mu.Unlock()
	}
	return buffered, produced
}

// runDriver runs the simulation; ok is false if a record was lost or a
// worker did not report its final counts.
func runDriver(ctx context.Context, o options) (ok bool, err error) {
	if err := os.MkdirAll(o.out, 0o755); err != nil {
		return false, err
	}
	exe, err := os.Executable()
	if err != nil {
		return false, err
	}
	errFile, err := os.Create(filepath.Join(o.out, "workers.stderr"))
	if err != nil {
		return false, err
	}
	defer errFile.Close()
	loadBefore := loadAverage()
	rcv, err := newReceiver(o.port, o.throttleStatus, o.retryAfter)
	if err != nil {
		return false, err
	}
	defer rcv.Close()
	f := &fleet{stderr: &lockedWriter{w: errFile}}
	defer f.kill() // whatever happens, no worker outlives the driver
	for i := range o.procs {
		w, err := f.spawn(o, exe, rcv.URL(), i)
		if err != nil {
			return false, fmt.Errorf("starting worker %d: %w", i, err)
		}
		f.workers = append(f.workers, w)
	}
	progress("receiver %s, %d workers started; waiting for them to configure", rcv.URL(), o.procs)
	if err := f.waitReady(ctx, 30*time.Second); err != nil {
		return false, err
	}

	phases := o.schedule()
	stopAt := phases[len(phases)-1].end
	t0 := time.Now()
	f.t0mu.Lock()
	f.t0 = t0
	f.t0mu.Unlock()
	rcv.start(t0)
	f.tell("start")
	cpuBefore := selfCPU()
	for i, p := range phases {
		if i > 0 {
			if err := f.until(ctx, rcv, t0, p.start, phases); err != nil {
				return false, err
			}
		}
		switch p.name {
		case "up", "recovered":
			err = rcv.Up(false)
		case "refused":
			rcv.Down()
		default:
			err = rcv.Up(true)
		}
		if err != nil {
			return false, err
		}
		progress("t=%2.0fs %s", time.Since(t0).Seconds(), describe(p, o))
	}
	if err := f.until(ctx, rcv, t0, stopAt, phases); err != nil {
		return false, err
	}
	progress("t=%2.0fs stop: every worker stops recording and shuts down (Shutdown's context: %v)", time.Since(t0).Seconds(), o.shutdownTimeout)
	f.tell("stop")
	for _, w := range f.workers {
		_ = w.stdin.Close()
	}
	deadline := time.Now().Add(o.shutdownTimeout + 10*time.Second)
	exitedInTime := f.waitExit(ctx, deadline)
	if ctx.Err() != nil {
		return false, errors.New("interrupted")
	}
	var killed []int
	if !exitedInTime {
		killed = f.kill()
		progress("killed %d workers that had not exited %v after stop: %v", len(killed), o.shutdownTimeout+10*time.Second, killed)
	}
	end := time.Since(t0)
	cpu := selfCPU() - cpuBefore
	rcv.Close()
	loadAfter := loadAverage()

	r := f.analyse(o, rcv, phases, stopAt, end)
	r.killed = killed
	r.loadBefore, r.loadAfter = loadBefore, loadAfter
	r.driverCPU = cpu
	if err := r.write(o); err != nil {
		return false, err
	}
	fmt.Print(r.markdown(o))
	return r.lost == 0 && r.missingFinal == 0, nil
}

func describe(p phase, o options) string {
	switch p.name {
	case "up":
		return fmt.Sprintf("up for %v: the receiver answers 200", p.end-p.start)
	case "refused":
		return fmt.Sprintf("down for %v: connections are refused", p.end-p.start)
	case "recovered":
		return fmt.Sprintf("recovered for %v: the receiver answers 200", p.end-p.start)
	}
	ra := "no Retry-After"
	if o.retryAfter > 0 {
		ra = fmt.Sprintf("Retry-After: %d", o.retryAfter)
	}
	return fmt.Sprintf("throttling for %v: the receiver answers %s with %s", p.end-p.start, p.name, ra)
}

func progress(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "fleet: "+format+"\n", args...)
}

// waitReady waits until every worker has configured the SDK.
func (f *fleet) waitReady(ctx context.Context, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for {
		n := 0
		for _, w := range f.workers {
			select {
			case <-w.exited:
				return fmt.Errorf("worker %d exited before it was ready (see workers.stderr)", w.id)
			default:
			}
			w.mu.Lock()
			if w.ready {
				n++
			}
			w.mu.Unlock()
		}
		if n == len(f.workers) {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("only %d of %d workers were ready after %v", n, len(f.workers), limit)
		}
		select {
		case <-ctx.Done():
			return errors.New("interrupted")
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// until waits until at (since t0), printing a line of progress every
// second.
func (f *fleet) until(ctx context.Context, rcv *receiver, t0 time.Time, at time.Duration, phases []phase) error {
	for {
		left := at - time.Since(t0)
		if left <= 0 {
			return nil
		}
		next := time.Second - time.Since(t0)%time.Second
		select {
		case <-ctx.Done():
			return errors.New("interrupted")
		case <-time.After(min(left, next)):
		}
		if next <= left {
			s := int(time.Since(t0)/time.Second) - 1 // the second that just ended
			secs, _ := rcv.snapshot()
			if s >= 0 {
				var x second
				if s < len(secs) {
					x = secs[s]
				}
				buffered, produced := f.totals()
				progress("t=%2ds %-9s requests %5d  200 %5d  503/429 %5d  records accepted %6d  duplicates %4d  buffered %6d  produced %7d",
					s, phaseAt(phases, time.Duration(s)*time.Second), x.Requests[0]+x.Requests[1]+x.Requests[2], x.OK,
					x.Throttled[0]+x.Throttled[1], x.Accepted, x.Dups, buffered, produced)
			}
		}
	}
}

func phaseAt(phases []phase, t time.Duration) string {
	for _, p := range phases {
		if t >= p.start && t < p.end {
			return p.name
		}
	}
	return "shutdown"
}
