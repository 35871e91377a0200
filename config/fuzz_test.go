package config

import (
	"errors"
	"os"
	"regexp"
	"strings"
	"testing"
)

// FuzzLoad drives the whole environment loader: the input is split on
// '\x1e' into the values of every variable Load reads (the first value
// goes to the first variable, and so on, round and round), arbitrary
// bytes included. Load must not panic; an error must be an *Error that
// names a variable that was set (if only to blanks) and quotes no token;
// a configuration it accepts must pass Validate.
func FuzzLoad(f *testing.F) {
	vars := envVariables()
	for _, v := range garbage {
		f.Add(v)
	}
	f.Add(strings.Repeat("\x1e", len(vars)-1) + "18446744073710")
	f.Add("pylf_v1_us_a\x1etrue\x1esvc\x1e\x1e\x1e\x1ehttp://127.0.0.1:1\x1e/tmp\x1e1\x1enever\x1esimple\x1e0\x1e1\x1edebug\x1ewarn\x1e0.5\x1ea=b\x1ec=d\x1e0\x1e100\x1e1000\x1e10\x1e5\x1e4096\x1e1000\x1e500")
	f.Fuzz(func(t *testing.T, input string) {
		for _, k := range vars {
			os.Unsetenv(k)
		}
		defer func() {
			for _, k := range vars {
				os.Unsetenv(k)
			}
		}()
		set := map[string]bool{}
		for i, v := range strings.Split(input, "\x1e") {
			k := vars[i%len(vars)]
			if os.Setenv(k, v) == nil && v != "" { // a NUL byte cannot be set
				set[k] = true
			}
		}
		c, err := Load()
		if err != nil {
			for _, e := range flatten(err) {
				var ce *Error
				if !errors.As(e, &ce) {
					t.Fatalf("not a *config.Error: %v", e)
				}
				if !set[ce.Setting] {
					t.Fatalf("error names %s, which was not set: %v", ce.Setting, e)
				}
			}
			if tokenLike.MatchString(err.Error()) {
				t.Fatalf("error quotes a token: %v", err)
			}
			return
		}
		if err := c.Validate(); err != nil {
			t.Fatalf("Load accepted %q but Validate says: %v", input, err)
		}
	})
}

// tokenLike is the shape of a Logfire write token.
var tokenLike = regexp.MustCompile(`pylf_v[0-9]+_[a-z]+_[A-Za-z0-9_-]+`)

// flatten returns the errors joined in err.
func flatten(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		var out []error
		for _, e := range j.Unwrap() {
			out = append(out, flatten(e)...)
		}
		return out
	}
	return []error{err}
}
