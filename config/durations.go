package config

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Millis is a duration written in the environment as whole milliseconds,
// as the OTEL_BSP_* variables are.
type Millis time.Duration

// Decode implements envconfig.Decoder.
func (m *Millis) Decode(value string) error {
	v := strings.TrimSpace(value)
	if v == "" {
		return nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 {
		return fmt.Errorf("%q is not a duration: accepted values are whole milliseconds, 0 or more, such as 500", value)
	}
	*m = Millis(time.Duration(n) * time.Millisecond)
	return nil
}

// Duration returns m as a time.Duration.
func (m Millis) Duration() time.Duration { return time.Duration(m) }

// Count is a positive number read from the environment.
type Count int

// Decode implements envconfig.Decoder.
func (c *Count) Decode(value string) error {
	v := strings.TrimSpace(value)
	if v == "" {
		return nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n <= 0 {
		return fmt.Errorf("%q is not a count: accepted values are whole numbers above 0, such as 512", value)
	}
	*c = Count(n)
	return nil
}
