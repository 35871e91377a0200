//go:build linux

package otellambdaflush_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"

	"github.com/logfire-go/sdk/otellambdaflush/lambdatest"
)

// These tests run testdata/fn, a function built with this package, under
// the lambdatest emulator (which freezes it with SIGSTOP between
// invocations) against a receiver in the test process, and check when its
// telemetry arrives relative to the invocation's lifecycle.

var (
	fnOnce sync.Once
	fnDir  string
	fnPath string
	fnErr  error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if fnDir != "" {
		os.RemoveAll(fnDir)
	}
	os.Exit(code)
}

// fnBinary builds testdata/fn once per test binary.
func fnBinary(t *testing.T) string {
	t.Helper()
	fnOnce.Do(func() {
		fnDir, fnErr = os.MkdirTemp("", "otellambdaflush-fn-")
		if fnErr != nil {
			return
		}
		fnPath = filepath.Join(fnDir, "bootstrap")
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
		defer cancel()
		out, err := exec.CommandContext(ctx, "go", "build", "-o", fnPath, "./testdata/fn").CombinedOutput()
		if err != nil {
			fnErr = fmt.Errorf("building testdata/fn: %v\n%s", err, out)
		}
	})
	if fnErr != nil {
		t.Fatal(fnErr)
	}
	return fnPath
}

// startFn runs testdata/fn under a new emulator, exporting to rcv.
func startFn(t *testing.T, rcv *receiver, opts ...lambdatest.Option) *lambdatest.Emulator {
	t.Helper()
	base := []lambdatest.Option{
		lambdatest.WithFunctionName("fn"),
		lambdatest.WithTimeout(3 * time.Second),
		lambdatest.WithEnv("LOGFIRE_TOKEN", "pylf_v1_us_testtoken"),
		lambdatest.WithEnv("LOGFIRE_BASE_URL", rcv.URL()),
		lambdatest.WithEnv("LOGFIRE_CONSOLE", "false"),
		lambdatest.WithLogf(t.Logf),
	}
	return lambdatest.Start(t, fnBinary(t), append(base, opts...)...)
}

func testContext(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func invokeFn(t *testing.T, ctx context.Context, e *lambdatest.Emulator, payload string) *lambdatest.Invocation {
	t.Helper()
	inv, err := e.Invoke(ctx, []byte(payload))
	if err != nil {
		t.Fatalf("Invoke(%s): %v", payload, err)
	}
	return inv
}

type fnReply struct {
	RequestID    string `json:"requestId"`
	Message      string `json:"message"`
	ContextValue string `json:"contextValue"`
}

// requireOK checks that inv answered, was frozen and echoed its request id.
func requireOK(t *testing.T, inv *lambdatest.Invocation) fnReply {
	t.Helper()
	if inv.TimedOut || inv.Crashed || inv.ErrorPayload != nil || inv.FreezeSent.IsZero() {
		t.Fatalf("invocation %s: timedOut=%v crashed=%v (%s) error=%+v freezeSent=%v",
			inv.RequestID, inv.TimedOut, inv.Crashed, inv.ExitState, inv.ErrorPayload, inv.FreezeSent)
	}
	var r fnReply
	if err := json.Unmarshal(inv.Response, &r); err != nil || r.RequestID != inv.RequestID {
		t.Fatalf("response %s: %v (want request id %s)", inv.Response, err, inv.RequestID)
	}
	return r
}

// extensionNames returns "name[events]" for each registered extension, sorted.
func extensionNames(e *lambdatest.Emulator) []string {
	var out []string
	for _, x := range e.Extensions() {
		out = append(out, x.Name+fmt.Sprint(x.Events))
	}
	slices.Sort(out)
	return out
}

// invocationSpans waits until the invocation span of inv and want spans
// of its trace in all have arrived, and returns them.
func invocationSpans(t *testing.T, rcv *receiver, inv *lambdatest.Invocation, want int) []gotSpan {
	t.Helper()
	spans := rcv.waitSpans(t, 5*time.Second, func(s []gotSpan) bool {
		return len(forRequest(s, inv.RequestID)) >= want
	})
	got := forRequest(spans, inv.RequestID)
	if len(got) != want {
		t.Fatalf("invocation %s: %d spans, want %d:\n%s", inv.RequestID, len(got), want, formatSpans(got))
	}
	return got
}

func requireArrivedBefore(t *testing.T, spans []gotSpan, limit time.Time, what string) {
	t.Helper()
	for _, s := range spans {
		if !s.Arrived.Before(limit) {
			t.Errorf("span %q arrived %v after %s", s.Name, s.Arrived.Sub(limit), what)
		}
	}
}

// TestPostResponseFlushesAfterTheResponseBeforeTheFreeze: by default
// (ModeAuto on a freezing Lambda) the flush runs after aws-lambda-go has
// posted the response, before it asks for the next event (the warm-up
// invocations flush every time): the receiver holds its answer to the
// export, yet the response is posted
// without waiting for it, and the invocation completes (the process may be
// frozen) only once the export has been answered, with every span already
// received. The test orders events, not durations: the hold ends only
// once the caller has its response.
func TestPostResponseFlushesAfterTheResponseBeforeTheFreeze(t *testing.T) {
	t.Parallel()
	rcv := startReceiver(t, 0)
	e := startFn(t, rcv, lambdatest.WithEnv("FN_SPANS", "2"))
	ctx := testContext(t)
	for i := range 2 {
		release := rcv.hold()
		p, err := e.Send(ctx, []byte(`{"message":"hello"}`))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := p.Response(ctx); err != nil {
			t.Fatalf("invocation %d: no response while the export was held: %v", i, err)
		}
		released := release()
		inv, err := p.Wait(ctx)
		if err != nil {
			t.Fatal(err)
		}
		requireOK(t, inv)
		// Start registers the package's extension only: it makes Lambda
		// send SIGTERM too, so aws-lambda-go's GoLangEnableSIGTERM is not
		// needed.
		if got, want := extensionNames(e), []string{"logfire-platform[]"}; !slices.Equal(got, want) {
			t.Fatalf("extensions %v, want %v", got, want)
		}
		if !inv.Completed.After(released) {
			t.Errorf("invocation %d: complete %v before the held export was answered: the extension did not wait for the flush",
				i, released.Sub(inv.Completed))
		}
		spans := invocationSpans(t, rcv, inv, 3)
		requireArrivedBefore(t, spans, inv.Completed, "the invocation completed")
		s, _ := named(spans, "fn")
		if want := fmt.Sprint(i == 0); s.Attrs["faas.coldstart"] != want || s.Attrs["faas.trigger"] != "other" {
			t.Errorf("invocation span attributes %v", s.Attrs)
		}
	}
	if s := e.Stderr(); strings.Contains(s, "logfire:") {
		t.Errorf("the SDK complained:\n%s", s)
	}
}

// TestInHandlerFlushesBeforeTheResponse: ModeInHandler flushes before the
// response is posted, so the client waits for the flush, and registers no
// INVOKE extension.
func TestInHandlerFlushesBeforeTheResponse(t *testing.T) {
	t.Parallel()
	const traceDelay = 300 * time.Millisecond
	rcv := startReceiver(t, traceDelay)
	e := startFn(t, rcv, lambdatest.WithEnv("FN_MODE", "in-handler"))
	ctx := testContext(t)
	inv := invokeFn(t, ctx, e, `{}`)
	requireOK(t, inv)
	if got, want := extensionNames(e), []string{"logfire-platform[]"}; !slices.Equal(got, want) {
		t.Fatalf("extensions %v, want %v", got, want)
	}
	if d := inv.Responded.Sub(inv.HandedOut); d < traceDelay {
		t.Errorf("the response came %v after hand-out, before the flush could have been answered (%v)", d, traceDelay)
	}
	requireArrivedBefore(t, invocationSpans(t, rcv, inv, 2), inv.Responded, "the response")
}

// TestAutoModeOnManagedInstances: on Lambda Managed Instances, which never
// freeze, ModeAuto does not flush per invocation and does not even try to
// register for INVOKE: its extension registers for no events, to receive
// the platform's reports.
func TestAutoModeOnManagedInstances(t *testing.T) {
	t.Parallel()
	rcv := startReceiver(t, 0)
	e := startFn(t, rcv, lambdatest.WithManagedInstances(2), lambdatest.WithEnv("FN_ENTRY", "new"))
	ctx := testContext(t)
	inv := invokeFn(t, ctx, e, `{}`)
	if inv.TimedOut || inv.Crashed || inv.Response == nil {
		t.Fatalf("invocation: %+v", inv)
	}
	if !strings.Contains(e.Stdout(), "mode=none\n") {
		t.Errorf("want mode=none; stdout:\n%s", e.Stdout())
	}
	if got, want := extensionNames(e), []string{"GoLangEnableSIGTERM[]", "logfire-platform[]"}; !slices.Equal(got, want) {
		t.Errorf("extensions %v, want %v", got, want)
	}
	if strings.Contains(e.Stderr(), "logfire:") {
		t.Errorf("the SDK complained:\n%s", e.Stderr())
	}
}

// TestPostResponsePinnedOnManagedInstances: the flush after the response
// needs no extension, so ModePostResponse pinned on Lambda Managed
// Instances (which refuse extensions registered for events) works as
// anywhere: the response does not wait for the export, and each
// invocation's spans are sent before the shutdown.
func TestPostResponsePinnedOnManagedInstances(t *testing.T) {
	t.Parallel()
	const traceDelay = 200 * time.Millisecond
	rcv := startReceiver(t, traceDelay)
	e := startFn(t, rcv, lambdatest.WithManagedInstances(1),
		lambdatest.WithEnv("FN_ENTRY", "new"), lambdatest.WithEnv("FN_MODE", "post-response"))
	ctx := testContext(t)
	inv := invokeFn(t, ctx, e, `{}`)
	if inv.TimedOut || inv.Crashed || inv.Response == nil {
		t.Fatalf("invocation: %+v", inv)
	}
	if !strings.Contains(e.Stdout(), "mode=post-response\n") {
		t.Errorf("want mode=post-response; stdout:\n%s", e.Stdout())
	}
	if d := inv.Responded.Sub(inv.HandedOut); d >= traceDelay {
		t.Errorf("the response came %v after hand-out: it waited for the export (%v)", d, traceDelay)
	}
	invocationSpans(t, rcv, inv, 2)
	if s := e.Stderr(); strings.Contains(s, "otellambdaflush:") {
		t.Errorf("the SDK complained:\n%s", s)
	}
}

// TestNewWithPlainLambdaStart: a function that calls lambda.Start itself
// with Runtime.Handler and forces ModeInHandler flushes all of it in the
// handler, before the response, gets the cold start and invocation
// attributes, and registers only the extension of the platform's reports
// (nothing enables SIGTERM).
func TestNewWithPlainLambdaStart(t *testing.T) {
	t.Parallel()
	rcv := startReceiver(t, 0)
	e := startFn(t, rcv, lambdatest.WithEnv("FN_ENTRY", "new-nosigterm"), lambdatest.WithEnv("FN_MODE", "in-handler"),
		lambdatest.WithEnv("FN_SPANS", "3"))
	ctx := testContext(t)
	for i := range 2 {
		inv := invokeFn(t, ctx, e, `{"message":"x"}`)
		requireOK(t, inv)
		spans := invocationSpans(t, rcv, inv, 4)
		requireArrivedBefore(t, spans, inv.Responded, "the response")
		s, _ := named(spans, "fn")
		if want := fmt.Sprint(i == 0); s.Attrs["faas.coldstart"] != want || s.Attrs["faas.invocation_id"] != inv.RequestID {
			t.Errorf("invocation span attributes %v", s.Attrs)
		}
	}
	if got, want := extensionNames(e), []string{"logfire-platform[]"}; !slices.Equal(got, want) {
		t.Errorf("lambda.Start with Runtime.Handler in ModeInHandler registered extensions %v, want %v", got, want)
	}
}

// TestNewPathWithOwnAttributesAndSIGTERM runs the path of docs/lambda.md
// for functions that call lambda.Start themselves exactly as it is written
// there: New with a trace attribute function of the function's own,
// Runtime.Handler, and lambda.WithEnableSIGTERM calling Runtime.Shutdown
// and exiting. Both attribute functions run, every span is flushed after
// the response and before the invocation completes (ModeAuto picks
// post-response), only one SIGTERM extension is registered, and on
// SIGTERM the shutdown hook's log reaches the backend and the process
// exits cleanly within the grace period, not killed at its end.
func TestNewPathWithOwnAttributesAndSIGTERM(t *testing.T) {
	t.Parallel()
	rcv := startReceiver(t, 0)
	e := startFn(t, rcv, lambdatest.WithEnv("FN_ENTRY", "new"), lambdatest.WithEnv("FN_SPANS", "2"))
	ctx := testContext(t)
	inv := invokeFn(t, ctx, e, `{"message":"x"}`)
	requireOK(t, inv)
	if !strings.Contains(e.Stdout(), "mode=post-response\n") {
		t.Errorf("want mode=post-response; stdout:\n%s", e.Stdout())
	}
	if got, want := extensionNames(e), []string{"GoLangEnableSIGTERM[]", "logfire-platform[]"}; !slices.Equal(got, want) {
		t.Errorf("extensions %v, want %v", got, want)
	}
	spans := invocationSpans(t, rcv, inv, 3)
	requireArrivedBefore(t, spans, inv.Completed, "the invocation completed")
	s, _ := named(spans, "fn")
	if s.Attrs["faas.coldstart"] != "true" || s.Attrs["event.bytes"] != fmt.Sprint(len(`{"message":"x"}`)) {
		t.Errorf("invocation span attributes %v: want faas.coldstart and the function's own event.bytes", s.Attrs)
	}
	rep, err := e.Shutdown(ctx)
	if err != nil || rep == nil {
		t.Fatalf("Shutdown: %v %+v", err, rep)
	}
	if rep.SIGTERMSent.IsZero() || !rep.ExitedWithinGrace || !rep.Killed.IsZero() {
		t.Fatalf("shutdown: %+v", rep)
	}
	spans = rcv.waitSpans(t, time.Second, func(s []gotSpan) bool {
		_, ok := named(s, "Shutting down")
		return ok
	})
	if s, _ := named(spans, "Shutting down"); s.Arrived.Before(rep.SIGTERMSent) || !s.Arrived.Before(rep.Exited) {
		t.Errorf("Shutting down arrived %v after SIGTERM; the process exited %v after SIGTERM",
			s.Arrived.Sub(rep.SIGTERMSent), rep.Exited.Sub(rep.SIGTERMSent))
	}
	if s := e.Stderr(); strings.Contains(s, "logfire:") {
		t.Errorf("the SDK complained:\n%s", s)
	}
}

// TestXRayHeaderReachesTheInvocation: the X-Ray trace header that Lambda
// sends with the event (Lambda-Runtime-Trace-Id) reaches the invocation
// span through aws-lambda-go's own runtime loop, which xraykey.go reads
// it from: by default (XRayAsLink) the span links to it.
func TestXRayHeaderReachesTheInvocation(t *testing.T) {
	t.Parallel()
	const (
		xrayTrace  = "5759e988bd862e3fe1be46a994272793"
		xrayParent = "53995c3f42cd8ad8"
		header     = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=0"
	)
	rcv := startReceiver(t, 0)
	e := startFn(t, rcv)
	ctx := testContext(t)
	inv, err := e.Invoke(ctx, []byte(`{}`), lambdatest.WithTraceID(header))
	if err != nil {
		t.Fatal(err)
	}
	requireOK(t, inv)
	s, _ := named(invocationSpans(t, rcv, inv, 2), "fn")
	if !slices.Equal(s.Links, []string{xrayTrace + "/" + xrayParent}) || s.TraceID == xrayTrace {
		t.Errorf("invocation span %v, links %v: want a new trace linked to the X-Ray context %s/%s (xraykey.go no longer reads aws-lambda-go right?)",
			s, s.Links, xrayTrace, xrayParent)
	}
}

// TestStartMergesLambdaOptionsAndShutsDownOnSIGTERM: options passed with
// WithLambdaOptions all take effect — the context value (base context of
// the runtime loop), the JSON encoder option (the user's handler), and a
// SIGTERM callback, merged with the SDK's so that only one
// GoLangEnableSIGTERM extension is registered. On SIGTERM the user's
// callback runs, then the shutdown hook, whose log reaches the backend,
// and the process exits within the grace period.
func TestStartMergesLambdaOptionsAndShutsDownOnSIGTERM(t *testing.T) {
	t.Parallel()
	rcv := startReceiver(t, 0)
	e := startFn(t, rcv, lambdatest.WithEnv("FN_LAMBDA_OPTS", "context,sigterm,escape"))
	ctx := testContext(t)
	inv := invokeFn(t, ctx, e, `{"message":"<b>"}`)
	r := requireOK(t, inv)
	if r.ContextValue != "from-lambda-options" || r.Message != "<b>" {
		t.Errorf("reply %+v: want the context value from lambda.WithContextValue", r)
	}
	if !strings.Contains(string(inv.Response), `\u003cb\u003e`) {
		t.Errorf("response %s: lambda.WithSetEscapeHTML(true) was not applied", inv.Response)
	}
	if got, want := extensionNames(e), []string{"GoLangEnableSIGTERM[]", "logfire-platform[]"}; !slices.Equal(got, want) {
		t.Errorf("extensions %v, want %v", got, want)
	}
	if strings.Contains(e.Stderr(), "Failed to register internal extension") {
		t.Errorf("a second SIGTERM extension was attempted:\n%s", e.Stderr())
	}

	rep, err := e.Shutdown(ctx)
	if err != nil || rep == nil {
		t.Fatalf("Shutdown: %v %+v", err, rep)
	}
	if rep.SIGTERMSent.IsZero() || !rep.ExitedWithinGrace || !rep.Killed.IsZero() {
		t.Fatalf("shutdown: %+v", rep)
	}
	if !strings.Contains(e.Stdout(), "user SIGTERM callback\n") {
		t.Errorf("the user's SIGTERM callback did not run; stdout:\n%s", e.Stdout())
	}
	spans := rcv.waitSpans(t, time.Second, func(s []gotSpan) bool {
		_, ok := named(s, "Shutting down")
		return ok
	})
	s, _ := named(spans, "Shutting down")
	if s.Arrived.Before(rep.SIGTERMSent) || !s.Arrived.Before(rep.Exited) {
		t.Errorf("Shutting down arrived %v after SIGTERM; the process exited %v after SIGTERM",
			s.Arrived.Sub(rep.SIGTERMSent), rep.Exited.Sub(rep.SIGTERMSent))
	}
}

// TestPostResponseRecordsErrorsAndPanics: a returned error and a panic are
// recorded on the invocation span and flushed before the invocation ends
// (the panic ends the process, so its flush happens in the handler).
func TestPostResponseRecordsErrorsAndPanics(t *testing.T) {
	t.Parallel()
	rcv := startReceiver(t, 0)
	e := startFn(t, rcv)
	ctx := testContext(t)

	failed := invokeFn(t, ctx, e, `{"action":"error","message":"bad input"}`)
	if failed.ErrorPayload == nil || failed.ErrorPayload.Message != "bad input" || failed.FreezeSent.IsZero() {
		t.Fatalf("error invocation: %+v", failed)
	}
	spans := invocationSpans(t, rcv, failed, 2)
	requireArrivedBefore(t, spans, failed.Completed, "the invocation completed")
	s, _ := named(spans, "fn")
	if s.Status != tracepb.Status_STATUS_CODE_ERROR || s.Attrs["logfire.level_num"] != "17" || !slices.Equal(s.Events, []string{"exception"}) {
		t.Errorf("failed invocation span: %v", s)
	}

	panicked := invokeFn(t, ctx, e, `{"action":"panic","message":"boom"}`)
	if panicked.ErrorPayload == nil || !panicked.Crashed {
		t.Fatalf("panic invocation: %+v", panicked)
	}
	spans = invocationSpans(t, rcv, panicked, 2)
	requireArrivedBefore(t, spans, panicked.Responded, "the error was posted")
	s, _ = named(spans, "fn")
	if s.Status != tracepb.Status_STATUS_CODE_ERROR || s.Attrs["logfire.level_num"] != "17" || !slices.Equal(s.Events, []string{"exception"}) {
		t.Errorf("panicked invocation span: %v", s)
	}

	// The next invocation starts a new process and works.
	requireOK(t, invokeFn(t, ctx, e, `{}`))
	if e.Starts() != 2 {
		t.Errorf("%d processes started, want 2", e.Starts())
	}
}
