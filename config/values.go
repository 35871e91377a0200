package config

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"go.opentelemetry.io/otel/attribute"
)

// Bool is a boolean read from the environment. It accepts 1, true, t, 0,
// false and f in any case; an empty value leaves the default in place.
type Bool bool

// Decode implements envconfig.Decoder.
func (b *Bool) Decode(value string) error {
	switch strings.ToLower(strings.TrimSpace(value)) {
	case "":
		return nil
	case "1", "true", "t":
		*b = true
	case "0", "false", "f":
		*b = false
	default:
		return fmt.Errorf("%q is not a boolean: accepted values are 1, true, t, 0, false, f (any case)", value)
	}
	return nil
}

// SendMode says whether telemetry is sent to Logfire
// (LOGFIRE_SEND_TO_LOGFIRE).
type SendMode string

// The accepted send modes.
const (
	// SendAlways sends to Logfire and requires a token.
	SendAlways SendMode = "true"
	// SendNever sends nothing to Logfire, even with a token.
	SendNever SendMode = "false"
	// SendIfTokenPresent sends when a token is configured (the default), so
	// that a program without a token still runs and prints to the console.
	SendIfTokenPresent SendMode = "if-token-present"
)

// Decode implements envconfig.Decoder.
func (m *SendMode) Decode(value string) error {
	switch v := strings.ToLower(strings.TrimSpace(value)); v {
	case "":
		return nil
	case "1", "true", "t":
		*m = SendAlways
	case "0", "false", "f":
		*m = SendNever
	case string(SendIfTokenPresent):
		*m = SendIfTokenPresent
	default:
		return fmt.Errorf("%q is not a send mode: accepted values are true, false, if-token-present", value)
	}
	return nil
}

func (m SendMode) valid() bool {
	return m == SendAlways || m == SendNever || m == SendIfTokenPresent
}

// Tokens is a comma-separated list of Logfire write tokens (LOGFIRE_TOKEN).
// Each token sends to its own project.
type Tokens []string

// Decode implements envconfig.Decoder.
func (t *Tokens) Decode(value string) error {
	*t = splitTokens(value)
	return nil
}

func splitTokens(value string) Tokens {
	var out Tokens
	for _, part := range strings.Split(value, ",") {
		if part = strings.TrimSpace(part); part != "" {
			out = append(out, part)
		}
	}
	return out
}

// SampleRate is the probability, from 0 to 1, that a trace is kept
// (LOGFIRE_TRACE_SAMPLE_RATE).
type SampleRate float64

// Decode implements envconfig.Decoder.
func (r *SampleRate) Decode(value string) error {
	v := strings.TrimSpace(value)
	if v == "" {
		return nil
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || !SampleRate(f).valid() {
		return fmt.Errorf("%q is not a sample rate: accepted values are numbers from 0 to 1, such as 0.25", value)
	}
	*r = SampleRate(f)
	return nil
}

func (r SampleRate) valid() bool { return r >= 0 && r <= 1 }

// BaseURL is the root URL that /v1/traces, /v1/metrics and /v1/logs are
// appended to (LOGFIRE_BASE_URL). Empty means: derive it from the token.
type BaseURL string

// Decode implements envconfig.Decoder.
func (u *BaseURL) Decode(value string) error {
	v := strings.TrimSpace(value)
	if v == "" {
		return nil
	}
	if err := checkBaseURL(v); err != nil {
		return err
	}
	*u = BaseURL(strings.TrimRight(v, "/"))
	return nil
}

func checkBaseURL(v string) error {
	p, err := url.Parse(v)
	if err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" {
		return fmt.Errorf("%q is not a base URL: accepted values are absolute http or https URLs such as https://logfire-eu.pydantic.dev", v)
	}
	return nil
}

// Attributes is an ordered list of resource attributes. In the environment
// they are written key=value,key2=value2, with values percent-decoded as in
// OTEL_RESOURCE_ATTRIBUTES (LOGFIRE_RESOURCE_ATTRIBUTES).
type Attributes []attribute.KeyValue

// Decode implements envconfig.Decoder.
func (a *Attributes) Decode(value string) error {
	v, err := ParseAttributes(value)
	if err != nil {
		return err
	}
	*a = v
	return nil
}

// ParseAttributes parses key=value pairs separated by commas. Keys must be
// non-empty; values may be percent-encoded (a comma in a value is %2C).
func ParseAttributes(s string) (Attributes, error) {
	var out Attributes
	for _, pair := range strings.Split(s, ",") {
		if strings.TrimSpace(pair) == "" {
			continue
		}
		k, v, ok := strings.Cut(pair, "=")
		k = strings.TrimSpace(k)
		if !ok || k == "" {
			return nil, fmt.Errorf("%q is not a key=value pair: accepted values look like key1=value1,key2=value2", pair)
		}
		dv, err := url.PathUnescape(strings.TrimSpace(v))
		if err != nil {
			return nil, fmt.Errorf("the value of %q is not valid percent-encoding: write a comma as %%2C and a percent sign as %%25", k)
		}
		out = append(out, attribute.String(k, dv))
	}
	return out, nil
}
