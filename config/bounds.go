package config

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/logfire-go/sdk/internal/redact"
)

// The bounds of the numeric settings. A value outside them, from the
// environment or from code, makes Load or Validate fail with an error that
// names the variable or option and the accepted range; nothing is
// allocated from a value before it is checked.
const (
	// MaxBatchQueueSize bounds BatchMaxQueueSize (OTEL_BSP_MAX_QUEUE_SIZE).
	MaxBatchQueueSize = 1 << 20
	// MaxBatchExportSize bounds BatchMaxExportSize
	// (OTEL_BSP_MAX_EXPORT_BATCH_SIZE).
	MaxBatchExportSize = 1 << 16
	// MaxAttributeValueLengthLimit bounds AttributeValueLengthLimit
	// (OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT), in characters.
	MaxAttributeValueLengthLimit = 16 << 20

	// MaxBatchScheduleDelay bounds BatchScheduleDelay
	// (OTEL_BSP_SCHEDULE_DELAY).
	MaxBatchScheduleDelay = time.Hour
	// MaxExportTimeout bounds BatchExportTimeout (OTEL_BSP_EXPORT_TIMEOUT)
	// and MetricExportTimeout (OTEL_METRIC_EXPORT_TIMEOUT).
	MaxExportTimeout = time.Hour
	// MaxMetricExportInterval bounds MetricExportInterval
	// (OTEL_METRIC_EXPORT_INTERVAL).
	MaxMetricExportInterval = 24 * time.Hour

	// MaxTokens is the most tokens (destinations) one instance exports to.
	MaxTokens = 32
	// MaxTokenLength is the longest a token may be, in bytes.
	MaxTokenLength = 512
)

// bound is the accepted range of one numeric setting.
type bound struct {
	env, option string
	// duration: the value is a time.Duration, written in whole
	// milliseconds in the environment; min and max are nanoseconds.
	duration bool
	min, max int64
	get      func(*Config) int64
	// zeroInCode: code may also set 0, and what it means.
	zeroInCode string
}

// bounds lists every numeric setting with its range.
var bounds = []bound{
	{env: "OTEL_BSP_SCHEDULE_DELAY", option: "logfire.WithBatchScheduleDelay", duration: true,
		min: 0, max: int64(MaxBatchScheduleDelay), get: func(c *Config) int64 { return int64(c.BatchScheduleDelay) }},
	{env: "OTEL_BSP_EXPORT_TIMEOUT", option: "logfire.WithBatchExportTimeout", duration: true,
		min: int64(time.Millisecond), max: int64(MaxExportTimeout), get: func(c *Config) int64 { return int64(c.BatchExportTimeout) }},
	{env: "OTEL_BSP_MAX_QUEUE_SIZE", option: "logfire.WithBatchSizes",
		min: 1, max: MaxBatchQueueSize, get: func(c *Config) int64 { return int64(c.BatchMaxQueueSize) },
		zeroInCode: "no bound but the bytes"},
	{env: "OTEL_BSP_MAX_EXPORT_BATCH_SIZE", option: "logfire.WithBatchSizes",
		min: 1, max: MaxBatchExportSize, get: func(c *Config) int64 { return int64(c.BatchMaxExportSize) }},
	{env: "OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT", option: "config.Config.AttributeValueLengthLimit",
		min: 1, max: MaxAttributeValueLengthLimit, get: func(c *Config) int64 { return int64(c.AttributeValueLengthLimit) }},
	{env: "OTEL_METRIC_EXPORT_INTERVAL", option: "config.Config.MetricExportInterval", duration: true,
		min: int64(time.Millisecond), max: int64(MaxMetricExportInterval), get: func(c *Config) int64 { return int64(c.MetricExportInterval) }},
	{env: "OTEL_METRIC_EXPORT_TIMEOUT", option: "config.Config.MetricExportTimeout", duration: true,
		min: int64(time.Millisecond), max: int64(MaxExportTimeout), get: func(c *Config) int64 { return int64(c.MetricExportTimeout) }},
}

// boundFor returns the bound of the environment variable env.
func boundFor(env string) (bound, bool) {
	for _, b := range bounds {
		if b.env == env {
			return b, true
		}
	}
	return bound{}, false
}

// accepted says what the environment variable accepts.
func (b bound) accepted() string {
	if b.duration {
		return fmt.Sprintf("accepted values are whole milliseconds from %d to %d (%v)", b.min/int64(time.Millisecond), b.max/int64(time.Millisecond), time.Duration(b.max))
	}
	return fmt.Sprintf("accepted values are whole numbers from %d to %d", b.min, b.max)
}

// acceptedInCode says what the code option accepts.
func (b bound) acceptedInCode() string {
	if b.duration {
		return fmt.Sprintf("accepted values are durations from %v to %v", time.Duration(b.min), time.Duration(b.max))
	}
	return fmt.Sprintf("accepted values are from %d to %d", b.min, b.max)
}

// checkEnv returns an error naming the environment variable if it is set
// (getenv returns a non-blank value) and c's value is out of range.
func (b bound) checkEnv(c *Config, getenv func(string) string) error {
	if strings.TrimSpace(getenv(b.env)) == "" {
		return nil
	}
	v := b.get(c)
	if v >= b.min && v <= b.max {
		return nil
	}
	shown := v
	if b.duration {
		shown = v / int64(time.Millisecond)
	}
	return &Error{Setting: b.env, Err: fmt.Errorf("%d is out of range: %s", shown, b.accepted())}
}

// checkCode returns an error naming the code option if c's value is out
// of range (or, where zeroInCode says so, 0).
func (b bound) checkCode(c *Config) error {
	v := b.get(c)
	if v >= b.min && v <= b.max || (b.zeroInCode != "" && v == 0) {
		return nil
	}
	shown := fmt.Sprint(v)
	if b.duration {
		shown = time.Duration(v).String()
	}
	accepted := b.acceptedInCode()
	if b.zeroInCode != "" {
		accepted += ", or 0 (" + b.zeroInCode + ")"
	}
	return &Error{Setting: b.option, Err: fmt.Errorf("%s is out of range: %s", shown, accepted)}
}

// MaxAttributeCountLimit bounds the OpenTelemetry SDK's count limits
// (OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT and the others in sdkLimits).
const MaxAttributeCountLimit = 1 << 16

// sdkLimits are the limit variables that the OpenTelemetry SDK reads
// itself. Load checks them first, so that a bad value is an error that
// names it, rather than a line on standard error that quotes it whole
// (control characters included) while the SDK goes on with its default.
var sdkLimits = []struct {
	env      string
	min, max int64
}{
	{"OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT", 1, MaxAttributeValueLengthLimit},
	{"OTEL_LOGRECORD_ATTRIBUTE_VALUE_LENGTH_LIMIT", 1, MaxAttributeValueLengthLimit},
	{"OTEL_ATTRIBUTE_COUNT_LIMIT", 0, MaxAttributeCountLimit},
	{"OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT", 0, MaxAttributeCountLimit},
	{"OTEL_LOGRECORD_ATTRIBUTE_COUNT_LIMIT", 0, MaxAttributeCountLimit},
	{"OTEL_SPAN_EVENT_COUNT_LIMIT", 0, MaxAttributeCountLimit},
	{"OTEL_SPAN_LINK_COUNT_LIMIT", 0, MaxAttributeCountLimit},
	{"OTEL_EVENT_ATTRIBUTE_COUNT_LIMIT", 0, MaxAttributeCountLimit},
	{"OTEL_LINK_ATTRIBUTE_COUNT_LIMIT", 0, MaxAttributeCountLimit},
}

// checkSDKLimits checks the variables of sdkLimits that are set: each
// must be a whole number in range, written without spaces (the
// OpenTelemetry SDK parses it with strconv.Atoi).
func checkSDKLimits(getenv func(string) string, tokens *redact.Tokens) error {
	var errs []error
	for _, l := range sdkLimits {
		v := getenv(l.env)
		if v == "" {
			continue
		}
		if n, err := strconv.ParseInt(v, 10, 64); err != nil || n < l.min || n > l.max {
			errs = append(errs, &Error{Setting: l.env, Err: fmt.Errorf("%s is out of range or not a whole number: accepted values are whole numbers from %d to %d, without spaces", quote(v, tokens), l.min, l.max)})
		}
	}
	return errors.Join(errs...)
}
