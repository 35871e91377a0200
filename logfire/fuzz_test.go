package logfire

import (
	"encoding/json"
	"strings"
	"testing"
)

// FuzzTemplate checks that formatting any template with any value never
// panics, keeps text outside placeholders, and fills known placeholders.
func FuzzTemplate(f *testing.F) {
	for _, s := range []string{"Hello {name}!", "{{x}}", "{", "}", "{name=}", "{a:.2f}", "{{{name}}}", "", "{\x00}", "{ü}"} {
		f.Add(s, "world")
	}
	f.Fuzz(func(t *testing.T, template, value string) {
		c := &callAttrs{}
		c.add([]any{"name", value})
		p := parseTemplateUncached(template)
		got := p.format(template, c.lookup)
		if !strings.Contains(template, "{") && !strings.Contains(template, "}") && got != template {
			t.Fatalf("template without braces changed: %q → %q", template, got)
		}
		if template == "{name}" && got != truncateMiddle(value) {
			t.Fatalf("{name} with %q gave %q", value, got)
		}
	})
}

// FuzzConvert checks that converting any JSON-shaped value never panics and
// that the schema entry is valid JSON matching the value.
func FuzzConvert(f *testing.F) {
	for _, s := range []string{`{"a":1}`, `[1,"x",null]`, `null`, `"s"`, `1e400`, `-0`, `{"a":{"b":[{}]}}`, `true`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, doc string) {
		var v any
		if json.Unmarshal([]byte(doc), &v) != nil {
			v = doc
		}
		for _, in := range []any{v, &v, []any{v}, map[string]any{"k": v}, []byte(doc)} {
			val, schema := convertValue(in)
			var s map[string]any
			if err := json.Unmarshal([]byte(schema), &s); err != nil {
				t.Fatalf("schema %q is not JSON: %v", schema, err)
			}
			if s["type"] == "object" || s["type"] == "array" {
				if !json.Valid([]byte(val.AsString())) {
					t.Fatalf("value %q of schema %s is not JSON", val.AsString(), schema)
				}
			}
		}
		c := &callAttrs{}
		c.add([]any{doc, v, 1, v})
		if sch := c.jsonSchema(); !json.Valid([]byte(sch)) {
			t.Fatalf("json_schema %q is not JSON", sch)
		}
	})
}
