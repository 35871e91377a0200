package lambdatest

import (
	"context"
	"fmt"
	"time"
)

// initOutcome is how the INIT phase of an execution environment ended.
type initOutcome int

const (
	initReady initOutcome = iota
	initErrored
	initCrashed
	initTimedOut
	initClosed
)

// drive takes one invocation through its lifecycle: INIT if needed, thaw,
// hand-out, completion and freeze, or timeout/crash and reset. It owns one
// invocation slot and one unit of e.work.
func (e *Emulator) drive(inv *invState) {
	defer e.work.end()
	defer func() { <-e.slots }()
	defer e.finish(inv)

	g, cold, err := e.ensureGeneration()
	if err != nil {
		e.setErr(inv, err)
		return
	}
	e.mu.Lock()
	inv.gen = g
	inv.rec.ColdStart = cold
	inv.rec.PID = g.proc.pid
	e.mu.Unlock()

	if outcome := e.awaitInit(g); outcome != initReady {
		e.abortInit(g, inv, outcome)
		return
	}
	if cold {
		e.mu.Lock()
		inv.rec.InitDuration = g.initDoneAt.Sub(g.started)
		e.mu.Unlock()
	}
	e.run(g, inv)
}

// awaitInit waits until INIT is over, bounded by the init timeout counted
// from the process start.
func (e *Emulator) awaitInit(g *generation) initOutcome {
	select {
	case <-g.initDone:
		return initReady
	default:
	}
	timer := time.NewTimer(max(0, e.cfg.initTimeout-time.Since(g.started)))
	defer timer.Stop()
	select {
	case <-g.initDone:
		return initReady
	case <-g.initFailed:
		return initErrored
	case <-g.proc.exited:
		select {
		case <-g.initFailed: // posted an init error, then exited
			return initErrored
		default:
			return initCrashed
		}
	case <-timer.C:
		return initTimedOut
	case <-e.closed:
		return initClosed
	}
}

// abortInit records a failed INIT on inv and resets the environment.
func (e *Emulator) abortInit(g *generation, inv *invState, outcome initOutcome) {
	if outcome == initClosed {
		e.setErr(inv, errClosed)
		return
	}
	e.mu.Lock()
	switch outcome {
	case initErrored:
		inv.rec.InitError = g.initErr
	case initCrashed:
		inv.rec.Crashed = true
		inv.rec.OutOfMemory = g.mem.killed
		inv.rec.ExitState = g.proc.exitDescription()
	case initTimedOut:
		inv.rec.TimedOut = true
		inv.rec.InitTimedOut = true
	}
	e.mu.Unlock()
	_, rep := e.resetAfterInit(g, outcome)
	e.mu.Lock()
	inv.rec.Reset = rep
	e.mu.Unlock()
}

// resetAfterInit resets the environment after an INIT that ended with
// outcome (not initReady or initClosed) and returns what went wrong.
func (e *Emulator) resetAfterInit(g *generation, outcome initOutcome) (string, *ShutdownReport) {
	e.mu.Lock()
	var msg string
	switch outcome {
	case initErrored:
		msg = "init error"
		if g.initErr != nil {
			msg = fmt.Sprintf("init error %s: %s", g.initErr.Type, g.initErr.Message)
		}
	case initCrashed:
		msg = "process exited: " + g.proc.exitDescription()
	case initTimedOut:
		msg = fmt.Sprintf("not finished within %v", e.cfg.initTimeout)
	}
	status, errorType := e.initFailureLocked(g, outcome)
	g.tel.endInitLocked(g, time.Now(), status, errorType)
	e.mu.Unlock()
	reason := "failure"
	if outcome == initTimedOut {
		reason = "timeout"
	}
	e.logf("INIT of process %d failed (%s); resetting", g.proc.pid, msg)
	return msg, e.teardown(g, reason)
}

// run thaws the environment, hands the event out and waits for completion,
// the deadline or the process's exit.
func (e *Emulator) run(g *generation, inv *invState) {
	e.mu.Lock()
	now := time.Now()
	if g.frozen {
		if err := g.proc.signalGroup(sigCont); err != nil {
			e.logf("SIGCONT to process group %d: %v", g.proc.pid, err)
		}
		g.frozen = false
		g.tel.wakeLocked()
		inv.rec.Resumed = now
		e.logf("THAW: process group %d resumed for %s", g.proc.pid, inv.rec.RequestID)
	}
	inv.rec.Deadline = now.Add(e.cfg.timeout)
	e.invs[inv.rec.RequestID] = inv
	if !e.cfg.managed {
		g.current = inv
	}
	e.mu.Unlock()

	timer := time.NewTimer(e.cfg.timeout)
	defer timer.Stop()
	select {
	case g.nextCh <- inv:
		e.mu.Lock()
		e.sendStartLocked(g, inv, time.Now())
		e.mu.Unlock()
	case <-timer.C:
		e.timeOut(g, inv)
		return
	case <-g.proc.exited:
		e.crash(g, inv)
		return
	case <-e.closed:
		e.setErr(inv, errClosed)
		return
	}
	select {
	case <-inv.complete:
		if !e.cfg.managed {
			e.freeze(g, inv)
		}
		// The report of a completed invocation is sent once it is frozen:
		// it reaches subscribers when the environment is thawed.
		e.mu.Lock()
		end := inv.rec.Completed
		e.mu.Unlock()
		e.sendReport(g, inv, end)
	case <-timer.C:
		e.timeOut(g, inv)
	case <-g.proc.exited:
		e.crash(g, inv)
	case <-e.closed:
		e.setErr(inv, errClosed)
	}
}

// freeze stops the whole process group and records when every thread of
// the runtime process was seen stopped. inv may be nil (freeze after Init).
func (e *Emulator) freeze(g *generation, inv *invState) {
	e.mu.Lock()
	if g.tearingDown || e.isClosed || g.proc.hasExited() {
		e.mu.Unlock()
		return
	}
	sent := time.Now()
	if err := g.proc.signalGroup(sigStop); err != nil {
		e.mu.Unlock()
		e.logf("SIGSTOP to process group %d: %v", g.proc.pid, err)
		return
	}
	g.frozen = true
	if inv != nil {
		inv.rec.FreezeSent = sent
	}
	e.mu.Unlock()

	if !g.proc.waitStopped(stopConfirmLimit) {
		e.logf("FREEZE: process group %d sent SIGSTOP but not all threads were seen stopped within %v", g.proc.pid, stopConfirmLimit)
		return
	}
	now := time.Now()
	if inv != nil {
		e.mu.Lock()
		inv.rec.Frozen = now
		e.mu.Unlock()
	}
	e.logf("FREEZE: process group %d stopped", g.proc.pid)
}

// timeOut records a timeout and, except on managed instances, resets the
// environment as Lambda does.
func (e *Emulator) timeOut(g *generation, inv *invState) {
	e.mu.Lock()
	inv.rec.TimedOut = true
	inv.expired = true
	e.mu.Unlock()
	e.logf("invocation %s timed out after %v", inv.rec.RequestID, e.cfg.timeout)
	// Sent before the reset, as Lambda does: the runtime, which gets
	// SIGTERM during the reset, can still receive them.
	e.sendReport(g, inv, time.Now())
	if e.cfg.managed {
		return
	}
	rep := e.teardown(g, "timeout")
	e.mu.Lock()
	inv.rec.Reset = rep
	e.mu.Unlock()
}

// crash records that the process exited during the invocation and resets
// the environment.
func (e *Emulator) crash(g *generation, inv *invState) {
	e.mu.Lock()
	inv.rec.Crashed = true
	inv.rec.OutOfMemory = g.mem.killed
	inv.rec.ExitState = g.proc.exitDescription()
	e.mu.Unlock()
	e.logf("process %d exited during invocation %s: %s", g.proc.pid, inv.rec.RequestID, inv.rec.ExitState)
	e.sendReport(g, inv, time.Now())
	rep := e.teardown(g, "failure")
	e.mu.Lock()
	inv.rec.Reset = rep
	e.mu.Unlock()
}

func (e *Emulator) setErr(inv *invState, err error) {
	e.mu.Lock()
	inv.err = err
	e.mu.Unlock()
}

// maxExpiredTracked bounds how many timed-out invocations the emulator
// keeps on managed instances for their late posts.
var maxExpiredTracked = 64

// finish ends an invocation: late posts for it are refused from now on
// (except on managed instances, where a timed-out invocation that was
// handed out stays known, so that its late response gets the
// InvokeTimeout reply, until that reply has been given, its process is
// gone, or maxExpiredTracked later ones have timed out).
func (e *Emulator) finish(inv *invState) {
	e.mu.Lock()
	defer e.mu.Unlock()
	id := inv.rec.RequestID
	keep := e.cfg.managed && inv.expired && !inv.rec.HandedOut.IsZero()
	if e.invs[id] == inv {
		if keep {
			e.expired = append(e.expired, id)
			for len(e.expired) > maxExpiredTracked {
				if old := e.invs[e.expired[0]]; old != nil && old.expired {
					delete(e.invs, e.expired[0])
				}
				e.expired = e.expired[1:]
			}
		} else {
			delete(e.invs, id)
		}
	}
	if inv.gen != nil && inv.gen.current == inv {
		inv.gen.current = nil
	}
	if !inv.responded {
		close(inv.respondedCh)
	}
	close(inv.done)
}

// Init starts the function process and waits for its INIT phase to end,
// then freezes it, like provisioned concurrency does (the process still
// sees AWS_LAMBDA_INITIALIZATION_TYPE=on-demand). It does nothing if a
// process is already running. The following Invoke is then a warm start.
// ctx bounds only the wait for an invocation slot; INIT itself is bounded
// by Lambda's 10 s init timeout.
func (e *Emulator) Init(ctx context.Context) error {
	select {
	case e.slots <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	case <-e.closed:
		return errClosed
	}
	defer func() { <-e.slots }()
	if !e.work.begin() {
		return errClosed
	}
	defer e.work.end()

	g, cold, err := e.ensureGeneration()
	if err != nil {
		return err
	}
	outcome := e.awaitInit(g)
	switch outcome {
	case initReady:
		if cold && !e.cfg.managed {
			e.freeze(g, nil)
		}
		return nil
	case initClosed:
		return errClosed
	}
	msg, _ := e.resetAfterInit(g, outcome)
	return fmt.Errorf("lambdatest: INIT failed: %s", msg)
}
