package logfire

import (
	"errors"
	"fmt"
	"io"

	sdklog "go.opentelemetry.io/otel/sdk/log"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/logfire-go/sdk/config"
	"github.com/logfire-go/sdk/console"
	"github.com/logfire-go/sdk/internal/delivery"
	"github.com/logfire-go/sdk/internal/envconfig"
	"github.com/logfire-go/sdk/internal/testhook"
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
	otel           envconfig.OTel    // the OTEL_* variables config does not hold
	errorHandler   func(error)       // errorhandler.go
	hook           testhook.Settings // what tests set (see internal/testhook)
	spanProcessors []sdktrace.SpanProcessor
	logProcessors  []sdklog.Processor
	resource       *resource.Resource
	propagation    propagationSettings // propagation.go
	consoleWriter  io.Writer
	scrubbing      scrubbingSettings // scrub.go
	// Delivery (delivery.go).
	retryBuffer    delivery.BufferConfig
	retryBufferSet bool
	// Sampling (sampling.go) and runtime metrics (runtime_metrics.go).
	sampling       SamplingOptions
	runtimeMetrics bool
	// Managed variables (variables.go).
	variables variablesSettings
}

type optionFunc func(*settings)

func (f optionFunc) apply(s *settings) { f(s) }

func configOption(f func(*config.Config)) Option {
	return optionFunc(func(s *settings) { f(&s.cfg) })
}

// WithToken sets the Logfire write tokens; each token exports to its own
// project. It replaces LOGFIRE_TOKEN.
func WithToken(tokens ...string) Option {
	return configOption(func(c *config.Config) { c.Tokens = append([]string(nil), tokens...) })
}

// WithAPIKey sets the Logfire API key used by the Logfire APIs other than
// ingest, such as managed variables. It is not a write token: telemetry
// never carries it, and it is redacted from everything the SDK writes. It
// replaces LOGFIRE_API_KEY.
func WithAPIKey(key string) Option {
	return configOption(func(c *config.Config) { c.APIKey = key })
}

// WithResourceDetectors runs OpenTelemetry's resource detectors of these
// names besides the SDK's own: process (process.executable.*,
// process.command_args, process.owner, …), container (container.id),
// host_id (host.id), host and os (always on), or * for all of them. Their
// attributes win over OTEL_RESOURCE_ATTRIBUTES and lose to
// LOGFIRE_RESOURCE_ATTRIBUTES. It replaces LOGFIRE_RESOURCE_DETECTORS.
func WithResourceDetectors(names ...string) Option {
	return configOption(func(c *config.Config) { c.ResourceDetectors = append([]string(nil), names...) })
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
	return configOption(func(c *config.Config) { c.BaseURL = url })
}

// WithConsole turns the console output on with the settings of o, or off
// with nil o (LOGFIRE_CONSOLE=false). A zero field of o keeps the value
// of its environment variable, or else the default (see console.Options).
// Given more than once, each applies over the one before.
func WithConsole(o *console.Options) Option {
	return optionFunc(func(s *settings) {
		s.cfg.Console = o != nil
		if o == nil {
			return
		}
		c := &s.cfg
		if o.Writer != nil {
			s.consoleWriter = o.Writer
		}
		if o.Colors != "" {
			c.ConsoleColors = o.Colors
		}
		if o.SpanStyle != "" {
			c.ConsoleSpanStyle = o.SpanStyle
		}
		if o.MinLevel != 0 {
			c.ConsoleMinLogLevel = o.MinLevel
		}
		if o.Verbose {
			c.ConsoleVerbose = true
		}
		if o.HideTimestamps {
			c.ConsoleIncludeTimestamps = false
		}
		if o.HideTags {
			c.ConsoleIncludeTags = false
		}
		if o.HideProjectLink {
			c.ConsoleShowProjectLink = false
		}
	})
}

// WithMinLevel drops spans and logs below level, at almost no cost. It
// replaces LOGFIRE_MIN_LEVEL.
func WithMinLevel(level Level) Option {
	return configOption(func(c *config.Config) { c.MinLevel = level })
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

// RetryBuffer bounds the buffer that keeps what an export could not
// deliver (the backend was down, slow or answered 429 or 5xx) until a later
// export, flush or Shutdown sends it, oldest first. Requests are kept
// compressed, in memory first, then in files; when both are full, the
// oldest requests make room and their records are counted as dropped
// ("buffer_full").
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
)

// WithRetryBuffer bounds the retry buffer (see RetryBuffer).
func WithRetryBuffer(b RetryBuffer) Option {
	return optionFunc(func(s *settings) {
		s.retryBuffer = delivery.BufferConfig{Memory: b.Memory, Disk: b.Disk, Dir: b.Dir}
		s.retryBufferSet = true
	})
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
	return errors.Join(s.validateHook(),
		check(!s.retryBufferSet || (b.Memory >= 0 && b.Memory <= maxRetryBufferBytes), "logfire.WithRetryBuffer",
			fmt.Sprintf("Memory is %d: accepted values are 0 (the default, 8 MiB) to %d bytes", b.Memory, int64(maxRetryBufferBytes))),
		check(!s.retryBufferSet || b.Disk <= maxRetryBufferDisk, "logfire.WithRetryBuffer",
			fmt.Sprintf("Disk is %d: accepted values are negative (no files), 0 (the default, 64 MiB) or up to %d bytes", b.Disk, int64(maxRetryBufferDisk))),
	)
}
