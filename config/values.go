package config

import (
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"

	"go.opentelemetry.io/otel/attribute"

	"github.com/logfire-go/sdk/internal/redact"
)

// Bool is a boolean read from the environment. It accepts 1, true, t, 0,
// false and f in any case; an empty value leaves the default in place.
type Bool bool

// Decode implements envconfig.Decoder.
func (b *Bool) Decode(value string) error {
	if b == nil {
		return errNilDecode
	}
	switch strings.ToLower(strings.TrimSpace(value)) {
	case "":
		return nil
	case "1", "true", "t":
		*b = true
	case "0", "false", "f":
		*b = false
	default:
		return badValue("%s is not a boolean: accepted values are 1, true, t, 0, false, f (any case)", value)
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
	if m == nil {
		return errNilDecode
	}
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
		return badValue("%s is not a send mode: accepted values are true, false, if-token-present", value)
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
	if t == nil {
		return errNilDecode
	}
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
	if r == nil {
		return errNilDecode
	}
	v := strings.TrimSpace(value)
	if v == "" {
		return nil
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || !SampleRate(f).valid() {
		return badValue("%s is not a sample rate: accepted values are numbers from 0 to 1, such as 0.25", value)
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
	if u == nil {
		return errNilDecode
	}
	v := strings.TrimSpace(value)
	if v == "" {
		return nil
	}
	if why := baseURLProblem(v); why != "" {
		return badValue("%s is not a base URL ("+why+"): "+acceptedBaseURLs, value)
	}
	*u = BaseURL(strings.TrimRight(v, "/"))
	return nil
}

const acceptedBaseURLs = "accepted values are absolute http or https URLs without user:password@, query or fragment, such as https://logfire-eu.pydantic.dev"

// baseURLProblem says what makes v unusable as a base URL, or "".
func baseURLProblem(v string) string {
	p, err := url.Parse(v)
	switch {
	case err != nil:
		return "it does not parse as a URL"
	case p.Scheme != "http" && p.Scheme != "https":
		return "the scheme is not http or https"
	case p.Host == "" || p.Hostname() == "":
		return "it has no host"
	case p.User != nil:
		return "it holds credentials: the token goes in LOGFIRE_TOKEN"
	case p.RawQuery != "" || p.ForceQuery || p.Fragment != "" || strings.ContainsAny(v, "?#"):
		return "it has a query or fragment"
	}
	if port := p.Port(); port != "" {
		if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
			return "the port is not a number from 1 to 65535"
		}
	}
	host := p.Hostname()
	if strings.HasPrefix(p.Host, "[") {
		if net.ParseIP(host) == nil {
			return "the host is not an IPv6 address"
		}
		return ""
	}
	for _, r := range host {
		if r < utf8.RuneSelf && r != '-' && r != '.' && r != '_' && !('0' <= r && r <= '9' || 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z') {
			return "the host holds a character a host name cannot have"
		}
	}
	return ""
}

// checkBaseURL returns an error, quoting v with tokens redacted, if v is
// not a usable base URL.
func checkBaseURL(v string, tokens *redact.Tokens) error {
	if why := baseURLProblem(v); why != "" {
		return fmt.Errorf("%s is not a base URL (%s): %s", quote(v, tokens), why, acceptedBaseURLs)
	}
	return nil
}

// checkBaseURLOption is checkBaseURL for a value set by the code option
// setting; "" (derive it from the token) is accepted.
func checkBaseURLOption(v, setting string, tokens *redact.Tokens) error {
	if v == "" {
		return nil
	}
	if err := checkBaseURL(v, tokens); err != nil {
		return &Error{Setting: setting, Err: err}
	}
	return nil
}

// checkTokens checks the tokens set by setting (see tokensProblem).
func checkTokens(tokens Tokens, setting string) error {
	if err := tokensProblem(tokens); err != nil {
		return &Error{Setting: setting, Err: err}
	}
	return nil
}

// tokensProblem says what is wrong with tokens, if anything: there may be
// at most MaxTokens, each at most MaxTokenLength bytes of printable ASCII
// without spaces (a token travels in an HTTP header). It never quotes a
// token.
func tokensProblem(tokens Tokens) error {
	if len(tokens) > MaxTokens {
		return fmt.Errorf("%d tokens: accepted values are 1 to %d tokens, comma-separated", len(tokens), MaxTokens)
	}
	for i, t := range tokens {
		why := ""
		switch {
		case t == "":
			why = "is empty"
		case len(t) > MaxTokenLength:
			why = fmt.Sprintf("is %d bytes long", len(t))
		case strings.IndexFunc(t, func(r rune) bool { return r <= ' ' || r > '~' }) >= 0:
			why = "holds a space, a control character or a non-ASCII character"
		}
		if why != "" {
			return fmt.Errorf("token %d of %d %s: accepted values are Logfire write tokens (pylf_v1_<region>_…), at most %d bytes of printable ASCII each", i+1, len(tokens), why, MaxTokenLength)
		}
	}
	return nil
}

// Attributes is an ordered list of resource attributes. In the environment
// they are written key=value,key2=value2, with values percent-decoded as in
// OTEL_RESOURCE_ATTRIBUTES (LOGFIRE_RESOURCE_ATTRIBUTES).
type Attributes []attribute.KeyValue

// Decode implements envconfig.Decoder.
func (a *Attributes) Decode(value string) error {
	if a == nil {
		return errNilDecode
	}
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
			return nil, badValue("%s is not a key=value pair: accepted values look like key1=value1,key2=value2", pair)
		}
		dv, err := url.PathUnescape(strings.TrimSpace(v))
		if err != nil {
			return nil, badValue("the value of %s is not valid percent-encoding: accepted values are percent-encoded, with a comma as %%2C and a percent sign as %%25", k)
		}
		out = append(out, attribute.String(k, dv))
	}
	return out, nil
}
