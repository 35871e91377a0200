package logfire

import (
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"

	"go.opentelemetry.io/otel/attribute"
)

func mustScrubber(t *testing.T, extra []string, cb func(ScrubMatch) (attribute.Value, bool)) *scrubber {
	t.Helper()
	sc, err := newScrubber(extra, cb)
	if err != nil {
		t.Fatal(err)
	}
	return sc
}

func TestScrubberMatch(t *testing.T) {
	sc := mustScrubber(t, nil, nil)
	cases := []struct {
		in, want string
	}{
		{"my password", "password"},
		{"PASSWORD", "PASSWORD"},
		{"user_passwd", "passwd"},
		{"MYSQL_PWD", "MYSQL_PWD"},
		{"client_secret", "secret"},
		{"Authorization", "Auth"},
		{"x-auth-token", "auth"},
		{"written by the author", ""},
		{"the authors agree", ""},
		{"author_id", "auth"}, // "author" inside a longer word is not the word author
		{"authors and auth", "auth"},
		{"credentials", "credential"},
		{"private key", "private key"},
		{"private-key", "private-key"},
		{"API_KEY", "API_KEY"},
		{"apikey", "apikey"},
		{"session_id", "session"},
		{"Set-Cookie", "Cookie"},
		{"social security", "social security"},
		{"credit_card", "credit_card"},
		{"LOGFIRE_TOKEN", "LOGFIRE_TOKEN"},
		{"token pylf_v1_us_abcdef", "pylf_v1_"},
		{"csrf", "csrf"},
		{"x_csrf_token", "_csrf_"},
		{"csrftoken", ""}, // csrf must end at a word boundary or underscore
		{"my jwt", "jwt"},
		{"ssn", "ssn"},
		{"lessn", ""},
		{"hello world", ""},
		{"", ""},
	}
	for _, tc := range cases {
		got, ok := sc.match(tc.in)
		if got != tc.want || ok != (tc.want != "") {
			t.Errorf("match(%q) = %q, %v; want %q", tc.in, got, ok, tc.want)
		}
	}
}

func TestScrubberExtraPatterns(t *testing.T) {
	sc := mustScrubber(t, []string{`my[-_]?custom`, `^internal`}, nil)
	for in, want := range map[string]string{
		"My-Custom thing":    "My-Custom",
		"internal only":      "internal",
		"not internal":       "",
		"password mycustom":  "password",
		"mycustom password":  "mycustom",
		"the authors mycust": "",
	} {
		if got, _ := sc.match(in); got != want {
			t.Errorf("match(%q) = %q, want %q", in, got, want)
		}
	}
	_, err := newScrubber([]string{`(unclosed`}, nil)
	if err == nil || !strings.Contains(err.Error(), "logfire.ScrubbingOptions.ExtraPatterns") || !strings.Contains(err.Error(), "(unclosed") {
		t.Fatalf("bad pattern: got %v, want an error naming the option and the pattern", err)
	}
}

// scrubAttrs scrubs kvs as span attributes and returns the result (kvs
// itself when nothing changed) and the notes as JSON.
func scrubAttrs(sc *scrubber, kvs ...attribute.KeyValue) ([]attribute.KeyValue, string) {
	var notes []scrubNote
	out := sc.attrs(attributesPath, kvs, &notes)
	if out == nil {
		out = kvs
	}
	if len(notes) == 0 {
		return out, ""
	}
	return out, notesValue("", notes)
}

func TestScrubAttributes(t *testing.T) {
	sc := mustScrubber(t, nil, nil)
	cases := []struct {
		name  string
		in    attribute.KeyValue
		want  attribute.KeyValue
		notes string
	}{
		{"key names a secret", attribute.String("password", "hunter2"),
			attribute.String("password", "[Scrubbed due to 'password']"),
			`[{"path":["attributes","password"],"matched_substring":"password"}]`},
		{"primitive under a secret key", attribute.Int("api_key", 12345),
			attribute.String("api_key", "[Scrubbed due to 'api_key']"),
			`[{"path":["attributes","api_key"],"matched_substring":"api_key"}]`},
		{"list under a secret key becomes a list of one", attribute.StringSlice("cookies", []string{"a", "b"}),
			attribute.StringSlice("cookies", []string{"[Scrubbed due to 'cookie']"}),
			`[{"path":["attributes","cookies"],"matched_substring":"cookie"}]`},
		{"value mentions a secret", attribute.String("note", "my password is hunter2"),
			attribute.String("note", "[Scrubbed due to 'password']"),
			`[{"path":["attributes","note"],"matched_substring":"password"}]`},
		{"value is exactly the word", attribute.String("field", "password"),
			attribute.String("field", "password"), ""},
		{"clean value", attribute.String("name", "world"), attribute.String("name", "world"), ""},
		{"safe key", attribute.String("logfire.msg", "password reset for bob"),
			attribute.String("logfire.msg", "password reset for bob"), ""},
		{"safe key from semconv", attribute.String("http.route", "/session/{id}"),
			attribute.String("http.route", "/session/{id}"), ""},
		{"author is not auth", attribute.String("author", "Jane"), attribute.String("author", "Jane"), ""},
		{"JSON value scrubbed inside, order kept", attribute.String("user", `{"name":"bob","password":"x","tags":["a","my secret b"],"n":1.50}`),
			attribute.String("user", `{"name":"bob","password":"[Scrubbed due to 'password']","tags":["a","[Scrubbed due to 'secret']"],"n":1.50}`),
			`[{"path":["attributes","user","password"],"matched_substring":"password"},{"path":["attributes","user","tags","1"],"matched_substring":"secret"}]`},
		{"JSON list under a secret key in an object", attribute.String("cfg", `{"Cookies":[1,2]}`),
			attribute.String("cfg", `{"Cookies":"[Scrubbed due to 'Cookie']"}`),
			`[{"path":["attributes","cfg","Cookies"],"matched_substring":"Cookie"}]`},
		{"string list element", attribute.StringSlice("lines", []string{"ok", "session=abc"}),
			attribute.StringSlice("lines", []string{"ok", "[Scrubbed due to 'session']"}),
			`[{"path":["attributes","lines","1"],"matched_substring":"session"}]`},
		{"token in a value", attribute.String("header", "pylf_v1_eu_0123456789"),
			attribute.String("header", "[Scrubbed due to 'pylf_v1_']"),
			`[{"path":["attributes","header"],"matched_substring":"pylf_v1_"}]`},
		{"map attribute", attribute.KeyValue{Key: "m", Value: attribute.MapValue(attribute.String("Secret", "s"), attribute.String("ok", "fine"))},
			attribute.KeyValue{Key: "m", Value: attribute.MapValue(attribute.String("Secret", "[Scrubbed due to 'Secret']"), attribute.String("ok", "fine"))},
			`[{"path":["attributes","m","Secret"],"matched_substring":"Secret"}]`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			out, notes := scrubAttrs(sc, tc.in)
			if len(out) != 1 || out[0].Key != tc.want.Key || out[0].Value.Emit() != tc.want.Value.Emit() || out[0].Value.Type() != tc.want.Value.Type() {
				t.Errorf("got %v (%v), want %v (%v)", out[0].Value.Emit(), out[0].Value.Type(), tc.want.Value.Emit(), tc.want.Value.Type())
			}
			if notes != tc.notes {
				t.Errorf("notes:\n got %s\nwant %s", notes, tc.notes)
			}
		})
	}
}

func TestScrubCleanAttributesDoNotAllocate(t *testing.T) {
	sc := mustScrubber(t, nil, nil)
	kvs := []attribute.KeyValue{
		attribute.String(keysMsgForTest, "Hello world"),
		attribute.String("name", "world"),
		attribute.Int("n", 42),
	}
	sc.attrs(attributesPath, kvs, new([]scrubNote)) // warm the key cache
	allocs := testing.AllocsPerRun(100, func() {
		var notes []scrubNote
		if out := sc.attrs(attributesPath, kvs, &notes); out != nil {
			t.Fatal("clean attributes changed")
		}
	})
	if allocs != 0 {
		t.Fatalf("scrubbing clean attributes allocated %v times per run, want 0", allocs)
	}
}

const keysMsgForTest = "logfire.msg"

func TestScrubCallback(t *testing.T) {
	var seen []ScrubMatch
	sc := mustScrubber(t, nil, func(m ScrubMatch) (attribute.Value, bool) {
		seen = append(seen, m)
		switch m.Path[len(m.Path)-1] {
		case "session_id":
			return m.Value, true // keep as is
		case "note":
			return attribute.StringValue("[redacted by us]"), true
		}
		return attribute.Value{}, false
	})
	out, notes := scrubAttrs(sc,
		attribute.String("session_id", "abc"),
		attribute.String("note", "the password"),
		attribute.String("secret", "s"),
	)
	got := map[string]string{}
	for _, kv := range out {
		got[string(kv.Key)] = kv.Value.Emit()
	}
	want := map[string]string{"session_id": "abc", "note": "[redacted by us]", "secret": "[Scrubbed due to 'secret']"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
	if notes != `[{"path":["attributes","secret"],"matched_substring":"secret"}]` {
		t.Errorf("notes = %s: only redactions are noted", notes)
	}
	if len(seen) != 3 || seen[1].Matched != "password" || seen[1].Value.AsString() != "the password" ||
		!reflect.DeepEqual(seen[1].Path, []string{"attributes", "note"}) {
		t.Errorf("callback saw %+v", seen)
	}
}

func TestScrubJSONEdgeCases(t *testing.T) {
	sc := mustScrubber(t, nil, nil)
	// Not JSON after all: redacted whole.
	out, _ := scrubAttrs(sc, attribute.String("v", `{"password": oops`))
	if out[0].Value.AsString() != "[Scrubbed due to 'password']" {
		t.Errorf("broken JSON: %q", out[0].Value.AsString())
	}
	// Too deep to walk: redacted whole, no panic.
	deep := strings.Repeat("[", 200) + `"secret"` + strings.Repeat("]", 200)
	out, _ = scrubAttrs(sc, attribute.String("v", deep))
	if out[0].Value.AsString() != "[Scrubbed due to 'secret']" {
		t.Errorf("deep JSON: %q", out[0].Value.AsString())
	}
	// Escapes survive the round trip.
	out, _ = scrubAttrs(sc, attribute.String("v", `{"a":"<tag> \"q\" é","token":"pylf_v2_x"}`))
	want := `{"a":"<tag> \"q\" é","token":"[Scrubbed due to 'pylf_v2_']"}`
	if got := out[0].Value.AsString(); got != want || !json.Valid([]byte(got)) {
		t.Errorf("got %s, want %s", got, want)
	}
}

// FuzzScrubValue checks that scrubbing any string value never panics, that
// a redacted value no longer holds what matched, and that a JSON object or
// array stays valid JSON when scrubbed inside.
func FuzzScrubValue(f *testing.F) {
	for _, s := range []string{`{"password":"x","a":[1,"my secret"]}`, `["session", "ok"]`, "plain password text",
		`{"a":{"b":{"api_key":null}}}`, `{"k": "\u00e9 cookie"}`, `[`, `{"x":1} trailing secret`} {
		f.Add("note", s)
	}
	sc, err := newScrubber(nil, nil)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, key, value string) {
		var notes []scrubNote
		out := sc.attrs(attributesPath, []attribute.KeyValue{attribute.String(key, value)}, &notes)
		if out == nil {
			if len(notes) != 0 {
				t.Fatalf("notes %v for an unchanged value", notes)
			}
			return
		}
		got := out[0].Value.AsString()
		if len(notes) == 0 {
			t.Fatalf("%q changed to %q with no note", value, got)
		}
		trimmed := strings.TrimSpace(value)
		if json.Valid([]byte(trimmed)) && len(trimmed) > 0 && (trimmed[0] == '{' || trimmed[0] == '[') {
			if !json.Valid([]byte(got)) && !strings.HasPrefix(got, "[Scrubbed due to") {
				t.Fatalf("JSON %q scrubbed into invalid JSON %q", value, got)
			}
		}
	})
}

// Scrubbing benchmarks: run with
//
//	go test ./logfire -run '^$' -bench 'Scrub|MatchDefault|RegexpDefault' -benchmem

// logAttrsForBench are the attributes of Info("Hello {name} {n}", "name",
// "world", "n", 42): nothing to redact.
var logAttrsForBench = []attribute.KeyValue{
	attribute.String("logfire.span_type", "log"), attribute.Int("logfire.level_num", 9),
	attribute.String("logfire.msg_template", "Hello {name} {n}"), attribute.String("logfire.msg", "Hello world 42"),
	attribute.String("code.filepath", "main.go"), attribute.Int("code.lineno", 12), attribute.String("code.function", "main.run"),
	attribute.String("name", "world"), attribute.Int("n", 42),
	attribute.String("logfire.json_schema", `{"type":"object","properties":{"name":{},"n":{}}}`),
}

func BenchmarkScrubCleanLogAttrs(b *testing.B) {
	sc, err := newScrubber(nil, nil)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		var notes []scrubNote
		if sc.attrs(attributesPath, logAttrsForBench, &notes) != nil {
			b.Fatal("changed")
		}
	}
}

const benchLongValue = "GET /api/v1/orders/12345/items?expand=true HTTP/1.1"

func BenchmarkMatchDefaultShort(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		matchDefault("world")
	}
}

func BenchmarkMatchDefaultLong(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		matchDefault(benchLongValue)
	}
}

// The regular expression matchDefault replaces, for comparison.
func BenchmarkRegexpDefaultShort(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		regexpDefault.FindStringIndex("world")
	}
}

func BenchmarkRegexpDefaultLong(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		regexpDefault.FindStringIndex(benchLongValue)
	}
}

// TestScrubbedJSONStringStaysJSON: an error or a []byte travels as a JSON
// string; when scrubbing redacts it, the replacement is a JSON string
// too, so the value still decodes as its schema says.
func TestScrubbedJSONStringStaysJSON(t *testing.T) {
	lf, mem := newTestInstance(t)
	lf.Error(context.Background(), "failed", "err", errors.New("bad password for user"), "blob", []byte("my password"))
	spans := mem.GetSpans().Snapshots()
	if len(spans) != 1 {
		t.Fatalf("%d spans", len(spans))
	}
	for _, kv := range spans[0].Attributes() {
		if kv.Key != "err" && kv.Key != "blob" {
			continue
		}
		var got string
		if err := json.Unmarshal([]byte(kv.Value.AsString()), &got); err != nil || got != "[Scrubbed due to 'password']" {
			t.Errorf("%s = %s: want the JSON string of the redaction (%v)", kv.Key, kv.Value.AsString(), err)
		}
	}
}
