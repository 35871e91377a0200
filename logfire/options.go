package logfire

import (
	"errors"
	"fmt"
	"io"
	"time"

	"go.opentelemetry.io/otel/attribute"
	sdklog "go.opentelemetry.io/otel/sdk/log"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/logfire-go/sdk/config"
	"github.com/logfire-go/sdk/internal/delivery"
)

// Option changes how Configure sets up the SDK. Options win over
// environment variables, which win over defaults.
type Option interface {
	apply(*settings)
}

// settings is what Configure works from: the configuration (defaults, then
// environment, then options) and the parts that only code can give.
type settings struct {
	cfg            config.Config
	setDefault     bool
	spanProcessors []sdktrace.SpanProcessor
	metricReaders  []sdkmetric.Reader
	logProcessors  []sdklog.Processor
	resource       *resource.Resource
	idGenerator    sdktrace.IDGenerator
	propagation    propagationSettings // propagation.go
	consoleWriter  io.Writer
	destinations   []config.Destination
	// logfireProcessors sit behind the pending-span processor, beside
	// Logfire's own exporters and the console.
	logfireProcessors []sdktrace.SpanProcessor
	scrubPatterns     []string
	scrubCallback     ScrubCallback
	// Delivery (delivery.go).
	retryBuffer    delivery.BufferConfig
	retryBufferSet bool
	probeTimeout   time.Duration
	probeSet       bool
	maxQueueBytes  int
	maxQueueSet    bool
	// Sampling (sampling.go) and runtime metrics (runtime_metrics.go).
	sampling       SamplingOptions
	samplingSet    bool
	runtimeMetrics bool
}

type optionFunc func(*settings)

func (f optionFunc) apply(s *settings) { f(s) }

func configOption(f func(*config.Config)) Option {
	return optionFunc(func(s *settings) { f(&s.cfg) })
}

// WithToken sets the Logfire write tokens; each token exports to its own
// project. It replaces LOGFIRE_TOKEN.
func WithToken(tokens ...string) Option {
	return configOption(func(c *config.Config) { c.Tokens = append(config.Tokens(nil), tokens...) })
}

// WithSendToLogfire sets whether to export to Logfire. It replaces
// LOGFIRE_SEND_TO_LOGFIRE.
func WithSendToLogfire(mode config.SendMode) Option {
	return configOption(func(c *config.Config) { c.SendToLogfire = mode })
}

// WithServiceName sets service.name. It replaces LOGFIRE_SERVICE_NAME and
// OTEL_SERVICE_NAME.
func WithServiceName(name string) Option {
	return configOption(func(c *config.Config) { c.ServiceName = name })
}

// WithServiceVersion sets service.version. It replaces
// LOGFIRE_SERVICE_VERSION.
func WithServiceVersion(version string) Option {
	return configOption(func(c *config.Config) { c.ServiceVersion = version })
}

// WithEnvironment sets deployment.environment.name, such as "prod". It
// replaces LOGFIRE_ENVIRONMENT.
func WithEnvironment(env string) Option {
	return configOption(func(c *config.Config) { c.Environment = env })
}

// WithBaseURL sets the root URL that /v1/traces, /v1/metrics and /v1/logs
// are appended to, instead of the one derived from the token. It replaces
// LOGFIRE_BASE_URL.
func WithBaseURL(url string) Option {
	return configOption(func(c *config.Config) { c.BaseURL = config.BaseURL(url) })
}

// WithCredentialsDir sets the directory holding logfire_credentials.json.
// It replaces LOGFIRE_CREDENTIALS_DIR.
func WithCredentialsDir(dir string) Option {
	return configOption(func(c *config.Config) { c.CredentialsDir = dir })
}

// WithConsole turns console output on or off. It replaces LOGFIRE_CONSOLE.
func WithConsole(on bool) Option {
	return configOption(func(c *config.Config) { c.Console = config.Bool(on) })
}

// WithConsoleColors sets when the console uses colours. It replaces
// LOGFIRE_CONSOLE_COLORS.
func WithConsoleColors(mode config.ColorMode) Option {
	return configOption(func(c *config.Config) { c.ConsoleColors = mode })
}

// WithConsoleSpanStyle sets how the console lays out nested spans. It
// replaces LOGFIRE_CONSOLE_SPAN_STYLE.
func WithConsoleSpanStyle(style config.SpanStyle) Option {
	return configOption(func(c *config.Config) { c.ConsoleSpanStyle = style })
}

// WithConsoleTimestamps sets whether console lines start with the time. It
// replaces LOGFIRE_CONSOLE_INCLUDE_TIMESTAMPS.
func WithConsoleTimestamps(on bool) Option {
	return configOption(func(c *config.Config) { c.ConsoleIncludeTimestamps = config.Bool(on) })
}

// WithConsoleVerbose sets whether the console prints the source location
// and attributes under each line. It replaces LOGFIRE_CONSOLE_VERBOSE.
func WithConsoleVerbose(on bool) Option {
	return configOption(func(c *config.Config) { c.ConsoleVerbose = config.Bool(on) })
}

// WithConsoleMinLevel hides console lines below level. It replaces
// LOGFIRE_CONSOLE_MIN_LOG_LEVEL.
func WithConsoleMinLevel(level Level) Option {
	return configOption(func(c *config.Config) { c.ConsoleMinLogLevel = level })
}

// WithConsoleWriter sends console output to w instead of standard output.
func WithConsoleWriter(w io.Writer) Option {
	return optionFunc(func(s *settings) { s.consoleWriter = w })
}

// WithMinLevel drops spans and logs below level, at almost no cost. It
// replaces LOGFIRE_MIN_LEVEL.
func WithMinLevel(level Level) Option {
	return configOption(func(c *config.Config) { c.MinLevel = level })
}

// WithTraceSampleRate keeps this share of traces, from 0 to 1; a trace is
// kept or dropped whole. It replaces LOGFIRE_TRACE_SAMPLE_RATE, and
// OTEL_TRACES_SAMPLER with OTEL_TRACES_SAMPLER_ARG.
func WithTraceSampleRate(rate float64) Option {
	return configOption(func(c *config.Config) {
		c.TraceSampleRate = config.SampleRate(rate)
		c.OTel.TracesSampler = ""
	})
}

// WithResourceAttributes sets resource attributes that win over detected
// ones. It replaces LOGFIRE_RESOURCE_ATTRIBUTES.
func WithResourceAttributes(attrs ...attribute.KeyValue) Option {
	return configOption(func(c *config.Config) { c.ResourceAttributes = append(config.Attributes(nil), attrs...) })
}

// WithScrubbing turns the redaction of likely secrets on or off. It
// replaces LOGFIRE_SCRUBBING. Every span processor, log processor and
// exporter of the instance (Logfire's, the console and those added with
// options) receives spans and OpenTelemetry log records with likely
// secrets redacted; see ScrubMatch for what is redacted and how it is
// noted.
func WithScrubbing(on bool) Option {
	return configOption(func(c *config.Config) { c.Scrubbing = config.Bool(on) })
}

// WithScrubbingPatterns adds patterns to the default ones that mark an
// attribute key or value as a likely secret. Each is an RE2 regular
// expression (https://github.com/google/re2/wiki/Syntax), matched without
// regard to case; one that does not compile makes Configure fail.
func WithScrubbingPatterns(patterns ...string) Option {
	return optionFunc(func(s *settings) { s.scrubPatterns = append(s.scrubPatterns, patterns...) })
}

// WithScrubbingCallback lets cb decide about each value scrubbing is about
// to redact: keep it, replace it, or let it be redacted.
func WithScrubbingCallback(cb ScrubCallback) Option {
	return optionFunc(func(s *settings) { s.scrubCallback = cb })
}

// WithBatchScheduleDelay sets the longest a finished span waits before it
// is exported. It replaces OTEL_BSP_SCHEDULE_DELAY.
func WithBatchScheduleDelay(d time.Duration) Option {
	return configOption(func(c *config.Config) { c.BatchScheduleDelay = config.Millis(d) })
}

// WithBatchExportTimeout bounds one span export. It replaces
// OTEL_BSP_EXPORT_TIMEOUT.
func WithBatchExportTimeout(d time.Duration) Option {
	return configOption(func(c *config.Config) { c.BatchExportTimeout = config.Millis(d) })
}

// WithBatchSizes sets how many finished spans may wait for export (0: no
// bound but the bytes, see WithMaxQueueBytes) and the most sent in one
// request. It replaces OTEL_BSP_MAX_QUEUE_SIZE and
// OTEL_BSP_MAX_EXPORT_BATCH_SIZE.
func WithBatchSizes(maxQueue, maxExport int) Option {
	return configOption(func(c *config.Config) {
		c.BatchMaxQueueSize = config.Count(maxQueue)
		c.BatchMaxExportSize = config.Count(maxExport)
	})
}

// WithSetDefault says whether Configure makes the new instance the default
// one, used by the package-level functions and installed as the global
// OpenTelemetry providers. It is true unless this option says otherwise;
// pass false for independent instances in tests and libraries.
func WithSetDefault(on bool) Option {
	return optionFunc(func(s *settings) { s.setDefault = on })
}

// WithSpanProcessor adds a span processor beside Logfire's own. It sees
// real spans and logs, not pending spans. A nil p is ignored.
func WithSpanProcessor(p sdktrace.SpanProcessor) Option {
	return optionFunc(func(s *settings) {
		if p != nil {
			s.spanProcessors = append(s.spanProcessors, p)
		}
	})
}

// WithMetricReader adds a metric reader beside Logfire's own. A nil r is
// ignored.
func WithMetricReader(r sdkmetric.Reader) Option {
	return optionFunc(func(s *settings) {
		if r != nil {
			s.metricReaders = append(s.metricReaders, r)
		}
	})
}

// WithLogProcessor adds an OpenTelemetry log processor beside Logfire's
// own. A nil p is ignored.
func WithLogProcessor(p sdklog.Processor) Option {
	return optionFunc(func(s *settings) {
		if p != nil {
			s.logProcessors = append(s.logProcessors, p)
		}
	})
}

// WithResource uses r as the resource instead of the one detected from the
// configuration and the platform.
func WithResource(r *resource.Resource) Option {
	return optionFunc(func(s *settings) { s.resource = r })
}

// WithIDGenerator replaces the generator of trace and span ids (by default
// ULID trace ids and random span ids), for example with a deterministic one
// in tests.
func WithIDGenerator(g sdktrace.IDGenerator) Option {
	return optionFunc(func(s *settings) { s.idGenerator = g })
}

// WithDestinations exports to exactly these projects, each with its own
// token and base URL, instead of the ones derived from the tokens (for
// example one project on Logfire and one on a self-hosted endpoint).
// LOGFIRE_SEND_TO_LOGFIRE=false still turns all export off.
func WithDestinations(dests ...config.Destination) Option {
	return optionFunc(func(s *settings) { s.destinations = append([]config.Destination(nil), dests...) })
}

// WithLogfireSpanProcessor adds a span processor that sees what Logfire's
// own exporter sees: real spans, logs and pending spans. Use it for an
// extra exporter that understands Logfire's conventions, or for tests (see
// package logfiretest). A nil p is ignored.
func WithLogfireSpanProcessor(p sdktrace.SpanProcessor) Option {
	return optionFunc(func(s *settings) {
		if p != nil {
			s.logfireProcessors = append(s.logfireProcessors, p)
		}
	})
}

// RetryBuffer bounds the buffer that keeps what an export could not
// deliver (the backend was down, slow or answered 429 or 5xx) until a later
// export, flush or Shutdown sends it, oldest first. Requests are kept
// compressed, in memory first, then in files; when both are full, the
// oldest requests make room and their records are counted as dropped
// (DropBufferFull).
type RetryBuffer struct {
	// Memory is the most bytes kept in memory. 0 means 8 MiB.
	Memory int64
	// Disk is the most bytes written to files once memory is full. 0
	// means 64 MiB; a negative value writes no files.
	Disk int64
	// Dir is where the files go. Empty means a new directory under
	// os.TempDir(), made when first needed and removed by Shutdown (on
	// AWS Lambda, /tmp is writable). A directory of your choosing is kept:
	// what Shutdown could not send stays there, and the next process that
	// exports to the same project and endpoint sends it first.
	Dir string
}

// Bounds of the delivery settings.
const (
	maxRetryBufferBytes = 1 << 30  // memory
	maxRetryBufferDisk  = 64 << 30 // files
	maxQueueBytesLimit  = 1 << 30  // export queue
	maxProbeTimeout     = time.Minute
)

// WithRetryBuffer bounds the retry buffer (see RetryBuffer).
func WithRetryBuffer(b RetryBuffer) Option {
	return optionFunc(func(s *settings) {
		s.retryBuffer = delivery.BufferConfig{Memory: b.Memory, Disk: b.Disk, Dir: b.Dir}
		s.retryBufferSet = true
	})
}

// WithOutageProbe sets the longest a flush may spend on the backend while
// it is failing (default 250 ms). After an export fails, each flush tries the
// backend once, for at most d counted from the start of the flush, and keeps its records in the retry buffer
// if the backend still does not answer, so that an outage does not cost
// every flush (every Lambda invocation) its whole deadline; the first
// export that succeeds ends the outage.
func WithOutageProbe(d time.Duration) Option {
	return optionFunc(func(s *settings) { s.probeTimeout = d; s.probeSet = true })
}

// WithMaxQueueBytes bounds, by their estimated size in memory, the spans
// (and, separately, the OpenTelemetry log records) waiting for export
// (default 4 MiB). When the queue is full, the code that ends a span
// waits for room as long as batches keep leaving the queue: a burst goes
// out at the pace of the backend instead of being dropped. If no batch
// leaves for 5 s (the backend hangs), records that find no room are
// counted as dropped (DropQueueFull).
func WithMaxQueueBytes(n int) Option {
	return optionFunc(func(s *settings) { s.maxQueueBytes = n; s.maxQueueSet = true })
}

// validate checks the delivery settings given in code.
func (s *settings) validate() error {
	check := func(ok bool, setting, accepted string) error {
		if ok {
			return nil
		}
		return &config.Error{Setting: setting, Err: errors.New(accepted)}
	}
	b := s.retryBuffer
	dests := []error{check(len(s.destinations) <= config.MaxTokens, "logfire.WithDestinations",
		fmt.Sprintf("%d destinations: accepted values are at most %d", len(s.destinations), config.MaxTokens))}
	for _, d := range s.destinations {
		dests = append(dests, d.Validate("logfire.WithDestinations"))
	}
	return errors.Join(errors.Join(dests...),
		check(!s.retryBufferSet || (b.Memory >= 0 && b.Memory <= maxRetryBufferBytes), "logfire.WithRetryBuffer",
			fmt.Sprintf("Memory is %d: accepted values are 0 (the default, 8 MiB) to %d bytes", b.Memory, int64(maxRetryBufferBytes))),
		check(!s.retryBufferSet || b.Disk <= maxRetryBufferDisk, "logfire.WithRetryBuffer",
			fmt.Sprintf("Disk is %d: accepted values are negative (no files), 0 (the default, 64 MiB) or up to %d bytes", b.Disk, int64(maxRetryBufferDisk))),
		check(!s.probeSet || (s.probeTimeout > 0 && s.probeTimeout <= maxProbeTimeout), "logfire.WithOutageProbe",
			fmt.Sprintf("%v is not a probe timeout: accepted values are above 0 and at most %v", s.probeTimeout, maxProbeTimeout)),
		check(!s.maxQueueSet || (s.maxQueueBytes > 0 && s.maxQueueBytes <= maxQueueBytesLimit), "logfire.WithMaxQueueBytes",
			fmt.Sprintf("%d is not a queue size: accepted values are 1 to %d bytes", s.maxQueueBytes, maxQueueBytesLimit)),
	)
}
