//go:build linux

package otellambdaflush_test

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/logfire-go/sdk/internal/otlptest"
	"github.com/logfire-go/sdk/otellambdaflush/lambdatest"
)

// The platform's reports under the freezing emulator, whose Telemetry API
// sends them as Lambda does: the report of an invocation is made when it
// completes and reaches the function only once the process is thawed
// again, by the next invocation or the shutdown.

// reportName is the name of a report's span.
const reportName = "Lambda report: {aws.lambda.status}"

// startWithBackend runs testdata/fn under a new emulator exporting every
// signal to backend (the later LOGFIRE_BASE_URL wins over startFn's).
func startWithBackend(t *testing.T, backend *otlptest.Receiver, opts ...lambdatest.Option) *lambdatest.Emulator {
	t.Helper()
	return startFn(t, startReceiver(t, 0), append([]lambdatest.Option{lambdatest.WithEnv("LOGFIRE_BASE_URL", backend.URL())}, opts...)...)
}

// total is the sum of the delta Sum points of metric name whose
// attributes include match.
func total(backend *otlptest.Receiver, name string, match map[string]any) int64 {
	var n int64
	for _, p := range backend.Points() {
		if p.Metric != name || p.Type != otlptest.Sum {
			continue
		}
		ok := true
		for k, v := range match {
			ok = ok && p.Attrs[k] == v
		}
		if v, isInt := p.Value.(int64); ok && isInt {
			n += v
		}
	}
	return n
}

// distribution is the count and sum of the histogram points of metric
// name.
func distribution(backend *otlptest.Receiver, name string) (count uint64, sum float64) {
	for _, p := range backend.Points() {
		if p.Metric == name && (p.Type == otlptest.Histogram || p.Type == otlptest.ExponentialHistogram) {
			count += p.Count
			sum += p.Sum
		}
	}
	return count, sum
}

// reports returns the report spans received, by request id.
func reports(backend *otlptest.Receiver) map[string]otlptest.Span {
	out := map[string]otlptest.Span{}
	for _, s := range backend.Spans() {
		if s.Name == reportName && s.Attrs["logfire.span_type"] != "pending_span" {
			out[s.Attrs["faas.invocation_id"].(string)] = s
		}
	}
	return out
}

// invocationSpan returns the invocation span of request id.
func invocationSpan(t *testing.T, backend *otlptest.Receiver, id string) otlptest.Span {
	t.Helper()
	for _, s := range backend.Spans() {
		if s.Name == "fn" && s.Attrs["faas.invocation_id"] == id && s.Attrs["logfire.span_type"] != "pending_span" {
			return s
		}
	}
	t.Fatalf("no invocation span for %s", id)
	return otlptest.Span{}
}

// near reports whether got is want within the rounding of milliseconds
// to three decimals, scaled to seconds.
func near(got, want float64) bool { return math.Abs(got-want) < 1e-5 }

// TestPlatformReportsColdStartAndShutdown: three invocations, the first a
// cold start. Each report arrives with the next invocation and is
// exported by its flush (a report is never exported before the next
// invocation); the last arrives at SIGTERM, which waits for it: none is
// lost. The FaaS metrics count exactly three invocations, one cold start
// with its INIT duration, no errors, and the durations, billed durations
// and memory of the three reports; each report is a span in its
// invocation's trace, under the invocation span.
func TestPlatformReportsColdStartAndShutdown(t *testing.T) {
	t.Parallel()
	backend := otlptest.New(t)
	e := startWithBackend(t, backend, lambdatest.WithEnv("FN_MODE", "post-response"),
		lambdatest.WithEnv("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "256"))
	ctx := testContext(t)

	var invs []*lambdatest.Invocation
	for i := range 3 {
		// The handler sleeps 100 ms: the previous report, delivered 25 ms
		// after it was made, is in before the flush.
		inv := invokeFn(t, ctx, e, `{"action":"sleep","sleepMs":100}`)
		requireOK(t, inv)
		invs = append(invs, inv)
		got := reports(backend)
		if len(got) != i {
			t.Fatalf("after invocation %d, %d reports exported, want %d", i+1, len(got), i)
		}
		for _, prev := range invs[:i] {
			if _, ok := got[prev.RequestID]; !ok {
				t.Errorf("after invocation %d, the report of %s was not exported", i+1, prev.RequestID)
			}
		}
		if n := total(backend, "faas.invocations", nil); n != int64(i) {
			t.Errorf("after invocation %d, faas.invocations = %d, want %d", i+1, n, i)
		}
	}
	rep, err := e.Shutdown(ctx)
	if err != nil || rep == nil || !rep.ExitedWithinGrace {
		t.Fatalf("Shutdown: %v %+v", err, rep)
	}

	got := reports(backend)
	if len(got) != 3 {
		t.Fatalf("%d report spans, want 3", len(got))
	}
	var durations, billed float64
	for i, inv := range invs {
		r, ok := got[inv.RequestID]
		if !ok {
			t.Fatalf("no report span for invocation %d", i+1)
		}
		parent := invocationSpan(t, backend, inv.RequestID)
		if r.TraceID != parent.TraceID || r.ParentSpanID != parent.SpanID {
			t.Errorf("report %d: trace %s parent %s, want the invocation span %s/%s", i+1, r.TraceID, r.ParentSpanID, parent.TraceID, parent.SpanID)
		}
		d := inv.Completed.Sub(inv.HandedOut)
		b := d
		if i == 0 {
			b += inv.InitDuration
		}
		wantBilled := math.Ceil(float64(b) / float64(time.Millisecond))
		if r.Attrs["aws.lambda.status"] != "success" || r.Attrs["aws.lambda.billed_duration_ms"] != wantBilled ||
			r.Attrs["aws.lambda.memory_size_mb"] != 256.0 || r.Attrs["logfire.msg"] != "Lambda report: success" {
			t.Errorf("report %d: %v (want billed %v ms)", i+1, r.Attrs, wantBilled)
		}
		if used, _ := r.Attrs["aws.lambda.max_memory_used_mb"].(float64); used < 1 || used > 256 {
			t.Errorf("report %d: max memory used %v MB", i+1, used)
		}
		if _, cold := r.Attrs["aws.lambda.init_duration_ms"]; cold != (i == 0) {
			t.Errorf("report %d: init duration %v", i+1, r.Attrs["aws.lambda.init_duration_ms"])
		}
		durations += math.Round(float64(d)/1e3) / 1e6
		billed += wantBilled / 1000
	}

	for name, want := range map[string]int64{"faas.invocations": 3, "faas.coldstarts": 1, "faas.errors": 0, "faas.timeouts": 0} {
		if n := total(backend, name, nil); n != want {
			t.Errorf("%s = %d, want %d", name, n, want)
		}
	}
	if n, sum := distribution(backend, "faas.init_duration"); n != 1 || !near(sum, math.Round(float64(invs[0].InitDuration)/1e3)/1e6) {
		t.Errorf("faas.init_duration: %d points summing %v s, want 1 of %v", n, sum, invs[0].InitDuration)
	}
	if n, sum := distribution(backend, "faas.invoke_duration"); n != 3 || !near(sum, durations) {
		t.Errorf("faas.invoke_duration: %d points summing %v s, want 3 summing %v", n, sum, durations)
	}
	if n, sum := distribution(backend, "aws.lambda.billed_duration"); n != 3 || !near(sum, billed) {
		t.Errorf("aws.lambda.billed_duration: %d points summing %v s, want 3 summing %v", n, sum, billed)
	}
	if n, sum := distribution(backend, "faas.mem_usage"); n != 3 || sum < 3<<20 || sum > 3*256<<20 {
		t.Errorf("faas.mem_usage: %d points summing %v bytes", n, sum)
	}
	if s := e.Stderr(); strings.Contains(s, "otellambdaflush:") {
		t.Errorf("the SDK complained:\n%s", s)
	}
}

// TestPlatformReportOfATimeout: an invocation that runs into its timeout;
// Lambda's runtimeDone and report (status timeout) arrive while the
// runtime handles the reset's SIGTERM, whose shutdown records them: one
// invocation, one timeout, one error of type timeout, and an error span
// under the invocation span, which the watchdog ended.
func TestPlatformReportOfATimeout(t *testing.T) {
	t.Parallel()
	backend := otlptest.New(t)
	e := startWithBackend(t, backend, lambdatest.WithTimeout(time.Second))
	ctx := testContext(t)
	inv := invokeFn(t, ctx, e, `{"action":"sleep","sleepMs":3000}`)
	if !inv.TimedOut || inv.Reset == nil || !inv.Reset.ExitedWithinGrace {
		t.Fatalf("invocation: timed out %v, reset %+v", inv.TimedOut, inv.Reset)
	}
	r, ok := reports(backend)[inv.RequestID]
	if !ok {
		t.Fatal("no report span for the invocation that timed out")
	}
	parent := invocationSpan(t, backend, inv.RequestID)
	if r.TraceID != parent.TraceID || r.ParentSpanID != parent.SpanID {
		t.Errorf("report: trace %s parent %s, want the invocation span %s/%s", r.TraceID, r.ParentSpanID, parent.TraceID, parent.SpanID)
	}
	if r.Attrs["aws.lambda.status"] != "timeout" || r.Attrs["error.type"] != "timeout" || r.Attrs["logfire.level_num"] != int64(17) ||
		r.Raw.GetStatus().GetCode().String() != "STATUS_CODE_ERROR" {
		t.Errorf("report: %v %v", r.Attrs, r.Raw.GetStatus())
	}
	if d, _ := r.Attrs["aws.lambda.duration_ms"].(float64); d < 1000 {
		t.Errorf("report duration %v ms for a 1 s timeout", d)
	}
	for name, want := range map[string]int64{"faas.invocations": 1, "faas.timeouts": 1, "faas.coldstarts": 1} {
		if n := total(backend, name, nil); n != want {
			t.Errorf("%s = %d, want %d", name, n, want)
		}
	}
	if n := total(backend, "faas.errors", map[string]any{"error.type": "timeout"}); n != 1 || total(backend, "faas.errors", nil) != 1 {
		t.Errorf("faas.errors of type timeout = %d (all: %d), want 1", n, total(backend, "faas.errors", nil))
	}
}

// TestPlatformOutOfMemory: an invocation that allocates past the memory
// size is killed with its process, extension included, so Lambda's report
// of it (error, Runtime.OutOfMemory, which the emulator sends to the
// subscribers still alive) cannot reach the function, as on Lambda; and
// the report of the invocation before it, which arrived while the killed
// one ran and was to go out with its flush, dies with the process too.
// But the record the killed invocation left in the environment's /tmp
// survives the reset: the next process, a cold start, records the killed
// invocation's report from it (error, Runtime.OutOfMemory, the memory it
// was last seen using, as a child of its invocation span), and its own
// report as usual.
func TestPlatformOutOfMemory(t *testing.T) {
	t.Parallel()
	backend := otlptest.New(t)
	e := startWithBackend(t, backend, lambdatest.WithEnv("FN_MODE", "post-response"))
	ctx := testContext(t)
	warm := invokeFn(t, ctx, e, `{}`)
	requireOK(t, warm)
	oom := invokeFn(t, ctx, e, `{"action":"alloc","allocMB":400,"sleepMs":2000}`)
	if !oom.Crashed || !oom.OutOfMemory {
		t.Fatalf("invocation: crashed %v, out of memory %v (%s)", oom.Crashed, oom.OutOfMemory, oom.ExitState)
	}
	next := invokeFn(t, ctx, e, `{}`)
	requireOK(t, next)
	if !next.ColdStart {
		t.Fatal("the invocation after the kill was not a cold start")
	}
	if _, err := e.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	got := reports(backend)
	if _, ok := got[next.RequestID]; !ok || len(got) != 2 {
		t.Fatalf("%d report spans, want the killed invocation's and the next one's", len(got))
	}
	killed, ok := got[oom.RequestID]
	if !ok {
		t.Fatal("no report span for the killed invocation")
	}
	if killed.Attrs["aws.lambda.status"] != "error" || killed.Attrs["error.type"] != "Runtime.OutOfMemory" {
		t.Errorf("report of the killed invocation: %v", killed.Attrs)
	}
	if mb, _ := killed.Attrs["aws.lambda.max_memory_used_mb"].(float64); mb < 64 || mb > 400 {
		t.Errorf("memory used by the killed invocation: %v MB, want at least half of the 128 MB memory size", killed.Attrs["aws.lambda.max_memory_used_mb"])
	}
	if killed.ParentSpanID == "" || killed.TraceID == invocationSpan(t, backend, next.RequestID).TraceID {
		t.Errorf("the killed invocation's report is not in its own invocation's trace: parent %q, trace %s", killed.ParentSpanID, killed.TraceID)
	}
	for name, want := range map[string]int64{"faas.invocations": 2, "faas.coldstarts": 1, "faas.errors": 1} {
		if n := total(backend, name, nil); n != want {
			t.Errorf("%s = %d, want %d", name, n, want)
		}
	}
	if n := total(backend, "faas.errors", map[string]any{"error.type": "Runtime.OutOfMemory"}); n != 1 {
		t.Errorf("faas.errors of type Runtime.OutOfMemory = %d, want 1", n)
	}
	// The invocation spans flushed before the kill are there.
	invocationSpan(t, backend, warm.RequestID)
}

// TestPlatformProcessExit: an invocation whose process exits (os.Exit in
// the handler, a fatal runtime error) without having used half of the
// memory size, and one that panics (aws-lambda-go then ends the process),
// are each recorded by the next process as an error of type
// Runtime.ExitError, Lambda's name for a runtime that exited, the panic's
// under its invocation span, which its own process flushed; nothing is
// recorded twice, and an invocation that ends normally leaves nothing
// behind it.
func TestPlatformProcessExit(t *testing.T) {
	t.Parallel()
	backend := otlptest.New(t)
	e := startWithBackend(t, backend)
	ctx := testContext(t)
	requireOK(t, invokeFn(t, ctx, e, `{}`))
	exited := invokeFn(t, ctx, e, `{"action":"exit"}`)
	if !exited.Crashed || exited.OutOfMemory {
		t.Fatalf("invocation: crashed %v, out of memory %v (%s)", exited.Crashed, exited.OutOfMemory, exited.ExitState)
	}
	requireOK(t, invokeFn(t, ctx, e, `{}`))
	// Long enough for the report of the invocation before to arrive:
	// the panic's flush sends it.
	panicked := invokeFn(t, ctx, e, `{"action":"panic","message":"boom","sleepMs":200}`)
	if panicked.ErrorPayload == nil {
		t.Fatalf("the panic was not reported: %+v", panicked)
	}
	requireOK(t, invokeFn(t, ctx, e, `{}`))
	if _, err := e.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	if e.Starts() != 3 {
		t.Fatalf("%d processes, want 3", e.Starts())
	}
	got := reports(backend)
	for _, inv := range []*lambdatest.Invocation{exited, panicked} {
		if r, ok := got[inv.RequestID]; !ok || r.Attrs["aws.lambda.status"] != "error" || r.Attrs["error.type"] != "Runtime.ExitError" ||
			r.Attrs["aws.lambda.max_memory_used_mb"] != nil {
			t.Errorf("report of invocation %s, whose process ended: found %v, %v", inv.RequestID, ok, r.Attrs)
		}
	}
	if r, span := got[panicked.RequestID], invocationSpan(t, backend, panicked.RequestID); r.ParentSpanID != span.SpanID || r.TraceID != span.TraceID {
		t.Errorf("the panicked invocation's report is not under its invocation span")
	}
	// The first invocation's report died with the first process (it was
	// to go out with the second invocation's flush); the other four are
	// recorded once each.
	if len(got) != 4 {
		t.Errorf("%d report spans, want 4", len(got))
	}
	if n := total(backend, "faas.errors", map[string]any{"error.type": "Runtime.ExitError"}); n != 2 || total(backend, "faas.errors", nil) != 2 {
		t.Errorf("faas.errors of type Runtime.ExitError = %d (all: %d), want 2", n, total(backend, "faas.errors", nil))
	}
}

// TestPlatformReportsOnManagedInstances: on Lambda Managed Instances the
// extension registers for no events (INVOKE is refused there) and
// subscribes with schema 2025-01-29, whose reports give the status and
// duration only: the invocations, their errors and durations are
// recorded, without billed duration or memory; nothing is logged.
func TestPlatformReportsOnManagedInstances(t *testing.T) {
	t.Parallel()
	backend := otlptest.New(t)
	e := startWithBackend(t, backend, lambdatest.WithManagedInstances(4), lambdatest.WithEnv("FN_ENTRY", "new"))
	ctx := testContext(t)
	ok := invokeFn(t, ctx, e, `{}`)
	failed := invokeFn(t, ctx, e, `{"action":"error","message":"no"}`)
	if got := extensionNames(e); len(got) != 2 || got[1] != "logfire-platform[]" {
		t.Errorf("extensions %v, want GoLangEnableSIGTERM and logfire-platform without events", got)
	}
	if _, err := e.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	got := reports(backend)
	if len(got) != 2 {
		t.Fatalf("%d report spans, want 2", len(got))
	}
	if r := got[ok.RequestID]; r.Attrs["aws.lambda.status"] != "success" || r.Attrs["aws.lambda.billed_duration_ms"] != nil ||
		r.Attrs["aws.lambda.duration_ms"] == nil {
		t.Errorf("report: %v", r.Attrs)
	}
	if r := got[failed.RequestID]; r.Attrs["aws.lambda.status"] != "error" || r.Attrs["error.type"] != "Runtime.Unknown" {
		t.Errorf("report of the failed invocation: %v", r.Attrs)
	}
	for name, want := range map[string]int64{"faas.invocations": 2, "faas.errors": 1, "faas.coldstarts": 0} {
		if n := total(backend, name, nil); n != want {
			t.Errorf("%s = %d, want %d", name, n, want)
		}
	}
	if n, _ := distribution(backend, "faas.invoke_duration"); n != 2 {
		t.Errorf("faas.invoke_duration: %d points, want 2", n)
	}
	if n, _ := distribution(backend, "aws.lambda.billed_duration"); n != 0 {
		t.Errorf("aws.lambda.billed_duration: %d points, want none on managed instances", n)
	}
	if n, _ := distribution(backend, "faas.init_duration"); n != 1 {
		t.Errorf("faas.init_duration: %d points, want 1", n)
	}
	if s := e.Stderr(); strings.Contains(s, "otellambdaflush:") {
		t.Errorf("the SDK complained:\n%s", s)
	}
}
