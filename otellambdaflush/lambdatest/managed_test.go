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
