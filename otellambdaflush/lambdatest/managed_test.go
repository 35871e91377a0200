//go:build linux

package lambdatest_test

import (
	"strings"
	"testing"
	"time"

	"github.com/logfire-go/sdk/otellambdaflush/lambdatest"
)

// TestManagedInstances: INVOKE registrations are refused, invocations run
// concurrently and the process is never frozen.
func TestManagedInstances(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	e := start(t,
		lambdatest.WithManagedInstances(2),
		lambdatest.WithEnv("FN_EXTENSION_DELAY", "100ms"),
	)
	a, err := e.Send(ctx, []byte(`{"action":"sleep","sleepMs":300,"message":"a"}`))
	if err != nil {
		t.Fatal(err)
	}
	b, err := e.Send(ctx, []byte(`{"action":"sleep","sleepMs":300,"message":"b"}`))
	if err != nil {
		t.Fatal(err)
	}
	invA, err := a.Wait(ctx)
	if err != nil {
		t.Fatal(err)
	}
	invB, err := b.Wait(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, inv := range []*lambdatest.Invocation{invA, invB} {
		if inv.TimedOut || inv.Crashed || inv.Response == nil || !inv.Frozen.IsZero() || inv.Completed.IsZero() {
			t.Fatalf("managed invocation: %+v", inv)
		}
	}
	if !invB.HandedOut.Before(invA.Responded) || !invA.HandedOut.Before(invB.Responded) {
		t.Errorf("invocations did not overlap: a %v..%v, b %v..%v", invA.HandedOut, invA.Responded, invB.HandedOut, invB.Responded)
	}
	if e.Frozen() || procState(t, invA.PID) == 'T' {
		t.Errorf("managed-instances process is frozen")
	}
	r := decodeReply(t, invA)
	if r.Env["AWS_LAMBDA_INITIALIZATION_TYPE"] != "lambda-managed-instances" || r.Env["AWS_LAMBDA_MAX_CONCURRENCY"] != "2" {
		t.Errorf("env: %v", r.Env)
	}
	if out := e.Stdout(); !strings.Contains(out, "extension registration failed: 403") || !strings.Contains(out, "Extension.InvalidEventType") {
		t.Errorf("INVOKE registration was not refused; stdout:\n%s", out)
	}
	if len(e.Extensions()) != 0 {
		t.Errorf("Extensions() = %+v", e.Extensions())
	}
}

// TestManagedInstancesTimeoutKeepsProcess: on managed instances a timeout
// is recorded but the process is not reset.
func TestManagedInstancesTimeoutKeepsProcess(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	e := start(t, lambdatest.WithManagedInstances(1), lambdatest.WithTimeout(200*time.Millisecond))
	inv := invoke(t, ctx, e, `{"action":"sleep","sleepMs":400}`)
	if !inv.TimedOut || inv.Reset != nil {
		t.Fatalf("managed timeout: %+v", inv)
	}
	if e.PID() != inv.PID || processGone(inv.PID) {
		t.Fatalf("process %d was reset", inv.PID)
	}
}

// TestInternalExtensionCannotSubscribeToShutdown mirrors Lambda's rule that
// internal extensions may only subscribe to INVOKE.
func TestInternalExtensionCannotSubscribeToShutdown(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	e := start(t,
		lambdatest.WithEnv("FN_EXTENSION_DELAY", "1ms"),
		lambdatest.WithEnv("FN_EXTENSION_EVENTS", "SHUTDOWN"),
	)
	requireFrozen(t, invoke(t, ctx, e, `{}`))
	if out := e.Stdout(); !strings.Contains(out, "extension registration failed: 403") || !strings.Contains(out, "Extension.InvalidEventType") {
		t.Errorf("SHUTDOWN registration was not refused; stdout:\n%s", out)
	}
}

// TestManagedInstancesForgetTimedOutInvocations: timed-out invocations are
// not kept forever. Three invocations occupy the three runtime goroutines
// past their deadline: each was handed out, so each is kept for its late
// post, but no more than maxExpiredTracked (2 here) of them. The ones sent
// afterwards time out before being handed out (nothing can post for them)
// and are forgotten at once.
func TestManagedInstancesForgetTimedOutInvocations(t *testing.T) {
	// A cleanup registered before start runs after the emulator is closed,
	// when no driver can read the bound any more.
	t.Cleanup(lambdatest.SetMaxExpiredTracked(2))
	ctx := testContext(t)
	e := start(t, lambdatest.WithManagedInstances(3), lambdatest.WithTimeout(300*time.Millisecond))
	var sent []*lambdatest.Pending
	for range 3 {
		p, err := e.Send(ctx, []byte(`{"action":"sleep","sleepMs":15000}`))
		if err != nil {
			t.Fatal(err)
		}
		sent = append(sent, p)
	}
	for i, p := range sent {
		inv, err := p.Wait(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if !inv.TimedOut || inv.HandedOut.IsZero() {
			t.Fatalf("invocation %d: want a timeout after hand-out, got %+v", i, inv)
		}
	}
	if n := e.TrackedInvocations(); n != 2 {
		t.Fatalf("after 3 timeouts after hand-out, %d invocations tracked, want 2 (the bound)", n)
	}
	for i := range 3 {
		inv := invoke(t, ctx, e, `{}`)
		if !inv.TimedOut || !inv.HandedOut.IsZero() {
			t.Fatalf("invocation %d: want a timeout before hand-out, got %+v", i, inv)
		}
		if n := e.TrackedInvocations(); n != 2 {
			t.Fatalf("after %d timeouts before hand-out, %d invocations tracked, want 2", i+1, n)
		}
	}
}
