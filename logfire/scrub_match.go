package logfire

// Matching the default patterns is on the path of every span and log, so
// it is done by hand instead of with package regexp, whose
// case-insensitive alternation costs about a microsecond for a five-byte
// string. matchDefault finds exactly what the regular expression
// (?i)defaultScrubPatterns[0]|defaultScrubPatterns[1]|... finds, with
// leftmost-first semantics and ASCII case folding, minus the words author
// and authors; a differential test holds it to that.

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

// wordThenWord matches first, an optional separator [._ -], then second,
// at s[i:], and returns the end of the match or -1.
func wordThenWord(s string, i int, first, second string) int {
	if !hasPrefixFold(s, i, first) {
		return -1
	}
	j := i + len(first)
	if hasPrefixFold(s, j, second) {
		return j + len(second)
	}
	if j < len(s) && (s[j] == '.' || s[j] == '_' || s[j] == ' ' || s[j] == '-') && hasPrefixFold(s, j+1, second) {
		return j + 1 + len(second)
	}
	return -1
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

// acronyms are matched as (?:\b|_)acronym(?:\b|_).
var scrubAcronyms = [...]string{"csrf", "xsrf", "jwt", "ssn"}

// matchDefaultAt returns the end of the first default pattern that matches
// at s[i:], in the patterns' order, or -1.
func matchDefaultAt(s string, i int) int {
	switch lowerByte(s[i]) {
	case 'p':
		if hasPrefixFold(s, i, "password") {
			return i + 8
		}
		if hasPrefixFold(s, i, "passwd") {
			return i + 6
		}
		if e := wordThenWord(s, i, "private", "key"); e >= 0 {
			return e
		}
		if hasPrefixFold(s, i, "pylf_v") {
			j := i + 6
			for j < len(s) && '0' <= s[j] && s[j] <= '9' {
				j++
			}
			if j > i+6 && j < len(s) && s[j] == '_' {
				return j + 1
			}
		}
	case 'm':
		if hasPrefixFold(s, i, "mysql_pwd") {
			return i + 9
		}
	case 's':
		if hasPrefixFold(s, i, "secret") {
			return i + 6
		}
		if hasPrefixFold(s, i, "session") {
			return i + 7
		}
		if e := wordThenWord(s, i, "social", "security"); e >= 0 {
			return e
		}
	case 'a':
		if hasPrefixFold(s, i, "auth") {
			return i + 4
		}
		if e := wordThenWord(s, i, "api", "key"); e >= 0 {
			return e
		}
	case 'c':
		if hasPrefixFold(s, i, "credential") {
			return i + 10
		}
		if hasPrefixFold(s, i, "cookie") {
			return i + 6
		}
		if e := wordThenWord(s, i, "credit", "card"); e >= 0 {
			return e
		}
	case 'l':
		if e := wordThenWord(s, i, "logfire", "token"); e >= 0 {
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
