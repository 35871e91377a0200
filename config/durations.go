package config

import (
	"math"
	"strconv"
	"strings"
	"time"
)

// Millis is a duration written in the environment as whole milliseconds,
// as the OTEL_BSP_* and OTEL_METRIC_* variables are. Each variable has its
// own range (see the Max constants), checked by Load.
type Millis time.Duration

// maxMillis is the most milliseconds a time.Duration holds.
const maxMillis = math.MaxInt64 / int64(time.Millisecond)

// Decode implements envconfig.Decoder. It accepts whole numbers of
// milliseconds that a time.Duration can hold, and never overflows.
func (m *Millis) Decode(value string) error {
	if m == nil {
		return errNilDecode
	}
	v := strings.TrimSpace(value)
	if v == "" {
		return nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n > maxMillis || n < -maxMillis {
		return badValue("%s is not a duration: accepted values are whole milliseconds, such as 500", value)
	}
	*m = Millis(time.Duration(n) * time.Millisecond)
	return nil
}

// Duration returns m as a time.Duration.
func (m Millis) Duration() time.Duration { return time.Duration(m) }

// Count is a whole number read from the environment. Each variable has
// its own range (see the Max constants), checked by Load.
type Count int

// Decode implements envconfig.Decoder. It accepts whole numbers that fit
// in an int.
func (c *Count) Decode(value string) error {
	if c == nil {
		return errNilDecode
	}
	v := strings.TrimSpace(value)
	if v == "" {
		return nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n > math.MaxInt || n < math.MinInt {
		return badValue("%s is not a count: accepted values are whole numbers, such as 512", value)
	}
	*c = Count(n)
	return nil
}
