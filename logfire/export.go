package logfire

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	sdklog "go.opentelemetry.io/otel/sdk/log"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/logfire-go/sdk/console"
	"github.com/logfire-go/sdk/detect"
	"github.com/logfire-go/sdk/internal/credentials"
	"github.com/logfire-go/sdk/internal/delivery"
	"github.com/logfire-go/sdk/internal/otlpwire"
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

// destination is one backend the instance exports to: its sender
// (retries, retry buffer, outage breaker), shared by the exporters of the
// three signals, and those exporters, each with its export queue. An
// exporter is nil for a signal the destination does not take (the extra
// OTLP backend can take only some).
type destination struct {
	sender   *delivery.Sender
	counters *delivery.Counters
	spans    *spanExporter
	logs     *logExporter
	metrics  *metricExporter
}

// stop aborts whatever the destination is still doing and closes its
// sender: after it, none of its goroutines is exporting.
func (d *destination) stop() {
	if d.spans != nil {
		d.spans.queue.Abort()
	}
	if d.logs != nil {
		d.logs.queue.Abort()
	}
	if d.metrics != nil {
		d.metrics.abort()
	}
	d.sender.Close()
}

// newConsole builds the console processor from the configuration, which
// holds the environment's console settings overlaid with WithConsole's.
func newConsole(s *settings) sdktrace.SpanProcessor {
	return console.New(&console.Options{
		Writer:         s.consoleWriter,
		Colors:         s.cfg.ConsoleColors,
		SpanStyle:      s.cfg.ConsoleSpanStyle,
		MinLevel:       s.cfg.ConsoleMinLogLevel,
		Verbose:        s.cfg.ConsoleVerbose,
		HideTimestamps: !s.cfg.ConsoleIncludeTimestamps,
		HideTags:       !s.cfg.ConsoleIncludeTags,
	})
}

// newPipelines builds one exporter per signal and destination (the
// Logfire projects of dests and the extra OTLP backend), behind the
// pending-span processor and sc (which, with scrubbing off, still redacts
// tokens and URL attributes). Creating an exporter opens no connection.
func newPipelines(s *settings, dests []credentials.Destination, sc *scrubber, hooks deliveryHooks) (*pipelines, error) {
	p := &pipelines{}
	var logfireSpans, eager []sdktrace.SpanProcessor
	var exporters []*spanExporter
	for _, dc := range dests {
		d, err := newDestination(s, dc, sc, hooks)
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
	extra, err := newOTLPBackend(s, dests, sc, hooks)
	if err != nil {
		for _, made := range p.dests {
			made.stop()
		}
		return nil, err
	}
	var plain []sdktrace.SpanProcessor // real spans only, as in the Python SDK
	if extra != nil {
		p.dests = append(p.dests, extra)
		if extra.spans != nil {
			plain = append(plain, extra.spans)
		}
		if extra.metrics != nil {
			p.metricReaders = append(p.metricReaders, extra.metrics.reader)
		}
		if extra.logs != nil {
			p.logProcessors = append(p.logProcessors, extra.logs)
		}
	}
	eager = append(eager, s.hook.SpanProcessors...)
	logfireSpans = append(logfireSpans, eager...)
	if s.sampling.Tail != nil {
		// Tail sampling holds back what is exported, not the console.
		p.tail = newTailSampler(s.sampling, append(logfireSpans, plain...), exporters)
		p.tail.onDrop, p.tail.decideOnFlush = hooks.onDrop, detect.OnLambda()
		for _, d := range p.dests {
			p.tail.counters = append(p.tail.counters, d.counters)
		}
		logfireSpans, eager, exporters, plain = []sdktrace.SpanProcessor{p.tail}, nil, nil, nil
		if len(s.hook.SpanProcessors) > 0 {
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
			ids:       s.hook.IDGenerator,
		})
	}
	return p, nil
}

// deliveryHooks are the instance's reporters, shared by its destinations.
type deliveryHooks struct {
	redact func(string) string
	onDrop func(delivery.Signal, delivery.Reason, int, string)
	outage *selflog.Limiter
	// warnings says the backend's X-Logfire-Warning headers (nil: not).
	warnings *serverWarnings
}

func newDestination(s *settings, dc credentials.Destination, sc *scrubber, hooks deliveryHooks) (*destination, error) {
	headers := map[string]string{
		"Authorization": dc.Token,
		"User-Agent":    userAgent,
	}
	var eps [3]delivery.Endpoint
	for _, sig := range delivery.Signals {
		eps[sig] = delivery.Endpoint{URL: strings.TrimRight(dc.BaseURL, "/") + sig.Path(), Headers: headers}
	}
	d, err := newSender(s, eps, hooks, redactedURL(dc.BaseURL))
	if err != nil {
		return nil, fmt.Errorf("logfire: the exporter for %s: %w", dc, err)
	}
	d.addExporters(s, sc, true)
	return d, nil
}

// newSender makes a destination that sends to eps, without exporters yet.
// where names it in the lines written when it fails and recovers.
func newSender(s *settings, eps [3]delivery.Endpoint, hooks deliveryHooks, where string) (*destination, error) {
	counters := &delivery.Counters{OnDrop: hooks.onDrop}
	snd, err := delivery.NewSender(delivery.Config{
		Endpoints:    eps,
		Counters:     counters,
		Buffer:       s.retryBuffer,
		ProbeTimeout: s.hook.OutageProbe,
		Redact:       hooks.redact,
		OnServerWarning: func(w string) {
			if hooks.warnings != nil {
				hooks.warnings.say(w, where)
			}
		},
		OnOutage: func(open bool, cause string) {
			if open {
				hooks.outage.Printf("cannot deliver to %s (%s): keeping telemetry in the retry buffer and trying again", where, cause)
			} else {
				hooks.outage.Printf("%s answers again: sending what was kept", where)
			}
		},
	})
	if err != nil {
		return nil, err
	}
	return &destination{sender: snd, counters: counters}, nil
}

// addExporters makes the exporters of the signals d sends, with their
// export queues; pending says whether its spans include pending spans.
func (d *destination) addExporters(s *settings, sc *scrubber, pending bool) {
	queue := delivery.BatcherConfig{
		MaxQueueBytes: s.hook.MaxQueueBytes,
		MaxQueueLen:   s.cfg.BatchMaxQueueSize,
		MaxBatchLen:   s.cfg.BatchMaxExportSize,
		ScheduleDelay: s.cfg.BatchScheduleDelay,
		ExportTimeout: s.cfg.BatchExportTimeout,
	}
	if queue.ScheduleDelay == 0 {
		queue.ScheduleDelay = time.Millisecond // OTEL_BSP_SCHEDULE_DELAY=0: export at once
	}
	newEncoder := func() *otlpwire.Encoder { return otlpwire.NewEncoder(delivery.DefaultMaxRequestBytes) }
	if d.sender.Sends(delivery.Spans) {
		d.spans = newSpanExporter(d.sender, newEncoder(), queue, d.counters, sc, s.hook.IDGenerator, pending)
	}
	if d.sender.Sends(delivery.Logs) {
		d.logs = newLogExporter(d.sender, newEncoder(), queue, d.counters)
	}
	if d.sender.Sends(delivery.Metrics) {
		d.metrics = newMetricExporter(d.sender, newEncoder(), s.cfg.MetricExportInterval, s.cfg.MetricExportTimeout, d.counters, scrubberTokens(sc))
	}
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
