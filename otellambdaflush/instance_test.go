package otellambdaflush

import (
	"context"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"
	"go.opentelemetry.io/otel/attribute"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/logfire-go/sdk/config"
	"github.com/logfire-go/sdk/internal/testhook"
	"github.com/logfire-go/sdk/logfire"
)

// What the tests of this package share: an instance whose exports they can
// watch, and a record of what the package reported.

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

// newInstance returns an instance whose spans go through a batch processor
// (as in production, with a long delay so only flushes export) to exp, and
// also to an in-memory exporter as they end. It clears the environment.
func newInstance(t *testing.T, exp sdktrace.SpanExporter) (*logfire.Logfire, *tracetest.InMemoryExporter) {
	t.Helper()
	clearEnv(t)
	mem := tracetest.NewInMemoryExporter()
	lf, err := logfire.Configure(testhook.With(context.Background(), testhook.Settings{NotDefault: true}),
		logfire.WithConsole(nil), logfire.WithSendToLogfire(config.SendNever),
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

// newRuntimeT is New for tests, failing t on an error.
func newRuntimeT(t *testing.T, lf *logfire.Logfire, opts ...Option) *Runtime {
	t.Helper()
	r, err := New(lf, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return r
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

// flushRecorder is an exporter that records when spans were exported.
type flushRecorder struct {
	mu    sync.Mutex
	times map[string]time.Time // span name → export time
	n     int                  // spans exported
}

func (e *flushRecorder) ExportSpans(_ context.Context, spans []sdktrace.ReadOnlySpan) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.times == nil {
		e.times = map[string]time.Time{}
	}
	for _, s := range spans {
		e.times[s.Name()] = time.Now()
	}
	e.n += len(spans)
	return nil
}

func (e *flushRecorder) Shutdown(context.Context) error { return nil }

// count is the number of spans exported so far.
func (e *flushRecorder) count() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.n
}

func (e *flushRecorder) exported(name string) (time.Time, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	at, ok := e.times[name]
	return at, ok
}

// lines records what the package reports, for withReport.
type lines struct {
	mu  sync.Mutex
	got []string
}

func (l *lines) report(err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.got = append(l.got, err.Error())
}

func (l *lines) all() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.got...)
}

func (l *lines) count(substr string) int {
	n := 0
	for _, s := range l.all() {
		if strings.Contains(s, substr) {
			n++
		}
	}
	return n
}

// withReport sends what the package reports to l instead of standard
// error.
func withReport(l *lines) Option {
	return optionFunc(func(c *runtimeConfig) { c.report = l.report })
}

// invoke calls the runtime's handler like aws-lambda-go does: with a
// Lambda context and deadline.
func invoke(t *testing.T, r *Runtime, handler any, payload string, timeout time.Duration) ([]byte, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	ctx = lambdacontext.NewContext(ctx, &lambdacontext.LambdaContext{
		AwsRequestID:       "req-1",
		InvokedFunctionArn: "arn:aws:lambda:eu-west-1:123456789012:function:fn",
	})
	return lambda.NewHandler(r.Handler(handler)).Invoke(ctx, []byte(payload))
}

// invokeAs calls the runtime's handler like aws-lambda-go does, for
// request id id.
func invokeAs(r *Runtime, handler any, id string, timeout time.Duration) ([]byte, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	ctx = lambdacontext.NewContext(ctx, &lambdacontext.LambdaContext{AwsRequestID: id})
	return lambda.NewHandler(r.Handler(handler)).Invoke(ctx, []byte(`{}`))
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
