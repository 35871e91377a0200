// Package logfiretest captures, in memory, everything a *logfire.Logfire
// records, so that tests can assert on what Logfire would receive.
//
// New builds an instance for one test:
//
//	func TestCheckout(t *testing.T) {
//		lf, capture := logfiretest.New(t)
//		lf.Info(ctx, "Hello {name}", "name", "world")
//		log := capture.Log("Hello {name}")
//		if got := log.Value("logfire.msg"); got != "Hello world" { ... }
//	}
//
// The capture sees what Logfire's own exporter sees, at once (there is no
// batching): real spans when they end, logs, and the pending span of each
// span when it starts. It also holds the records of the OpenTelemetry
// LoggerProvider and reads the MeterProvider on demand, with Logfire's
// temporality and aggregation.
//
// # Deterministic output
//
// Ids come from an IDGenerator that counts: trace ids 1, 2, 3, … and span ids
// 1, 2, 3, … (pending spans take span ids from it too), written big-endian
// into the 16 and 8 bytes of the OpenTelemetry ids.
//
// The OpenTelemetry Go SDK reads the wall clock itself and has no option to
// replace it, so the capture does not fake the clock; it rewrites the times
// it records instead, as the Python SDK's TestExporter does: every new
// moment it sees becomes the next whole second after the Unix epoch (1s, 2s,
// 3s, …) in the order the capture sees them. A span's start gets its second
// when the span starts; its events and its end get theirs when it ends, in
// that order. A time equal to the span's own start keeps the start's second,
// so a log (start = end) and its exception event share one second, and a
// pending span carries the second of its real span's start. The real times
// stay available through Span.ReadOnly. Running the same code therefore
// gives the same ids and times on every run, which is what golden tests
// need; only concurrent code, whose order is not fixed, can vary.
package logfiretest

import (
	"context"
	"fmt"
	"testing"

	sdkmetric "go.opentelemetry.io/otel/sdk/metric"

	"github.com/logfire-go/sdk/config"
	"github.com/logfire-go/sdk/logfire"
)

// New configures a *logfire.Logfire for the test t whose spans, logs, OTel
// log records and metrics land in the returned Capture, and shuts it down
// when the test ends (t.Cleanup).
//
// The instance is built from Capture.Options followed by opts, so opts win:
// it is not the default instance (logfire.WithSetDefault(false)), the
// console is off, nothing is sent (config.SendNever), the credentials
// directory is a fresh t.TempDir(), there is no minimum level and every
// trace is sampled. The environment still supplies everything else, as for
// logfire.Configure. A configuration error fails the test.
func New(t testing.TB, opts ...logfire.Option) (*logfire.Logfire, *Capture) {
	t.Helper()
	c := NewCapture()
	c.tb = t
	all := append(c.Options(), logfire.WithCredentialsDir(t.TempDir()))
	all = append(all, opts...)
	lf, err := logfire.Configure(context.Background(), all...)
	if err != nil {
		t.Fatalf("logfiretest: configuring the test instance: %v", err)
	}
	t.Cleanup(func() {
		if err := lf.Shutdown(context.Background()); err != nil {
			t.Errorf("logfiretest: shutting down the test instance: %v", err)
		}
	})
	return lf, c
}

// NewCapture returns an empty capture for an instance that you configure
// yourself, outside a test (in an Example, a TestMain, a benchmark):
//
//	c := logfiretest.NewCapture()
//	lf, err := logfire.Configure(ctx, c.Options()...)
//
// Methods that fail a test when New made the capture (Span, Log, …) panic
// instead.
func NewCapture() *Capture {
	return &Capture{
		ids: NewIDGenerator(),
		reader: sdkmetric.NewManualReader(
			sdkmetric.WithTemporalitySelector(logfire.MetricTemporality),
			sdkmetric.WithAggregationSelector(logfire.MetricAggregation),
		),
		starts: map[spanKey]int64{},
	}
}

// Options returns the options that connect an instance to c, preceded by
// the test defaults that New documents (except the credentials directory):
// not the default instance, console off, nothing sent, no minimum level,
// every trace sampled. Options given after them win. Use them for one
// instance only: the metric reader inside can serve one MeterProvider.
func (c *Capture) Options() []logfire.Option {
	return []logfire.Option{
		logfire.WithSetDefault(false),
		logfire.WithConsole(nil),
		logfire.WithSendToLogfire(config.SendNever),
		logfire.WithMinLevel(0),
		logfire.WithTraceSampleRate(1),
		logfire.WithIDGenerator(c.ids),
		logfire.WithLogfireSpanProcessor(spanSink{c}),
		logfire.WithLogProcessor(logSink{c}),
		logfire.WithMetricReader(c.reader),
	}
}

// IDs returns the generator of the capture's trace and span ids.
func (c *Capture) IDs() *IDGenerator { return c.ids }

// fail reports a failed lookup: through the test for a capture made by New,
// with a panic otherwise.
func (c *Capture) fail(format string, args ...any) {
	if c.tb != nil {
		c.tb.Helper()
		c.tb.Fatalf(format, args...)
		return
	}
	panic(fmt.Sprintf(format, args...))
}
