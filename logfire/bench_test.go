package logfire

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"

	"github.com/logfire-go/sdk/config"
	"github.com/logfire-go/sdk/console"
)

// The benchmarks below compare the SDK's hot paths with plain
// OpenTelemetry Go doing the same work in the same run. Both tracer
// providers have no span processor, so the numbers are the cost of
// recording, not of exporting. Run:
//
//	go test ./logfire -run '^$' -bench . -benchmem

func benchInstance(b *testing.B, opts ...Option) *Logfire {
	b.Helper()
	b.Setenv("LOGFIRE_CREDENTIALS_DIR", b.TempDir())
	lf, err := Configure(context.Background(), append([]Option{
		notDefault(), WithConsole(nil), WithSendToLogfire(config.SendNever)}, opts...)...)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = lf.Shutdown(context.Background()) })
	return lf
}

func plainTracer() trace.Tracer {
	return sdktrace.NewTracerProvider().Tracer("plain")
}

func BenchmarkPlainOTelSpan2Attrs(b *testing.B) {
	tr := plainTracer()
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		_, s := tr.Start(ctx, "hello", trace.WithAttributes(attribute.String("name", "world"), attribute.Int("n", 42)))
		s.End()
	}
}

// BenchmarkPlainOTelSpanLogfireAttrs is plain OpenTelemetry Go recording
// what Info sends for the call below, attributes written out by hand: the
// floor for Info, since OpenTelemetry's cost grows with the attribute count.
func BenchmarkPlainOTelSpanLogfireAttrs(b *testing.B) {
	tr := plainTracer()
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		now := time.Now()
		_, s := tr.Start(ctx, "Hello {name} {n}", trace.WithTimestamp(now), trace.WithAttributes(
			attribute.String("logfire.span_type", "log"),
			attribute.Int("logfire.level_num", 9),
			attribute.String("logfire.msg_template", "Hello {name} {n}"),
			attribute.String("logfire.msg", "Hello world 42"),
			attribute.String("code.filepath", "logfire/bench_test.go"),
			attribute.Int("code.lineno", 1),
			attribute.String("code.function", "logfire.BenchmarkInfo2Attrs"),
			attribute.String("name", "world"),
			attribute.Int("n", 42),
			attribute.String("logfire.json_schema", `{"type":"object","properties":{"name":{},"n":{}}}`),
		))
		s.End(trace.WithTimestamp(now))
	}
}

func BenchmarkInfo2Attrs(b *testing.B) {
	lf := benchInstance(b)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		lf.Info(ctx, "Hello {name} {n}", "name", "world", "n", 42)
	}
}

func BenchmarkSpan2Attrs(b *testing.B) {
	lf := benchInstance(b)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		_, s := lf.Span(ctx, "processing {name} {n}", "name", "world", "n", 42)
		s.End()
	}
}

func BenchmarkInfoBelowMinLevel(b *testing.B) {
	lf := benchInstance(b, WithMinLevel(LevelWarn))
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		lf.Info(ctx, "Hello {name} {n}", "name", "world", "n", 42)
	}
}

// Variables, unlike the constants above, are converted to any at the call
// site before Info can check the level: a string costs an allocation, an
// int outside 0–255 another. Enabled avoids them.
var (
	benchName = "world"
	benchN    = 4242
)

func BenchmarkInfoBelowMinLevelVarArgs(b *testing.B) {
	lf := benchInstance(b, WithMinLevel(LevelWarn))
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		lf.Info(ctx, "Hello {name} {n}", "name", benchName, "n", benchN)
	}
}

func BenchmarkInfoBelowMinLevelVarArgsGuarded(b *testing.B) {
	lf := benchInstance(b, WithMinLevel(LevelWarn))
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if lf.Enabled(LevelInfo) {
			lf.Info(ctx, "Hello {name} {n}", "name", benchName, "n", benchN)
		}
	}
}

func BenchmarkSpanBelowMinLevel(b *testing.B) {
	lf := benchInstance(b, WithMinLevel(LevelWarn))
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		_, s := lf.Span(ctx, "processing {name} {n}", "name", "world", "n", 42)
		s.End()
	}
}

func BenchmarkSlogBelowMinLevel(b *testing.B) {
	lf := benchInstance(b, WithMinLevel(LevelWarn))
	logger := slog.New(lf.SlogHandler())
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		logger.InfoContext(ctx, "Hello {name} {n}", "name", "world", "n", 42)
	}
}

func BenchmarkPackageInfoBelowMinLevel(b *testing.B) {
	lf := benchInstance(b, WithMinLevel(LevelWarn))
	old := current()
	setDefault(lf)
	b.Cleanup(func() { setDefault(old) })
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		Info(ctx, "Hello {name} {n}", "name", "world", "n", 42)
	}
}

func BenchmarkSlogInfo2Attrs(b *testing.B) {
	lf := benchInstance(b)
	logger := slog.New(lf.SlogHandler())
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		logger.InfoContext(ctx, "Hello {name} {n}", "name", "world", "n", 42)
	}
}

func BenchmarkPlainSlogJSON2Attrs(b *testing.B) {
	logger := slog.New(slog.NewJSONHandler(io.Discard, nil))
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		logger.InfoContext(ctx, "Hello {name} {n}", "name", "world", "n", 42)
	}
}

func BenchmarkInfoConsoleOn(b *testing.B) {
	b.Setenv("LOGFIRE_CREDENTIALS_DIR", b.TempDir())
	lf, err := Configure(context.Background(), notDefault(), WithSendToLogfire(config.SendNever),
		WithConsole(&console.Options{Writer: io.Discard}))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = lf.Shutdown(context.Background()) })
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		lf.Info(ctx, "Hello {name} {n}", "name", "world", "n", 42)
	}
}
