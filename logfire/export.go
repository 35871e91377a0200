package logfire

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"go.opentelemetry.io/otel/exporters/otlp/otlplog/otlploghttp"
	"go.opentelemetry.io/otel/exporters/otlp/otlpmetric/otlpmetrichttp"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	sdklog "go.opentelemetry.io/otel/sdk/log"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/logfire-go/sdk/config"
	"github.com/logfire-go/sdk/console"
	"github.com/logfire-go/sdk/detect"
	"github.com/logfire-go/sdk/internal/delivery"
	"github.com/logfire-go/sdk/internal/redact"
	"github.com/logfire-go/sdk/internal/selflog"
)

// pipelines are the processors and readers Logfire adds to the providers.
type pipelines struct {
	spanProcessors []sdktrace.SpanProcessor
	metricReaders  []sdkmetric.Reader
	logProcessors  []sdklog.Processor
	dests          []*destination
	tail           *tailSampler // WithSampling's; nil without it
}

// destination is one backend the instance exports to, with a token: its
// delivery transport (retries, retry buffer, outage breaker), shared by
// the exporters of the three signals, and their export queues.
type destination struct {
	transport *delivery.Transport
	counters  *delivery.Counters
	spans     *spanExporter
	logs      *logExporter
	metrics   *metricExporter
}

// stop aborts whatever the destination is still doing and closes its
// transport: after it, none of its goroutines is exporting.
func (d *destination) stop() {
	d.spans.queue.Abort()
	d.logs.queue.Abort()
	d.metrics.abort()
	d.transport.Close()
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
// behind the pending-span processor and sc (which, with scrubbing off,
// still redacts tokens and URL attributes). Creating
// an exporter opens no connection.
func newPipelines(ctx context.Context, s *settings, dests []config.Destination, sc *scrubber, hooks deliveryHooks) (*pipelines, error) {
	p := &pipelines{}
	var logfireSpans, eager []sdktrace.SpanProcessor
	var exporters []*spanExporter
	for _, dc := range dests {
		d, err := newDestination(ctx, s, dc, sc, hooks)
		if err != nil {
			for _, made := range p.dests {
				made.stop()
			}
			return nil, err
		}
		p.dests = append(p.dests, d)
		logfireSpans = append(logfireSpans, d.spans)
		exporters = append(exporters, d.spans)
		p.metricReaders = append(p.metricReaders, d.metrics.reader)
		p.logProcessors = append(p.logProcessors, d.logs)
	}
	extra, err := newOTLPBackend(ctx, s.cfg, dests)
	if err != nil {
		for _, made := range p.dests {
			made.stop()
		}
		return nil, err
	}
	plain := extra.addTo(p) // real spans only, as in the Python SDK
	eager = append(eager, s.logfireProcessors...)
	logfireSpans = append(logfireSpans, eager...)
	if s.sampling.Tail != nil {
		// Tail sampling holds back what is exported, not the console.
		p.tail = newTailSampler(s.sampling, append(logfireSpans, plain...), exporters)
		p.tail.onDrop, p.tail.decideOnFlush = hooks.onDrop, detect.OnLambda()
		for _, d := range p.dests {
			p.tail.counters = append(p.tail.counters, d.counters)
		}
		logfireSpans, eager, exporters, plain = []sdktrace.SpanProcessor{p.tail}, nil, nil, nil
		if len(s.logfireProcessors) > 0 {
			// Only processors of the user's take pending spans as they
			// come (the exporters make theirs when they export, from the
			// spans the sampler hands on): the sampler gets them, to hold
			// back with their trace, only for those.
			eager = []sdktrace.SpanProcessor{p.tail}
		}
	}
	if s.cfg.Console {
		console := newConsole(s)
		eager = append(eager, console)
		logfireSpans = append(logfireSpans, console)
	}
	p.spanProcessors = append(p.spanProcessors, withScrubbing(sc, plain)...)
	if len(logfireSpans) > 0 {
		p.spanProcessors = append(p.spanProcessors, &pendingSpanProcessor{
			fanOut:    withScrubbing(sc, logfireSpans),
			eager:     withScrubbing(sc, eager),
			exporters: exporters,
			ids:       s.idGenerator,
		})
	}
	return p, nil
}

// deliveryHooks are the instance's reporters, shared by its destinations.
type deliveryHooks struct {
	redact func(string) string
	onDrop func(delivery.Signal, delivery.Reason, int, string)
	outage *selflog.Limiter
}

func newDestination(ctx context.Context, s *settings, dc config.Destination, sc *scrubber, hooks deliveryHooks) (_ *destination, err error) {
	counters := &delivery.Counters{OnDrop: hooks.onDrop}
	where := redactedURL(dc.BaseURL)
	tr, err := delivery.NewTransport(delivery.Config{
		BaseURL: dc.BaseURL,
		Headers: map[string]string{
			"Authorization": dc.Token,
			"User-Agent":    userAgent,
		},
		Counters:     counters,
		Buffer:       s.retryBuffer,
		ProbeTimeout: s.probeTimeout,
		Redact:       hooks.redact,
		OnOutage: func(open bool, cause string) {
			if open {
				hooks.outage.Printf("cannot deliver to %s (%s): keeping telemetry in the retry buffer and trying again", where, cause)
			} else {
				hooks.outage.Printf("%s answers again: sending what was kept", where)
			}
		},
	})
	if err != nil {
		return nil, fmt.Errorf("logfire: the exporter for %s: %w", dc, err)
	}
	defer func() {
		if err != nil {
			tr.Close() // its retry loop, with no exporter to serve
		}
	}()
	client := &http.Client{Transport: tr}

	te, err := otlptracehttp.New(ctx,
		otlptracehttp.WithEndpointURL(dc.BaseURL+"/v1/traces"),
		otlptracehttp.WithCompression(otlptracehttp.NoCompression), // the transport compresses
		otlptracehttp.WithRetry(otlptracehttp.RetryConfig{Enabled: false}),
		otlptracehttp.WithMaxRequestSize(0), // the transport splits
		otlptracehttp.WithHTTPClient(client),
	)
	if err != nil {
		return nil, fmt.Errorf("logfire: creating the span exporter for %s: %w", dc, err)
	}
	me, err := otlpmetrichttp.New(ctx,
		otlpmetrichttp.WithEndpointURL(dc.BaseURL+"/v1/metrics"),
		otlpmetrichttp.WithCompression(otlpmetrichttp.NoCompression),
		otlpmetrichttp.WithRetry(otlpmetrichttp.RetryConfig{Enabled: false}),
		otlpmetrichttp.WithMaxRequestSize(0),
		otlpmetrichttp.WithHTTPClient(client),
		otlpmetrichttp.WithTemporalitySelector(temporality),
		otlpmetrichttp.WithAggregationSelector(aggregation),
	)
	if err != nil {
		return nil, fmt.Errorf("logfire: creating the metric exporter for %s: %w", dc, err)
	}
	le, err := otlploghttp.New(ctx,
		otlploghttp.WithEndpointURL(dc.BaseURL+"/v1/logs"),
		otlploghttp.WithCompression(otlploghttp.NoCompression),
		otlploghttp.WithRetry(otlploghttp.RetryConfig{Enabled: false}),
		otlploghttp.WithMaxRequestSize(0),
		otlploghttp.WithHTTPClient(client),
	)
	if err != nil {
		return nil, fmt.Errorf("logfire: creating the log exporter for %s: %w", dc, err)
	}

	queue := delivery.BatcherConfig{
		MaxQueueBytes: s.maxQueueBytes,
		MaxQueueLen:   int(s.cfg.BatchMaxQueueSize),
		MaxBatchLen:   int(s.cfg.BatchMaxExportSize),
		ScheduleDelay: s.cfg.BatchScheduleDelay.Duration(),
		ExportTimeout: s.cfg.BatchExportTimeout.Duration(),
	}
	if queue.ScheduleDelay == 0 {
		queue.ScheduleDelay = time.Millisecond // OTEL_BSP_SCHEDULE_DELAY=0: export at once
	}
	return &destination{
		transport: tr,
		counters:  counters,
		spans:     newSpanExporter(te, queue, counters, sc, s.idGenerator),
		logs:      newLogExporter(le, queue, counters),
		metrics:   newMetricExporter(me, s.cfg.MetricExportInterval.Duration(), s.cfg.MetricExportTimeout.Duration(), counters, scrubberTokens(sc)),
	}, nil
}

// withScrubbing puts sc in front of ps (with sc nil, which Configure never
// passes, it returns ps).
func withScrubbing(sc *scrubber, ps []sdktrace.SpanProcessor) []sdktrace.SpanProcessor {
	if sc == nil || len(ps) == 0 {
		return ps
	}
	return []sdktrace.SpanProcessor{&scrubbingSpanProcessor{fanOut: ps, sc: sc}}
}

func joinErr(a, b error) error {
	if a == nil {
		return b
	}
	if b == nil {
		return a
	}
	return errors.Join(a, b)
}

// redactedURL is u for messages: without any user info.
func redactedURL(u string) string {
	p, err := url.Parse(u)
	if err != nil {
		return "the configured endpoint"
	}
	p.User = nil
	return p.String()
}

// scrubberTokens are the tokens sc redacts, or nil.
func scrubberTokens(sc *scrubber) *redact.Tokens {
	if sc == nil {
		return nil
	}
	return sc.tokens
}
