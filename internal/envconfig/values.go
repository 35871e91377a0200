package envconfig

import (
	"math"
	"net/url"
	"strconv"
	"strings"
	"time"

	"go.opentelemetry.io/otel/attribute"
)

// String stores the value as it is.
func String(p *string) func(string) error {
	return func(v string) error {
		*p = v
		return nil
	}
}

// Bool accepts 1, true, t, 0, false and f, in any case.
func Bool(p *bool) func(string) error {
	return func(value string) error {
		switch strings.ToLower(strings.TrimSpace(value)) {
		case "":
		case "1", "true", "t":
			*p = true
		case "0", "false", "f":
			*p = false
		default:
			return BadValue("%s is not a boolean: accepted values are 1, true, t, 0, false, f (any case)", value)
		}
		return nil
	}
}

// OneOf accepts one of the values of accepted, in any case. format is
// the message of any other value, with one %s where the value goes; it
// says what is accepted.
func OneOf(p *string, format string, accepted ...string) func(string) error {
	return func(value string) error {
		v := strings.ToLower(strings.TrimSpace(value))
		if v == "" {
			return nil
		}
		for _, a := range accepted {
			if v == a {
				*p = a
				return nil
			}
		}
		return BadValue(format, value)
	}
}

// The values of LOGFIRE_SEND_TO_LOGFIRE, as config.SendMode holds them.
const (
	SendAlways         = "true"
	SendNever          = "false"
	SendIfTokenPresent = "if-token-present"
)

// SendMode accepts the booleans of Bool and if-token-present.
func SendMode(p *string) func(string) error {
	return func(value string) error {
		switch v := strings.ToLower(strings.TrimSpace(value)); v {
		case "":
		case "1", "true", "t":
			*p = SendAlways
		case "0", "false", "f":
			*p = SendNever
		case SendIfTokenPresent:
			*p = SendIfTokenPresent
		default:
			return BadValue("%s is not a send mode: accepted values are true, false, if-token-present", value)
		}
		return nil
	}
}

// SampleRate accepts numbers from 0 to 1.
func SampleRate(p *float64) func(string) error {
	return func(value string) error {
		v := strings.TrimSpace(value)
		if v == "" {
			return nil
		}
		f, err := strconv.ParseFloat(v, 64)
		if err != nil || !(f >= 0 && f <= 1) {
			return BadValue("%s is not a sample rate: accepted values are numbers from 0 to 1, such as 0.25", value)
		}
		*p = f
		return nil
	}
}

// maxMillis is the most milliseconds a time.Duration holds.
const maxMillis = math.MaxInt64 / int64(time.Millisecond)

// Millis accepts whole milliseconds that a time.Duration can hold, as
// the OTEL_BSP_* and OTEL_EXPORTER_OTLP_*TIMEOUT variables are written.
func Millis(p *time.Duration) func(string) error {
	return func(value string) error {
		v := strings.TrimSpace(value)
		if v == "" {
			return nil
		}
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n > maxMillis || n < -maxMillis {
			return BadValue("%s is not a duration: accepted values are whole milliseconds, such as 500", value)
		}
		*p = time.Duration(n) * time.Millisecond
		return nil
	}
}

// List accepts names separated by commas; blanks around them and empty
// names are dropped.
func List(p *[]string) func(string) error {
	return func(value string) error {
		*p = SplitList(value)
		return nil
	}
}

// SplitList splits value at its commas, trims each part and drops the
// empty ones.
func SplitList(value string) []string {
	var out []string
	for part := range strings.SplitSeq(value, ",") {
		if part = strings.TrimSpace(part); part != "" {
			out = append(out, part)
		}
	}
	return out
}

// Attributes accepts key=value pairs separated by commas, with
// percent-encoded values, as OTEL_RESOURCE_ATTRIBUTES is written.
func Attributes(p *[]attribute.KeyValue) func(string) error {
	return func(value string) error {
		v, err := ParseAttributes(value)
		if err != nil {
			return err
		}
		*p = v
		return nil
	}
}

// ParseAttributes parses key=value pairs separated by commas. Keys must
// be non-empty; values may be percent-encoded (a comma in a value is
// %2C).
func ParseAttributes(s string) ([]attribute.KeyValue, error) {
	var out []attribute.KeyValue
	for pair := range strings.SplitSeq(s, ",") {
		if strings.TrimSpace(pair) == "" {
			continue
		}
		k, v, ok := strings.Cut(pair, "=")
		k = strings.TrimSpace(k)
		if !ok || k == "" {
			return nil, BadValue("%s is not a key=value pair: accepted values look like key1=value1,key2=value2", pair)
		}
		dv, err := url.PathUnescape(strings.TrimSpace(v))
		if err != nil {
			return nil, BadValue("the value of %s is not valid percent-encoding: accepted values are percent-encoded, with a comma as %%2C and a percent sign as %%25", k)
		}
		out = append(out, attribute.String(k, dv))
	}
	return out, nil
}

// Headers accepts the headers of OTEL_EXPORTER_OTLP_HEADERS: key=value
// pairs separated by commas, with percent-encoded values.
func Headers(p *map[string]string) func(string) error {
	return func(value string) error {
		out := map[string]string{}
		for part := range strings.SplitSeq(value, ",") {
			if strings.TrimSpace(part) == "" {
				continue
			}
			k, v, ok := strings.Cut(part, "=")
			k = strings.TrimSpace(k)
			if !ok || k == "" {
				return BadValue("%s is not a list of headers: accepted values are key=value pairs separated by commas, such as api-key=abc,team=x", value)
			}
			dv, err := url.PathUnescape(strings.TrimSpace(v))
			if err != nil {
				return BadValue("%s is not a list of headers: a value is not percent-encoded correctly", value)
			}
			out[k] = dv
		}
		*p = out
		return nil
	}
}
