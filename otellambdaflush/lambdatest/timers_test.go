package lambdatest

import (
	"context"
	"net/http"
	"testing"
	"testing/synctest"
	"time"
)

// The tests of this file check the emulator's own timers (function
// timeout, init timeout, shutdown grace, its bounds on waits) in a
// testing/synctest bubble, where time is virtual: a timer fires exactly
// when due, however loaded the machine is. No function process runs: the
// execution environment is a generation whose process was never started
// (signals to it are no-ops), and the test plays the runtime.

// newBareEmulator returns an Emulator without an API server, whose current
// execution environment is a generation started now that has finished its
// INIT, with the given extensions registered.
func newBareEmulator(t *testing.T, exts []*extension, opts ...Option) (*Emulator, *generation) {
	t.Helper()
	cfg, err := newConfig(append([]Option{WithLogf(t.Logf)}, opts...))
	if err != nil {
		t.Fatal(err)
	}
	e := &Emulator{
		cfg:       cfg,
		srv:       &http.Server{},
		slots:     make(chan struct{}, cfg.maxConcurrency),
		lifecycle: make(chan struct{}, 1),
		closed:    make(chan struct{}),
		invs:      map[string]*invState{},
		exts:      map[string]*extension{},
	}
	g := newGeneration(1, time.Now(), "log-stream")
	for _, x := range exts {
		x.gen = g
		x.calledNext = true
		e.exts[x.id] = x
	}
	g.exts = exts
	g.runtimeReady = true
	g.initDoneAt = g.started
	close(g.initDone)
	e.gen, e.genCount = g, 1
	t.Cleanup(func() {
		if err := e.Close(); err != nil {
			t.Error(err)
		}
	})
	return e, g
}

// exit makes p look reaped now, as the process would be after SIGKILL.
func exit(p *process) {
	p.exitedAt = time.Now()
	close(p.exited)
}

// killWhenBlocked waits until every goroutine of the bubble is blocked (the
// emulator waiting for the process to exit after its SIGKILL), then makes
// the process exit.
func killWhenBlocked(p *process) {
	synctest.Wait()
	exit(p)
}

// TestFunctionTimeoutAtDeadline: an invocation not complete by its deadline is
// timed out exactly at the deadline, which is the function timeout after
// the event was offered to the runtime, whether or not the runtime took it.
func TestFunctionTimeoutAtDeadline(t *testing.T) {
	for _, handOut := range []bool{false, true} {
		name := "not handed out"
		if handOut {
			name = "handed out"
		}
		t.Run(name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				e, g := newBareEmulator(t, nil, WithTimeout(2*time.Second))
				ctx := context.Background()
				sent := time.Now()
				p, err := e.Send(ctx, []byte(`{}`))
				if err != nil {
					t.Fatal(err)
				}
				if handOut {
					time.Sleep(time.Second) // the runtime comes back to /next late
					inv := <-g.nextCh
					e.mu.Lock()
					inv.rec.HandedOut = time.Now()
					e.mu.Unlock()
					time.Sleep(time.Second)
				} else {
					time.Sleep(2 * time.Second)
				}
				killWhenBlocked(g.proc)
				inv, err := p.Wait(ctx)
				if err != nil {
					t.Fatal(err)
				}
				if want := sent.Add(2 * time.Second); !inv.Deadline.Equal(want) {
					t.Errorf("deadline %v, want %v (sent + the timeout)", inv.Deadline, want)
				}
				if !inv.TimedOut || inv.InitTimedOut || inv.Crashed || inv.HandedOut.IsZero() != !handOut {
					t.Errorf("timed out %v, init timed out %v, crashed %v, handed out %v", inv.TimedOut, inv.InitTimedOut, inv.Crashed, inv.HandedOut)
				}
				rep := inv.Reset
				if rep == nil || rep.Reason != "timeout" {
					t.Fatalf("reset %+v, want a reset for the timeout", rep)
				}
				// No extension: SIGKILL at once, no SIGTERM, at the deadline.
				if !rep.Started.Equal(inv.Deadline) || !rep.Killed.Equal(inv.Deadline) || !rep.SIGTERMSent.IsZero() {
					t.Errorf("reset started %v, killed %v, SIGTERM %v; want the deadline %v, no SIGTERM", rep.Started, rep.Killed, rep.SIGTERMSent, inv.Deadline)
				}
				if !rep.Exited.Equal(inv.Deadline) || rep.ExitState == "" {
					t.Errorf("exited %v (%q), want at the deadline", rep.Exited, rep.ExitState)
				}
			})
		})
	}
}

// TestInitTimeoutFromProcessStart: INIT is bounded by the init timeout counted from the
// process start, not from the invocation that waits for it.
func TestInitTimeoutFromProcessStart(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e, g := newBareEmulator(t, nil)
		g.initDone = make(chan struct{}) // INIT still running
		time.Sleep(4 * time.Second)
		go func() {
			time.Sleep(defaultInitTimeout - 4*time.Second)
			killWhenBlocked(g.proc)
		}()
		inv, err := e.Invoke(context.Background(), nil)
		if err != nil {
			t.Fatal(err)
		}
		if !inv.TimedOut || !inv.InitTimedOut || !inv.HandedOut.IsZero() {
			t.Errorf("timed out %v, init timed out %v, handed out %v", inv.TimedOut, inv.InitTimedOut, inv.HandedOut)
		}
		want := g.started.Add(defaultInitTimeout)
		if inv.Reset == nil || inv.Reset.Reason != "timeout" || !inv.Reset.Started.Equal(want) {
			t.Fatalf("reset %+v, want one for the timeout at %v (10 s after the process start)", inv.Reset, want)
		}
	})
}

// TestShutdownGraceTimers: the runtime gets SIGTERM only if an extension is
// registered, and SIGKILL when the grace (500 ms, or 300 ms with external
// extensions only) runs out, unless it exits first.
func TestShutdownGraceTimers(t *testing.T) {
	internal := func() *extension { return &extension{id: newUUID(), name: "internal"} }
	external := func() *extension { return &extension{id: newUUID(), name: "external", external: true} }
	cases := []struct {
		name   string
		exts   []*extension
		exitIn time.Duration // when the runtime exits after SIGTERM; 0: never
		grace  time.Duration
	}{
		{"no extension", nil, 0, 0},
		{"internal extension", []*extension{internal()}, 0, 500 * time.Millisecond},
		{"internal and external extensions", []*extension{internal(), external()}, 0, 500 * time.Millisecond},
		{"external extension only", []*extension{external()}, 0, 300 * time.Millisecond},
		{"runtime exits within the grace", []*extension{internal()}, 499 * time.Millisecond, 500 * time.Millisecond},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				e, g := newBareEmulator(t, c.exts)
				start := time.Now()
				go func() {
					if c.exitIn > 0 {
						time.Sleep(c.exitIn)
						exit(g.proc)
						return
					}
					time.Sleep(c.grace)
					killWhenBlocked(g.proc)
				}()
				rep, err := e.Shutdown(context.Background())
				if err != nil {
					t.Fatal(err)
				}
				if rep.Reason != "spindown" || rep.Extensions != len(c.exts) || rep.Grace != c.grace || !rep.Started.Equal(start) {
					t.Fatalf("report %+v, want spindown with %d extensions, grace %v, started %v", rep, len(c.exts), c.grace, start)
				}
				if sigterm := len(c.exts) > 0; rep.SIGTERMSent.IsZero() == sigterm {
					t.Errorf("SIGTERM sent at %v, want sent: %v", rep.SIGTERMSent, sigterm)
				}
				if c.exitIn > 0 {
					if !rep.ExitedWithinGrace || !rep.Killed.IsZero() || !rep.Exited.Equal(start.Add(c.exitIn)) {
						t.Errorf("exited within grace %v, killed %v, exited %v; want an exit %v after SIGTERM and no SIGKILL", rep.ExitedWithinGrace, rep.Killed, rep.Exited, c.exitIn)
					}
					return
				}
				if want := start.Add(c.grace); rep.ExitedWithinGrace || !rep.Killed.Equal(want) || !rep.Exited.Equal(want) {
					t.Errorf("exited within grace %v, killed %v, exited %v; want SIGKILL and the exit at %v", rep.ExitedWithinGrace, rep.Killed, rep.Exited, want)
				}
				if e.genCount != 1 || e.gen != nil {
					t.Errorf("after Shutdown: %d processes started, current %v; want the environment gone", e.genCount, e.gen)
				}
			})
		})
	}
}

// TestExitWaitIsBounded: a process that does not go away after SIGKILL
// holds the reset for exitWaitLimit, not forever, and the report says it
// was not seen to exit.
func TestExitWaitIsBounded(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e, _ := newBareEmulator(t, nil)
		start := time.Now()
		rep, err := e.Shutdown(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if took := time.Since(start); took != exitWaitLimit {
			t.Errorf("Shutdown took %v, want the %v bound", took, exitWaitLimit)
		}
		if !rep.Exited.IsZero() || rep.ExitState != "" || !rep.Killed.Equal(start) {
			t.Errorf("report %+v, want killed at once and no exit seen", rep)
		}
	})
}

// TestCloseWaitIsBounded: Close waits for work in flight (HTTP handlers,
// invocation drivers) for idleWaitLimit at most.
func TestCloseWaitIsBounded(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e, g := newBareEmulator(t, nil)
		exit(g.proc) // Close does not wait for the process
		if !e.work.begin() {
			t.Fatal("work refused before Close")
		}
		start := time.Now()
		if err := e.Close(); err != nil {
			t.Fatal(err)
		}
		if took := time.Since(start); took != idleWaitLimit {
			t.Errorf("Close took %v with work still running, want the %v bound", took, idleWaitLimit)
		}
		if e.work.begin() {
			t.Error("new work accepted after Close")
		}
		e.work.end()
	})
}

// TestActivityWaitIdle: waitIdle returns as soon as the last piece of work
// ends.
func TestActivityWaitIdle(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var a activity
		a.begin()
		go func() {
			time.Sleep(time.Second)
			a.end()
		}()
		start := time.Now()
		if !a.waitIdle(time.Minute) {
			t.Fatal("waitIdle gave up although the work ended")
		}
		if took := time.Since(start); took != time.Second {
			t.Errorf("waitIdle returned after %v, want 1s, when the work ended", took)
		}
	})
}
