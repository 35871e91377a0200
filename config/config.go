// Package config holds the settings of the Logfire SDK and loads them from
// the environment.
//
// Settings come from three places, and the first that has a value wins:
// options passed in code (see package logfire), environment variables, and
// the defaults documented on each field and in docs/configuration.md.
// An environment variable that is set to the empty string counts as unset.
package config

import (
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/kelseyhightower/envconfig"

	"github.com/logfire-go/sdk/internal/redact"
)

// Config is every setting of the SDK. Load fills it from defaults and the
// environment; package logfire then applies options given in code and calls
// Validate.
type Config struct {
	// Tokens are the Logfire write tokens; each one exports to its own
	// project. Env: LOGFIRE_TOKEN (comma-separated). Default: none, in which
	// case the credentials file is read.
	Tokens Tokens `envconfig:"LOGFIRE_TOKEN"`
	// SendToLogfire says whether to export to Logfire.
	// Env: LOGFIRE_SEND_TO_LOGFIRE. Default: if-token-present.
	SendToLogfire SendMode `envconfig:"LOGFIRE_SEND_TO_LOGFIRE"`
	// ServiceName is the service.name resource attribute.
	// Env: LOGFIRE_SERVICE_NAME. Default: OTelServiceName, then the Lambda
	// function name, then unknown_service:<executable>.
	ServiceName string `envconfig:"LOGFIRE_SERVICE_NAME"`
	// OTelServiceName is the standard OpenTelemetry service name, used
	// when ServiceName is empty. Env: OTEL_SERVICE_NAME.
	OTelServiceName string `envconfig:"OTEL_SERVICE_NAME"`
	// ServiceVersion is the service.version resource attribute.
	// Env: LOGFIRE_SERVICE_VERSION. Default: none.
	ServiceVersion string `envconfig:"LOGFIRE_SERVICE_VERSION"`
	// Environment is the deployment.environment.name resource attribute,
	// such as "prod" or "staging". Env: LOGFIRE_ENVIRONMENT. Default: none.
	Environment string `envconfig:"LOGFIRE_ENVIRONMENT"`
	// BaseURL overrides the endpoint root derived from the token.
	// Env: LOGFIRE_BASE_URL. Default: from the token's region.
	BaseURL BaseURL `envconfig:"LOGFIRE_BASE_URL"`
	// CredentialsDir holds logfire_credentials.json, read when no token is
	// given. Env: LOGFIRE_CREDENTIALS_DIR. Default: .logfire
	CredentialsDir string `envconfig:"LOGFIRE_CREDENTIALS_DIR"`

	// Console turns the console output on or off.
	// Env: LOGFIRE_CONSOLE. Default: true.
	Console Bool `envconfig:"LOGFIRE_CONSOLE"`
	// ConsoleColors: auto, always or never.
	// Env: LOGFIRE_CONSOLE_COLORS. Default: auto.
	ConsoleColors ColorMode `envconfig:"LOGFIRE_CONSOLE_COLORS"`
	// ConsoleSpanStyle: simple, indented or show-parents.
	// Env: LOGFIRE_CONSOLE_SPAN_STYLE. Default: show-parents.
	ConsoleSpanStyle SpanStyle `envconfig:"LOGFIRE_CONSOLE_SPAN_STYLE"`
	// ConsoleIncludeTimestamps prints the time at the start of each line.
	// Env: LOGFIRE_CONSOLE_INCLUDE_TIMESTAMPS. Default: true.
	ConsoleIncludeTimestamps Bool `envconfig:"LOGFIRE_CONSOLE_INCLUDE_TIMESTAMPS"`
	// ConsoleVerbose prints the source location and attributes under each
	// line. Env: LOGFIRE_CONSOLE_VERBOSE. Default: false.
	ConsoleVerbose Bool `envconfig:"LOGFIRE_CONSOLE_VERBOSE"`
	// ConsoleMinLogLevel hides console lines below this level.
	// Env: LOGFIRE_CONSOLE_MIN_LOG_LEVEL. Default: info.
	ConsoleMinLogLevel Level `envconfig:"LOGFIRE_CONSOLE_MIN_LOG_LEVEL"`

	// MinLevel drops spans and logs below this level everywhere.
	// Env: LOGFIRE_MIN_LEVEL. Default: none (everything is kept).
	MinLevel Level `envconfig:"LOGFIRE_MIN_LEVEL"`
	// TraceSampleRate is the share of traces kept, from 0 to 1.
	// Env: LOGFIRE_TRACE_SAMPLE_RATE. Default: 1.
	TraceSampleRate SampleRate `envconfig:"LOGFIRE_TRACE_SAMPLE_RATE"`
	// ResourceAttributes are added to the resource and win over
	// OTelResourceAttributes and detected attributes.
	// Env: LOGFIRE_RESOURCE_ATTRIBUTES (key=value,...). Default: none.
	ResourceAttributes Attributes `envconfig:"LOGFIRE_RESOURCE_ATTRIBUTES"`
	// OTelResourceAttributes are the standard OpenTelemetry resource
	// attributes. Env: OTEL_RESOURCE_ATTRIBUTES. Default: none.
	OTelResourceAttributes Attributes `envconfig:"OTEL_RESOURCE_ATTRIBUTES"`
	// Scrubbing redacts likely secrets from attributes.
	// Env: LOGFIRE_SCRUBBING. Default: true.
	Scrubbing Bool `envconfig:"LOGFIRE_SCRUBBING"`

	// BatchScheduleDelay is the longest a finished span waits before it is
	// exported. Env: OTEL_BSP_SCHEDULE_DELAY (milliseconds). Default: 500ms.
	BatchScheduleDelay Millis `envconfig:"OTEL_BSP_SCHEDULE_DELAY"`
	// BatchExportTimeout bounds one span export.
	// Env: OTEL_BSP_EXPORT_TIMEOUT (milliseconds). Default: 30s.
	BatchExportTimeout Millis `envconfig:"OTEL_BSP_EXPORT_TIMEOUT"`
	// BatchMaxQueueSize, if set, bounds how many finished spans (and,
	// separately, log records) may wait for export, besides the bound in
	// bytes the export queue always has (logfire.WithMaxQueueBytes).
	// Env: OTEL_BSP_MAX_QUEUE_SIZE. Default: 0, no bound but the bytes.
	BatchMaxQueueSize Count `envconfig:"OTEL_BSP_MAX_QUEUE_SIZE"`
	// BatchMaxExportSize is the most spans sent in one request.
	// Env: OTEL_BSP_MAX_EXPORT_BATCH_SIZE. Default: 512.
	BatchMaxExportSize Count `envconfig:"OTEL_BSP_MAX_EXPORT_BATCH_SIZE"`

	// AttributeValueLengthLimit is the longest, in characters, a string
	// attribute value of a span or log may be; longer ones are truncated.
	// OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT and
	// OTEL_LOGRECORD_ATTRIBUTE_VALUE_LENGTH_LIMIT win for their signal.
	// Env: OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT. Default: 1048576 (1 Mi).
	AttributeValueLengthLimit Count `envconfig:"OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT"`

	// MetricExportInterval is the time between two exports of metrics.
	// Env: OTEL_METRIC_EXPORT_INTERVAL (milliseconds). Default: 60s.
	MetricExportInterval Millis `envconfig:"OTEL_METRIC_EXPORT_INTERVAL"`
	// MetricExportTimeout bounds one periodic export of metrics.
	// Env: OTEL_METRIC_EXPORT_TIMEOUT (milliseconds). Default: 30s.
	MetricExportTimeout Millis `envconfig:"OTEL_METRIC_EXPORT_TIMEOUT"`

	// OTel holds the OpenTelemetry variables that choose the propagators,
	// the head sampler and an extra OTLP backend (see OTelConfig).
	OTel OTelConfig `ignored:"true"`
}

// DefaultAttributeValueLengthLimit is the default of
// Config.AttributeValueLengthLimit: long enough for any value a person
// would read, short enough that one record never fills a request.
const DefaultAttributeValueLengthLimit = 1 << 20

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
		ConsoleMinLogLevel:        LevelInfo,
		TraceSampleRate:           1,
		Scrubbing:                 true,
		BatchScheduleDelay:        Millis(500 * time.Millisecond),
		BatchExportTimeout:        Millis(30 * time.Second),
		BatchMaxExportSize:        512,
		AttributeValueLengthLimit: DefaultAttributeValueLengthLimit,
		MetricExportInterval:      Millis(60 * time.Second),
		MetricExportTimeout:       Millis(30 * time.Second),
	}
}

// Load returns the defaults overlaid with the environment. A variable with
// a value it cannot accept is an error that names the variable and what it
// accepts; it quotes at most a short prefix of the value, and never a
// token. Every value is checked before anything is made from it.
func Load() (Config, error) {
	c := Default()
	// The tokens are read first, raw, so that no error quotes them.
	tokens := redact.NewTokens(splitTokens(os.Getenv("LOGFIRE_TOKEN"))...)
	if err := envconfig.Process("", &c); err != nil {
		return c, describeEnvError(err, tokens)
	}
	if c.CredentialsDir == "" {
		c.CredentialsDir = ".logfire"
	}
	errs := []error{checkTokens(c.Tokens, "LOGFIRE_TOKEN")}
	for _, b := range bounds {
		errs = append(errs, b.checkEnv(&c, os.Getenv))
	}
	errs = append(errs, checkSDKLimits(os.Getenv, tokens), c.loadOTel(tokens))
	return c, errors.Join(errs...)
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
	tokens := redact.NewTokens(c.Tokens...)
	errs := []error{
		checkTokens(c.Tokens, "logfire.WithToken"),
		check(c.SendToLogfire.valid(), "logfire.WithSendToLogfire", "accepted values are config.SendAlways, config.SendNever, config.SendIfTokenPresent"),
		check(c.TraceSampleRate.valid(), "logfire.WithTraceSampleRate", fmt.Sprintf("%v is not a sample rate: accepted values are numbers from 0 to 1", float64(c.TraceSampleRate))),
		checkBaseURLOption(string(c.BaseURL), "logfire.WithBaseURL", tokens),
		check(c.ConsoleColors == ColorsAuto || c.ConsoleColors == ColorsAlways || c.ConsoleColors == ColorsNever, "logfire.WithConsoleColors", "accepted values are auto, always, never"),
		check(c.ConsoleSpanStyle == SpanStyleSimple || c.ConsoleSpanStyle == SpanStyleIndented || c.ConsoleSpanStyle == SpanStyleShowParents, "logfire.WithConsoleSpanStyle", "accepted values are simple, indented, show-parents"),
		check(c.MinLevel == 0 || c.MinLevel.valid(), "logfire.WithMinLevel", fmt.Sprintf("%d is not a level: accepted values are the Level constants, or numbers from 1 to 24", int(c.MinLevel))),
		check(c.ConsoleMinLogLevel.valid(), "logfire.WithConsoleMinLevel", fmt.Sprintf("%d is not a level: accepted values are the Level constants, or numbers from 1 to 24", int(c.ConsoleMinLogLevel))),
	}
	for _, b := range bounds {
		errs = append(errs, b.checkCode(c))
	}
	return errors.Join(errs...)
}
