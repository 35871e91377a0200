package logfire

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/otel/exporters/otlp/otlplog/otlploghttp"
	"go.opentelemetry.io/otel/exporters/otlp/otlpmetric/otlpmetrichttp"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	sdklog "go.opentelemetry.io/otel/sdk/log"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/logfire-go/sdk/config"
	"github.com/logfire-go/sdk/internal/selflog"
)

// The extra OTLP backend: when OTEL_EXPORTER_OTLP_ENDPOINT (or a signal's
// own OTEL_EXPORTER_OTLP_<SIGNAL>_ENDPOINT) is set, the SDK also exports to
// it, as the Python SDK does, with OpenTelemetry's own OTLP/HTTP exporters
// and batch processors, which read that variable and the other
// OTEL_EXPORTER_OTLP_* ones (headers, timeout, compression, certificate)
// themselves. It is a plain OpenTelemetry export: real spans and logs
// without pending spans, no retry buffer. Its failures are reported on
// standard error (at most one line a minute), and so are spans its queue
// had no room for, at Shutdown.

// otlpBackend is the extra backend's processors and reader; nil fields
// are signals it does not take.
type otlpBackend struct {
	spans   sdktrace.SpanProcessor
	reader  sdkmetric.Reader
	logs    sdklog.Processor
	limiter *selflog.Limiter
}

// newOTLPBackend makes the extra backend the OTEL_EXPORTER_OTLP_*
// variables describe, or returns nil when they name none. An endpoint that
// is one of the destinations' (Logfire's own, set in both places) is not
// exported to twice.
func newOTLPBackend(ctx context.Context, cfg config.Config, dests []config.Destination) (*otlpBackend, error) {
	on := cfg.OTel.OTLPEndpoints()
	if !on.Any() {
		return nil, nil
	}
	if ep := strings.TrimSuffix(cfg.OTel.ExporterEndpoint, "/"); ep != "" && cfg.OTel.TracesEndpoint == "" {
		for _, d := range dests {
			if strings.TrimSuffix(d.BaseURL, "/") == ep {
				selflog.Printf("OTEL_EXPORTER_OTLP_ENDPOINT is %s, where the SDK exports already: not sending everything there twice", redactedURL(ep))
				return nil, nil
			}
		}
	}
	b := &otlpBackend{limiter: &selflog.Limiter{Every: time.Minute}}
	fail := func(signal string, err error) (*otlpBackend, error) {
		return nil, &config.Error{Setting: "OTEL_EXPORTER_OTLP_ENDPOINT", Err: fmt.Errorf("creating the %s exporter: %w", signal, err)}
	}
	if on.Traces {
		exp, err := otlptracehttp.New(ctx)
		if err != nil {
			return fail("span", err)
		}
		opts := []sdktrace.BatchSpanProcessorOption{
			sdktrace.WithBatchTimeout(max(cfg.BatchScheduleDelay.Duration(), time.Millisecond)),
			sdktrace.WithExportTimeout(cfg.BatchExportTimeout.Duration()),
			sdktrace.WithMaxExportBatchSize(int(cfg.BatchMaxExportSize)),
		}
		if cfg.BatchMaxQueueSize > 0 {
			opts = append(opts, sdktrace.WithMaxQueueSize(int(cfg.BatchMaxQueueSize)))
		}
		re := &reportingSpanExporter{SpanExporter: exp, b: b}
		b.spans = &countingSpanProcessor{SpanProcessor: sdktrace.NewBatchSpanProcessor(re, opts...), exp: re}
	}
	if on.Metrics {
		exp, err := otlpmetrichttp.New(ctx)
		if err != nil {
			return fail("metric", err)
		}
		b.reader = sdkmetric.NewPeriodicReader(&reportingMetricExporter{Exporter: exp, b: b},
			sdkmetric.WithInterval(cfg.MetricExportInterval.Duration()), sdkmetric.WithTimeout(cfg.MetricExportTimeout.Duration()))
	}
	if on.Logs {
		exp, err := otlploghttp.New(ctx)
		if err != nil {
			return fail("log", err)
		}
		b.logs = sdklog.NewBatchProcessor(&reportingLogExporter{Exporter: exp, b: b})
	}
	return b, nil
}

// addTo adds the backend's metric reader and log processor to p and
// returns its span processors, which see real spans only.
func (b *otlpBackend) addTo(p *pipelines) []sdktrace.SpanProcessor {
	if b == nil {
		return nil
	}
	if b.reader != nil {
		p.metricReaders = append(p.metricReaders, b.reader)
	}
	if b.logs != nil {
		p.logProcessors = append(p.logProcessors, b.logs)
	}
	if b.spans == nil {
		return nil
	}
	return []sdktrace.SpanProcessor{b.spans}
}

// report writes the line for records the backend did not take.
func (b *otlpBackend) report(n int, what string, err error) {
	b.limiter.Printf("the OTLP endpoint of OTEL_EXPORTER_OTLP_ENDPOINT did not take %d %s: %v", n, what, err)
}

// reportingSpanExporter reports failed exports and counts the spans it is
// given.
type reportingSpanExporter struct {
	sdktrace.SpanExporter
	b       *otlpBackend
	handled atomic.Int64
}

func (e *reportingSpanExporter) ExportSpans(ctx context.Context, spans []sdktrace.ReadOnlySpan) error {
	e.handled.Add(int64(len(spans)))
	err := e.SpanExporter.ExportSpans(ctx, spans)
	if err != nil {
		e.b.report(len(spans), "spans", err)
	}
	return err
}

// countingSpanProcessor counts the spans handed to the batch processor,
// so that Shutdown can tell how many its queue dropped (OpenTelemetry's
// batch processor drops silently when its queue is full).
type countingSpanProcessor struct {
	sdktrace.SpanProcessor
	exp   *reportingSpanExporter
	ended atomic.Int64
}

func (p *countingSpanProcessor) OnEnd(s sdktrace.ReadOnlySpan) {
	if IsPendingSpan(s) {
		return // a plain exporter: no pending spans, as in the Python SDK
	}
	if s.SpanContext().IsSampled() {
		p.ended.Add(1)
	}
	p.SpanProcessor.OnEnd(s)
}

func (p *countingSpanProcessor) Shutdown(ctx context.Context) error {
	err := p.SpanProcessor.Shutdown(ctx)
	if lost := p.ended.Load() - p.exp.handled.Load(); lost > 0 {
		selflog.Printf("dropped %d spans for the OTLP endpoint of OTEL_EXPORTER_OTLP_ENDPOINT: its export queue was full, or Shutdown ended first", lost)
	}
	return err
}

// reportingMetricExporter reports failed exports.
type reportingMetricExporter struct {
	sdkmetric.Exporter
	b *otlpBackend
}

func (e *reportingMetricExporter) Export(ctx context.Context, rm *metricdata.ResourceMetrics) error {
	err := e.Exporter.Export(ctx, rm)
	if err != nil {
		n := 0
		for _, sm := range rm.ScopeMetrics {
			n += len(sm.Metrics)
		}
		e.b.report(n, "metrics", err)
	}
	return err
}

// reportingLogExporter reports failed exports.
type reportingLogExporter struct {
	sdklog.Exporter
	b *otlpBackend
}

func (e *reportingLogExporter) Export(ctx context.Context, records []sdklog.Record) error {
	err := e.Exporter.Export(ctx, records)
	if err != nil {
		e.b.report(len(records), "log records", err)
	}
	return err
}
