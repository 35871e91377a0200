package logfire

import "regexp"

// The default scrubbing patterns are the Python SDK's, matched without
// regard to (ASCII) case. They are words, pairs of words that may be joined
// by one of ". _-" (private key, api_key, ...), a Logfire token prefix
// (pylf_v<digits>_), and acronyms that must stand alone or between
// underscores (csrf, xsrf, jwt, ssn). Python's auth(?!ors?\b) needs a
// look-ahead, which RE2 lacks: the words author and authors are skipped in
// code instead.
//
// Matching them is on the path of every span and log, so it is done by
// hand instead of with package regexp, whose case-insensitive alternation
// costs about a microsecond for a five-byte string. The table below is the
// one source of the patterns: matchDefault matches it, and
// defaultScrubPatterns writes it out as RE2 expressions, which a
// differential test compares matchDefault with.

// scrubWord is one default pattern that starts with a letter.
type scrubWord struct {
	first  string // lower case
	second string // if set: first, an optional separator [._ -], second
	digits bool   // first, one or more digits, then "_" (pylf_v1_)
}

// scrubWords are the default patterns, in the Python SDK's order (which
// decides between patterns matching at the same place).
var scrubWords = []scrubWord{
	{first: "password"},
	{first: "passwd"},
	{first: "mysql_pwd"},
	{first: "secret"},
	{first: "auth"},
	{first: "credential"},
	{first: "private", second: "key"},
	{first: "api", second: "key"},
	{first: "session"},
	{first: "cookie"},
	{first: "social", second: "security"},
	{first: "credit", second: "card"},
	{first: "logfire", second: "token"},
	{first: "pylf_v", digits: true},
}

// scrubAcronyms are matched as (?:\b|_)acronym(?:\b|_).
var scrubAcronyms = [...]string{"csrf", "xsrf", "jwt", "ssn"}

// scrubWordsByFirst indexes scrubWords by their first byte.
var scrubWordsByFirst = func() (idx [256][]scrubWord) {
	for _, w := range scrubWords {
		idx[w.first[0]] = append(idx[w.first[0]], w)
	}
	return idx
}()

// defaultScrubPatterns are the default patterns as RE2 expressions, to be
// joined with "|" under (?i). "auth" may swallow a following "or"/"ors" and
// a word boundary; a match that did so does not count.
var defaultScrubPatterns = func() []string {
	var out []string
	for _, w := range scrubWords {
		switch {
		case w.first == "auth":
			out = append(out, `auth(?:ors?\b)?`)
		case w.second != "":
			out = append(out, regexp.QuoteMeta(w.first)+`[._ -]?`+regexp.QuoteMeta(w.second))
		case w.digits:
			out = append(out, regexp.QuoteMeta(w.first)+`\d+_`)
		default:
			out = append(out, regexp.QuoteMeta(w.first))
		}
	}
	for _, a := range scrubAcronyms {
		out = append(out, `(?:\b|_)`+a+`(?:\b|_)`)
	}
	return out
}()

// isWordByte reports whether c is in RE2's \w: [0-9A-Za-z_].
func isWordByte(c byte) bool {
	return c == '_' || '0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
}

func lowerByte(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// hasPrefixFold reports whether s[i:] starts with lower, a lower-case
// ASCII word, ignoring case.
func hasPrefixFold(s string, i int, lower string) bool {
	if len(s)-i < len(lower) {
		return false
	}
	for j := 0; j < len(lower); j++ {
		if lowerByte(s[i+j]) != lower[j] {
			return false
		}
	}
	return true
}

// matchAt returns the end of w's match at s[i:], or -1.
func (w scrubWord) matchAt(s string, i int) int {
	if !hasPrefixFold(s, i, w.first) {
		return -1
	}
	j := i + len(w.first)
	switch {
	case w.second != "":
		if hasPrefixFold(s, j, w.second) {
			return j + len(w.second)
		}
		if j < len(s) && (s[j] == '.' || s[j] == '_' || s[j] == ' ' || s[j] == '-') && hasPrefixFold(s, j+1, w.second) {
			return j + 1 + len(w.second)
		}
		return -1
	case w.digits:
		k := j
		for k < len(s) && '0' <= s[k] && s[k] <= '9' {
			k++
		}
		if k > j && k < len(s) && s[k] == '_' {
			return k + 1
		}
		return -1
	}
	return j
}

// boundaryOrUnderscoreEnd matches (?:\b|_) after a word character at
// s[e-1], returning the end of the match or -1.
func boundaryOrUnderscoreEnd(s string, e int) int {
	if e == len(s) || !isWordByte(s[e]) {
		return e
	}
	if s[e] == '_' {
		return e + 1
	}
	return -1
}

// matchDefaultAt returns the end of the first default pattern that matches
// at s[i:], in the patterns' order, or -1.
func matchDefaultAt(s string, i int) int {
	for _, w := range scrubWordsByFirst[lowerByte(s[i])] {
		if e := w.matchAt(s, i); e >= 0 {
			return e
		}
	}
	// (?:\b|_)acronym(?:\b|_): at an underscore, or at a word boundary.
	start := -1
	if s[i] == '_' {
		start = i + 1
	} else if i == 0 || !isWordByte(s[i-1]) {
		start = i
	}
	if start >= 0 {
		for _, a := range scrubAcronyms {
			if hasPrefixFold(s, start, a) {
				if e := boundaryOrUnderscoreEnd(s, start+len(a)); e >= 0 {
					return e
				}
			}
		}
	}
	return -1
}

// isAuthorWord reports whether s[i:] is "author" or "authors" ending at a
// word boundary: the one case Python's auth(?!ors?\b) leaves out. It
// returns the end of the word.
func isAuthorWord(s string, i int) (int, bool) {
	if !hasPrefixFold(s, i, "author") {
		return 0, false
	}
	e := i + 6
	if e < len(s) && lowerByte(s[e]) == 's' && (e+1 == len(s) || !isWordByte(s[e+1])) {
		return e + 1, true
	}
	if e == len(s) || !isWordByte(s[e]) {
		return e, true
	}
	return 0, false
}

// matchDefault returns the leftmost match of the default patterns in s.
func matchDefault(s string) (start, end int, ok bool) {
	for i := 0; i < len(s); i++ {
		if e, author := isAuthorWord(s, i); author {
			i = e - 1
			continue
		}
		if e := matchDefaultAt(s, i); e >= 0 {
			return i, e, true
		}
	}
	return 0, 0, false
}
