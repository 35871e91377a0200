package logfire

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/logfire-go/sdk/internal/testhook"
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
	base := []Option{notDefault(), WithConsole(nil), WithSpanProcessor(sdktrace.NewSimpleSpanProcessor(mem))}
	lf, err := Configure(context.Background(), append(base, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = lf.Shutdown(context.Background()) })
	return lf, mem
}

// hooked sets what internal/testhook carries, as an option, for the tests
// of this package.
func hooked(f func(h *testhook.Settings)) Option {
	return optionFunc(func(s *settings) { f(&s.hook) })
}

// notDefault keeps the instance from becoming the default.
func notDefault() Option { return hooked(func(h *testhook.Settings) { h.NotDefault = true }) }

// The hook's settings that users give in the environment, or not at all.
func withScheduleDelay(d time.Duration) Option {
	return hooked(func(h *testhook.Settings) { h.BatchScheduleDelay = d })
}

func withExportTimeout(d time.Duration) Option {
	return hooked(func(h *testhook.Settings) { h.BatchExportTimeout = d })
}

func withBatchSizes(maxQueue, maxExport int) Option {
	return hooked(func(h *testhook.Settings) { h.BatchMaxQueueSize, h.BatchMaxExportSize = maxQueue, maxExport })
}

func withCredentialsDir(dir string) Option {
	return hooked(func(h *testhook.Settings) { h.CredentialsDir = dir })
}

func withOutageProbe(d time.Duration) Option {
	return hooked(func(h *testhook.Settings) { h.OutageProbe = d })
}

func withMaxQueueBytes(n int) Option {
	return hooked(func(h *testhook.Settings) { h.MaxQueueBytes = n })
}

func withDestinations(dests ...testhook.Destination) Option {
	return hooked(func(h *testhook.Settings) { h.Destinations = append([]testhook.Destination(nil), dests...) })
}

func withIDGenerator(g sdktrace.IDGenerator) Option {
	return hooked(func(h *testhook.Settings) { h.IDGenerator = g })
}

// withLogfireProcessor adds a span processor that sees what Logfire's
// exporter sees (pending spans included).
func withLogfireProcessor(p sdktrace.SpanProcessor) Option {
	return hooked(func(h *testhook.Settings) { h.SpanProcessors = append(h.SpanProcessors, p) })
}

func withMetricReader(r sdkmetric.Reader) Option {
	return hooked(func(h *testhook.Settings) { h.MetricReaders = append(h.MetricReaders, r) })
}

// withHeadRate sets the head sample rate, as SamplingOptions.Head.
func withHeadRate(rate float64) Option { return WithSampling(SamplingOptions{Head: rate}) }

// scrubbingOn turns scrubbing on (with no extra pattern or callback) or
// off.
func scrubbingOn(on bool) Option {
	if on {
		return WithScrubbing(&ScrubbingOptions{})
	}
	return WithScrubbing(nil)
}
