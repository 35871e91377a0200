// Package config holds the settings of the Logfire SDK and loads them from
// the environment.
//
// Settings come from four places, and the first that has a value wins:
// options passed in code (see package logfire), environment variables,
// the [tool.logfire] table of a pyproject.toml (see Config.ConfigDir), and
// the defaults documented on each field and in docs/configuration.md.
// An environment variable that is set to the empty string counts as unset.
package config

import (
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"

	"go.opentelemetry.io/otel/attribute"

	"github.com/logfire-go/sdk/internal/envconfig"
	"github.com/logfire-go/sdk/internal/redact"
)

// Config is every setting of the SDK. Load fills it from defaults and the
// environment; package logfire then applies options given in code and calls
// Validate.
type Config struct {
	// Tokens are the Logfire write tokens; each one exports to its own
	// project. Env: LOGFIRE_TOKEN (comma-separated). Default: none, in which
	// case the credentials file is read.
	Tokens []string
	// APIKey is a Logfire API key, for the Logfire APIs other than
	// ingest, such as managed variables; it is not a write token and is
	// never sent with telemetry. Its region gives the API's base URL, as a
	// token's does. Env: LOGFIRE_API_KEY. Default: none.
	APIKey string
	// SendToLogfire says whether to export to Logfire.
	// Env: LOGFIRE_SEND_TO_LOGFIRE. Default: if-token-present.
	SendToLogfire SendMode
	// ServiceName is the service.name resource attribute.
	// Env: LOGFIRE_SERVICE_NAME. Default: OTelServiceName, then the Lambda
	// function name, then unknown_service:<executable>.
	ServiceName string
	// OTelServiceName is the standard OpenTelemetry service name, used
	// when ServiceName is empty. Env: OTEL_SERVICE_NAME.
	OTelServiceName string
	// ServiceVersion is the service.version resource attribute.
	// Env: LOGFIRE_SERVICE_VERSION. Default: none.
	ServiceVersion string
	// Environment is the deployment.environment.name resource attribute,
	// such as "prod" or "staging". Env: LOGFIRE_ENVIRONMENT. Default: none.
	Environment string
	// BaseURL is the root URL that /v1/traces, /v1/metrics and /v1/logs
	// are appended to, instead of the one derived from the token's region.
	// Env: LOGFIRE_BASE_URL (an absolute http or https URL, trailing
	// slashes removed). Default: from the token.
	BaseURL string
	// CredentialsDir holds logfire_credentials.json, read when no token is
	// given. Env: LOGFIRE_CREDENTIALS_DIR. Default: .logfire
	CredentialsDir string

	// Console turns the console output on or off.
	// Env: LOGFIRE_CONSOLE. Default: true.
	Console bool
	// ConsoleColors: auto, always or never.
	// Env: LOGFIRE_CONSOLE_COLORS. Default: auto.
	ConsoleColors ColorMode
	// ConsoleSpanStyle: simple, indented or show-parents.
	// Env: LOGFIRE_CONSOLE_SPAN_STYLE. Default: show-parents.
	ConsoleSpanStyle SpanStyle
	// ConsoleIncludeTimestamps prints the time at the start of each line.
	// Env: LOGFIRE_CONSOLE_INCLUDE_TIMESTAMPS. Default: true.
	ConsoleIncludeTimestamps bool
	// ConsoleIncludeTags ends each line with the record's tags ([a,b]).
	// Env: LOGFIRE_CONSOLE_INCLUDE_TAGS. Default: true.
	ConsoleIncludeTags bool
	// ConsoleShowProjectLink prints the Logfire project's URL on standard
	// error when Configure knows it (from the credentials file).
	// Env: LOGFIRE_CONSOLE_SHOW_PROJECT_LINK, else LOGFIRE_SHOW_SUMMARY.
	// Default: true.
	ConsoleShowProjectLink bool
	// ConsoleVerbose prints the source location and attributes under each
	// line. Env: LOGFIRE_CONSOLE_VERBOSE. Default: false.
	ConsoleVerbose bool
	// ConsoleMinLogLevel hides console lines below this level, one of the
	// logfire.Level constants. Env: LOGFIRE_CONSOLE_MIN_LOG_LEVEL.
	// Default: info.
	ConsoleMinLogLevel Level

	// MinLevel drops spans and logs below this level everywhere; it is
	// one of the logfire.Level constants, or 0 for none.
	// Env: LOGFIRE_MIN_LEVEL. Default: 0 (everything is kept).
	MinLevel Level
	// TraceSampleRate is the share of traces kept, from 0 to 1.
	// Env: LOGFIRE_TRACE_SAMPLE_RATE, else the ratio of
	// OTEL_TRACES_SAMPLER (and OTEL_TRACES_SAMPLER_ARG). Default: 1.
	TraceSampleRate float64
	// ResourceAttributes are added to the resource and win over
	// OTelResourceAttributes and detected attributes.
	// Env: LOGFIRE_RESOURCE_ATTRIBUTES (key=value,..., values
	// percent-encoded). Default: none.
	ResourceAttributes []attribute.KeyValue
	// OTelResourceAttributes are the standard OpenTelemetry resource
	// attributes. Env: OTEL_RESOURCE_ATTRIBUTES. Default: none.
	OTelResourceAttributes []attribute.KeyValue
	// Scrubbing redacts likely secrets from attributes.
	// Env: LOGFIRE_SCRUBBING. Default: true.
	Scrubbing bool
	// ResourceDetectors name the resource detectors run besides the
	// SDK's own (see docs/configuration.md): host, os, process,
	// container, or * for all of them.
	// Env: LOGFIRE_RESOURCE_DETECTORS (comma-separated). Default: none.
	ResourceDetectors []string

	// DistributedTracing says whether incoming trace context is trusted:
	// nil continues the traces that requests, events and messages carry
	// in and says so once (the first time), true continues them quietly,
	// false starts a new trace for each, linked to the caller's span.
	// Env: LOGFIRE_DISTRIBUTED_TRACING. Default: nil.
	DistributedTracing *bool
	// ConfigDir is the directory whose pyproject.toml holds settings in a
	// [tool.logfire] table, as the Python SDK reads them (its names:
	// service_name, console_colors, …; see docs/configuration.md); the
	// environment and code win over the file. Load sets it to the
	// directory it read. Env: LOGFIRE_CONFIG_DIR. Default: . (the working
	// directory).
	ConfigDir string
	// EmitConfigurationSpan records a "Logfire configured" log after
	// Configure, with the settings (none secret) in logfire.config and
	// the program's module versions in logfire.package_versions.
	// Env: LOGFIRE_EMIT_CONFIGURATION_SPAN. Default: false.
	EmitConfigurationSpan bool

	// BatchScheduleDelay is the longest a finished span waits before it is
	// exported. Env: OTEL_BSP_SCHEDULE_DELAY (milliseconds, 0 to 1 hour).
	// Default: 500ms.
	BatchScheduleDelay time.Duration
	// BatchExportTimeout bounds one span export.
	// Env: OTEL_BSP_EXPORT_TIMEOUT (milliseconds, 1 ms to 1 hour).
	// Default: 30s.
	BatchExportTimeout time.Duration
	// BatchMaxQueueSize, if set, bounds how many finished spans (and,
	// separately, log records) may wait for export, besides the bound in
	// bytes the export queue always has.
	// Env: OTEL_BSP_MAX_QUEUE_SIZE (1 to 1048576). Default: 0, no bound
	// but the bytes.
	BatchMaxQueueSize int
	// BatchMaxExportSize is the most spans sent in one request.
	// Env: OTEL_BSP_MAX_EXPORT_BATCH_SIZE (1 to 65536). Default: 512.
	BatchMaxExportSize int

	// AttributeValueLengthLimit is the longest, in characters, a string
	// attribute value of a span or log may be; longer ones are truncated.
	// OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT and
	// OTEL_LOGRECORD_ATTRIBUTE_VALUE_LENGTH_LIMIT win for their signal.
	// Env: OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT (1 to 16 Mi). Default:
	// 1048576 (1 Mi): long enough for any value a person would read,
	// short enough that one record never fills a request.
	AttributeValueLengthLimit int

	// MetricExportInterval is the time between two exports of metrics.
	// Env: OTEL_METRIC_EXPORT_INTERVAL (milliseconds, 1 ms to 24 hours).
	// Default: 60s.
	MetricExportInterval time.Duration
	// MetricExportTimeout bounds one periodic export of metrics.
	// Env: OTEL_METRIC_EXPORT_TIMEOUT (milliseconds, 1 ms to 1 hour).
	// Default: 30s.
	MetricExportTimeout time.Duration
}

// defaultAttributeValueLengthLimit is the default of
// Config.AttributeValueLengthLimit.
const defaultAttributeValueLengthLimit = 1 << 20

// Default returns the configuration used when neither code nor the
// environment says otherwise.
func Default() Config {
	return Config{
		SendToLogfire:             SendIfTokenPresent,
		CredentialsDir:            ".logfire",
		Console:                   true,
		ConsoleColors:             ColorsAuto,
		ConsoleSpanStyle:          SpanStyleShowParents,
		ConsoleIncludeTimestamps:  true,
		ConsoleIncludeTags:        true,
		ConsoleShowProjectLink:    true,
		ConsoleMinLogLevel:        levelInfo,
		TraceSampleRate:           1,
		Scrubbing:                 true,
		ConfigDir:                 ".",
		BatchScheduleDelay:        500 * time.Millisecond,
		BatchExportTimeout:        30 * time.Second,
		BatchMaxExportSize:        512,
		AttributeValueLengthLimit: defaultAttributeValueLengthLimit,
		MetricExportInterval:      60 * time.Second,
		MetricExportTimeout:       30 * time.Second,
	}
}

// Load returns the defaults overlaid with the environment. A variable with
// a value it cannot accept is an error that names the variable and what it
// accepts; it quotes at most a short prefix of the value, and never a
// token. Every value is checked before anything is made from it; the
// errors of every bad variable are joined.
//
// Load also checks the OpenTelemetry variables that package logfire reads
// itself: OTEL_PROPAGATORS, OTEL_TRACES_SAMPLER (whose ratio becomes
// TraceSampleRate when LOGFIRE_TRACE_SAMPLE_RATE is unset), the
// OTEL_EXPORTER_OTLP_* variables of an extra OTLP backend, and the
// OpenTelemetry SDK's limits (OTEL_*_LIMIT).
func Load() (Config, error) { return load(os.Getenv, "") }

// load is Load reading the environment through getenv, and the
// pyproject.toml of dir ("": LOGFIRE_CONFIG_DIR's, see readConfigFile).
func load(getenv func(string) string, dir string) (Config, error) {
	c := Default()
	// The tokens and the API key are read first, raw, so that no error
	// quotes them.
	tokens := redact.NewTokens(append(envconfig.SplitList(getenv("LOGFIRE_TOKEN")), getenv("LOGFIRE_API_KEY"))...)
	var errs []error
	report := func(setting string, err error) { errs = append(errs, &Error{Setting: setting, Err: err}) }
	errs = append(errs, c.readConfigFile(getenv, dir, tokens)) // pyproject.go
	envconfig.Read(c.vars(), getenv, tokens, report)
	errs = append(errs, checkTokens(c.Tokens, "LOGFIRE_TOKEN"), checkAPIKey(c.APIKey, "LOGFIRE_API_KEY"),
		checkSDKLimits(getenv, tokens))
	if o := envconfig.LoadOTel(getenv, tokens, report); o.TracesSampler != "" {
		c.TraceSampleRate = o.SampleRate
	}
	return c, errors.Join(errs...)
}

// vars lists the environment variables of c, each decoded into its field.
func (c *Config) vars() []envconfig.Var {
	vars := []envconfig.Var{
		{Name: "LOGFIRE_TOKEN", Decode: envconfig.List(&c.Tokens)},
		{Name: "LOGFIRE_API_KEY", Decode: func(v string) error { c.APIKey = strings.TrimSpace(v); return nil }},
		{Name: "LOGFIRE_SEND_TO_LOGFIRE", Decode: envconfig.SendMode((*string)(&c.SendToLogfire))},
		{Name: "LOGFIRE_SERVICE_NAME", Decode: envconfig.String(&c.ServiceName)},
		{Name: "OTEL_SERVICE_NAME", Decode: envconfig.String(&c.OTelServiceName)},
		{Name: "LOGFIRE_SERVICE_VERSION", Decode: envconfig.String(&c.ServiceVersion)},
		{Name: "LOGFIRE_ENVIRONMENT", Decode: envconfig.String(&c.Environment)},
		{Name: "LOGFIRE_BASE_URL", Decode: envconfig.BaseURL(&c.BaseURL)},
		{Name: "LOGFIRE_CREDENTIALS_DIR", Decode: envconfig.String(&c.CredentialsDir)},
		{Name: "LOGFIRE_CONSOLE", Decode: envconfig.Bool(&c.Console)},
	}
	vars = append(vars, envconfig.ConsoleVars((*string)(&c.ConsoleColors), (*string)(&c.ConsoleSpanStyle),
		&c.ConsoleIncludeTimestamps, &c.ConsoleIncludeTags, &c.ConsoleVerbose, (*int)(&c.ConsoleMinLogLevel))...)
	vars = append(vars, c.pythonVars()...)
	vars = append(vars,
		envconfig.Var{Name: "LOGFIRE_MIN_LEVEL", Decode: envconfig.Level((*int)(&c.MinLevel))},
		envconfig.Var{Name: "LOGFIRE_TRACE_SAMPLE_RATE", Decode: envconfig.SampleRate(&c.TraceSampleRate)},
		envconfig.Var{Name: "LOGFIRE_RESOURCE_ATTRIBUTES", Decode: envconfig.Attributes(&c.ResourceAttributes)},
		envconfig.Var{Name: "OTEL_RESOURCE_ATTRIBUTES", Decode: envconfig.Attributes(&c.OTelResourceAttributes)},
		envconfig.Var{Name: "LOGFIRE_SCRUBBING", Decode: envconfig.Bool(&c.Scrubbing)},
	)
	for _, b := range bounds {
		vars = append(vars, envconfig.Var{Name: b.env, Decode: b.decoder(c)})
	}
	return vars
}

// Validate checks the values that code may have set after Load (values
// from the environment were checked when they were read). Each error
// names the code option that sets the field and the values it accepts.
func (c *Config) Validate() error {
	if c == nil {
		return &Error{Setting: "config.Config", Err: errors.New("no configuration: use config.Default or config.Load")}
	}
	check := func(ok bool, setting, accepted string) error {
		if ok {
			return nil
		}
		return &Error{Setting: setting, Err: errors.New(accepted)}
	}
	errs := []error{
		checkTokens(c.Tokens, "logfire.WithToken"),
		checkAPIKey(c.APIKey, "logfire.WithAPIKey"),
		c.checkResourceDetectors(),
		check(c.SendToLogfire.valid(), "logfire.WithSendToLogfire", "accepted values are config.SendAlways, config.SendNever, config.SendIfTokenPresent"),
		check(c.TraceSampleRate >= 0 && c.TraceSampleRate <= 1, "logfire.WithSampling", fmt.Sprintf("%v is not a sample rate: accepted values are numbers from 0 to 1", c.TraceSampleRate)),
		check(c.ConsoleColors.valid(), "console.Options.Colors", "accepted values are auto, always, never"),
		check(c.ConsoleSpanStyle.valid(), "console.Options.SpanStyle", "accepted values are simple, indented, show-parents"),
		check(c.MinLevel == 0 || c.MinLevel.valid(), "logfire.WithMinLevel", fmt.Sprintf("%d is not a level: accepted values are the logfire.Level constants, or numbers from 1 to 24", int(c.MinLevel))),
		check(c.ConsoleMinLogLevel.valid(), "console.Options.MinLevel", fmt.Sprintf("%d is not a level: accepted values are the logfire.Level constants, or numbers from 1 to 24", int(c.ConsoleMinLogLevel))),
	}
	if c.BaseURL != "" {
		if err := envconfig.CheckBaseURL(c.BaseURL, redact.NewTokens(append(slices.Clone(c.Tokens), c.APIKey)...)); err != nil {
			errs = append(errs, &Error{Setting: "logfire.WithBaseURL", Err: err})
		}
	}
	for _, b := range bounds {
		errs = append(errs, b.checkCode(c))
	}
	return errors.Join(errs...)
}

// checkTokens checks the tokens set by setting (see
// envconfig.TokensProblem).
func checkTokens(tokens []string, setting string) error {
	if err := envconfig.TokensProblem(tokens); err != nil {
		return &Error{Setting: setting, Err: err}
	}
	return nil
}
