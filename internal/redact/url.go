package redact

import (
	"net/url"
	"strings"
)

// OpenTelemetry's semantic conventions for url.full and url.query: the
// user-info of a URL is replaced by REDACTED (REDACTED:REDACTED when it
// has a password), and the values of query parameters that carry secrets
// by REDACTED, their names kept:
//
//	https://u:hunter2@example.com/?color=blue&sig=abc
//	→ https://REDACTED:REDACTED@example.com/?color=blue&sig=REDACTED
//
// The URL is rewritten in place, not parsed and printed again, so that
// nothing else about it changes; a value that is not a URL is returned
// as it is.

// semconvParams are the query parameters the semantic conventions name,
// matched case-sensitively as they ask (the current list and the one
// before it).
var semconvParams = map[string]bool{
	"AWSAccessKeyId":       true,
	"Signature":            true,
	"sig":                  true,
	"X-Goog-Signature":     true,
	"X-Amz-Signature":      true,
	"X-Amz-Credential":     true,
	"X-Amz-Security-Token": true,
}

// SensitiveParam reports whether the value of the query parameter name
// carries a secret: a parameter of the semantic conventions' list, or one
// whose name says it is a token, a key or a signature (access_token,
// api_key, X-Api-Key, signature, …), in any case.
func SensitiveParam(name string) bool {
	if semconvParams[name] {
		return true
	}
	n := strings.ToLower(name)
	switch {
	case strings.Contains(n, "token"), strings.Contains(n, "signature"), n == "sig", n == "key":
		return true
	}
	for _, suffix := range []string{"_key", "-key", ".key", "apikey", "accesskey", "secretkey", "privatekey"} {
		if strings.HasSuffix(n, suffix) {
			return true
		}
	}
	return false
}

// URL returns u with the credentials of its user-info and the values of
// its sensitive query and fragment parameters replaced by REDACTED, and
// whether anything was. A parameter is sensitive when SensitiveParam or
// extra (if not nil) says so of its decoded name.
func URL(u string, extra func(name string) bool) (string, bool) {
	rest := u
	var b strings.Builder
	changed := false
	if i := authorityStart(u); i >= 0 {
		end := len(u)
		if j := strings.IndexAny(u[i:], "/?#"); j >= 0 {
			end = i + j
		}
		authority := u[i:end]
		if at := strings.LastIndexByte(authority, '@'); at >= 0 {
			userinfo := authority[:at]
			repl := URLReplacement
			if strings.Contains(userinfo, ":") {
				repl = URLReplacement + ":" + URLReplacement
			}
			if userinfo != repl {
				b.WriteString(u[:i])
				b.WriteString(repl)
				rest = u[i+at:]
				changed = true
			}
		}
	}
	q := strings.IndexByte(rest, '?')
	h := strings.IndexByte(rest, '#')
	if q < 0 && h < 0 {
		if !changed {
			return u, false
		}
		b.WriteString(rest)
		return b.String(), true
	}
	if h >= 0 && q > h {
		q = -1 // a '?' inside the fragment
	}
	head := rest
	switch {
	case q >= 0:
		head = rest[:q+1]
	case h >= 0:
		head = rest[:h+1]
	}
	var query, fragment string
	switch {
	case q >= 0 && h >= 0:
		query, fragment = rest[q+1:h], rest[h+1:]
	case q >= 0:
		query = rest[q+1:]
	default:
		fragment = rest[h+1:]
	}
	rq, qc := Query(query, extra)
	rf, fc := Query(fragment, extra)
	// A client-side route with its own query: #/path?token=…. It is read
	// after the fragment's own parameters are redacted, so that a second
	// pass finds nothing more to do: the first '?' left is the route's.
	if i := strings.IndexByte(rf, '?'); i >= 0 {
		if fq, c := Query(rf[i+1:], extra); c {
			rf, fc = rf[:i+1]+fq, true
		}
	}
	if !changed && !qc && !fc {
		return u, false
	}
	b.WriteString(head)
	b.WriteString(rq)
	if q >= 0 && h >= 0 {
		b.WriteByte('#')
	}
	b.WriteString(rf)
	return b.String(), true
}

// authorityStart returns where the authority of u begins (after "//"),
// or -1 if u has none.
func authorityStart(u string) int {
	if strings.HasPrefix(u, "//") {
		return 2
	}
	i := strings.Index(u, "://")
	if i <= 0 {
		return -1
	}
	for k := 0; k < i; k++ {
		c := u[k]
		letter := 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
		if !letter && (k == 0 || !('0' <= c && c <= '9' || c == '+' || c == '-' || c == '.')) {
			return -1
		}
	}
	return i + 3
}

// Query returns a query string (without its '?') with the values of its
// sensitive parameters replaced by REDACTED, and whether any was (see
// URL).
func Query(q string, extra func(name string) bool) (string, bool) {
	if !strings.Contains(q, "=") {
		return q, false
	}
	var b strings.Builder
	changed := false
	start := 0
	for start <= len(q) {
		end := strings.IndexByte(q[start:], '&')
		if end < 0 {
			end = len(q)
		} else {
			end += start
		}
		part := q[start:end]
		name, value, hasValue := strings.Cut(part, "=")
		if hasValue && value != "" && value != URLReplacement && sensitive(name, extra) {
			if !changed {
				b.Grow(len(q))
				b.WriteString(q[:start])
				changed = true
			}
			b.WriteString(name)
			b.WriteString("=" + URLReplacement)
		} else if changed {
			b.WriteString(part)
		}
		if end == len(q) {
			break
		}
		if changed {
			b.WriteByte('&')
		}
		start = end + 1
	}
	if !changed {
		return q, false
	}
	return b.String(), true
}

func sensitive(rawName string, extra func(string) bool) bool {
	name := rawName
	if strings.ContainsAny(name, "%+") {
		if d, err := url.QueryUnescape(name); err == nil {
			name = d
		}
	}
	return SensitiveParam(name) || (extra != nil && extra(name))
}
