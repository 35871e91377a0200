package logfire_test

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/logfire-go/sdk/config"
	"github.com/logfire-go/sdk/internal/testhook"
	"github.com/logfire-go/sdk/logfire"
)

// These tests live outside package logfire, so that the user's functions in
// the stack traces are not functions of the SDK's package.

// sdkFunc starts the names of the SDK package's functions. This package's
// functions start with "github.com/logfire-go/sdk/logfire_test.".
const sdkFunc = "github.com/logfire-go/sdk/logfire."

const thisPkg = "github.com/logfire-go/sdk/logfire_test."

func stackInstance(t *testing.T) (*logfire.Logfire, *tracetest.InMemoryExporter) {
	t.Helper()
	return stackInstanceOn(t, testhook.With(context.Background(), testhook.Settings{NotDefault: true}))
}

// stackInstanceOn is stackInstance configured with ctx: without the test
// hook's NotDefault, the instance becomes the default.
func stackInstanceOn(t *testing.T, ctx context.Context) (*logfire.Logfire, *tracetest.InMemoryExporter) {
	t.Helper()
	t.Setenv("LOGFIRE_CREDENTIALS_DIR", t.TempDir())
	mem := tracetest.NewInMemoryExporter()
	lf, err := logfire.Configure(ctx,
		logfire.WithConsole(nil),
		logfire.WithSendToLogfire(config.SendNever),
		logfire.WithSpanProcessor(sdktrace.NewSimpleSpanProcessor(mem)),
	)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = lf.Shutdown(context.Background()) })
	return lf, mem
}

// stackOf returns the exception.stacktrace of the only exception event of
// the span named name.
func stackOf(t *testing.T, mem *tracetest.InMemoryExporter, name string) string {
	t.Helper()
	for _, s := range mem.GetSpans() {
		if s.Name != name {
			continue
		}
		for _, ev := range s.Events {
			if ev.Name != "exception" {
				continue
			}
			for _, kv := range ev.Attributes {
				if kv.Key == "exception.stacktrace" {
					return kv.Value.AsString()
				}
			}
		}
	}
	t.Fatalf("no exception event on %q among %d spans", name, len(mem.GetSpans()))
	return ""
}

// frames splits a stack trace in debug.Stack's format into its header and
// its function lines, checking that each is followed by a "\tfile:line" line.
func frames(t *testing.T, stack string) (header string, funcs []string) {
	t.Helper()
	lines := strings.Split(strings.TrimSuffix(stack, "\n"), "\n")
	if len(lines) < 3 {
		t.Fatalf("stack too short:\n%s", stack)
	}
	header, lines = lines[0], lines[1:]
	if !strings.HasPrefix(header, "goroutine ") || !strings.HasSuffix(header, " [running]:") {
		t.Fatalf("header %q, want debug.Stack's", header)
	}
	if len(lines)%2 != 0 {
		t.Fatalf("odd number of frame lines:\n%s", stack)
	}
	for i := 0; i < len(lines); i += 2 {
		fn, loc := lines[i], lines[i+1]
		if !strings.HasSuffix(fn, "(...)") || !strings.HasPrefix(loc, "\t") || !strings.Contains(loc, ".go:") {
			t.Fatalf("frame %q / %q is not in debug.Stack's format:\n%s", fn, loc, stack)
		}
		funcs = append(funcs, strings.TrimSuffix(fn, "(...)"))
	}
	return header, funcs
}

// checkUserStack checks that the first frame is first and that no frame is
// the SDK's or runtime/debug's.
func checkUserStack(t *testing.T, stack, first string) {
	t.Helper()
	_, funcs := frames(t, stack)
	if funcs[0] != first {
		t.Errorf("first frame %q, want %q; stack:\n%s", funcs[0], first, stack)
	}
	for _, f := range funcs {
		if strings.HasPrefix(f, sdkFunc) || strings.HasPrefix(f, "runtime/debug.") || strings.HasPrefix(f, "log/slog.") {
			t.Errorf("frame %q of the SDK, runtime/debug or log/slog; stack:\n%s", f, stack)
		}
	}
	if !strings.Contains(stack, "stacktrace_test.go:") {
		t.Errorf("no frame in this file:\n%s", stack)
	}
}

//go:noinline
func failPayment(ctx context.Context, lf *logfire.Logfire) {
	lf.Error(ctx, "payment failed", "error", errors.New("card declined"))
}

//go:noinline
func failPaymentDefault(ctx context.Context) {
	logfire.Error(ctx, "payment failed (default)", "error", errors.New("card declined"))
}

//go:noinline
func failInSpan(ctx context.Context, lf *logfire.Logfire) {
	_, span := lf.Span(ctx, "charging")
	span.RecordError(errors.New("card declined"))
	span.End()
}

//go:noinline
func failWithSlog(ctx context.Context, lf *logfire.Logfire) {
	slog.New(lf.SlogHandler()).ErrorContext(ctx, "slog failure", "error", errors.New("card declined"))
}

func TestStacktraceStartsInUserCode(t *testing.T) {
	lf, mem := stackInstance(t)
	ctx := context.Background()

	failPayment(ctx, lf)
	checkUserStack(t, stackOf(t, mem, "payment failed"), thisPkg+"failPayment")

	failInSpan(ctx, lf)
	checkUserStack(t, stackOf(t, mem, "charging"), thisPkg+"failInSpan")

	failWithSlog(ctx, lf)
	checkUserStack(t, stackOf(t, mem, "slog failure"), thisPkg+"failWithSlog")

	_, funcs := frames(t, stackOf(t, mem, "payment failed"))
	if len(funcs) < 2 || funcs[1] != thisPkg+"TestStacktraceStartsInUserCode" {
		t.Errorf("second frame %v, want the test that called failPayment", funcs)
	}
}

func TestStacktraceDefaultInstance(t *testing.T) {
	_, mem := stackInstanceOn(t, context.Background()) // the default instance
	failPaymentDefault(context.Background())
	checkUserStack(t, stackOf(t, mem, "payment failed (default)"), thisPkg+"failPaymentDefault")
}

//go:noinline
func explode() error { panic("kaboom") }

func TestStacktraceOfPanicInDo(t *testing.T) {
	lf, mem := stackInstance(t)
	func() {
		defer func() { _ = recover() }()
		_ = lf.Do(context.Background(), "exploding", func(context.Context) error { return explode() })
	}()
	stack := stackOf(t, mem, "exploding")
	// As in Go's own traceback of a panic: panic, then the function that
	// panicked, then its callers.
	checkUserStack(t, stack, "panic")
	_, funcs := frames(t, stack)
	if len(funcs) < 3 || funcs[1] != thisPkg+"explode" || !strings.HasPrefix(funcs[2], thisPkg+"TestStacktraceOfPanicInDo.") {
		t.Errorf("frames %v, want panic, explode, the closure passed to Do", funcs)
	}
}
