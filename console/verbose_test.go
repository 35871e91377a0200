package console

import (
	"testing"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/logfire-go/sdk/config"
	"github.com/logfire-go/sdk/internal/envconfig"
	"github.com/logfire-go/sdk/internal/keys"
)

func codeAt(file string, line int) []attribute.KeyValue {
	return []attribute.KeyValue{
		attribute.String(keys.CodeFilepath, file),
		attribute.Int(keys.CodeLineno, line),
		attribute.String(keys.CodeFunction, "TestSomething"),
	}
}

func schema(s string) attribute.KeyValue { return attribute.String(keys.JSONSchema, s) }

func TestGoldenVerboseArguments(t *testing.T) {
	// The Python SDK's expected output for
	// logfire.info('Hello {name}!', name='world', d={'a': 1, 'b': 2}).
	attrs := append(codeAt("test_console_exporter.py", 123),
		level(envconfig.LevelInfo),
		attribute.String(keys.MsgTemplate, "Hello {name}!"),
		attribute.String("name", "world"),
		attribute.String("d", `{"a":1,"b":2}`),
		schema(`{"type":"object","properties":{"name":{},"d":{"type":"object"}}}`),
	)
	got := render(t, []sdktrace.ReadOnlySpan{logRecord(traceA, 0, 1, "Hello world!", attrs...)}, withVerbose(true))
	checkGolden(t, got, ""+
		"00:00:01.000 Hello world!\n"+
		"             │ test_console_exporter.py:123 info\n"+
		"             │ name='world'\n"+
		"             │ d={\n"+
		"             │       'a': 1,\n"+
		"             │       'b': 2,\n"+
		"             │   }\n")
}

func TestGoldenVerboseMap(t *testing.T) {
	attrs := append(codeAt("main.go", 42),
		attribute.String("d", `{"user":{"name":"Ann","tags":["x","it's"],"admin":true,"boss":null},"n":1.5,"empty":{},"none":[]}`),
		schema(`{"type":"object","properties":{"d":{"type":"object"}}}`),
	)
	got := render(t, []sdktrace.ReadOnlySpan{
		pendingSpan(traceA, 1, 0, 1, "outer"),
		logRecord(traceA, 1, 2, "with a map", attrs...),
	}, withVerbose(true))
	checkGolden(t, got, ""+
		"00:00:01.000 outer\n"+
		"             │ info\n"+
		"00:00:02.000   with a map\n"+
		"               │ main.go:42 info\n"+
		"               │ d={\n"+
		"               │       'user': {\n"+
		"               │           'name': 'Ann',\n"+
		"               │           'tags': [\n"+
		"               │               'x',\n"+
		"               │               \"it's\",\n"+
		"               │           ],\n"+
		"               │           'admin': True,\n"+
		"               │           'boss': None,\n"+
		"               │       },\n"+
		"               │       'n': 1.5,\n"+
		"               │       'empty': {},\n"+
		"               │       'none': [],\n"+
		"               │   }\n")
}

func TestGoldenVerboseScalarsAndSlices(t *testing.T) {
	attrs := []attribute.KeyValue{
		attribute.String(keys.CodeFilepath, "svc/handler.go"),
		attribute.Int(keys.CodeLineno, 7),
		level(envconfig.LevelWarn),
		attribute.Int("count", 3),
		attribute.Float64("ratio", 2),
		attribute.Bool("ok", false),
		attribute.String("quote", "say \"hi\"\n"),
		attribute.IntSlice("ids", []int{1, 2}),
		attribute.String("nothing", "null"),
		attribute.String("not json", "{oops"),
		schema(`{"type":"object","properties":{"count":{},"ratio":{},"ok":{},"quote":{},"ids":{"type":"array"},"missing":{},"nothing":{"type":"null"},"not json":{"type":"object"}}}`),
	}
	got := render(t, []sdktrace.ReadOnlySpan{logRecord(traceA, 0, 1, "values", attrs...)}, withVerbose(true), withTimestamps(false))
	checkGolden(t, got, ""+
		"values\n"+
		"│ svc/handler.go:7 warn\n"+
		"│ count=3\n"+
		"│ ratio=2.0\n"+
		"│ ok=False\n"+
		"│ quote='say \"hi\"\\n'\n"+
		"│ ids=[\n"+
		"│         1,\n"+
		"│         2,\n"+
		"│     ]\n"+
		"│ nothing=None\n"+
		"│ not json='{oops'\n")
}

func TestGoldenVerboseError(t *testing.T) {
	attrs := append(codeAt("main.go", 12),
		level(envconfig.LevelError),
		attribute.String("path", "/users"),
		schema(`{"type":"object","properties":{"path":{}}}`),
	)
	s := logRecord(traceA, 1, 2, "request failed", attrs...)
	s = withStatus(s, codes.Error, "*errors.errorString: boom")
	s = withEvents(s,
		sdktrace.Event{Name: "other event"},
		sdktrace.Event{Name: "exception", Attributes: []attribute.KeyValue{
			attribute.String("exception.type", "*errors.errorString"),
			attribute.String("exception.message", "boom"),
			attribute.String("exception.stacktrace", "goroutine 1 [running]:\nmain.main()\n\t/app/main.go:12 +0x1d\n"),
		}},
	)
	records := []sdktrace.ReadOnlySpan{pendingSpan(traceA, 1, 0, 1, "GET /users"), s}
	t.Run("plain", func(t *testing.T) {
		checkGolden(t, render(t, records, withVerbose(true)), ""+
			"00:00:01.000 GET /users\n"+
			"             │ info\n"+
			"00:00:02.000   request failed\n"+
			"               │ main.go:12 error\n"+
			"               │ path='/users'\n"+
			"               │ *errors.errorString: boom\n"+
			"               │ goroutine 1 [running]:\n"+
			"               │ main.main()\n"+
			"               │ \t/app/main.go:12 +0x1d\n")
	})
	t.Run("colors", func(t *testing.T) {
		bar := "\x1b[34m│\x1b[0m "
		checkGolden(t, render(t, records[1:], withVerbose(true), withTimestamps(false), withColors(config.ColorsAlways)), ""+
			"\x1b[31mrequest failed\x1b[0m\n"+
			bar+"\x1b[36mmain.go:12\x1b[0m error\n"+
			bar+"\x1b[34mpath=\x1b[0m'/users'\n"+
			bar+"\x1b[1;31m*errors.errorString: boom\x1b[0m\n"+
			bar+"goroutine 1 [running]:\n"+
			bar+"main.main()\n"+
			bar+"\t/app/main.go:12 +0x1d\n")
	})
}

func TestGoldenVerboseExceptionParts(t *testing.T) {
	ev := func(attrs ...attribute.KeyValue) sdktrace.Event {
		return sdktrace.Event{Name: "exception", Attributes: attrs}
	}
	s := withEvents(logRecord(traceA, 0, 1, "partial"),
		ev(attribute.String("exception.message", "only a message")),
		ev(attribute.String("exception.type", "OnlyType")),
		ev(attribute.String("exception.stacktrace", "only\r\nstack")),
		ev(),
	)
	checkGolden(t, render(t, []sdktrace.ReadOnlySpan{s}, withVerbose(true), withTimestamps(false)), ""+
		"partial\n"+
		"│ info\n"+
		"│ only a message\n"+
		"│ OnlyType\n"+
		"│ only\n"+
		"│ stack\n")
}

func TestGoldenVerboseMalformed(t *testing.T) {
	cases := []struct {
		name   string
		schema attribute.KeyValue
	}{
		{"invalid JSON", schema(`{"type":"object","properties":`)},
		{"trailing data", schema(`{"properties":{"x":{}}} extra`)},
		{"properties not an object", schema(`{"type":"object","properties":["x"]}`)},
		{"schema not a string", attribute.Int(keys.JSONSchema, 3)},
		{"schema is an array", schema(`[1,2]`)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := logRecord(traceA, 0, 1, "odd", attribute.Int("x", 1), attribute.String(keys.CodeFilepath, "f.go"), c.schema)
			checkGolden(t, render(t, []sdktrace.ReadOnlySpan{s}, withVerbose(true), withTimestamps(false)), "odd\n│ f.go info\n")
		})
	}
}
