//go:build linux

package e2e_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/logfire-go/sdk/e2e/collector"
	"github.com/logfire-go/sdk/otellambdaflush/lambdatest"
)

// The tests of this file run Lambda functions under the lambdatest
// emulator, which freezes the function's process group with SIGSTOP the
// moment an invocation is complete, against the real collector receiver,
// and check when each span arrived relative to its invocation's freeze.

const (
	lambdaToken    = "pylf_v1_us_e2elambdatoken"
	lambdaFunction = "logfire-lambda-e2e"
)

// emulatorLog keeps the emulator's log lines (bounded) and prints the last
// ones if the test fails; 200 invocations make too many lines for t.Logf.
func emulatorLog(tb testing.TB) lambdatest.Option {
	var mu sync.Mutex
	var lines []string
	tb.Cleanup(func() {
		if !tb.Failed() {
			return
		}
		mu.Lock()
		defer mu.Unlock()
		from := max(0, len(lines)-100)
		tb.Logf("last %d emulator log lines:\n%s", len(lines)-from, strings.Join(lines[from:], "\n"))
	})
	return lambdatest.WithLogf(func(format string, args ...any) {
		mu.Lock()
		defer mu.Unlock()
		if len(lines) >= 5000 {
			lines = lines[1000:]
		}
		lines = append(lines, time.Now().Format("15:04:05.000000 ")+fmt.Sprintf(format, args...))
	})
}

// startLambda runs bin under a new emulator with the Lambda function name
// and the given function timeout and environment.
func startLambda(tb testing.TB, bin string, timeout time.Duration, env ...string) *lambdatest.Emulator {
	tb.Helper()
	opts := []lambdatest.Option{
		lambdatest.WithFunctionName(lambdaFunction),
		lambdatest.WithTimeout(timeout),
		emulatorLog(tb),
	}
	for i := 0; i+1 < len(env); i += 2 {
		opts = append(opts, lambdatest.WithEnv(env[i], env[i+1]))
	}
	return lambdatest.Start(tb, bin, opts...)
}

// logfireEnv is the environment of a Logfire function exporting to base.
func logfireEnv(base string) []string {
	return []string{"LOGFIRE_TOKEN", lambdaToken, "LOGFIRE_BASE_URL", base}
}

func commandEvent(command string) []byte {
	b, _ := json.Marshal(map[string]string{"command": command})
	return b
}

// exampleResponse is the exact body examples/lambda must answer.
func exampleResponse(reqID, command string) string {
	return fmt.Sprintf(`{"req_id":%q,"msg":"Command %s."}`, reqID, command)
}

// invokeN invokes e n times, event(i) being the i-th event, and returns
// the records. It fails the test if the emulator cannot run one.
func invokeN(tb testing.TB, ctx context.Context, e *lambdatest.Emulator, n int, event func(i int) []byte) []*lambdatest.Invocation {
	tb.Helper()
	invs := make([]*lambdatest.Invocation, 0, n)
	for i := range n {
		inv, err := e.Invoke(ctx, event(i))
		if err != nil {
			tb.Fatalf("invocation %d: %v", i, err)
		}
		invs = append(invs, inv)
	}
	return invs
}

// requireFrozenOK checks that inv answered without error and was frozen.
func requireFrozenOK(tb testing.TB, i int, inv *lambdatest.Invocation) {
	tb.Helper()
	if inv.TimedOut || inv.Crashed || inv.ErrorPayload != nil || inv.FreezeSent.IsZero() {
		tb.Fatalf("invocation %d (%s): timedOut=%v crashed=%v (%s) error=%+v freezeSent=%v",
			i, inv.RequestID, inv.TimedOut, inv.Crashed, inv.ExitState, inv.ErrorPayload, inv.FreezeSent)
	}
}

// invocationTrace returns the invocation span of request id id among
// spans (otellambda's span, named after the function, with
// faas.invocation_id) and every span of its trace, pending spans apart,
// except the span of the invocation's platform report (reportSpan), which
// arrives with a later invocation (see platformReports).
func invocationTrace(spans []collector.Span, id string) (inv collector.Span, real, pending []collector.Span, ok bool) {
	for _, s := range spans {
		if s.Name == lambdaFunction && s.Attributes["faas.invocation_id"] == id && !s.IsPending() {
			inv, ok = s, true
			break
		}
	}
	if !ok {
		return inv, nil, nil, false
	}
	for _, s := range spans {
		if s.TraceID != inv.TraceID || s.Name == reportSpan {
			continue
		}
		if s.IsPending() {
			pending = append(pending, s)
		} else {
			real = append(real, s)
		}
	}
	return inv, real, pending, true
}

// adaptiveMaxAge is how long otellambdaflush's default (adaptive) flush
// lets telemetry wait while a function is busy (docs/lambda.md): the
// first invocation that ends this long after the last flush flushes.
const adaptiveMaxAge = 2 * time.Second

// flushBound is the instant by which the spans of invs[i] must have
// reached the backend under the adaptive flush: when its own invocation
// completed if it flushed, else when the first later invocation that
// completed adaptiveMaxAge after it did (that one finds the last flush
// at least that old); end if there is none.
func flushBound(invs []*lambdatest.Invocation, i int, end time.Time) time.Time {
	for _, inv := range invs[i+1:] {
		if inv.Completed.Sub(invs[i].Completed) >= adaptiveMaxAge {
			return inv.Completed
		}
	}
	return end
}

// settle waits adaptiveMaxAge and invokes e once more with event: that
// invocation flushes whatever the adaptive flush held, as the first
// invocation after a pause does on Lambda.
func settle(tb testing.TB, ctx context.Context, e *lambdatest.Emulator, event []byte) *lambdatest.Invocation {
	tb.Helper()
	time.Sleep(adaptiveMaxAge + 50*time.Millisecond)
	return invokeN(tb, ctx, e, 1, func(int) []byte { return event })[0]
}

// tally counts what arrived of the expected spans of invocations.
type tally struct {
	expected, onTime, late, lost int
	pending, pendingLate         int
	lateBy                       []time.Duration
	// beforeOwn counts the spans (pending spans apart) that arrived
	// before their own invocation completed, when the limit is later.
	beforeOwn int
}

func (t tally) String() string {
	s := fmt.Sprintf("%d spans expected: %d before the freeze, %d late, %d lost; %d pending spans (%d late)",
		t.expected, t.onTime, t.late, t.lost, t.pending, t.pendingLate)
	if len(t.lateBy) > 0 {
		slices.Sort(t.lateBy)
		s += fmt.Sprintf("; late by %v to %v", t.lateBy[0].Round(time.Millisecond), t.lateBy[len(t.lateBy)-1].Round(time.Millisecond))
	}
	return s
}

// arrivedBefore counts s as on time if it arrived before limit.
func (t *tally) count(s collector.Span, limit time.Time) {
	if s.IsPending() {
		t.pending++
		if !s.Arrived.Before(limit) {
			t.pendingLate++
		}
		return
	}
	if s.Arrived.Before(limit) {
		t.onTime++
	} else {
		t.late++
		t.lateBy = append(t.lateBy, s.Arrived.Sub(limit))
	}
}

// exampleSpans checks the spans of one examples/lambda invocation: exactly
// the invocation span, the handler's span "handling command {command}"
// and its log "received command {command}", with the right parents and
// attributes; each must have arrived before limit (the invocation's own
// completion, after which Lambda may freeze the process, or a later one:
// see flushBound). It adds to tl and returns a description of what is
// wrong, "" if nothing.
func exampleSpans(spans []collector.Span, inv *lambdatest.Invocation, command string, limit time.Time, tl *tally) string {
	tl.expected += 3
	root, real, pending, ok := invocationTrace(spans, inv.RequestID)
	if !ok {
		tl.lost += 3
		return "no invocation span"
	}
	var problems []string
	handler, hasHandler := collector.FindSpan(real, "handling command {command}")
	log, hasLog := collector.FindSpan(real, "received command {command}")
	switch {
	case len(real) != 3 || !hasHandler || !hasLog:
		problems = append(problems, fmt.Sprintf("spans %q, want the invocation span, the handler span and its log", collector.SpanNames(real)))
		tl.lost += max(0, 3-len(real))
	default:
		if root.Kind != "server" || root.ParentSpanID != "" || root.Status.Code != collector.StatusUnset {
			problems = append(problems, "invocation span: "+root.String())
		}
		if !handler.Parent(root) || handler.Attributes["command"] != command {
			problems = append(problems, "handler span: "+handler.String())
		}
		if !log.Parent(handler) || log.Attributes["req_id"] != inv.RequestID || log.Attributes["logfire.span_type"] != "log" {
			problems = append(problems, "log: "+log.String())
		}
	}
	for _, s := range append(real, pending...) {
		tl.count(s, limit)
		if !s.IsPending() && s.Arrived.Before(inv.Completed) {
			tl.beforeOwn++
		}
	}
	return strings.Join(problems, "; ")
}

// TestLambdaExample: 200 invocations of examples/lambda back to back under
// the freezing emulator against the collector, then one more after a
// pause. None of their spans and logs is lost, and each reaches the
// collector before the freeze that the adaptive flush (the default) allows:
// the warm-up invocations before their own freeze, the busy ones by the
// flush adaptiveMaxAge later at most, and all of them before the invocation
// after the pause completes. The response bodies are exactly as specified,
// and after SIGTERM "Shutting down" reaches the collector before the
// process exits, within the grace period.
func TestLambdaExample(t *testing.T) {
	const n = 200
	c := collector.Start(t)
	bin := buildFunction(t, "./examples/lambda")
	e := startLambda(t, bin, 3*time.Second, logfireEnv(c.Endpoint())...)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	start := time.Now()
	invs := invokeN(t, ctx, e, n, func(i int) []byte { return commandEvent(fmt.Sprintf("cmd-%d", i)) })
	took := time.Since(start)
	invs = append(invs, settle(t, ctx, e, commandEvent(fmt.Sprintf("cmd-%d", n))))
	for i, inv := range invs {
		requireFrozenOK(t, i, inv)
		if got, want := string(inv.Response), exampleResponse(inv.RequestID, fmt.Sprintf("cmd-%d", i)); got != want {
			t.Fatalf("invocation %d: response %s, want %s", i, got, want)
		}
	}
	if e.Starts() != 1 {
		t.Errorf("%d processes started, want 1", e.Starts())
	}
	if got, want := lambdaExtensions(e), []string{"logfire-platform[]"}; !slices.Equal(got, want) {
		t.Errorf("extensions %v, want %v (post-response mode)", got, want)
	}

	rep, err := e.Shutdown(ctx)
	if err != nil || rep == nil {
		t.Fatalf("Shutdown: %v %+v", err, rep)
	}
	if rep.SIGTERMSent.IsZero() || !rep.ExitedWithinGrace || !rep.Killed.IsZero() || rep.ExitState != "exit status 0" {
		t.Errorf("shutdown: SIGTERM %v, exited within grace %v, killed %v, %s", rep.SIGTERMSent, rep.ExitedWithinGrace, rep.Killed, rep.ExitState)
	}

	// Everything has been sent by now (the process has exited); the wait
	// only covers the receiver's own processing.
	wctx, wcancel := context.WithTimeout(ctx, 5*time.Second)
	defer wcancel()
	// Each invocation's spans, "Starting up", "Shutting down", and the
	// span of each invocation's platform report.
	spans, err := c.WaitForSpans(wctx, func(s []collector.Span) bool {
		_, ok := collector.FindSpan(s, "Shutting down")
		return ok && len(collector.WithoutPending(s)) >= 4*(n+1)+2
	})
	if err != nil {
		t.Errorf("%v", err)
	}

	var tl tally
	bad := 0
	for i, inv := range invs {
		limit := flushBound(invs, i, invs[len(invs)-1].Completed)
		if i < 3 { // the warm-up flushes every invocation
			limit = inv.Completed
		}
		if p := exampleSpans(spans, inv, fmt.Sprintf("cmd-%d", i), limit, &tl); p != "" {
			if bad++; bad <= 5 {
				t.Errorf("invocation %d (%s): %s", i, inv.RequestID, p)
			}
		}
	}
	// Outside the invocations: "Starting up" (INIT, flushed with the first
	// invocation) and "Shutting down" (SIGTERM).
	up, ok := collector.FindSpan(spans, "Starting up")
	if !ok || !up.Arrived.Before(invs[0].Completed) {
		t.Errorf("Starting up: found %v, arrived %v after the first invocation completed", ok, up.Arrived.Sub(invs[0].Completed))
	}
	down, ok := collector.FindSpan(spans, "Shutting down")
	if !ok || down.Arrived.Before(rep.SIGTERMSent) || !down.Arrived.Before(rep.Exited) {
		t.Errorf("Shutting down: found %v, arrived %v after SIGTERM; the process exited %v after SIGTERM",
			ok, down.Arrived.Sub(rep.SIGTERMSent), rep.Exited.Sub(rep.SIGTERMSent))
	}
	if got, want := len(collector.WithoutPending(spans)), 4*(n+1)+2; got != want {
		t.Errorf("%d spans arrived (pending spans left out), want exactly %d", got, want)
	}
	if p := platformReports(spans, invs, nil); p != "" {
		t.Error(p)
	}
	if logs := c.Logs(); len(logs) != 0 {
		t.Errorf("unexpected log records %d", len(logs))
	}
	if bad := onlyPlatformMetrics(c.Metrics()); bad != "" {
		t.Errorf("metrics other than the platform's: %s", bad)
	}
	if got := metricSum(c.Metrics(), "faas.invocations", nil); got != n+1 {
		t.Errorf("faas.invocations = %d, want %d", got, n+1)
	}
	if up.Headers.Get("Authorization") != lambdaToken {
		t.Errorf("Authorization header %q", up.Headers.Get("Authorization"))
	}
	if out := e.Stdout(); !strings.Contains(out, "Starting up") || !strings.Contains(out, "Shutting down") {
		t.Errorf("console output lacks Starting up / Shutting down:\n%.2000s", out)
	}
	if tl.late != 0 || tl.lost != 0 || tl.pendingLate != 0 {
		t.Errorf("%v", tl)
	}
	client, billed := latencies(invs)
	t.Logf("%d invocations in %v, then one after a pause: %v (%d before their own freeze); client latency %v, hand-out to freeze %v; SIGTERM to exit %v",
		n, took.Round(time.Millisecond), tl, tl.beforeOwn, client, billed, rep.Exited.Sub(rep.SIGTERMSent).Round(time.Millisecond))
}

// TestLambdaPlainOTelIsLate is the negative control: the same run with a
// function instrumented with the plain OpenTelemetry SDK and otellambda,
// without a flusher. Its spans stay in the batch processor when the
// process freezes, so they arrive late or never. After the 200
// invocations the function stays frozen for longer than the batch
// processor's 5 s delay and is invoked again (10 to 50 times, until
// something has arrived), as after an idle spell on Lambda: the thaws let
// the overdue batch timer export what earlier invocations left, a bit
// during each thaw (late); then
// the shutdown kills the process at once (no extension, so no SIGTERM),
// and whatever is still queued is lost. If this test saw 0 late and 0
// lost, the emulator could not tell a lossless function from a lossy one.
func TestLambdaPlainOTelIsLate(t *testing.T) {
	const n = 200
	c := collector.Start(t)
	bin := buildFunction(t, "./otellambdaflush/testdata/plainotellambda")
	e := startLambda(t, bin, 3*time.Second, "OTEL_EXPORTER_OTLP_ENDPOINT", c.Endpoint())
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	start := time.Now()
	invs := invokeN(t, ctx, e, n, func(i int) []byte { return commandEvent(fmt.Sprintf("cmd-%d", i)) })
	took := time.Since(start)
	time.Sleep(5500 * time.Millisecond) // idle, frozen, past the batch delay
	for i := 0; i < 50 && (i < 10 || len(c.Spans()) == 0); i++ {
		invs = append(invs, invokeN(t, ctx, e, 1, func(int) []byte { return commandEvent(fmt.Sprintf("cmd-%d", n+i)) })...)
	}
	for i, inv := range invs {
		requireFrozenOK(t, i, inv)
		if got, want := string(inv.Response), exampleResponse(inv.RequestID, fmt.Sprintf("cmd-%d", i)); got != want {
			t.Fatalf("invocation %d: response %s, want %s", i, got, want)
		}
	}
	rep, err := e.Shutdown(ctx)
	if err != nil || rep == nil {
		t.Fatalf("Shutdown: %v %+v", err, rep)
	}
	time.Sleep(500 * time.Millisecond) // stragglers; the process is gone

	spans := c.Spans()
	var tl tally
	for _, inv := range invs {
		tl.expected += 2
		_, real, _, ok := invocationTrace(spans, inv.RequestID)
		if !ok {
			tl.lost += 2
			continue
		}
		tl.lost += max(0, 2-len(real))
		for _, s := range real {
			tl.count(s, inv.Completed)
		}
	}
	t.Logf("%d invocations in %v, then %d after 5.5 s frozen: %v; shutdown: SIGTERM sent %v, killed at once %v",
		n, took.Round(time.Millisecond), len(invs)-n, tl, !rep.SIGTERMSent.IsZero(), !rep.Killed.IsZero())
	if tl.late == 0 || tl.lost == 0 {
		t.Fatalf("plain otellambda without a flusher: want late and lost spans, got %v", tl)
	}
	if tl.onTime > tl.expected/2 {
		t.Errorf("%d of %d spans arrived before their freeze without any flush", tl.onTime, tl.expected)
	}
}

// latencies returns the median and 99th percentile of the client-visible
// latency (hand-out to response) and of hand-out to freeze (SIGSTOP sent).
func latencies(invs []*lambdatest.Invocation) (client, billed string) {
	var cl, bl []time.Duration
	for _, inv := range invs {
		if inv.Responded.IsZero() || inv.FreezeSent.IsZero() {
			continue
		}
		cl = append(cl, inv.Responded.Sub(inv.HandedOut))
		bl = append(bl, inv.FreezeSent.Sub(inv.HandedOut))
	}
	f := func(d []time.Duration) string {
		if len(d) == 0 {
			return "n/a"
		}
		return fmt.Sprintf("p50 %v p99 %v", percentile(d, 50), percentile(d, 99))
	}
	return f(cl), f(bl)
}

func percentile(d []time.Duration, p int) time.Duration {
	s := slices.Clone(d)
	slices.Sort(s)
	i := (len(s)*p + 99) / 100
	return s[min(len(s), max(1, i))-1]
}

func lambdaExtensions(e *lambdatest.Emulator) []string {
	var out []string
	for _, x := range e.Extensions() {
		out = append(out, x.Name+fmt.Sprint(x.Events))
	}
	slices.Sort(out)
	return out
}

// TestLambdaOutage*: examples/lambda under the freezing emulator, with its
// backend (a switchable proxy in front of the collector) healthy for 3
// invocations, then down (refusing connections), answering 503 or
// hanging for 5, then healthy again for 5, then SIGTERM. Every invocation
// answers at once and completes within its deadline, in the same process;
// after the first failed flush, an invocation holds the freeze for at most
// the outage probe (250 ms) beyond its work; the spans of the outage
// invocations are kept and reach the collector once it answers again; the
// process exits within the grace period.
func TestLambdaOutageDown(t *testing.T)    { testBackendFault(t, proxyDown) }
func TestLambdaOutage503(t *testing.T)     { testBackendFault(t, proxy503) }
func TestLambdaOutageHanging(t *testing.T) { testBackendFault(t, proxyHang) }

func testBackendFault(t *testing.T, fault proxyMode) {
	const timeout = time.Second
	var reject atomic.Bool
	c := collector.Start(t, collector.WithReject(func(context.Context, collector.Request) error {
		if reject.Load() {
			return collector.Reject(http.StatusServiceUnavailable, 0)
		}
		return nil
	}))
	proxy := startSwitchProxy(t, c.Endpoint())
	bin := buildFunction(t, "./examples/lambda")
	e := startLambda(t, bin, timeout, logfireEnv(proxy.URL())...)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	phase := func(name string, n int) []*lambdatest.Invocation {
		invs := invokeN(t, ctx, e, n, func(i int) []byte { return commandEvent(fmt.Sprintf("%s-%d", name, i)) })
		for i, inv := range invs {
			requireFrozenOK(t, i, inv)
			if got, want := string(inv.Response), exampleResponse(inv.RequestID, fmt.Sprintf("%s-%d", name, i)); got != want {
				t.Fatalf("%s invocation %d: response %s, want %s", name, i, got, want)
			}
			if !inv.Completed.Before(inv.Deadline) {
				t.Errorf("%s invocation %d completed %v after its deadline", name, i, inv.Completed.Sub(inv.Deadline))
			}
		}
		return invs
	}
	// checkExported checks every span of invs; those must have arrived
	// before their invocation completed when onTime.
	checkExported := func(name string, invs []*lambdatest.Invocation, onTime bool) {
		t.Helper()
		wctx, wcancel := context.WithTimeout(ctx, 10*time.Second)
		defer wcancel()
		spans, _ := c.WaitForSpans(wctx, func(s []collector.Span) bool {
			for _, inv := range invs {
				if _, real, _, ok := invocationTrace(s, inv.RequestID); !ok || len(real) < 3 {
					return false
				}
			}
			return true
		})
		var tl tally
		for i, inv := range invs {
			if p := exampleSpans(spans, inv, fmt.Sprintf("%s-%d", name, i), flushBound(invs, i, inv.Completed), &tl); p != "" {
				t.Errorf("%s invocation %d: %s", name, i, p)
			}
		}
		if tl.lost != 0 || (onTime && tl.late != 0) {
			t.Errorf("%s: %v", name, tl)
		}
		t.Logf("%s: %v", name, tl)
	}

	before := phase("before", 3)
	checkExported("before", before, true)

	switch fault {
	case proxy503:
		reject.Store(true)
	default:
		proxy.set(fault)
	}
	if fault == proxyDown && !proxy.refused() {
		t.Fatal("the proxy still accepts connections")
	}
	// The function is busy by now (back-to-back invocations), so the
	// adaptive flush would leave the next invocations alone until
	// adaptiveMaxAge after the last flush: wait that long, so that the first invocation of
	// the outage flushes and meets it. From then on every invocation
	// flushes, since records are kept for a retry.
	time.Sleep(adaptiveMaxAge + 50*time.Millisecond)
	during := phase(fault.String(), 5)
	// The probe's limit, with room for the handler's own work and the
	// scheduling of a loaded machine.
	const probeBound = 250*time.Millisecond + 50*time.Millisecond
	for i, inv := range during {
		client := inv.Responded.Sub(inv.HandedOut)
		billed := inv.Completed.Sub(inv.HandedOut)
		t.Logf("%s invocation %d: response after %v, complete after %v (deadline %v)", fault, i,
			client.Round(time.Millisecond), billed.Round(time.Millisecond), inv.Deadline.Sub(inv.HandedOut).Round(time.Millisecond))
		if client > 300*time.Millisecond {
			t.Errorf("%s invocation %d: the response waited %v for the backend", fault, i, client)
		}
		if i > 0 && billed > probeBound {
			t.Errorf("%s invocation %d held the freeze %v, more than the outage probe allows (%v)", fault, i, billed, probeBound)
		}
	}
	if !strings.Contains(e.Stderr(), "cannot deliver to") {
		t.Errorf("the outage was not reported while the backend was %s; stderr:\n%.3000s", fault, e.Stderr())
	}
	if strings.Contains(e.Stderr(), lambdaToken) {
		t.Errorf("stderr shows the token")
	}

	reject.Store(false)
	proxy.set(proxyForward)
	after := phase("after", 5)
	// Back to back, the function counts as busy: the adaptive flush may
	// leave the last of these for an invocation a second later.
	after = append(after, settle(t, ctx, e, commandEvent(fmt.Sprintf("after-%d", len(after)))))
	checkExported("after", after, true)
	// What the outage kept goes out with the flushes after it.
	checkExported(fault.String(), during, false)

	if e.Starts() != 1 {
		t.Errorf("%d processes started, want 1 (the process must stay healthy)", e.Starts())
	}
	for _, inv := range append(append(before, during...), after...) {
		if inv.PID != before[0].PID {
			t.Errorf("invocation %s ran in process %d, want %d", inv.RequestID, inv.PID, before[0].PID)
		}
	}
	rep, err := e.Shutdown(ctx)
	if err != nil || rep == nil || !rep.ExitedWithinGrace {
		t.Errorf("shutdown: %v %+v", err, rep)
	}
	// Each span exactly once.
	seen := map[string]bool{}
	for _, s := range c.Spans() {
		if s.IsPending() {
			continue
		}
		if seen[s.SpanID] {
			t.Errorf("span %s %q arrived twice", s.SpanID, s.Name)
		}
		seen[s.SpanID] = true
	}
}

// TestLambdaExampleRecordsErrors: a returned error ("fail") and a panic
// ("panic") are both recorded on the invocation span — status Error with
// "<type>: <message>", an exception event, logfire.level_num 17 — as the
// collector receives it, in post-response mode, before the invocation
// completes (the panic ends the process: its flush happens in the handler,
// before the error is posted).
func TestLambdaExampleRecordsErrors(t *testing.T) {
	c := collector.Start(t)
	bin := buildFunction(t, "./examples/lambda")
	e := startLambda(t, bin, 3*time.Second, logfireEnv(c.Endpoint())...)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	invoke := func(command string) *lambdatest.Invocation {
		inv, err := e.Invoke(ctx, commandEvent(command))
		if err != nil {
			t.Fatalf("%s: %v", command, err)
		}
		return inv
	}

	ok1 := invoke("ok")
	requireFrozenOK(t, 0, ok1)
	if got, want := lambdaExtensions(e), []string{"logfire-platform[]"}; !slices.Equal(got, want) {
		t.Fatalf("extensions %v, want %v (post-response mode)", got, want)
	}
	failed := invoke("fail")
	if failed.ErrorPayload == nil || failed.ErrorPayload.Message != `command "fail" failed on purpose` ||
		failed.ErrorPayload.Type != "errorString" || failed.FreezeSent.IsZero() {
		t.Fatalf("fail: %+v, error %+v", failed, failed.ErrorPayload)
	}
	panicked := invoke("panic")
	if panicked.ErrorPayload == nil || panicked.ErrorPayload.Type != "string" || !panicked.Crashed {
		t.Fatalf("panic: %+v, error %+v", panicked, panicked.ErrorPayload)
	}
	ok2 := invoke("ok")
	requireFrozenOK(t, 3, ok2)
	if !ok2.ColdStart || e.Starts() != 2 {
		t.Errorf("after the panic: cold start %v, %d processes", ok2.ColdStart, e.Starts())
	}

	wctx, wcancel := context.WithTimeout(ctx, 5*time.Second)
	defer wcancel()
	spans, err := c.WaitForSpans(wctx, func(s []collector.Span) bool {
		for _, inv := range []*lambdatest.Invocation{ok1, failed, panicked, ok2} {
			if _, real, _, ok := invocationTrace(s, inv.RequestID); !ok || len(real) < 3 {
				return false
			}
		}
		return true
	})
	if err != nil {
		t.Fatalf("%v\n%s", err, collector.FormatSpans(spans))
	}

	for _, tc := range []struct {
		inv    *lambdatest.Invocation
		limit  time.Time
		status string
		stack  bool
	}{
		{failed, failed.Completed, `*errors.errorString: command "fail" failed on purpose`, false},
		{panicked, panicked.Responded, `panic: command "panic" panicked on purpose`, true},
	} {
		root, real, _, _ := invocationTrace(spans, tc.inv.RequestID)
		if root.Status.Code != collector.StatusError || root.Status.Message != tc.status {
			t.Errorf("%s: status %s %q, want error %q", tc.inv.RequestID, root.Status.Code, root.Status.Message, tc.status)
		}
		if lvl := root.Attributes["logfire.level_num"]; lvl != int64(17) {
			t.Errorf("%s: logfire.level_num %#v, want 17", tc.inv.RequestID, lvl)
		}
		ev, ok := root.Event("exception")
		typ, msg, _ := strings.Cut(tc.status, ": ")
		if !ok || len(root.Events) != 1 || ev.Attributes["exception.type"] != typ || ev.Attributes["exception.message"] != msg {
			t.Errorf("%s: events %v", tc.inv.RequestID, root.Events)
		}
		if st, _ := ev.Attributes["exception.stacktrace"].(string); tc.stack != (st != "") {
			t.Errorf("%s: stack trace %q", tc.inv.RequestID, st)
		}
		for _, s := range real {
			if !s.Arrived.Before(tc.limit) {
				t.Errorf("%s: span %q arrived %v late", tc.inv.RequestID, s.Name, s.Arrived.Sub(tc.limit))
			}
		}
	}
	for _, inv := range []*lambdatest.Invocation{ok1, ok2} {
		root, _, _, _ := invocationTrace(spans, inv.RequestID)
		if root.Status.Code != collector.StatusUnset {
			t.Errorf("successful invocation %s: status %v", inv.RequestID, root.Status)
		}
	}
}

// TestLambdaStreamExample runs examples/lambdastream under the freezing
// emulator against the collector: the response is streamed (first byte
// as long before the last as the function writes), and the collector
// receives, before the invocation completes, the invocation span lasting
// the whole stream, the handler's log and one span per line, all children
// of the invocation span. A failure half-way arrives in Lambda's error
// trailers and is recorded on that invocation's span.
func TestLambdaStreamExample(t *testing.T) {
	c := collector.Start(t)
	bin := buildFunction(t, "./examples/lambdastream")
	e := startLambda(t, bin, 3*time.Second, logfireEnv(c.Endpoint())...)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	const lines, delay = 6, 60 * time.Millisecond
	inv, err := e.Invoke(ctx, []byte(fmt.Sprintf(`{"lines":%d,"delayMs":%d}`, lines, delay.Milliseconds())))
	if err != nil {
		t.Fatal(err)
	}
	requireFrozenOK(t, 0, inv)
	if !inv.Streamed || inv.Responded.Sub(inv.FirstByte) < lines*delay*3/4 {
		t.Errorf("streamed %v, first byte %v before the last: want about %v", inv.Streamed, inv.Responded.Sub(inv.FirstByte), lines*delay)
	}
	for i := range lines {
		if !strings.Contains(string(inv.Response), fmt.Sprintf("line %d\n", i)) {
			t.Errorf("line %d missing from %q", i, inv.Response)
		}
	}
	// The process is frozen: what it sent before has arrived.
	root, real, _, ok := invocationTrace(c.Spans(), inv.RequestID)
	if !ok || len(real) != 2+lines {
		t.Fatalf("at the freeze: invocation span %v, %d spans of its trace, want %d: %q", ok, len(real), 2+lines, collector.SpanNames(real))
	}
	if d := root.EndTime.Sub(root.StartTime); d < lines*delay {
		t.Errorf("the invocation span lasted %v, less than the %v stream", d, lines*delay)
	}
	for _, s := range real {
		if s.SpanID == root.SpanID {
			continue
		}
		if !s.Parent(root) || s.EndTime.After(root.EndTime) || !s.Arrived.Before(inv.Completed) {
			t.Errorf("span %s: not a child of the invocation span within it, arrived before the freeze", s)
		}
	}

	failed, err := e.Invoke(ctx, []byte(`{"lines":6,"delayMs":10,"fail":true}`))
	if err != nil {
		t.Fatal(err)
	}
	if failed.ErrorPayload == nil || failed.ErrorPayload.Message != "the stream failed half-way on purpose" || failed.FreezeSent.IsZero() {
		t.Fatalf("failed stream: %+v, error %+v", failed, failed.ErrorPayload)
	}
	froot, _, _, ok := invocationTrace(c.Spans(), failed.RequestID)
	if _, exc := froot.Event("exception"); !ok || froot.Status.Code != collector.StatusError || !exc ||
		froot.Attributes["logfire.level_num"] != int64(17) {
		t.Errorf("the failed stream's invocation span: %v", froot)
	}
	if _, err := e.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
}

// TestLambdaAdaptiveRare: a function invoked once every 5 s, the rare
// traffic of the adaptive flush's first half. Every invocation flushes, so
// each one's spans are at the Collector before its own freeze, and none is
// lost.
func TestLambdaAdaptiveRare(t *testing.T) {
	const n, gap = 4, 5 * time.Second
	c := collector.Start(t)
	bin := buildFunction(t, "./examples/lambda")
	e := startLambda(t, bin, 3*time.Second, logfireEnv(c.Endpoint())...)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var invs []*lambdatest.Invocation
	for i := range n {
		if i > 0 {
			time.Sleep(gap)
		}
		invs = append(invs, invokeN(t, ctx, e, 1, func(int) []byte { return commandEvent(fmt.Sprintf("cmd-%d", i)) })...)
		requireFrozenOK(t, i, invs[i])
	}
	// The process is frozen after each invocation, so what has arrived
	// now is all it sent before the last freeze.
	spans := c.Spans()
	var tl tally
	for i, inv := range invs {
		if p := exampleSpans(spans, inv, fmt.Sprintf("cmd-%d", i), inv.Completed, &tl); p != "" {
			t.Errorf("invocation %d: %s", i, p)
		}
	}
	if tl.expected != 3*n || tl.onTime != tl.expected || tl.late != 0 || tl.lost != 0 {
		t.Errorf("%v", tl)
	}
	t.Logf("%d invocations %v apart: %v", n, gap, tl)
	if _, err := e.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
}
