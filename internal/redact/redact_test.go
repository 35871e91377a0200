package redact

import (
	"regexp"
	"slices"
	"strings"
	"testing"
)

func TestTokens(t *testing.T) {
	tok := NewTokens("pylf_v1_eu_Configured0Secret", "legacy-secret-0123", " ", "ab", "legacy-secret-0123")
	cases := map[string]string{
		"":                                       "",
		"nothing here":                           "nothing here",
		"pylf_v1_us_":                            "pylf_v1_us_", // the non-secret prefix messages use
		"token pylf_v1_us_…":                     "token pylf_v1_us_…",
		"pylf_v1_":                               "pylf_v1_",
		"a pylf_v1_eu_Configured0Secret b":       "a [REDACTED] b",
		"pylf_v2_stagingus_Other-Secret_9.":      "[REDACTED].",
		"x legacy-secret-0123 y":                 "x [REDACTED] y",
		"key=pylf_v12_xx_abc&legacy-secret-0123": "key=[REDACTED]&[REDACTED]",
		"ab":                                     "ab", // too short to be looked for
	}
	for in, want := range cases {
		if got := tok.String(in); got != want {
			t.Errorf("String(%q) = %q, want %q", in, got, want)
		}
		if tok.Has(in) == false && tok.String(in) != in {
			t.Errorf("Has(%q) is false but String changes it", in)
		}
	}
	var none *Tokens
	if got := none.String("x pylf_v1_us_abc"); got != "x [REDACTED]" {
		t.Errorf("nil Tokens: %q", got)
	}
	if got := none.String("legacy-secret-0123"); got != "legacy-secret-0123" {
		t.Errorf("nil Tokens redacted an unknown token: %q", got)
	}
	b := []byte("clean")
	if got := tok.Bytes(b); &got[0] != &b[0] {
		t.Error("Bytes copied a clean slice")
	}
	if got := string(tok.Bytes([]byte("legacy-secret-0123"))); got != Replacement {
		t.Errorf("Bytes: %q", got)
	}
}

func TestTokensCleanStringNotCopied(t *testing.T) {
	tok := NewTokens("legacy-secret-0123")
	s := strings.Repeat("a", 64) + "pylf_v_"
	allocs := testing.AllocsPerRun(100, func() { _ = tok.String(s) })
	if allocs != 0 {
		t.Fatalf("%v allocations for a clean string", allocs)
	}
}

func TestExcerpt(t *testing.T) {
	tok := NewTokens("legacy-secret-0123456789")
	cases := map[string]string{
		"rainbow":                               `"rainbow"`,
		"a\x00b\nc":                             `"a\x00b\nc"`,
		"\xff":                                  `"\xff"`,
		strings.Repeat("é", 40):                 `"` + strings.Repeat("é", 16) + `"…`,
		"pylf_v1_us_" + strings.Repeat("s", 80): `"[REDACTED]"`,
		"legacy-secret-0123456789":              `"[REDACTED]"`,
		"https://u:hunter2@example.com/":        `"https://REDACTED:REDACTED@exampl"…`,
	}
	for in, want := range cases {
		if got := Excerpt(in, tok); got != want {
			t.Errorf("Excerpt(%q) = %s, want %s", in, got, want)
		}
	}
}

func TestURL(t *testing.T) {
	cases := []struct{ in, want string }{
		{"https://example.com/", "https://example.com/"},
		{"https://u:hunter2@example.com/", "https://REDACTED:REDACTED@example.com/"},
		{"https://user@example.com/x", "https://REDACTED@example.com/x"},
		{"https://REDACTED:REDACTED@example.com/", "https://REDACTED:REDACTED@example.com/"},
		{"http://a:b@c:d@host:8080/p?q=1", "http://REDACTED:REDACTED@host:8080/p?q=1"},
		{"//u:p@host/", "//REDACTED:REDACTED@host/"},
		{"https://host/path?email=a@b.com", "https://host/path?email=a@b.com"},
		{"https://host/p?color=blue&sig=abc", "https://host/p?color=blue&sig=REDACTED"},
		{"https://s3/o?X-Amz-Signature=abc&X-Amz-Credential=AKIA%2F1&X-Amz-Security-Token=t&x=1",
			"https://s3/o?X-Amz-Signature=REDACTED&X-Amz-Credential=REDACTED&X-Amz-Security-Token=REDACTED&x=1"},
		{"https://h/?AWSAccessKeyId=A&Signature=S&X-Goog-Signature=G", "https://h/?AWSAccessKeyId=REDACTED&Signature=REDACTED&X-Goog-Signature=REDACTED"},
		{"https://h/?access_token=a&api_key=b&X-Api-Key=c&key=d&monkey=e", "https://h/?access_token=REDACTED&api_key=REDACTED&X-Api-Key=REDACTED&key=REDACTED&monkey=e"},
		{"https://h/?sig=", "https://h/?sig="},
		{"https://h/?sig", "https://h/?sig"},
		{"https://h/?a=1&sig=x&", "https://h/?a=1&sig=REDACTED&"},
		{"https://h/?%73ig=x", "https://h/?%73ig=REDACTED"},
		{"https://h/cb#access_token=abc&state=1", "https://h/cb#access_token=REDACTED&state=1"},
		{"https://h/?sig=x#frag", "https://h/?sig=REDACTED#frag"},
		{"https://h/#a?sig=x", "https://h/#a?sig=REDACTED"},
		{"https://u:p@h/?sig=x#token=y", "https://REDACTED:REDACTED@h/?sig=REDACTED#token=REDACTED"},
		{"not a url", "not a url"},
		{"/relative?sig=1", "/relative?sig=REDACTED"},
		{"", ""},
		{"1http://u:p@h", "1http://u:p@h"},
	}
	for _, tc := range cases {
		got, changed := URL(tc.in, nil)
		if got != tc.want || changed != (tc.in != tc.want) {
			t.Errorf("URL(%q) = %q, %v; want %q", tc.in, got, changed, tc.want)
		}
	}
	got, _ := URL("https://h/?password=x&Session=y&q=z", func(n string) bool { return n == "password" || strings.EqualFold(n, "session") })
	if got != "https://h/?password=REDACTED&Session=REDACTED&q=z" {
		t.Errorf("extra: %q", got)
	}
	if got, changed := Query("q=1&sig=2", nil); got != "q=1&sig=REDACTED" || !changed {
		t.Errorf("Query: %q %v", got, changed)
	}
}

func FuzzURL(f *testing.F) {
	for _, s := range []string{"https://u:p@h/?sig=1#t=2", "//@", "?&=&", "a://b@c?d=e#f=g", "http://[::1]:80/?Signature=%zz"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, changed := URL(s, nil)
		if !changed && got != s {
			t.Fatalf("unchanged but different: %q → %q", s, got)
		}
		again, _ := URL(got, nil)
		if again != got {
			t.Fatalf("not idempotent: %q → %q → %q", s, got, again)
		}
		// The user info (which may hold '&') and a sensitive value (which
		// may hold '?' or '#') are replaced whole; the query and the
		// fragment keep their parameters, in order, by name.
		if !slices.Equal(paramNames(afterQuery(got)), paramNames(afterQuery(s))) {
			t.Fatalf("structure changed: %q → %q", s, got)
		}
	})
}

// paramNames are the names of the '&'-separated parameters of q.
func paramNames(q string) []string {
	var names []string
	for _, p := range strings.Split(q, "&") {
		name, _, _ := strings.Cut(p, "=")
		names = append(names, name)
	}
	return names
}

// afterQuery is what follows the first '?' or '#' of u.
func afterQuery(u string) string {
	if i := strings.IndexAny(u, "?#"); i >= 0 {
		return u[i:]
	}
	return ""
}

// FuzzTokenShape holds the hand-written matcher to the regular
// expression it stands for.
func FuzzTokenShape(f *testing.F) {
	re := regexp.MustCompile(`pylf_v[0-9]+_[a-z]+_[A-Za-z0-9_-]+`)
	for _, s := range []string{"pylf_v1_us_abc", "xpylf_v1_us_", "pylf_v1_usX_a pylf_v22_eu_b-c_d.e", "pylf_vpylf_v1_a_b", "pylf_v1__a"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := redactShapes(s), re.ReplaceAllLiteralString(s, Replacement); got != want {
			t.Fatalf("redactShapes(%q) = %q, want %q", s, got, want)
		}
	})
}
