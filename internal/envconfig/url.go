package envconfig

import (
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/logfire-go/sdk/internal/redact"
)

// AcceptedBaseURLs says what a base URL may be.
const AcceptedBaseURLs = "accepted values are absolute http or https URLs without user:password@, query or fragment, such as https://logfire-eu.pydantic.dev"

// BaseURL accepts a URL that BaseURLProblem finds nothing wrong with,
// and stores it without trailing slashes.
func BaseURL(p *string) func(string) error {
	return func(value string) error {
		v := strings.TrimSpace(value)
		if v == "" {
			return nil
		}
		if why := BaseURLProblem(v); why != "" {
			return BadValue("%s is not a base URL ("+why+"): "+AcceptedBaseURLs, value)
		}
		*p = strings.TrimRight(v, "/")
		return nil
	}
}

// BaseURLProblem says what makes v unusable as the root URL that
// /v1/traces, /v1/metrics and /v1/logs are appended to, or "".
func BaseURLProblem(v string) string {
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

// CheckBaseURL returns an error, quoting v with tokens redacted, if v is
// not a usable base URL.
func CheckBaseURL(v string, tokens *redact.Tokens) error {
	if why := BaseURLProblem(v); why != "" {
		return fmt.Errorf("%s is not a base URL (%s): %s", Quote(v, tokens), why, AcceptedBaseURLs)
	}
	return nil
}

// The bounds of the tokens one instance may have.
const (
	// MaxTokens is the most tokens (projects) one instance exports to.
	MaxTokens = 32
	// MaxTokenLength is the longest a token may be, in bytes.
	MaxTokenLength = 512
)

// TokensProblem says what is wrong with tokens, if anything: there may
// be at most MaxTokens, each at most MaxTokenLength bytes of printable
// ASCII without spaces (a token travels in an HTTP header). It never
// quotes a token.
func TokensProblem(tokens []string) error {
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
