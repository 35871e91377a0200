//go:build linux

package lambdatest_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/logfire-go/sdk/otellambdaflush/lambdatest"
)

func TestRoundTripHeadersAndEnvironment(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	e := start(t,
		lambdatest.WithFunctionName("orders"),
		lambdatest.WithRegion("eu-west-3"),
		lambdatest.WithEnv("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "256"),
		lambdatest.WithEnv("AWS_LAMBDA_FUNCTION_VERSION", "7"),
		lambdatest.WithEnv("_HANDLER", "main"),
		lambdatest.WithEnv("FN_EXTRA", "extra-value"),
	)
	const trace = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1"
	inv := invoke(t, ctx, e, `{"action":"echo","message":"hello"}`,
		lambdatest.WithTraceID(trace),
		lambdatest.WithClientContext(`{"custom":{"k":"v"}}`),
		lambdatest.WithCognitoIdentity(`{"CognitoIdentityID":"cog-1"}`),
		lambdatest.WithTenantID("tenant-7"),
	)
	requireFrozen(t, inv)
	r := decodeReply(t, inv)

	if r.Message != "hello" || r.RequestID != inv.RequestID {
		t.Errorf("reply message/request id = %q/%q, want hello/%q", r.Message, r.RequestID, inv.RequestID)
	}
	if want := "arn:aws:lambda:eu-west-3:123456789012:function:orders"; r.FunctionARN != want {
		t.Errorf("function ARN = %q, want %q", r.FunctionARN, want)
	}
	if r.TraceID != trace || r.EnvTraceID != trace {
		t.Errorf("trace id ctx/env = %q/%q, want %q", r.TraceID, r.EnvTraceID, trace)
	}
	if r.ClientCustom["k"] != "v" || r.CognitoID != "cog-1" || r.TenantID != "tenant-7" {
		t.Errorf("client context/cognito/tenant = %v/%q/%q", r.ClientCustom, r.CognitoID, r.TenantID)
	}
	if r.DeadlineMs != inv.Deadline.UnixMilli() {
		t.Errorf("handler deadline %d, want %d", r.DeadlineMs, inv.Deadline.UnixMilli())
	}
	// The deadline is the 3 s default timeout after the event was offered
	// to the runtime, which is between Send and the hand-out (the exact
	// figure is checked in TestFunctionTimeoutAtDeadline, on virtual time).
	if inv.Deadline.Before(inv.Sent.Add(3*time.Second)) || inv.Deadline.After(inv.HandedOut.Add(3*time.Second)) {
		t.Errorf("deadline %v, want 3 s after a moment between sent %v and handed out %v", inv.Deadline, inv.Sent, inv.HandedOut)
	}
	wantEnv := map[string]string{
		"AWS_LAMBDA_RUNTIME_API":          e.Addr(),
		"AWS_LAMBDA_FUNCTION_NAME":        "orders",
		"AWS_LAMBDA_FUNCTION_VERSION":     "7",
		"AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "256",
		"AWS_REGION":                      "eu-west-3",
		"AWS_LAMBDA_LOG_GROUP_NAME":       "/aws/lambda/orders",
		"AWS_LAMBDA_INITIALIZATION_TYPE":  "on-demand",
		"_HANDLER":                        "main",
		"LAMBDA_TASK_ROOT":                filepath.Dir(fnPath),
		"FN_EXTRA":                        "extra-value",
	}
	for k, want := range wantEnv {
		if got := r.Env[k]; got != want {
			t.Errorf("env %s = %q, want %q", k, got, want)
		}
	}
	if s := r.Env["AWS_LAMBDA_LOG_STREAM_NAME"]; !strings.Contains(s, "/[7]") {
		t.Errorf("log stream name %q", s)
	}
	if _, ok := r.Env["HOME"]; ok {
		t.Errorf("HOME leaked into the function environment")
	}
	if inv.ResponseContentType != "application/json" {
		t.Errorf("content type %q", inv.ResponseContentType)
	}
	if !inv.ColdStart || inv.InitDuration <= 0 || inv.PID != r.PID || !inv.Resumed.IsZero() {
		t.Errorf("first invocation: cold=%v init=%v pid=%d/%d resumed=%v", inv.ColdStart, inv.InitDuration, inv.PID, r.PID, inv.Resumed)
	}
	order := []time.Time{inv.Sent, inv.HandedOut, inv.Responded, inv.Completed, inv.Frozen}
	for i := 1; i < len(order); i++ {
		if order[i].Before(order[i-1]) {
			t.Errorf("timestamps out of order at %d: %v", i, order)
		}
	}

	// A warm invocation reuses the process and resumes it first.
	inv2 := invoke(t, ctx, e, `{"message":"again"}`)
	requireFrozen(t, inv2)
	if inv2.ColdStart || inv2.PID != inv.PID || inv2.Resumed.IsZero() || inv2.RequestID == inv.RequestID {
		t.Errorf("second invocation: cold=%v pid=%d (first %d) resumed=%v", inv2.ColdStart, inv2.PID, inv.PID, inv2.Resumed)
	}
	if r2 := decodeReply(t, inv2); r2.Message != "again" || r2.TraceID == "" || r2.TraceID == trace {
		t.Errorf("second reply %+v: want a fresh generated trace header", r2)
	}
	if e.Starts() != 1 {
		t.Errorf("Starts() = %d, want 1", e.Starts())
	}
}

// TestProcessIsStoppedWhileFrozen proves the freeze is real: the process is
// in state T, and a background goroutine writing a timestamp every 10 ms
// writes nothing between the freeze and the resume.
func TestProcessIsStoppedWhileFrozen(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	e := start(t)
	ticks := filepath.Join(t.TempDir(), "ticks")

	first := invoke(t, ctx, e, `{"action":"ticker","sleepMs":50,"tickFile":"`+ticks+`"}`)
	requireFrozen(t, first)
	if !e.Frozen() || e.PID() != first.PID {
		t.Fatalf("Frozen()=%v PID()=%d, want true/%d", e.Frozen(), e.PID(), first.PID)
	}
	if s := procState(t, first.PID); s != 'T' {
		t.Fatalf("process state while frozen = %q, want 'T'", s)
	}
	time.Sleep(300 * time.Millisecond)
	if s := procState(t, first.PID); s != 'T' {
		t.Fatalf("process state 300ms later = %q, want 'T'", s)
	}

	second := invoke(t, ctx, e, `{"action":"ticker","sleepMs":50}`)
	requireFrozen(t, second)
	if second.PID != first.PID || second.Resumed.IsZero() {
		t.Fatalf("second invocation pid=%d resumed=%v", second.PID, second.Resumed)
	}

	data, err := os.ReadFile(ticks)
	if err != nil {
		t.Fatal(err)
	}
	var before, during, after int
	for _, line := range strings.Fields(string(data)) {
		ns, err := strconv.ParseInt(line, 10, 64)
		if err != nil {
			t.Fatalf("tick %q: %v", line, err)
		}
		ts := time.Unix(0, ns)
		switch {
		case !ts.After(first.Frozen):
			before++
		case ts.Before(second.Resumed):
			during++
			t.Errorf("tick at %v while frozen (%v .. %v)", ts, first.Frozen, second.Resumed)
		default:
			after++
		}
	}
	if before == 0 || after == 0 || during != 0 {
		t.Errorf("ticks before/during/after the freeze = %d/%d/%d, want >0/0/>0", before, during, after)
	}
	if gap := second.Resumed.Sub(first.Frozen); gap < 300*time.Millisecond {
		t.Errorf("frozen for only %v", gap)
	}
}

// TestInvokeExtensionDelaysFreeze: an internal extension subscribed to
// INVOKE keeps the process running after the response until it calls
// /event/next again; the caller gets the response before that. The
// extension waits for a line on a FIFO, so the order is decided by the
// test, not by how fast the machine is.
func TestInvokeExtensionDelaysFreeze(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	gate := filepath.Join(t.TempDir(), "gate")
	if err := syscall.Mkfifo(gate, 0o600); err != nil {
		t.Fatal(err)
	}
	// Opening a FIFO read-write does not block on Linux; the extension's
	// read-only open then finds a writer at once.
	release, err := os.OpenFile(gate, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = release.Close() })
	e := start(t, lambdatest.WithEnv("FN_EXTENSION_DELAY", "0s"), lambdatest.WithEnv("FN_EXTENSION_GATE", gate))

	for i := range 2 {
		p, err := e.Send(ctx, []byte(`{"message":"x"}`))
		if err != nil {
			t.Fatal(err)
		}
		early, err := p.Response(ctx)
		if err != nil {
			t.Fatal(err)
		}
		// The extension is held at the gate: the invocation cannot be
		// complete and the process must still run.
		if early.Response == nil || !early.Completed.IsZero() || !early.FreezeSent.IsZero() {
			t.Fatalf("invocation %d at the response: response=%q completed=%v freezeSent=%v", i, early.Response, early.Completed, early.FreezeSent)
		}
		// A correct emulator cannot end the invocation while the gate is
		// closed, so this wait cannot make the test flaky; it gives a
		// broken one (freezing once the runtime is back in /next) the
		// time to show it.
		held, cancelHeld := context.WithTimeout(ctx, 100*time.Millisecond)
		_, err = p.Wait(held)
		cancelHeld()
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("invocation %d over while the extension is held (Wait: %v)", i, err)
		}
		if e.Frozen() || procState(t, early.PID) == 'T' {
			t.Fatalf("invocation %d: process frozen while the extension is held", i)
		}
		if strings.Contains(e.Stdout(), "extension done "+early.RequestID) {
			t.Fatalf("invocation %d: the extension finished before it was released", i)
		}

		released := time.Now()
		if _, err := release.WriteString("go\n"); err != nil {
			t.Fatal(err)
		}
		inv, err := p.Wait(ctx)
		if err != nil {
			t.Fatal(err)
		}
		requireFrozen(t, inv)
		// Responded < released < Completed <= FreezeSent: the freeze waited
		// for the extension, which ran after the response.
		if !inv.Responded.Before(released) || !released.Before(inv.Completed) {
			t.Errorf("invocation %d: responded %v, released %v, completed %v", i, inv.Responded, released, inv.Completed)
		}
		if !stdoutShows(e, "extension done "+inv.RequestID) {
			t.Errorf("invocation %d: extension did not finish before the freeze; stdout:\n%s", i, e.Stdout())
		}
		if inv.ColdStart != (i == 0) {
			t.Errorf("invocation %d: cold start %v", i, inv.ColdStart)
		}
	}
	exts := e.Extensions()
	if len(exts) != 1 || exts[0].Name != "fn-flush" || len(exts[0].Events) != 1 || exts[0].Events[0] != "INVOKE" || exts[0].External {
		t.Errorf("Extensions() = %+v", exts)
	}
}

// TestSIGTERMExtensionDoesNotHoldFreeze: aws-lambda-go's GoLangEnableSIGTERM
// extension registers with no events and must not delay the freeze.
func TestSIGTERMExtensionDoesNotHoldFreeze(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	e := start(t, lambdatest.WithEnv("FN_SIGTERM", "1"), lambdatest.WithTimeout(time.Second))
	inv := invoke(t, ctx, e, `{}`)
	requireFrozen(t, inv)
	exts := e.Extensions()
	if len(exts) != 1 || exts[0].Name != "GoLangEnableSIGTERM" || len(exts[0].Events) != 0 {
		t.Fatalf("Extensions() = %+v, want GoLangEnableSIGTERM with no events", exts)
	}
}

func TestFunctionErrorIsReported(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	e := start(t)
	inv := invoke(t, ctx, e, `{"action":"error","message":"boom"}`)
	requireFrozen(t, inv)
	if inv.ErrorPayload == nil || inv.ErrorPayload.Type != "errorString" || inv.ErrorPayload.Message != "boom" {
		t.Fatalf("error payload = %+v", inv.ErrorPayload)
	}
	if inv.Response != nil || inv.ErrorPayload.XRayErrorCause == "" || len(inv.ErrorPayload.Raw) == 0 {
		t.Errorf("response %q, x-ray cause %q, raw %q", inv.Response, inv.ErrorPayload.XRayErrorCause, inv.ErrorPayload.Raw)
	}
	// The environment is reused after a handled error.
	inv2 := invoke(t, ctx, e, `{}`)
	requireFrozen(t, inv2)
	if inv2.ColdStart || inv2.PID != inv.PID {
		t.Errorf("after an error: cold=%v pid=%d, want warm %d", inv2.ColdStart, inv2.PID, inv.PID)
	}
}

func TestTimeoutResetsTheEnvironment(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	e := start(t, lambdatest.WithTimeout(300*time.Millisecond))
	inv := invoke(t, ctx, e, `{"action":"sleep","sleepMs":5000}`)
	if !inv.TimedOut || inv.InitTimedOut || inv.Crashed || !inv.Frozen.IsZero() || inv.Response != nil {
		t.Fatalf("timed-out invocation: %+v", inv)
	}
	rep := inv.Reset
	// Not before the deadline; that it comes right at the deadline is
	// checked in TestFunctionTimeoutAtDeadline, on virtual time.
	if rep != nil && (rep.Started.Before(inv.Deadline) || inv.Deadline.Sub(inv.HandedOut) > 300*time.Millisecond) {
		t.Errorf("reset at %v, deadline %v, handed out %v: want the reset after a deadline at most 300ms after the hand-out", rep.Started, inv.Deadline, inv.HandedOut)
	}
	if rep == nil || rep.Reason != "timeout" || !rep.SIGTERMSent.IsZero() || rep.Killed.IsZero() || rep.Exited.IsZero() {
		t.Fatalf("reset report: %+v", rep)
	}
	if !processGone(inv.PID) {
		t.Errorf("process %d still exists after the reset", inv.PID)
	}
	inv2 := invoke(t, ctx, e, `{"message":"fresh"}`)
	requireFrozen(t, inv2)
	if !inv2.ColdStart || inv2.PID == inv.PID || decodeReply(t, inv2).Message != "fresh" {
		t.Errorf("after timeout: cold=%v pid=%d (old %d)", inv2.ColdStart, inv2.PID, inv.PID)
	}
	if e.Starts() != 2 {
		t.Errorf("Starts() = %d, want 2", e.Starts())
	}
}

// TestTimeoutWithExtensionSendsSIGTERM: like Lambda (and aws-lambda-go's own
// sigterm test against the RIE), a reset after a timeout gives the runtime
// SIGTERM when an extension is registered.
func TestTimeoutWithExtensionSendsSIGTERM(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	e := start(t, lambdatest.WithTimeout(300*time.Millisecond), lambdatest.WithEnv("FN_SIGTERM", "1"))
	inv := invoke(t, ctx, e, `{"action":"sleep","sleepMs":5000}`)
	if !inv.TimedOut || inv.Reset == nil || inv.Reset.SIGTERMSent.IsZero() {
		t.Fatalf("timed out %v, reset %+v", inv.TimedOut, inv.Reset)
	}
	if !strings.Contains(e.Stdout(), "SIGTERM handler ran") {
		t.Errorf("SIGTERM callback did not run; stdout:\n%s", e.Stdout())
	}
}

func TestCrashRestartsTheProcess(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	e := start(t)
	inv := invoke(t, ctx, e, `{"action":"exit","exitCode":3}`)
	if !inv.Crashed || inv.TimedOut || !strings.Contains(inv.ExitState, "exit status 3") || inv.Reset == nil || !inv.Reset.AlreadyExited {
		t.Fatalf("crashed invocation: crashed=%v state=%q reset=%+v", inv.Crashed, inv.ExitState, inv.Reset)
	}
	inv2 := invoke(t, ctx, e, `{}`)
	requireFrozen(t, inv2)
	if !inv2.ColdStart || inv2.PID == inv.PID {
		t.Errorf("after crash: cold=%v pid=%d (old %d)", inv2.ColdStart, inv2.PID, inv.PID)
	}
}

// TestPanicPostsErrorThenExits: aws-lambda-go reports a panic to /error and
// exits without calling /next again.
func TestPanicPostsErrorThenExits(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	e := start(t)
	inv := invoke(t, ctx, e, `{"action":"panic","message":"kaboom"}`)
	if !inv.Crashed || inv.ErrorPayload == nil || !strings.Contains(inv.ErrorPayload.Message, "kaboom") {
		t.Fatalf("panic: crashed=%v error=%+v", inv.Crashed, inv.ErrorPayload)
	}
}

func TestInitErrorFailsTheInvocation(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	e := start(t, lambdatest.WithEnv("FN_INIT_ERROR", "1"))
	inv := invoke(t, ctx, e, `{}`)
	if inv.InitError == nil || inv.InitError.Type != "InitFailure" || inv.InitError.Message != "init failed on purpose" {
		t.Fatalf("init error: %+v", inv.InitError)
	}
	if inv.Response != nil || !inv.HandedOut.IsZero() || inv.Reset == nil || inv.Reset.Reason != "failure" {
		t.Errorf("invocation after init error: %+v", inv)
	}
}

func TestInitTimeout(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	e := start(t, lambdatest.WithEnv("FN_INIT_SLEEP", "10s"), lambdatest.WithInitTimeout(300*time.Millisecond))
	inv := invoke(t, ctx, e, `{}`)
	if !inv.TimedOut || !inv.InitTimedOut || inv.Reset == nil || inv.Reset.Reason != "timeout" {
		t.Fatalf("init timeout: %+v", inv)
	}
}

// TestInitThenInvoke: Init pre-warms and freezes the process; the first
// invocation is then warm.
func TestInitThenInvoke(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	e := start(t)
	if err := e.Init(ctx); err != nil {
		t.Fatal(err)
	}
	pid := e.PID()
	if pid == 0 || !e.Frozen() || procState(t, pid) != 'T' {
		t.Fatalf("after Init: pid=%d frozen=%v", pid, e.Frozen())
	}
	inv := invoke(t, ctx, e, `{}`)
	requireFrozen(t, inv)
	if inv.ColdStart || inv.PID != pid || inv.Resumed.IsZero() {
		t.Errorf("after Init: cold=%v pid=%d (want %d) resumed=%v", inv.ColdStart, inv.PID, pid, inv.Resumed)
	}
}

// TestInvokeContextEndsEarly: the caller's context bounds Invoke, not the
// invocation, which runs on and holds its slot until it is over.
func TestInvokeContextEndsEarly(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	e := start(t)
	short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	if _, err := e.Invoke(short, []byte(`{"action":"sleep","sleepMs":300}`)); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Invoke with a short context: %v, want DeadlineExceeded", err)
	}
	inv := invoke(t, ctx, e, `{"message":"next"}`)
	requireFrozen(t, inv)
	if decodeReply(t, inv).Message != "next" || inv.ColdStart {
		t.Errorf("queued invocation: %+v", inv)
	}
}

func TestCloseKillsTheProcess(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	e, err := lambdatest.New(fnPath)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = e.Close() })
	inv := invoke(t, ctx, e, `{}`)
	requireFrozen(t, inv)
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	if !processGone(inv.PID) {
		t.Errorf("process %d survived Close", inv.PID)
	}
	if _, err := e.Invoke(ctx, []byte(`{}`)); !errors.Is(err, lambdatest.ErrClosed) {
		t.Errorf("Invoke after Close: %v, want ErrClosed", err)
	}
	if err := e.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

func TestNewRejectsBadInput(t *testing.T) {
	t.Parallel()
	if _, err := lambdatest.New(filepath.Join(t.TempDir(), "missing")); err == nil {
		t.Error("New with a missing binary succeeded")
	}
	if _, err := lambdatest.New(fnPath, lambdatest.WithTimeout(0)); err == nil {
		t.Error("New with a zero timeout succeeded")
	}
}

// stdoutShows reports whether the function's standard output shows s,
// waiting up to a second for it: the process writes it into a pipe, which
// the emulator reads in a goroutine of its own, so a line the process
// wrote just before it was frozen can reach Stdout a little later.
func stdoutShows(e *lambdatest.Emulator, s string) bool {
	for range 100 {
		if strings.Contains(e.Stdout(), s) {
			return true
		}
		time.Sleep(10 * time.Millisecond)
	}
	return false
}
