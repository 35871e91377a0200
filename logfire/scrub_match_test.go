package logfire

import (
	"math/rand/v2"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// pythonDefaultPatterns is the Python SDK's default list, as RE2 has to
// write it (see scrub_match.go for auth).
var pythonDefaultPatterns = []string{
	`password`, `passwd`, `mysql_pwd`, `secret`, `auth(?:ors?\b)?`, `credential`,
	`private[._ -]?key`, `api[._ -]?key`, `session`, `cookie`, `social[._ -]?security`,
	`credit[._ -]?card`, `logfire[._ -]?token`, `pylf_v\d+_`,
	`(?:\b|_)csrf(?:\b|_)`, `(?:\b|_)xsrf(?:\b|_)`, `(?:\b|_)jwt(?:\b|_)`, `(?:\b|_)ssn(?:\b|_)`,
}

func TestDefaultScrubPatternsArePythons(t *testing.T) {
	if !slices.Equal(defaultScrubPatterns, pythonDefaultPatterns) {
		t.Fatalf("the table writes out\n %q\nwant\n %q", defaultScrubPatterns, pythonDefaultPatterns)
	}
}

// regexpDefault is the specification matchDefault implements: the default
// patterns as one RE2 expression, with matches of the words author and
// authors skipped.
var regexpDefault = regexp.MustCompile(`(?i)` + strings.Join(defaultScrubPatterns, "|"))

// oracleMatch returns the leftmost match of regexpDefault in s that is not
// the word author or authors.
func oracleMatch(s string) (start, end int, ok bool) {
	for off := 0; off < len(s); {
		loc := regexpDefault.FindStringIndex(s[off:])
		if loc == nil {
			return 0, 0, false
		}
		m := s[off+loc[0] : off+loc[1]]
		if len(m) < 6 || !strings.EqualFold(m[:6], "author") {
			return off + loc[0], off + loc[1], true
		}
		off += loc[1]
	}
	return 0, 0, false
}

func checkAgainstOracle(t *testing.T, s string) {
	t.Helper()
	if strings.ContainsAny(s, "\u212a\u017f") {
		// RE2's (?i) folds the Kelvin sign to k and the long s to s;
		// matchDefault folds ASCII only.
		return
	}
	ws, we, wok := oracleMatch(s)
	gs, ge, gok := matchDefault(s)
	if gok != wok || (gok && (gs != ws || ge != we)) {
		t.Fatalf("matchDefault(%q) = [%d:%d] %v; the regular expression gives [%d:%d] %v", s, gs, ge, gok, ws, we, wok)
	}
}

func TestMatchDefaultAgreesWithTheRegularExpression(t *testing.T) {
	words := []string{"password", "passwd", "mysql_pwd", "secret", "auth", "author", "authors", "authorsx",
		"credential", "private", "key", "api", "session", "cookie", "social", "security", "credit", "card",
		"logfire", "token", "pylf_v", "12", "csrf", "xsrf", "jwt", "ssn", "_", " ", "-", ".", "x", "PASS",
		"Auth", "SSN", "é", "a", "s", "p", "v", "1", "9"}
	r := rand.New(rand.NewPCG(1, 2))
	for n := 0; n < 20000; n++ {
		var b strings.Builder
		for k := r.IntN(6); k >= 0; k-- {
			b.WriteString(words[r.IntN(len(words))])
		}
		checkAgainstOracle(t, b.String())
	}
	for _, s := range []string{"", "a", "_", "__csrf__", "x_jwt", "jwt_", "ssn-1", "1ssn", "pylf_v_", "pylf_v123",
		"pylf_v123_", "private__key", "api..key", "authors.", "author_", "AUTHORS auth", "mysql_pwdx"} {
		checkAgainstOracle(t, s)
	}
}

func FuzzMatchDefault(f *testing.F) {
	for _, s := range []string{"password", "the authors", "x_csrf_y", "pylf_v1_us_x", "credit card", "Authorization"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) { checkAgainstOracle(t, s) })
}
