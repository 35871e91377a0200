package logfire_test

import (
	"context"
	"encoding/json"
	"reflect"
	"runtime"
	"strings"
	"testing"

	"github.com/logfire-go/sdk/logfire"
	"github.com/logfire-go/sdk/logfiretest"
)

// The golden tests pin every attribute, id and time of what the Logfire
// exporter receives for a few calls, through logfiretest's deterministic
// capture (ids 1, 2, 3…; times 1s, 2s, 3s…). code.lineno is computed next
// to each call, so that editing this file does not break them.

const goldenFile = "logfire/golden_test.go"

// nextLine returns the line after the one that calls it: put it just above
// the call whose code.lineno a test expects.
func nextLine() int64 {
	_, _, line, _ := runtime.Caller(1)
	return int64(line + 1)
}

// ids renders a span context the way logfiretest's Dump does.
func ids(trace, span int64) map[string]any {
	return map[string]any{"trace_id": trace, "span_id": span}
}

func code(function string, line int64) map[string]any {
	return map[string]any{
		"code.filepath": goldenFile,
		"code.lineno":   line,
		"code.function": "logfire_test." + function,
	}
}

// with returns the union of the maps, later ones winning.
func with(ms ...map[string]any) map[string]any {
	out := map[string]any{}
	for _, m := range ms {
		for k, v := range m {
			out[k] = v
		}
	}
	return out
}

func sec(n int64) int64 { return n * 1_000_000_000 }

// decodeDump reads a Dump, numbers kept as written.
func decodeDump(t *testing.T, s string) []map[string]any {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	var out []map[string]any
	if err := dec.Decode(&out); err != nil {
		t.Fatalf("a dump that is not JSON: %v\n%s", err, s)
	}
	return out
}

// checkGolden compares the capture's Dump with want written the same way
// (indented JSON, keys sorted), and pins down each difference.
func checkGolden(t *testing.T, c *logfiretest.Capture, want []map[string]any) {
	t.Helper()
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(want); err != nil {
		t.Fatal(err)
	}
	dump := c.Dump()
	if dump == strings.TrimSuffix(b.String(), "\n") {
		return
	}
	t.Errorf("captured records differ.\n got: %s\nwant: %s", dump, b.String())
	got, wantJSON := decodeDump(t, dump), decodeDump(t, b.String())
	want = wantJSON
	// Pin down the first difference.
	for i := 0; i < len(got) && i < len(want); i++ {
		for k, wv := range want[i] {
			if gv := got[i][k]; !reflect.DeepEqual(gv, wv) {
				t.Errorf("record %d, %q: got %#v, want %#v", i, k, gv, wv)
			}
		}
		for k := range got[i] {
			if _, ok := want[i][k]; !ok {
				t.Errorf("record %d: unexpected %q = %#v", i, k, got[i][k])
			}
		}
	}
	if len(got) != len(want) {
		t.Errorf("got %d records, want %d", len(got), len(want))
	}
}

// The shape of the Python SDK's test snapshot for
// logfire.info('Hello {name}!', name='world', d={'a': 1, 'b': 2}).
func TestGoldenInfo(t *testing.T) {
	lf, c := logfiretest.New(t)
	ctx := context.Background()

	line := nextLine()
	lf.Info(ctx, "Hello {name}!", "name", "world", "d", map[string]int{"a": 1, "b": 2})

	checkGolden(t, c, []map[string]any{{
		"name":       "Hello {name}!",
		"context":    ids(1, 1),
		"parent":     nil,
		"start_time": sec(1),
		"end_time":   sec(1),
		"attributes": with(code("TestGoldenInfo", line), map[string]any{
			"logfire.span_type":    "log",
			"logfire.level_num":    int64(9),
			"logfire.msg_template": "Hello {name}!",
			"logfire.msg":          "Hello world!",
			"name":                 "world",
			"d":                    `{"a":1,"b":2}`,
			"logfire.json_schema":  `{"type":"object","properties":{"name":{},"d":{"type":"object"}}}`,
		}),
	}})
}

// A span inside a span: each sends a pending span when it starts (a child of
// the real span, with a span id of its own and logfire.pending_parent_id =
// the real span's parent, zeros for a root), and the real span when it
// ends.
func TestGoldenNestedSpans(t *testing.T) {
	lf, c := logfiretest.New(t)
	ctx := context.Background()

	outerLine := nextLine()
	ctx, outer := lf.Span(ctx, "outer {x}", "x", 1)
	innerLine := nextLine()
	_, inner := lf.Span(ctx, "inner {y}", "y", 2)
	inner.End()
	outer.End()

	outerAttrs := with(code("TestGoldenNestedSpans", outerLine), map[string]any{
		"logfire.span_type":    "span",
		"logfire.level_num":    int64(9),
		"logfire.msg_template": "outer {x}",
		"logfire.msg":          "outer 1",
		"x":                    int64(1),
		"logfire.json_schema":  `{"type":"object","properties":{"x":{}}}`,
	})
	innerAttrs := with(code("TestGoldenNestedSpans", innerLine), map[string]any{
		"logfire.span_type":    "span",
		"logfire.level_num":    int64(9),
		"logfire.msg_template": "inner {y}",
		"logfire.msg":          "inner 2",
		"y":                    int64(2),
		"logfire.json_schema":  `{"type":"object","properties":{"y":{}}}`,
	})
	// Span ids: outer 1, its pending span 2, inner 3, its pending span 4.
	checkGolden(t, c, []map[string]any{
		{
			"name":       "outer {x}",
			"context":    ids(1, 2),
			"parent":     ids(1, 1),
			"start_time": sec(1),
			"end_time":   sec(1),
			"attributes": with(outerAttrs, map[string]any{
				"logfire.span_type":         "pending_span",
				"logfire.pending_parent_id": "0000000000000000",
			}),
		},
		{
			"name":       "inner {y}",
			"context":    ids(1, 4),
			"parent":     ids(1, 3),
			"start_time": sec(2),
			"end_time":   sec(2),
			"attributes": with(innerAttrs, map[string]any{
				"logfire.span_type":         "pending_span",
				"logfire.pending_parent_id": "0000000000000001",
			}),
		},
		{
			"name":       "inner {y}",
			"context":    ids(1, 3),
			"parent":     ids(1, 1),
			"start_time": sec(2),
			"end_time":   sec(3),
			"attributes": innerAttrs,
		},
		{
			"name":       "outer {x}",
			"context":    ids(1, 1),
			"parent":     nil,
			"start_time": sec(1),
			"end_time":   sec(4),
			"attributes": outerAttrs,
		},
	})
}

// declined is an error type of this test, so its name is stable.
type declined struct{ card string }

func (d *declined) Error() string { return "card " + d.card + " declined" }

// An error returned to Do fails the span: status Error "<type>: <message>",
// level error, and an exception event. The pending span, sent at the start,
// knows nothing of it.
func TestGoldenErrorSpan(t *testing.T) {
	lf, c := logfiretest.New(t)
	ctx := context.Background()

	line := nextLine()
	err := lf.Do(ctx, "charge {card}", func(context.Context) error {
		return &declined{card: "4242"}
	}, "card", "4242")
	if err == nil {
		t.Fatal("Do did not return the error")
	}

	// The fingerprint hashes the stack, so Dump shows a placeholder; that
	// it is there, and what it is made of, TestWireExceptionFingerprint
	// and TestCanonicalException* pin.
	fp, _ := c.Span("charge {card}").Value("logfire.exception.fingerprint").(string)
	if len(fp) != 64 {
		t.Errorf("logfire.exception.fingerprint = %q, want 64 hex digits", fp)
	}
	start := with(code("TestGoldenErrorSpan", line), map[string]any{
		"logfire.span_type":    "span",
		"logfire.level_num":    int64(9),
		"logfire.msg_template": "charge {card}",
		"logfire.msg":          "charge 4242",
		"card":                 "4242",
		"logfire.json_schema":  `{"type":"object","properties":{"card":{}}}`,
	})
	checkGolden(t, c, []map[string]any{
		{
			"name":       "charge {card}",
			"context":    ids(1, 2),
			"parent":     ids(1, 1),
			"start_time": sec(1),
			"end_time":   sec(1),
			"attributes": with(start, map[string]any{
				"logfire.span_type":         "pending_span",
				"logfire.pending_parent_id": "0000000000000000",
			}),
		},
		{
			"name":       "charge {card}",
			"context":    ids(1, 1),
			"parent":     nil,
			"start_time": sec(1),
			"end_time":   sec(3),
			"attributes": with(start, map[string]any{"logfire.level_num": int64(17), "logfire.exception.fingerprint": "<fingerprint>"}),
			"status": map[string]any{
				"code":        "Error",
				"description": "*logfire_test.declined: card 4242 declined",
			},
			"events": []map[string]any{{
				"name":      "exception",
				"timestamp": sec(2),
				"attributes": map[string]any{
					"exception.type":       "*logfire_test.declined",
					"exception.message":    "card 4242 declined",
					"exception.stacktrace": "<stacktrace>",
					"exception.escaped":    "True", // returned by Do's function: it leaves the span, as in Python
				},
			}},
		},
	})

	// The real stack trace, which Dump replaces, names this test.
	ev, _ := c.Span("charge {card}").Event("exception")
	if st, _ := ev.Value("exception.stacktrace").(string); !strings.Contains(st, "TestGoldenErrorSpan") {
		t.Errorf("exception.stacktrace does not name the test function:\n%s", st)
	}
}

// nil, and a nil pointer, travel as the JSON "null" with the schema
// {"type":"null"}.
func TestGoldenNilValue(t *testing.T) {
	lf, c := logfiretest.New(t)
	ctx := context.Background()

	line := nextLine()
	lf.Warn(ctx, "got {v} and {p}", "v", nil, "p", (*int)(nil))

	checkGolden(t, c, []map[string]any{{
		"name":       "got {v} and {p}",
		"context":    ids(1, 1),
		"parent":     nil,
		"start_time": sec(1),
		"end_time":   sec(1),
		"attributes": with(code("TestGoldenNilValue", line), map[string]any{
			"logfire.span_type":    "log",
			"logfire.level_num":    int64(13),
			"logfire.msg_template": "got {v} and {p}",
			"logfire.msg":          "got null and null",
			"v":                    "null",
			"p":                    "null",
			"logfire.json_schema":  `{"type":"object","properties":{"v":{"type":"null"},"p":{"type":"null"}}}`,
		}),
	}})
}

// Tags travel as a string array; a call without user attributes has no
// logfire.json_schema, and one without tags no logfire.tags.
func TestGoldenTags(t *testing.T) {
	lf, c := logfiretest.New(t)
	ctx := context.Background()

	logLine := nextLine()
	lf.Info(ctx, "deployed", logfire.Tags("ops", "release"))
	spanLine := nextLine()
	_, span := lf.Span(ctx, "migrating", logfire.Tags("db"))
	span.AddTags("slow")
	span.End()
	plainLine := nextLine()
	lf.Info(ctx, "no tags")

	spanAttrs := with(code("TestGoldenTags", spanLine), map[string]any{
		"logfire.span_type":    "span",
		"logfire.level_num":    int64(9),
		"logfire.msg_template": "migrating",
		"logfire.msg":          "migrating",
	})
	checkGolden(t, c, []map[string]any{
		{
			"name":       "deployed",
			"context":    ids(1, 1),
			"parent":     nil,
			"start_time": sec(1),
			"end_time":   sec(1),
			"attributes": with(code("TestGoldenTags", logLine), map[string]any{
				"logfire.span_type":    "log",
				"logfire.level_num":    int64(9),
				"logfire.msg_template": "deployed",
				"logfire.msg":          "deployed",
				"logfire.tags":         []string{"ops", "release"},
			}),
		},
		{
			"name":       "migrating",
			"context":    ids(2, 3),
			"parent":     ids(2, 2),
			"start_time": sec(2),
			"end_time":   sec(2),
			"attributes": with(spanAttrs, map[string]any{
				"logfire.span_type":         "pending_span",
				"logfire.pending_parent_id": "0000000000000000",
				"logfire.tags":              []string{"db"},
			}),
		},
		{
			"name":       "migrating",
			"context":    ids(2, 2),
			"parent":     nil,
			"start_time": sec(2),
			"end_time":   sec(3),
			"attributes": with(spanAttrs, map[string]any{"logfire.tags": []string{"db", "slow"}}),
		},
		{
			"name":       "no tags",
			"context":    ids(3, 4),
			"parent":     nil,
			"start_time": sec(4),
			"end_time":   sec(4),
			"attributes": with(code("TestGoldenTags", plainLine), map[string]any{
				"logfire.span_type":    "log",
				"logfire.level_num":    int64(9),
				"logfire.msg_template": "no tags",
				"logfire.msg":          "no tags",
			}),
		},
	})
}
