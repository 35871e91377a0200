package logfire

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
)

// The Pipeline benchmarks measure what users run: the full default
// pipeline, exporting (gzip OTLP/HTTP, in batches) to a receiver on
// 127.0.0.1 that reads each request and answers 200, beside plain
// OpenTelemetry Go exporting the same way in the same run. Run:
//
//	go test ./logfire -run '^$' -bench Pipeline -benchmem

// discardReceiver answers every request 200 after reading it.
func discardReceiver(b *testing.B) string {
	b.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/x-protobuf")
	}))
	b.Cleanup(srv.Close)
	return srv.URL
}

// plainPipeline is plain OpenTelemetry Go's pipeline: a batch span
// processor (with opts) and the gzip OTLP/HTTP exporter to a
// discardReceiver.
func plainPipeline(b *testing.B, opts ...sdktrace.BatchSpanProcessorOption) *sdktrace.TracerProvider {
	b.Helper()
	exp, err := otlptracehttp.New(context.Background(), otlptracehttp.WithEndpointURL(discardReceiver(b)+"/v1/traces"),
		otlptracehttp.WithCompression(otlptracehttp.GzipCompression))
	if err != nil {
		b.Fatal(err)
	}
	tp := sdktrace.NewTracerProvider(sdktrace.WithBatcher(exp, opts...))
	b.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
	return tp
}

func pipelineInstance(b *testing.B) *Logfire {
	b.Helper()
	b.Setenv("LOGFIRE_CREDENTIALS_DIR", b.TempDir())
	lf, err := Configure(context.Background(), notDefault(), WithConsole(nil),
		WithToken("bench-token"), WithBaseURL(discardReceiver(b)))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = lf.Shutdown(context.Background()) })
	return lf
}

func BenchmarkPipelineInfo2Attrs(b *testing.B) {
	lf := pipelineInstance(b)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		lf.Info(ctx, "Hello {name} {n}", "name", "world", "n", 42)
	}
}

func BenchmarkPipelineSpan2Attrs(b *testing.B) {
	lf := pipelineInstance(b)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		_, s := lf.Span(ctx, "processing {name} {n}", "name", "world", "n", 42)
		s.End()
	}
}

// BenchmarkPipelinePlainOTelSpan2Attrs is plain OpenTelemetry Go: a
// batch span processor and the gzip OTLP/HTTP exporter to the same kind of
// receiver.
func BenchmarkPipelinePlainOTelSpan2Attrs(b *testing.B) {
	tr := plainPipeline(b).Tracer("plain")
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		_, s := tr.Start(ctx, "hello", trace.WithAttributes(attribute.String("name", "world"), attribute.Int("n", 42)))
		s.End()
	}
}

// BenchmarkPipelinePlainOTelBlocking2Attrs is plain OpenTelemetry Go
// configured to deliver everything as the SDK does: its batch span
// processor blocks when its queue is full (sdktrace.WithBlocking) instead
// of dropping. A tight loop then goes at the exporter's pace, as
// BenchmarkPipelineInfo2Attrs does: this is its twin.
func BenchmarkPipelinePlainOTelBlocking2Attrs(b *testing.B) {
	tr := plainPipeline(b, sdktrace.WithBlocking()).Tracer("plain")
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		_, s := tr.Start(ctx, "hello", trace.WithAttributes(attribute.String("name", "world"), attribute.Int("n", 42)))
		s.End()
	}
}

// BenchmarkPipelineInfo2AttrsDelivered flushes every 256 logs, so that
// every log is exported (a tight loop otherwise outruns any exporter):
// the cost of recording and delivering one.
func BenchmarkPipelineInfo2AttrsDelivered(b *testing.B) {
	lf := pipelineInstance(b)
	ctx := context.Background()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		lf.Info(ctx, "Hello {name} {n}", "name", "world", "n", 42)
		if i++; i%256 == 0 {
			_ = lf.ForceFlush(ctx)
		}
	}
}

// BenchmarkPipelinePlainOTelSpan2AttrsDelivered is the plain OpenTelemetry
// twin of BenchmarkPipelineInfo2AttrsDelivered.
func BenchmarkPipelinePlainOTelSpan2AttrsDelivered(b *testing.B) {
	tp := plainPipeline(b)
	tr := tp.Tracer("plain")
	ctx := context.Background()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		_, s := tr.Start(ctx, "hello", trace.WithAttributes(attribute.String("name", "world"), attribute.Int("n", 42)))
		s.End()
		if i++; i%256 == 0 {
			_ = tp.ForceFlush(ctx)
		}
	}
}
