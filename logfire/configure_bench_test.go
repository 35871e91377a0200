package logfire

import (
	"context"
	"testing"

	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/logfire-go/sdk/config"
)

// BenchmarkConfigure measures Configure with one token (three OTLP
// exporters built, resource detected, no network) and then Shutdown.
func BenchmarkConfigure(b *testing.B) {
	b.Setenv("LOGFIRE_TOKEN", testToken)
	b.Setenv("LOGFIRE_BASE_URL", "http://127.0.0.1:9")
	b.Setenv("LOGFIRE_CONSOLE", "false")
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		lf, err := Configure(ctx, notDefault())
		if err != nil {
			b.Fatal(err)
		}
		_ = lf.Shutdown(ctx)
	}
}

// BenchmarkPlainOTelSetup is the same work done by hand with plain
// OpenTelemetry Go, for comparison: a tracer provider with a batch
// processor, no exporters connected.
func BenchmarkPlainOTelSetup(b *testing.B) {
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		res, _ := resource.New(ctx, resource.WithTelemetrySDK())
		tp := sdktrace.NewTracerProvider(sdktrace.WithResource(res))
		_ = tp.Shutdown(ctx)
	}
	_ = config.Default()
}
