//go:build linux

package lambdatest_test

import (
	"strings"
	"testing"
	"time"

	"github.com/logfire-go/sdk/otellambdaflush/lambdatest"
)

// TestShutdownSendsSIGTERMWithExtension: with lambda.WithEnableSIGTERM the
// runtime gets SIGTERM, its callback runs, and SIGKILL follows after the
// 500 ms internal-extension grace because aws-lambda-go does not exit.
func TestShutdownSendsSIGTERMWithExtension(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	e := start(t, lambdatest.WithEnv("FN_SIGTERM", "1"))
	inv := invoke(t, ctx, e, `{}`)
	requireFrozen(t, inv)

	rep, err := e.Shutdown(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if rep == nil || rep.Reason != "spindown" || rep.PID != inv.PID || rep.Extensions != 1 {
		t.Fatalf("report: %+v", rep)
	}
	if rep.SIGTERMSent.IsZero() || rep.Killed.IsZero() || rep.ExitedWithinGrace || rep.Grace != 500*time.Millisecond {
		t.Fatalf("want SIGTERM, then SIGKILL after 500ms: %+v", rep)
	}
	// Not before the grace ran out; that it comes right then is checked in
	// TestShutdownGraceTimers, on virtual time.
	if gap := rep.Killed.Sub(rep.SIGTERMSent); gap < 500*time.Millisecond {
		t.Errorf("SIGKILL %v after SIGTERM, want 500ms", gap)
	}
	if !strings.Contains(rep.ExitState, "killed") || rep.Exited.Before(rep.Killed) {
		t.Errorf("exit state %q at %v (killed at %v)", rep.ExitState, rep.Exited, rep.Killed)
	}
	if !strings.Contains(e.Stdout(), "SIGTERM handler ran") {
		t.Errorf("SIGTERM callback did not run before SIGKILL; stdout:\n%s", e.Stdout())
	}
	if !processGone(inv.PID) || e.PID() != 0 {
		t.Errorf("process %d still there after Shutdown (PID() = %d)", inv.PID, e.PID())
	}

	// The next invocation is a cold start again.
	inv2 := invoke(t, ctx, e, `{}`)
	requireFrozen(t, inv2)
	if !inv2.ColdStart || inv2.PID == inv.PID {
		t.Errorf("after Shutdown: cold=%v pid=%d", inv2.ColdStart, inv2.PID)
	}
}

// TestShutdownRuntimeExitsWithinGrace: a SIGTERM callback that exits ends
// the process before SIGKILL.
func TestShutdownRuntimeExitsWithinGrace(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	e := start(t, lambdatest.WithEnv("FN_SIGTERM", "1"), lambdatest.WithEnv("FN_SIGTERM_EXIT", "1"))
	requireFrozen(t, invoke(t, ctx, e, `{}`))
	rep, err := e.Shutdown(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if rep.SIGTERMSent.IsZero() || !rep.ExitedWithinGrace || !rep.Killed.IsZero() || rep.ExitState != "exit status 0" {
		t.Fatalf("report: %+v", rep)
	}
	// It exited on its own, after SIGTERM (ExitedWithinGrace and no
	// SIGKILL above: the grace had not run out; the timing itself is
	// checked in TestShutdownGraceTimers, on virtual time).
	if rep.Exited.Before(rep.SIGTERMSent) {
		t.Errorf("exited at %v, before SIGTERM at %v", rep.Exited, rep.SIGTERMSent)
	}
}

// TestShutdownWithoutExtensionSendsNoSIGTERM: the function watches for
// SIGTERM itself but registers no extension; Lambda then sends SIGKILL only.
func TestShutdownWithoutExtensionSendsNoSIGTERM(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	e := start(t, lambdatest.WithEnv("FN_WATCH_SIGTERM", "1"))
	inv := invoke(t, ctx, e, `{}`)
	requireFrozen(t, inv)
	rep, err := e.Shutdown(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !rep.SIGTERMSent.IsZero() || rep.Killed.IsZero() || rep.Extensions != 0 || rep.Grace != 0 {
		t.Fatalf("want SIGKILL only: %+v", rep)
	}
	if strings.Contains(e.Stdout(), "SIGTERM received") {
		t.Errorf("the function received SIGTERM without any extension")
	}
	if !processGone(inv.PID) {
		t.Errorf("process %d survived", inv.PID)
	}
}

// TestShutdownEventForExternalExtension: a name declared external may
// subscribe to SHUTDOWN and is sent the event; the runtime's grace is the
// 300 ms of functions with external extensions only.
func TestShutdownEventForExternalExtension(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	e := start(t,
		lambdatest.WithExternalExtensions("fn-flush"),
		lambdatest.WithEnv("FN_EXTENSION_DELAY", "1ms"),
		lambdatest.WithEnv("FN_EXTENSION_EVENTS", "INVOKE,SHUTDOWN"),
	)
	requireFrozen(t, invoke(t, ctx, e, `{}`))
	if exts := e.Extensions(); len(exts) != 1 || !exts[0].External || len(exts[0].Events) != 2 {
		t.Fatalf("Extensions() = %+v", exts)
	}
	rep, err := e.Shutdown(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Grace != 300*time.Millisecond || rep.SIGTERMSent.IsZero() || len(rep.ShutdownEvents) != 1 || rep.ShutdownEvents[0] != "fn-flush" {
		t.Fatalf("report: %+v", rep)
	}
}

func TestShutdownWithoutProcess(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	e := start(t)
	rep, err := e.Shutdown(ctx)
	if rep != nil || err != nil {
		t.Fatalf("Shutdown without a process = %+v, %v", rep, err)
	}
}
