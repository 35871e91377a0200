package logfire

import (
	"context"
	"fmt"

	"go.opentelemetry.io/otel/exporters/otlp/otlplog/otlploghttp"
	"go.opentelemetry.io/otel/exporters/otlp/otlpmetric/otlpmetrichttp"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	sdklog "go.opentelemetry.io/otel/sdk/log"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/logfire-go/sdk/config"
	"github.com/logfire-go/sdk/console"
)

// pipelines are the processors and readers Logfire adds to the providers.
type pipelines struct {
	spanProcessors []sdktrace.SpanProcessor
	metricReaders  []sdkmetric.Reader
	logProcessors  []sdklog.Processor
}

// newConsole builds the console processor from the settings.
func newConsole(s *settings) *console.Processor {
	opts := []console.Option{
		console.WithColors(s.cfg.ConsoleColors),
		console.WithSpanStyle(s.cfg.ConsoleSpanStyle),
		console.WithTimestamps(bool(s.cfg.ConsoleIncludeTimestamps)),
		console.WithVerbose(bool(s.cfg.ConsoleVerbose)),
		console.WithMinLevel(s.cfg.ConsoleMinLogLevel),
	}
	if s.consoleWriter != nil {
		opts = append(opts, console.WithWriter(s.consoleWriter))
	}
	return console.New(opts...)
}

// newPipelines builds one OTLP/HTTP exporter per signal and destination,
// behind the pending-span processor and sc (nil: scrubbing off). Creating
// an exporter opens no connection.
func newPipelines(ctx context.Context, s *settings, dests []config.Destination, sc *scrubber) (*pipelines, error) {
	p := &pipelines{}
	var logfireSpans []sdktrace.SpanProcessor
	for _, d := range dests {
		headers := map[string]string{
			"Authorization": d.Token,
			"User-Agent":    userAgent,
		}

		te, err := otlptracehttp.New(ctx,
			otlptracehttp.WithEndpointURL(d.BaseURL+"/v1/traces"),
			otlptracehttp.WithCompression(otlptracehttp.GzipCompression),
			otlptracehttp.WithHeaders(headers),
		)
		if err != nil {
			return nil, fmt.Errorf("logfire: creating the span exporter for %s: %w", d, err)
		}
		logfireSpans = append(logfireSpans, sdktrace.NewBatchSpanProcessor(removePendingExporter{te},
			sdktrace.WithBatchTimeout(s.cfg.BatchScheduleDelay.Duration()),
			sdktrace.WithExportTimeout(s.cfg.BatchExportTimeout.Duration()),
			sdktrace.WithMaxQueueSize(int(s.cfg.BatchMaxQueueSize)),
			sdktrace.WithMaxExportBatchSize(int(s.cfg.BatchMaxExportSize)),
		))

		me, err := otlpmetrichttp.New(ctx,
			otlpmetrichttp.WithEndpointURL(d.BaseURL+"/v1/metrics"),
			otlpmetrichttp.WithCompression(otlpmetrichttp.GzipCompression),
			otlpmetrichttp.WithHeaders(headers),
			otlpmetrichttp.WithTemporalitySelector(temporality),
			otlpmetrichttp.WithAggregationSelector(aggregation),
		)
		if err != nil {
			return nil, fmt.Errorf("logfire: creating the metric exporter for %s: %w", d, err)
		}
		p.metricReaders = append(p.metricReaders, sdkmetric.NewPeriodicReader(skipEmptyMetrics{me}))

		le, err := otlploghttp.New(ctx,
			otlploghttp.WithEndpointURL(d.BaseURL+"/v1/logs"),
			otlploghttp.WithCompression(otlploghttp.GzipCompression),
			otlploghttp.WithHeaders(headers),
		)
		if err != nil {
			return nil, fmt.Errorf("logfire: creating the log exporter for %s: %w", d, err)
		}
		p.logProcessors = append(p.logProcessors, sdklog.NewBatchProcessor(le))
	}
	logfireSpans = append(logfireSpans, s.logfireProcessors...)
	if s.cfg.Console {
		logfireSpans = append(logfireSpans, newConsole(s))
	}
	if len(logfireSpans) > 0 {
		p.spanProcessors = append(p.spanProcessors, &pendingSpanProcessor{fanOut: withScrubbing(sc, logfireSpans), ids: s.idGenerator})
	}
	return p, nil
}

// withScrubbing puts sc in front of ps; with sc nil (scrubbing off) it
// returns ps.
func withScrubbing(sc *scrubber, ps []sdktrace.SpanProcessor) []sdktrace.SpanProcessor {
	if sc == nil || len(ps) == 0 {
		return ps
	}
	return []sdktrace.SpanProcessor{&scrubbingSpanProcessor{fanOut: ps, sc: sc}}
}
