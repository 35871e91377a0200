package config

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/logfire-go/sdk/internal/envconfig"
	"github.com/logfire-go/sdk/internal/redact"
)

// The bounds of the numeric settings. A value outside them, from the
// environment or from code, makes Load or Validate fail with an error that
// names the variable or option and the accepted range; nothing is
// allocated from a value before it is checked.
const (
	maxBatchQueueSize            = 1 << 20
	maxBatchExportSize           = 1 << 16
	maxAttributeValueLengthLimit = 16 << 20 // characters
	maxBatchScheduleDelay        = time.Hour
	maxExportTimeout             = time.Hour
	maxMetricExportInterval      = 24 * time.Hour
	// maxAttributeCountLimit bounds the OpenTelemetry SDK's count limits
	// (OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT and the others in sdkLimits).
	maxAttributeCountLimit = 1 << 16
)

// bound is the accepted range of one numeric setting.
type bound struct {
	env, option string
	// duration is the field of a time.Duration, written in whole
	// milliseconds in the environment; min and max are nanoseconds.
	duration func(*Config) *time.Duration
	// count is the field of a whole number.
	count    func(*Config) *int
	min, max int64
	// zeroInCode: code may also set 0, and what it means.
	zeroInCode string
}

// bounds lists every numeric setting with its range. Their code option is
// the Config field: package logfire leaves them to the environment.
var bounds = []bound{
	{env: "OTEL_BSP_SCHEDULE_DELAY", option: "config.Config.BatchScheduleDelay",
		duration: func(c *Config) *time.Duration { return &c.BatchScheduleDelay }, min: 0, max: int64(maxBatchScheduleDelay)},
	{env: "OTEL_BSP_EXPORT_TIMEOUT", option: "config.Config.BatchExportTimeout",
		duration: func(c *Config) *time.Duration { return &c.BatchExportTimeout }, min: int64(time.Millisecond), max: int64(maxExportTimeout)},
	{env: "OTEL_BSP_MAX_QUEUE_SIZE", option: "config.Config.BatchMaxQueueSize",
		count: func(c *Config) *int { return &c.BatchMaxQueueSize }, min: 1, max: maxBatchQueueSize,
		zeroInCode: "no bound but the bytes"},
	{env: "OTEL_BSP_MAX_EXPORT_BATCH_SIZE", option: "config.Config.BatchMaxExportSize",
		count: func(c *Config) *int { return &c.BatchMaxExportSize }, min: 1, max: maxBatchExportSize},
	{env: "OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT", option: "config.Config.AttributeValueLengthLimit",
		count: func(c *Config) *int { return &c.AttributeValueLengthLimit }, min: 1, max: maxAttributeValueLengthLimit},
	{env: "OTEL_METRIC_EXPORT_INTERVAL", option: "config.Config.MetricExportInterval",
		duration: func(c *Config) *time.Duration { return &c.MetricExportInterval }, min: int64(time.Millisecond), max: int64(maxMetricExportInterval)},
	{env: "OTEL_METRIC_EXPORT_TIMEOUT", option: "config.Config.MetricExportTimeout",
		duration: func(c *Config) *time.Duration { return &c.MetricExportTimeout }, min: int64(time.Millisecond), max: int64(maxExportTimeout)},
}

// get returns c's value of the setting (nanoseconds for a duration).
func (b bound) get(c *Config) int64 {
	if b.duration != nil {
		return int64(*b.duration(c))
	}
	return int64(*b.count(c))
}

// unit is what one whole number in the environment is worth.
func (b bound) unit() int64 {
	if b.duration != nil {
		return int64(time.Millisecond)
	}
	return 1
}

// accepted says what the environment variable accepts.
func (b bound) accepted() string {
	if b.duration != nil {
		return fmt.Sprintf("accepted values are whole milliseconds from %d to %d (%v)", b.min/b.unit(), b.max/b.unit(), time.Duration(b.max))
	}
	return fmt.Sprintf("accepted values are whole numbers from %d to %d", b.min, b.max)
}

// acceptedInCode says what the code option accepts.
func (b bound) acceptedInCode() string {
	if b.duration != nil {
		return fmt.Sprintf("accepted values are durations from %v to %v", time.Duration(b.min), time.Duration(b.max))
	}
	return fmt.Sprintf("accepted values are from %d to %d", b.min, b.max)
}

// decoder decodes the environment variable into c: a whole number (of
// milliseconds, for a duration) in range.
func (b bound) decoder(c *Config) func(string) error {
	return func(value string) error {
		v := strings.TrimSpace(value)
		if v == "" {
			return nil
		}
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n > math.MaxInt64/b.unit() || n < math.MinInt64/b.unit() || n > math.MaxInt || n < math.MinInt {
			return envconfig.BadValue("%s is out of range or not a whole number: "+b.accepted(), value)
		}
		if n*b.unit() < b.min || n*b.unit() > b.max {
			return fmt.Errorf("%d is out of range: %s", n, b.accepted())
		}
		if b.duration != nil {
			*b.duration(c) = time.Duration(n * b.unit())
		} else {
			*b.count(c) = int(n)
		}
		return nil
	}
}

// checkCode returns an error naming the code option if c's value is out
// of range (or, where zeroInCode says so, 0).
func (b bound) checkCode(c *Config) error {
	v := b.get(c)
	if v >= b.min && v <= b.max || (b.zeroInCode != "" && v == 0) {
		return nil
	}
	shown := fmt.Sprint(v)
	if b.duration != nil {
		shown = time.Duration(v).String()
	}
	accepted := b.acceptedInCode()
	if b.zeroInCode != "" {
		accepted += ", or 0 (" + b.zeroInCode + ")"
	}
	return &Error{Setting: b.option, Err: fmt.Errorf("%s is out of range: %s", shown, accepted)}
}

// sdkLimits are the limit variables that the OpenTelemetry SDK reads
// itself. Load checks them first, so that a bad value is an error that
// names it, rather than a line on standard error that quotes it whole
// (control characters included) while the SDK goes on with its default.
var sdkLimits = []struct {
	env      string
	min, max int64
}{
	{"OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT", 1, maxAttributeValueLengthLimit},
	{"OTEL_LOGRECORD_ATTRIBUTE_VALUE_LENGTH_LIMIT", 1, maxAttributeValueLengthLimit},
	{"OTEL_ATTRIBUTE_COUNT_LIMIT", 0, maxAttributeCountLimit},
	{"OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT", 0, maxAttributeCountLimit},
	{"OTEL_LOGRECORD_ATTRIBUTE_COUNT_LIMIT", 0, maxAttributeCountLimit},
	{"OTEL_SPAN_EVENT_COUNT_LIMIT", 0, maxAttributeCountLimit},
	{"OTEL_SPAN_LINK_COUNT_LIMIT", 0, maxAttributeCountLimit},
	{"OTEL_EVENT_ATTRIBUTE_COUNT_LIMIT", 0, maxAttributeCountLimit},
	{"OTEL_LINK_ATTRIBUTE_COUNT_LIMIT", 0, maxAttributeCountLimit},
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
			errs = append(errs, &Error{Setting: l.env, Err: fmt.Errorf("%s is out of range or not a whole number: accepted values are whole numbers from %d to %d, without spaces", envconfig.Quote(v, tokens), l.min, l.max)})
		}
	}
	return errors.Join(errs...)
}
