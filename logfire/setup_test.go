package logfire

import (
	"context"
	"os"
	"strings"
	"testing"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
)

// clearEnv unsets every variable the SDK reads so a test sees only what it
// sets (t.Setenv restores them afterwards).
func clearEnv(t *testing.T) {
	t.Helper()
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(k, "LOGFIRE_") || strings.HasPrefix(k, "OTEL_") || strings.HasPrefix(k, "AWS_LAMBDA_") || k == "NO_COLOR" {
			t.Setenv(k, "")
			os.Unsetenv(k)
		}
	}
	// No credentials file from the working directory.
	t.Setenv("LOGFIRE_CREDENTIALS_DIR", t.TempDir())
}

// newTestInstance configures an independent instance with the console off
// and an in-memory exporter that sees every span as it ends.
func newTestInstance(t *testing.T, opts ...Option) (*Logfire, *tracetest.InMemoryExporter) {
	t.Helper()
	mem := tracetest.NewInMemoryExporter()
	base := []Option{WithSetDefault(false), WithConsole(nil), WithSpanProcessor(sdktrace.NewSimpleSpanProcessor(mem))}
	lf, err := Configure(context.Background(), append(base, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = lf.Shutdown(context.Background()) })
	return lf, mem
}
