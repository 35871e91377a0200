package logfire

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"strings"
	"sync"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/logfire-go/sdk/config"
	"github.com/logfire-go/sdk/console"
	"github.com/logfire-go/sdk/internal/capture"
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

// fuzzInstance is the instance FuzzLogAPI records to: everything it
// exports is seen by fuzzSpans, the console formats every record
// (verbose) into a buffer, nothing is sent anywhere.
var fuzzInstance = sync.OnceValues(func() (*Logfire, *tracetest.InMemoryExporter) {
	mem := tracetest.NewInMemoryExporter()
	lf, err := Configure(context.Background(), notDefault(), WithToken(fuzzToken),
		WithSendToLogfire(config.SendNever), WithConsole(&console.Options{Writer: &fuzzConsole, Verbose: true}),
		withLogfireProcessor(sdktrace.NewSimpleSpanProcessor(mem)))
	if err != nil {
		panic(err)
	}
	return lf, mem
})

// fuzzToken is the token of fuzzInstance; no fuzz input may make it show.
const fuzzToken = "legacy-Fuzz-Token-Secret-0123456789"

var fuzzConsole capture.Buffer

// FuzzLogAPI drives the log and span API with arbitrary templates, keys
// and values, the configured token spliced into them: nothing panics,
// and neither the token nor anything shaped like one reaches an exporter
// or the console.
func FuzzLogAPI(f *testing.F) {
	f.Add("Hello {name}", "name", "world", int64(1), 0.5, []byte("b"), 9)
	f.Add("{"+fuzzToken+"}", fuzzToken, "pylf_v1_us_abc", int64(-1), math.NaN(), []byte{0xff}, 0)
	f.Add("{x=} {{y}} {", "x", strings.Repeat("é", 200), int64(math.MaxInt64), math.Inf(1), []byte(nil), 1000)
	f.Add("url {url.full}", "url.full", "https://u:p@h/?sig=1", int64(0), -0.0, []byte("{}"), -5)
	f.Fuzz(func(t *testing.T, template, key, value string, n int64, x float64, b []byte, level int) {
		lf, mem := fuzzInstance()
		ctx := context.Background()
		tok := func(s string, i int) string { // the token spliced into s
			i = min(max(i, 0), len(s))
			return s[:i] + fuzzToken + s[i:]
		}
		args := []any{key, value, tok(key, len(key)/2), tok(value, int(n%7)), "n", n, "x", x, "b", b,
			slog.String(value, key), attribute.String(key, tok(value, 1)), map[string]any{key: value}, errors.New(tok(value, 0))}
		lf.Log(ctx, Level(level), template, args...)
		lf.Info(ctx, tok(template, int(n%5)), args...)
		sctx, span := lf.Span(ctx, tok(template, len(template)), append(args, AtLevel(Level(level)))...)
		span.SetAttribute(tok(key, 0), tok(value, 2))
		span.SetMessage(tok(value, 3))
		span.RecordError(errors.New(template + fuzzToken))
		span.AddTags(key, fuzzToken)
		slog.New(lf.SlogHandler()).WarnContext(sctx, tok(template, 0), key, value)
		span.End()
		if err := lf.ForceFlush(ctx); err != nil {
			t.Fatal(err)
		}
		var seen strings.Builder
		for _, s := range mem.GetSpans() {
			fmt.Fprintf(&seen, "%s %v %v %v %s\n", s.Name, s.Attributes, s.Events, s.Links, s.Status.Description)
		}
		mem.Reset()
		console := fuzzConsole.Take()
		for where, out := range map[string]string{"an exporter": seen.String(), "the console": console} {
			if strings.Contains(out, fuzzToken) {
				t.Fatalf("the token reached %s", where)
			}
			if m := tokenShaped.FindString(out); m != "" {
				t.Fatalf("%q, shaped like a token, reached %s", m, where)
			}
		}
	})
}
