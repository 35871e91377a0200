package jsontree

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

func TestParseKeepsOrderAndRoundTrips(t *testing.T) {
	for _, in := range []string{
		`{"b":1,"a":[true,false,null,"x"],"c":{"z":1.50,"y":"<é>"}}`,
		`[]`, `{}`, `"s"`, `-0`, `1e400`, `null`,
	} {
		v, err := Parse(in)
		if err != nil {
			t.Fatalf("Parse(%s): %v", in, err)
		}
		if got := string(v.AppendCompact(nil)); got != in {
			t.Errorf("round trip of %s gave %s", in, got)
		}
	}
	v, _ := Parse(` {"b": 1, "a": 2} `)
	if strings.Join(v.Keys, ",") != "b,a" {
		t.Errorf("keys %v, want the order of the input", v.Keys)
	}
	if m, ok := v.Member("a"); !ok || m.Text != "2" {
		t.Errorf("Member(a) = %v, %v", m, ok)
	}
}

func TestParseRejects(t *testing.T) {
	for _, in := range []string{``, `{`, `{"a":1} x`, `[1,]`, `{1:2}`} {
		if _, err := Parse(in); err == nil {
			t.Errorf("Parse(%q) accepted it", in)
		}
	}
	deep := strings.Repeat("[", MaxDepth+2) + strings.Repeat("]", MaxDepth+2)
	if _, err := Parse(deep); !errors.Is(err, ErrTooDeep) {
		t.Errorf("deep input: %v, want ErrTooDeep", err)
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{`{"a":[1,"x",null]}`, `"\u00e9"`, `[[[]]]`, `{"":{}}`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := Parse(s)
		if err != nil {
			return
		}
		out := v.AppendCompact(nil)
		if !json.Valid(out) {
			t.Fatalf("%q parsed and written as invalid JSON %q", s, out)
		}
	})
}
