package console

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/logfire-go/sdk/config"
	"github.com/logfire-go/sdk/internal/envconfig"
	"github.com/logfire-go/sdk/internal/keys"

	"github.com/logfire-go/sdk/internal/jsontree"
)

func FuzzParseJSON(f *testing.F) {
	for _, seed := range []string{
		`{"a":1,"b":[true,false,null,"x"],"c":{}}`, `[]`, `"s"`, `1e400`, `{"a":`, `]`,
		`{"a":1}{}`, strings.Repeat("[", 200) + strings.Repeat("]", 200), "\"\xff\"",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := jsontree.Parse(s)
		if err == nil {
			_ = appendPyJSON(nil, v, 0)
			if !json.Valid([]byte(s)) {
				t.Errorf("parsed invalid JSON %q", s)
			}
		} else if json.Valid([]byte(s)) && !errors.Is(err, jsontree.ErrTooDeep) {
			t.Errorf("rejected valid JSON %q: %v", s, err)
		}
	})
}

func FuzzPyString(f *testing.F) {
	for _, seed := range []string{"", "it's", `say "hi"`, `both ' and "`, "\x00\x1b\u009b\u00a0\u2028\U0001F600\xff"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := string(appendPyString(nil, s))
		if strings.ContainsAny(out, "\n\r\x1b") {
			t.Errorf("quoted %q as %q, which holds a control character", s, out)
		}
	})
}

// FuzzOnEnd feeds records with arbitrary attribute values, of the expected
// types and of others, to every layout, and checks that nothing panics and
// that no escape character reaches an uncoloured output.
func FuzzOnEnd(f *testing.F) {
	f.Add("pending_span", "msg", "9", "0000000000000001", `{"type":"object","properties":{"v":{"type":"object"}}}`, `{"a":[1]}`, int64(9))
	f.Add("log", "", "warn", "zz", `{"properties":`, "\x1b[31m", int64(-1))
	f.Add("", "m", "", "", "", "", int64(1<<40))
	f.Add("weird", "m\r\n", "99", "ffffffffffffffffff", `{"properties":{"v":{}}}`, "null", int64(17))
	f.Fuzz(func(t *testing.T, spanType, msg, levelText, parentHex, schemaText, value string, levelNum int64) {
		attrSets := [][]attribute.KeyValue{
			{
				attribute.String(keys.SpanType, spanType),
				attribute.String(keys.Msg, msg),
				attribute.String(keys.LevelNum, levelText),
				attribute.String(keys.PendingParentID, parentHex),
				attribute.String(keys.JSONSchema, schemaText),
				attribute.String(keys.Tags, msg),
				attribute.String("v", value),
				attribute.String(keys.CodeFilepath, value),
				attribute.String(keys.CodeLineno, levelText),
			},
			{
				attribute.String(keys.SpanType, spanType),
				attribute.Int64(keys.Msg, levelNum),
				attribute.Int64(keys.LevelNum, levelNum),
				attribute.Int64(keys.PendingParentID, levelNum),
				attribute.StringSlice(keys.Tags, []string{msg, value}),
				attribute.Float64(keys.DisableConsole, 1),
				attribute.String(keys.JSONSchema, schemaText),
				attribute.Float64("v", float64(levelNum)/3),
				attribute.Bool(keys.CodeFilepath, true),
			},
		}
		for _, attrs := range attrSets {
			records := []sdktrace.ReadOnlySpan{
				logRecord(traceA, 1, 1, "first", attribute.String(keys.SpanType, keys.SpanTypeLog)),
				withEvents(pendingSpan(traceA, 1, 0, 1, "root", attrs...), sdktrace.Event{Name: "exception", Attributes: attrs}),
				logRecord(traceA, 1, 2, "log", attrs...),
				spanEnd(traceA, 1, 0, 3, "root"),
			}
			for _, style := range []config.SpanStyle{config.SpanStyleSimple, config.SpanStyleIndented, config.SpanStyleShowParents} {
				w := &countingWriter{}
				p := newTest(withWriter(w), withSpanStyle(style), withVerbose(true), withColors(config.ColorsNever), withMinLevel(envconfig.LevelTrace))
				for _, r := range records {
					p.handle(r)
				}
				if err := p.Shutdown(t.Context()); err != nil {
					t.Fatal(err)
				}
				if out := w.String(); strings.ContainsAny(out, "\x1b\r") {
					t.Fatalf("control character in the output: %q", out)
				}
			}
		}
	})
}
