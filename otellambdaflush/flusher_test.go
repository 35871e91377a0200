package otellambdaflush

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/lambdacontext"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/logfire-go/sdk/config"
	"github.com/logfire-go/sdk/internal/otlptest"
	"github.com/logfire-go/sdk/logfire"
)

func clearEnv(t *testing.T) {
	t.Helper()
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(k, "LOGFIRE_") || strings.HasPrefix(k, "OTEL_") || strings.HasPrefix(k, "AWS_") {
			t.Setenv(k, "")
			os.Unsetenv(k)
		}
	}
	t.Setenv("LOGFIRE_CREDENTIALS_DIR", t.TempDir())
}

// countingExporter records exported spans and can be made to hang.
type countingExporter struct {
	mu    sync.Mutex
	spans []sdktrace.ReadOnlySpan
	block chan struct{} // when non-nil, exports wait on it or ctx
}

func (e *countingExporter) ExportSpans(ctx context.Context, spans []sdktrace.ReadOnlySpan) error {
	if e.block != nil {
		select {
		case <-e.block:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	e.spans = append(e.spans, spans...)
	return nil
}

func (e *countingExporter) Shutdown(context.Context) error { return nil }

func (e *countingExporter) names() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []string
	for _, s := range e.spans {
		out = append(out, s.Name())
	}
	return out
}

// newInstance returns an instance whose spans go through a batch processor
// (as in production, with a long delay so only flushes export) to exp, and
// also to an in-memory exporter as they end.
func newInstance(t *testing.T, exp sdktrace.SpanExporter) (*logfire.Logfire, *tracetest.InMemoryExporter) {
	t.Helper()
	clearEnv(t)
	mem := tracetest.NewInMemoryExporter()
	lf, err := logfire.Configure(context.Background(),
		logfire.WithSetDefault(false), logfire.WithConsole(false), logfire.WithSendToLogfire(config.SendNever),
		logfire.WithSpanProcessor(sdktrace.NewBatchSpanProcessor(exp, sdktrace.WithBatchTimeout(time.Hour))),
		logfire.WithSpanProcessor(sdktrace.NewSimpleSpanProcessor(mem)),
	)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		_ = lf.Shutdown(ctx)
	})
	return lf, mem
}

func TestBudget(t *testing.T) {
	f := NewFlusher(nil, WithFlushTimeout(time.Second), WithSafetyMargin(50*time.Millisecond))
	now := time.Now()
	far, cancel := context.WithDeadline(context.Background(), now.Add(time.Minute))
	defer cancel()
	near, cancel2 := context.WithDeadline(context.Background(), now.Add(300*time.Millisecond))
	defer cancel2()
	past, cancel3 := context.WithDeadline(context.Background(), now.Add(-time.Millisecond))
	defer cancel3()
	for name, tc := range map[string]struct {
		ctx  context.Context
		want time.Duration
	}{
		"no deadline":   {context.Background(), time.Second},
		"far deadline":  {far, time.Second},
		"near deadline": {near, 250 * time.Millisecond},
		"past deadline": {past, -51 * time.Millisecond},
	} {
		if got := f.budget(tc.ctx, now); got != tc.want {
			t.Errorf("%s: budget %v, want %v", name, got, tc.want)
		}
	}
}

func TestFlushRunsWithDoneContext(t *testing.T) {
	exp := &countingExporter{}
	lf, _ := newInstance(t, exp)
	lf.Info(context.Background(), "queued")

	// The invocation context is cancelled (as when a handler returns after
	// its caller gave up) but its deadline is still ahead.
	ctx, cancel := context.WithDeadline(context.Background(), time.Now().Add(5*time.Second))
	cancel()
	if err := NewFlusher(lf).ForceFlush(ctx); err != nil {
		t.Fatal(err)
	}
	if got := exp.names(); len(got) != 1 || got[0] != "queued" {
		t.Fatalf("exported %v", got)
	}
}

func TestFlushBoundedByDeadline(t *testing.T) {
	exp := &countingExporter{block: make(chan struct{})}
	defer close(exp.block)
	lf, _ := newInstance(t, exp)
	lf.Info(context.Background(), "stuck behind a hanging backend")
	var logged []string
	f := NewFlusher(lf, WithSafetyMargin(50*time.Millisecond), WithLogger(func(format string, args ...any) { logged = append(logged, format) }))

	deadline := time.Now().Add(250 * time.Millisecond)
	ctx, cancel := context.WithDeadline(context.Background(), deadline)
	defer cancel()
	err := f.ForceFlush(ctx)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("got %v, want a deadline error", err)
	}
	if time.Now().After(deadline) {
		t.Fatalf("flush ran past the invocation deadline")
	}
	if len(logged) != 1 {
		t.Fatalf("want one log line, got %q", logged)
	}

	past, cancel2 := context.WithDeadline(context.Background(), time.Now().Add(10*time.Millisecond))
	defer cancel2()
	if err := f.ForceFlush(past); !errors.Is(err, ErrNoTimeLeft) {
		t.Fatalf("got %v, want ErrNoTimeLeft", err)
	}
}

// invoke calls h like the runtime does: with a Lambda context and deadline.
func invoke(t *testing.T, r *Runtime, handler any, payload string, timeout time.Duration) ([]byte, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	ctx = lambdacontext.NewContext(ctx, &lambdacontext.LambdaContext{
		AwsRequestID:       "req-1",
		InvokedFunctionArn: "arn:aws:lambda:eu-west-1:123456789012:function:fn",
	})
	return r.Handler(handler).Invoke(ctx, []byte(payload))
}

func spanNamed(t *testing.T, mem *tracetest.InMemoryExporter, name string) tracetest.SpanStub {
	t.Helper()
	for _, s := range mem.GetSpans() {
		if s.Name == name {
			return s
		}
	}
	t.Fatalf("no span %q among %d", name, len(mem.GetSpans()))
	return tracetest.SpanStub{}
}

func attrOf(s tracetest.SpanStub, key string) attribute.Value {
	for _, kv := range s.Attributes {
		if string(kv.Key) == key {
			return kv.Value
		}
	}
	return attribute.Value{}
}

func TestHandlerRecordsFailuresColdStartAndTrigger(t *testing.T) {
	t.Setenv("AWS_LAMBDA_FUNCTION_NAME", "fn")
	exp := &countingExporter{}
	lf, mem := newInstance(t, exp)
	t.Setenv("AWS_LAMBDA_FUNCTION_NAME", "fn")
	r := New(lf, WithMode(ModeInHandler))

	type req struct {
		Fail  string `json:"fail"`
		Panic bool   `json:"panic"`
	}
	handler := func(ctx context.Context, in req) (string, error) {
		if in.Panic {
			panic("boom")
		}
		if in.Fail != "" {
			return "", errors.New(in.Fail)
		}
		return "ok", nil
	}

	out, err := invoke(t, r, handler, `{"requestContext":{"http":{"method":"GET"}},"rawPath":"/"}`, 5*time.Second)
	if err != nil || string(out) != `"ok"` {
		t.Fatalf("got %s %v", out, err)
	}
	first := spanNamed(t, mem, "fn")
	if !attrOf(first, "faas.coldstart").AsBool() || attrOf(first, "faas.trigger").AsString() != "http" || first.Status.Code == codes.Error {
		t.Fatalf("first invocation: %v %v", first.Attributes, first.Status)
	}
	if got := exp.names(); len(got) == 0 {
		t.Fatal("nothing flushed after the invocation")
	}

	mem.Reset()
	if _, err := invoke(t, r, handler, `{"fail":"bad input"}`, 5*time.Second); err == nil {
		t.Fatal("want the handler's error")
	}
	failed := spanNamed(t, mem, "fn")
	if failed.Status.Code != codes.Error || failed.Status.Description != "*errors.errorString: bad input" ||
		attrOf(failed, "logfire.level_num").AsInt64() != 17 || attrOf(failed, "faas.coldstart").AsBool() ||
		len(failed.Events) != 1 || failed.Events[0].Name != "exception" {
		t.Fatalf("failed invocation: %+v", failed)
	}

	mem.Reset()
	func() {
		defer func() {
			if recover() == nil {
				t.Fatal("the panic must reach aws-lambda-go")
			}
		}()
		_, _ = invoke(t, r, handler, `{"panic":true}`, 5*time.Second)
	}()
	panicked := spanNamed(t, mem, "fn")
	if panicked.Status.Code != codes.Error || panicked.Status.Description != "panic: boom" || len(panicked.Events) != 1 {
		t.Fatalf("panicked invocation: %+v", panicked)
	}
	// Both failures carry the fingerprint Logfire groups issues by, and
	// they are two issues.
	fpFailed := attrOf(failed, logfire.ExceptionFingerprintKey).AsString()
	fpPanicked := attrOf(panicked, logfire.ExceptionFingerprintKey).AsString()
	if len(fpFailed) != 64 || len(fpPanicked) != 64 || fpFailed == fpPanicked {
		t.Errorf("fingerprints: failed %q, panicked %q", fpFailed, fpPanicked)
	}
	if fp := attrOf(first, logfire.ExceptionFingerprintKey); fp.Type() != attribute.INVALID {
		t.Errorf("a successful invocation has a fingerprint %q", fp.Emit())
	}
}

func TestTimeoutIsReportedBeforeTheDeadline(t *testing.T) {
	t.Setenv("AWS_LAMBDA_FUNCTION_NAME", "fn")
	exp := &countingExporter{}
	lf, _ := newInstance(t, exp)
	t.Setenv("AWS_LAMBDA_FUNCTION_NAME", "fn")
	r := New(lf, WithMode(ModeInHandler), WithTimeoutLead(150*time.Millisecond))

	var atReport []string
	handler := func(ctx context.Context) error {
		_, span := lf.Span(ctx, "slow work")
		defer span.End()
		<-ctx.Done() // runs into the deadline
		atReport = exp.names()
		return ctx.Err()
	}
	_, _ = invoke(t, r, handler, `{}`, 400*time.Millisecond)
	found := false
	for _, n := range atReport {
		found = found || n == "fn"
	}
	if !found {
		t.Fatalf("at the deadline the exporter had %v, want the invocation span", atReport)
	}
	var inv sdktrace.ReadOnlySpan
	exp.mu.Lock()
	for _, s := range exp.spans {
		if s.Name() == "fn" {
			inv = s
		}
	}
	exp.mu.Unlock()
	if inv.Status().Code != codes.Error || !strings.HasPrefix(inv.Status().Description, "Timeout:") {
		t.Fatalf("invocation status %+v", inv.Status())
	}
}

func TestTrigger(t *testing.T) {
	cases := map[string]string{
		`{"httpMethod":"GET","requestContext":{"resourcePath":"/"}}`:              "http",
		`{"routeKey":"GET /","requestContext":{"http":{"method":"GET"}}}`:         "http",
		`{"requestContext":{"elb":{"targetGroupArn":"x"}},"httpMethod":"GET"}`:    "http",
		`{"Records":[{"eventSource":"aws:sqs","body":"x"}]}`:                      "pubsub",
		`{"Records":[{"EventSource":"aws:sns","Sns":{}}]}`:                        "pubsub",
		`{"Records":[{"eventSource":"aws:s3"}]}`:                                  "datasource",
		`{"source":"aws.events","detail-type":"Scheduled Event","detail":{}}`:     "timer",
		`{"source":"com.example.orders","detail-type":"OrderPlaced","detail":{}}`: "pubsub",
		`{"command":"hello"}`: "other",
		`not json`:            "other",
		``:                    "other",
		`[1,2]`:               "other",
	}
	for in, want := range cases {
		if got := Trigger([]byte(in)); got != want {
			t.Errorf("%s: %s, want %s", in, got, want)
		}
	}
}

// TestBatchedFlush: with WithBatchedFlush, an invocation flushes only once
// a full batch waits (or the maximum age has passed); the others leave
// their spans queued, and Shutdown sends the rest: nothing is lost.
func TestBatchedFlush(t *testing.T) {
	clearEnv(t)
	rcv := otlptest.New(t)
	lf, err := logfire.Configure(context.Background(), logfire.WithSetDefault(false), logfire.WithConsole(false),
		logfire.WithToken("batched-token"), logfire.WithBaseURL(rcv.URL()), logfire.WithBatchSizes(0, 64),
		logfire.WithBatchScheduleDelay(time.Hour)) // no export but the flushes
	if err != nil {
		t.Fatal(err)
	}
	r := New(lf, WithMode(ModeInHandler), WithBatchedFlush(time.Hour))
	h := r.Handler(func(ctx context.Context) error {
		for i := range 9 {
			_, span := lf.Span(ctx, "work {i}", "i", i)
			span.End()
		}
		return nil
	})
	invoke := func(i int) {
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		defer cancel()
		ctx = lambdacontext.NewContext(ctx, &lambdacontext.LambdaContext{AwsRequestID: fmt.Sprint("req-", i)})
		if _, err := h.Invoke(ctx, []byte(`{}`)); err != nil {
			t.Fatal(err)
		}
	}
	// 10 spans an invocation (the invocation span and 9): the 7th
	// invocation finds 70 queued, a full batch of 64, and flushes.
	for i := range 6 {
		invoke(i)
	}
	if n := rcv.Requests(otlptest.Traces); n != 0 {
		t.Errorf("%d export requests before a full batch waited", n)
	}
	invoke(6)
	if got := rcv.Count(otlptest.Traces); got != 70 {
		t.Errorf("the flush of a full batch delivered %d spans, want 70", got)
	}
	for i := 7; i < 10; i++ {
		invoke(i)
	}
	if got := rcv.Count(otlptest.Traces); got != 70 {
		t.Errorf("%d spans delivered before Shutdown, want 70", got)
	}
	if err := lf.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := rcv.Count(otlptest.Traces); got != 100 || rcv.Duplicates(otlptest.Traces) != 0 {
		t.Errorf("after Shutdown: %d spans (%d twice), want 100", got, rcv.Duplicates(otlptest.Traces))
	}
}

// TestBatchedFlushWithoutStart: a Flusher used on its own (Options, an
// otellambda setup of the user's) sees no panics and no SIGTERM, so
// WithBatchedFlush does not hold back its flushes: every invocation's
// spans are delivered when it ends.
func TestBatchedFlushWithoutStart(t *testing.T) {
	clearEnv(t)
	rcv := otlptest.New(t)
	lf, err := logfire.Configure(context.Background(), logfire.WithSetDefault(false), logfire.WithConsole(false),
		logfire.WithToken("batched-token"), logfire.WithBaseURL(rcv.URL()),
		logfire.WithBatchScheduleDelay(time.Hour)) // no export but the flushes
	if err != nil {
		t.Fatal(err)
	}
	defer lf.Shutdown(context.Background())
	f := NewFlusher(lf, WithBatchedFlush(time.Hour))
	for i := range 3 {
		_, span := lf.Span(context.Background(), "work {i}", "i", i)
		span.End()
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		err := f.ForceFlush(ctx)
		cancel()
		if err != nil {
			t.Fatal(err)
		}
		if got := rcv.Count(otlptest.Traces); got != i+1 {
			t.Fatalf("after invocation %d: %d spans delivered, want %d", i, got, i+1)
		}
	}
}

// TestBatchedFlushMaxAge: with WithBatchedFlush, an invocation that finds
// the last flush maxAge old flushes everything queued, a batch full or not.
func TestBatchedFlushMaxAge(t *testing.T) {
	clearEnv(t)
	rcv := otlptest.New(t)
	lf, err := logfire.Configure(context.Background(), logfire.WithSetDefault(false), logfire.WithConsole(false),
		logfire.WithToken("batched-token"), logfire.WithBaseURL(rcv.URL()),
		logfire.WithBatchScheduleDelay(time.Hour)) // no export but the flushes
	if err != nil {
		t.Fatal(err)
	}
	defer lf.Shutdown(context.Background())
	const maxAge = 300 * time.Millisecond
	r := New(lf, WithMode(ModeInHandler), WithBatchedFlush(maxAge))
	h := r.Handler(func(ctx context.Context) error {
		_, span := lf.Span(ctx, "work")
		span.End()
		return nil
	})
	invoke := func(i int) {
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		defer cancel()
		ctx = lambdacontext.NewContext(ctx, &lambdacontext.LambdaContext{AwsRequestID: fmt.Sprint("req-", i)})
		if _, err := h.Invoke(ctx, []byte(`{}`)); err != nil {
			t.Fatal(err)
		}
	}
	invoke(0)
	if got := rcv.Count(otlptest.Traces); got != 0 {
		t.Fatalf("%d spans delivered by an invocation within maxAge of the last flush, want 0", got)
	}
	time.Sleep(maxAge + 20*time.Millisecond)
	invoke(1)
	// Two invocations of two spans each (the invocation span and "work").
	if got := rcv.Count(otlptest.Traces); got != 4 {
		t.Errorf("after maxAge: %d spans delivered, want 4", got)
	}
}
