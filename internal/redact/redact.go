// Package redact removes credentials from text the SDK writes: the SDK's
// own Logfire tokens (the configured ones, and anything shaped like a
// Logfire write token), the user-info of URLs and the values of query
// parameters that carry secrets.
//
// Every function here returns its input unchanged, without allocating
// (but Bytes, which reads its slice as a string), when there is nothing to
// redact, so that the checks can run on every string of every record.
package redact

import (
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Replacement replaces a token.
const Replacement = "[REDACTED]"

// URLReplacement replaces URL credentials and secret query values, as
// OpenTelemetry's semantic conventions say.
const URLReplacement = "REDACTED"

// tokenPrefix starts every Logfire write token.
const tokenPrefix = "pylf_v"

// shapeEnd returns the end of the token-shaped text at s[i:], which
// starts with pylf_v, or -1. The shape is the regular expression
// pylf_v[0-9]+_[a-z]+_[A-Za-z0-9_-]+: a version, a region and at least
// one more token character. The non-secret prefix alone ("pylf_v1_us_"),
// which messages use to refer to a token, does not match.
func shapeEnd(s string, i int) int {
	j := i + len(tokenPrefix)
	k := j
	for k < len(s) && '0' <= s[k] && s[k] <= '9' {
		k++
	}
	if k == j || k >= len(s) || s[k] != '_' {
		return -1
	}
	k++
	j = k
	for k < len(s) && 'a' <= s[k] && s[k] <= 'z' {
		k++
	}
	if k == j || k >= len(s) || s[k] != '_' {
		return -1
	}
	k++
	j = k
	for k < len(s) && isTokenByte(s[k]) {
		k++
	}
	if k == j {
		return -1
	}
	return k
}

func isTokenByte(c byte) bool {
	return c == '_' || c == '-' || '0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
}

// redactShapes replaces the token-shaped parts of s; s itself when there
// is none.
func redactShapes(s string) string {
	var b strings.Builder
	last := 0
	for i := 0; ; {
		k := strings.Index(s[i:], tokenPrefix)
		if k < 0 {
			break
		}
		i += k
		end := shapeEnd(s, i)
		if end < 0 {
			i += len(tokenPrefix)
			continue
		}
		if b.Len() == 0 && last == 0 {
			b.Grow(len(s))
		}
		b.WriteString(s[last:i])
		b.WriteString(Replacement)
		last, i = end, end
	}
	if last == 0 {
		return s
	}
	b.WriteString(s[last:])
	return b.String()
}

// minTokenLen is the shortest configured token looked for: a shorter one
// would redact ordinary words.
const minTokenLen = 4

// Tokens redacts a set of configured tokens and anything shaped like a
// Logfire write token. A nil *Tokens redacts the shape only. It is safe
// for concurrent use.
type Tokens struct {
	// others are the configured tokens that do not start with pylf_v
	// (those that do are found by looking for the prefix), longest
	// first so that a token containing another is replaced whole.
	others []string
	// all are every configured token, longest first.
	all []string
	// shortest is the length of the shortest text String may change.
	shortest int
}

// shortestShape is the length of the shortest token-shaped text,
// pylf_v1_a_b.
const shortestShape = len(tokenPrefix) + 5

// NewTokens returns a Tokens for these tokens; blanks and duplicates are
// ignored.
func NewTokens(tokens ...string) *Tokens {
	t := &Tokens{}
	seen := map[string]bool{}
	for _, tok := range tokens {
		tok = strings.TrimSpace(tok)
		if len(tok) < minTokenLen || seen[tok] {
			continue
		}
		seen[tok] = true
		t.all = append(t.all, tok)
		if !strings.Contains(tok, tokenPrefix) {
			t.others = append(t.others, tok)
		}
	}
	byLength := func(s []string) { sort.SliceStable(s, func(i, j int) bool { return len(s[i]) > len(s[j]) }) }
	byLength(t.all)
	byLength(t.others)
	t.shortest = shortestShape
	if n := len(t.others); n > 0 {
		t.shortest = min(t.shortest, len(t.others[n-1]))
	}
	return t
}

// Has reports whether s may hold a token: it is true whenever String
// would change s (and sometimes when it would not).
func (t *Tokens) Has(s string) bool {
	if t == nil {
		return len(s) >= shortestShape && strings.Contains(s, tokenPrefix)
	}
	if len(s) < t.shortest {
		return false
	}
	if strings.Contains(s, tokenPrefix) {
		return true
	}
	for _, tok := range t.others {
		if strings.Contains(s, tok) {
			return true
		}
	}
	return false
}

// String returns s with every token replaced by [REDACTED]; s itself
// when there is none.
func (t *Tokens) String(s string) string {
	if !t.Has(s) {
		return s
	}
	out := s
	if t != nil {
		for _, tok := range t.all {
			if strings.Contains(out, tok) {
				out = strings.ReplaceAll(out, tok, Replacement)
			}
		}
	}
	if strings.Contains(out, tokenPrefix) {
		out = redactShapes(out)
	}
	if out == s {
		return s // keep the caller's string: no copy was needed
	}
	return out
}

// Bytes is String for a byte slice; it returns b itself when there is no
// token in it. It copies b into a string to look (byte-slice values are
// rare in telemetry).
func (t *Tokens) Bytes(b []byte) []byte {
	s := string(b)
	if r := t.String(s); r != s {
		return []byte(r)
	}
	return b
}

// MaxExcerpt is the most bytes of a value that Excerpt keeps: enough to
// recognise a typo, too few to carry much of a secret pasted into the
// wrong place.
const MaxExcerpt = 32

// Excerpt returns v as an error message may quote it: tokens redacted
// (before it is cut, so that no part of a token is left), cut to
// MaxExcerpt bytes on a character boundary with "…" after a cut, and
// quoted with strconv.Quote, which escapes control characters and invalid
// UTF-8.
func Excerpt(v string, t *Tokens) string {
	v = t.String(v)
	if u, changed := URL(v, nil); changed {
		v = u
	}
	if len(v) <= MaxExcerpt {
		return strconv.Quote(v)
	}
	cut := MaxExcerpt
	for cut > 0 && !utf8.RuneStart(v[cut]) {
		cut--
	}
	return strconv.Quote(v[:cut]) + "…"
}
