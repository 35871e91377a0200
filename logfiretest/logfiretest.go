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
// Ids count: trace ids 1, 2, 3, … and span ids 1, 2, 3, … (pending spans
// take span ids too), written big-endian into the 16 and 8 bytes of the
// OpenTelemetry ids (trace id 1 is 00000000000000000000000000000001, span
// id 1 is 0000000000000001), as with the Python SDK's
// IncrementalIdGenerator. The instances of one test share the count, so
// that two services of a test never have the same ids. With such small
// ids, trace-id-ratio sampling (logfire.SamplingOptions.Head below 1)
// keeps nearly every trace: test sampling without logfiretest.
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
	"sync"
	"testing"

	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/logfire-go/sdk/config"
	"github.com/logfire-go/sdk/internal/metricpref"
	"github.com/logfire-go/sdk/internal/testhook"
	"github.com/logfire-go/sdk/logfire"
)

// New configures a *logfire.Logfire for the test t whose spans, logs, OTel
// log records and metrics land in the returned Capture, and shuts it down
// when the test ends (t.Cleanup).
//
// The instance is built with these options, followed by opts, which win:
// the console off, nothing sent (config.SendNever), no minimum level and
// every trace sampled. It is never the default instance (the package-level
// functions and OpenTelemetry's global providers are left alone), reads no
// credentials file, and counts its ids (see the package documentation).
// The environment still supplies everything else, as for
// logfire.Configure. A configuration error fails the test.
func New(t testing.TB, opts ...logfire.Option) (*logfire.Logfire, *Capture) {
	t.Helper()
	c := &Capture{
		tb: t,
		reader: sdkmetric.NewManualReader(
			sdkmetric.WithTemporalitySelector(metricpref.Temporality),
			sdkmetric.WithAggregationSelector(metricpref.Aggregation),
		),
		starts: map[spanKey]int64{},
	}
	ctx := testhook.With(context.Background(), testhook.Settings{
		NotDefault:     true,
		IDGenerator:    idsOf(t),
		SpanProcessors: []sdktrace.SpanProcessor{spanSink{c}},
		MetricReaders:  []sdkmetric.Reader{c.reader},
		CredentialsDir: t.TempDir(),
	})
	all := append([]logfire.Option{
		logfire.WithConsole(nil),
		logfire.WithSendToLogfire(config.SendNever),
		logfire.WithMinLevel(0),
		logfire.WithSampling(logfire.SamplingOptions{Head: 1}),
		logfire.WithLogProcessor(logSink{c}),
	}, opts...)
	lf, err := logfire.Configure(ctx, all...)
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

// testIDs holds the id generator of each test that called New.
var testIDs sync.Map // testing.TB → *idGenerator

// idsOf returns t's id generator, made at its first New and forgotten when
// t ends.
func idsOf(t testing.TB) *idGenerator {
	g, loaded := testIDs.LoadOrStore(t, &idGenerator{})
	if !loaded {
		t.Cleanup(func() { testIDs.Delete(t) })
	}
	return g.(*idGenerator)
}
