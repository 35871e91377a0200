package lambdatest

import (
	"context"
	"time"
)

// ShutdownReport describes how an execution environment ended: through
// Shutdown, or through the reset that follows a timeout, a crash or a failed
// INIT.
type ShutdownReport struct {
	// Reason is the shutdownReason Lambda gives extensions: "spindown" for
	// Shutdown, "timeout" or "failure" for resets.
	Reason string
	// PID is the process id of the runtime process.
	PID int
	// Started is when the shutdown began.
	Started time.Time
	// Extensions is the number of extensions that were registered.
	Extensions int
	// AlreadyExited reports that the runtime process had exited before the
	// shutdown began (crash).
	AlreadyExited bool
	// SIGTERMSent is when SIGTERM was sent to the runtime process. It is
	// zero when no extension was registered: Lambda then kills the runtime
	// without SIGTERM.
	SIGTERMSent time.Time
	// Grace is the time the runtime was given between SIGTERM and SIGKILL.
	Grace time.Duration
	// ExitedWithinGrace reports that the runtime process exited by itself
	// after SIGTERM, before the grace period ran out.
	ExitedWithinGrace bool
	// Killed is when SIGKILL was sent to the runtime process; zero if it
	// exited by itself.
	Killed time.Time
	// ShutdownEvents lists the extensions a SHUTDOWN event was sent to.
	ShutdownEvents []string
	// Exited is when the runtime process was reaped; zero if that was not
	// observed within the emulator's bounds.
	Exited time.Time
	// ExitState describes how the runtime process ended.
	ExitState string
}

// Shutdown ends the execution environment as Lambda's SHUTDOWN phase does:
// it resumes the frozen process; if at least one extension is registered it
// sends SIGTERM to the runtime process and gives it 500 ms (300 ms if only
// external extensions are registered), then SIGKILL; without extensions it sends SIGKILL at
// once. Extensions subscribed to SHUTDOWN then get the SHUTDOWN event and
// until the end of the 2 s external-extension budget to call /event/next
// again, after which the whole process group is killed.
//
// Shutdown first waits, bounded by ctx, for invocations in flight. It
// returns a nil report if no process was running. The next Invoke starts a
// new process.
func (e *Emulator) Shutdown(ctx context.Context) (*ShutdownReport, error) {
	taken := 0
	release := func() {
		for ; taken > 0; taken-- {
			<-e.slots
		}
	}
	defer release()
	for taken < cap(e.slots) {
		select {
		case e.slots <- struct{}{}:
			taken++
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-e.closed:
			return nil, errClosed
		}
	}
	if !e.work.begin() {
		return nil, errClosed
	}
	defer e.work.end()
	e.mu.Lock()
	g := e.gen
	e.mu.Unlock()
	if g == nil {
		return nil, nil
	}
	return e.teardown(g, "spindown"), nil
}

// shutdownGraceLocked is the runtime's SIGTERM→SIGKILL budget for the
// registered extensions.
func (e *Emulator) shutdownGraceLocked(exts []*extension) time.Duration {
	for _, x := range exts {
		if !x.external {
			return runtimeGraceInternal
		}
	}
	return runtimeGraceExternal
}

// teardown shuts the execution environment g down (see Shutdown) and
// forgets it. Concurrent calls for the same generation share one report.
func (e *Emulator) teardown(g *generation, reason string) *ShutdownReport {
	e.mu.Lock()
	if g.tearingDown {
		done := g.teardownDone
		e.mu.Unlock()
		select {
		case <-done:
		case <-e.closed:
		}
		e.mu.Lock()
		defer e.mu.Unlock()
		return g.report
	}
	g.tearingDown = true
	exts := append([]*extension(nil), g.exts...)
	wasFrozen := g.frozen
	g.frozen = false
	g.tel.wakeLocked() // what is due is delivered during the shutdown
	grace := e.shutdownGraceLocked(exts)
	e.mu.Unlock()

	p := g.proc
	rep := &ShutdownReport{Reason: reason, PID: g.proc.pid, Started: time.Now(), Extensions: len(exts)}
	if wasFrozen {
		_ = p.signalGroup(sigCont)
	}
	switch {
	case p.hasExited():
		rep.AlreadyExited = true
	case len(exts) == 0:
		// "We do not spend any compute time on runtime graceful shutdown
		// if there are no agents": no SIGTERM.
		rep.Killed = time.Now()
		_ = p.signalGroup(sigKill)
	default:
		rep.Grace = grace
		rep.SIGTERMSent = time.Now()
		if err := p.signalLeader(sigTerm); err != nil {
			e.logf("SIGTERM to %d: %v", g.proc.pid, err)
		}
		if e.waitClosedOr(p.exited, grace) {
			rep.ExitedWithinGrace = p.hasExited()
		}
		if !p.hasExited() {
			rep.Killed = time.Now()
			_ = p.signalLeader(sigKill)
		}
	}
	// What the Telemetry API still holds goes out before SHUTDOWN, to the
	// subscribers that are still alive (external extensions).
	e.flushTelemetry(g, rep.Started.Add(shutdownBudgetExternal))
	e.shutdownExtensions(g, exts, rep)
	_ = p.signalGroup(sigKill) // whatever is left of the group
	if p.waitExit(exitWaitLimit) {
		rep.Exited = p.exitedAt
		rep.ExitState = p.exitDescription()
	}
	e.logf("SHUTDOWN (%s) of process %d: SIGTERM=%v exitedWithinGrace=%v killed=%v state=%q",
		reason, g.proc.pid, !rep.SIGTERMSent.IsZero(), rep.ExitedWithinGrace, !rep.Killed.IsZero(), rep.ExitState)

	e.mu.Lock()
	if e.gen == g {
		e.gen = nil
	}
	g.tel.closeLocked()
	for _, x := range g.exts {
		delete(e.exts, x.id)
	}
	for id, inv := range e.invs {
		if inv.gen == g {
			delete(e.invs, id)
		}
	}
	g.report = rep
	e.mu.Unlock()
	close(g.teardownDone)
	return rep
}

// shutdownExtensions sends SHUTDOWN to the subscribed extensions and waits,
// within the 2 s budget counted from the start of the shutdown, until each
// has called /event/next again or the process group is gone.
func (e *Emulator) shutdownExtensions(g *generation, exts []*extension, rep *ShutdownReport) {
	deadline := rep.Started.Add(shutdownBudgetExternal)
	var subs []*extension
	e.mu.Lock()
	for _, x := range exts {
		if !x.shutdown {
			continue
		}
		ev := shutdownEvent{EventType: "SHUTDOWN", ShutdownReason: rep.Reason, DeadlineMs: deadline.UnixMilli()}
		if x.enqueueLocked(extensionEvent{key: shutdownKey, body: ev}) {
			subs = append(subs, x)
			rep.ShutdownEvents = append(rep.ShutdownEvents, x.name)
		}
	}
	e.mu.Unlock()
	if len(subs) == 0 {
		return
	}
	for time.Now().Before(deadline) && g.proc.groupAlive() {
		e.mu.Lock()
		all := true
		for _, x := range subs {
			if x.acked != shutdownKey {
				all = false
			}
		}
		e.mu.Unlock()
		if all || !e.waitClosedOr(nil, 5*time.Millisecond) {
			return
		}
	}
}

// waitClosedOr waits up to d for ch (which may be nil) to be closed. It
// returns false if the emulator was closed meanwhile.
func (e *Emulator) waitClosedOr(ch <-chan struct{}, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ch:
		return true
	case <-t.C:
		return true
	case <-e.closed:
		return false
	}
}
