package logfire

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"math"
	"math/big"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/logfire-go/sdk/internal/metricpref"
)

func attrValue(s tracetest.SpanStub, key string) (attribute.Value, bool) {
	for _, kv := range s.Attributes {
		if string(kv.Key) == key {
			return kv.Value, true
		}
	}
	return attribute.Value{}, false
}

func mustSpan(t *testing.T, mem *tracetest.InMemoryExporter, name string) tracetest.SpanStub {
	t.Helper()
	for _, s := range mem.GetSpans() {
		if s.Name == name {
			return s
		}
	}
	t.Fatalf("no span %q", name)
	return tracetest.SpanStub{}
}

func TestLevelsAndMinLevel(t *testing.T) {
	clearEnv(t)
	lf, mem := newTestInstance(t, WithMinLevel(LevelNotice))
	ctx := context.Background()
	lf.Trace(ctx, "trace")
	lf.Debug(ctx, "debug")
	lf.Info(ctx, "info")
	lf.Notice(ctx, "notice")
	lf.Warn(ctx, "warn")
	lf.Error(ctx, "error")
	lf.Fatal(ctx, "fatal")
	lf.Log(ctx, Level(11), "eleven")
	_, dropped := lf.Span(ctx, "info span")
	dropped.End() // nil handle: a no-op
	_, kept := lf.Span(ctx, "warn span", AtLevel(LevelWarn))
	kept.End()
	got := map[string]int64{}
	for _, s := range mem.GetSpans() {
		v, _ := attrValue(s, "logfire.level_num")
		got[s.Name] = v.AsInt64()
	}
	want := map[string]int64{"notice": 10, "warn": 13, "error": 17, "fatal": 21, "eleven": 11, "warn span": 13}
	if len(got) != len(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Fatalf("got %v, want %v", got, want)
		}
	}
}

func TestSpanUpdatesSchemaMessageLevelAndTags(t *testing.T) {
	clearEnv(t)
	lf, mem := newTestInstance(t)
	_, span := lf.Span(context.Background(), "job {id}", "id", 1, Tags("a"))
	span.SetAttribute("result", map[string]int{"rows": 3})
	span.SetAttribute("when", time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
	span.SetMessage("job 1 done")
	span.SetLevel(LevelNotice)
	span.AddTags("b")
	span.End()
	span.End() // idempotent
	span.SetAttribute("late", 1)

	s := mustSpan(t, mem, "job {id}")
	checks := map[string]string{
		"logfire.json_schema": `{"type":"object","properties":{"id":{},"result":{"type":"object"},"when":{"type":"string","format":"date-time","x-python-datatype":"datetime"}}}`,
		"logfire.msg":         "job 1 done",
		"logfire.level_num":   "10",
		"logfire.tags":        `["a","b"]`,
		"result":              `{"rows":3}`,
		"when":                `"2026-01-02T03:04:05Z"`, // a JSON string, as Python sends a datetime
	}
	for k, want := range checks {
		if v, _ := attrValue(s, k); v.Emit() != want {
			t.Errorf("%s = %s, want %s", k, v.Emit(), want)
		}
	}
	if _, ok := attrValue(s, "late"); ok {
		t.Error("attribute set after End was recorded")
	}
	if n := len(mem.GetSpans()); n != 1 {
		t.Fatalf("End twice exported %d spans", n)
	}
}

func TestDoRecordsErrorsAndPanics(t *testing.T) {
	clearEnv(t)
	lf, mem := newTestInstance(t)
	ctx := context.Background()
	err := lf.Do(ctx, "failing {n}", func(ctx context.Context) error {
		lf.Info(ctx, "inside")
		return errors.New("nope")
	}, "n", 1)
	if err == nil || err.Error() != "nope" {
		t.Fatalf("Do returned %v", err)
	}
	s := mustSpan(t, mem, "failing {n}")
	if s.Status.Code != codes.Error || s.Status.Description != "*errors.errorString: nope" {
		t.Fatalf("status %+v", s.Status)
	}
	if v, _ := attrValue(s, "logfire.level_num"); v.AsInt64() != 17 {
		t.Fatalf("level %v", v.Emit())
	}
	if inside := mustSpan(t, mem, "inside"); inside.Parent.SpanID() != s.SpanContext.SpanID() {
		t.Fatal("log inside Do is not a child of its span")
	}

	func() {
		defer func() {
			if r := recover(); r != "kaboom" {
				t.Fatalf("recovered %v, want the original panic", r)
			}
		}()
		_ = lf.Do(ctx, "panicking", func(context.Context) error { panic("kaboom") })
	}()
	p := mustSpan(t, mem, "panicking")
	if p.Status.Code != codes.Error || !strings.HasSuffix(p.Status.Description, ": kaboom") || len(p.Events) != 1 {
		t.Fatalf("panic span %+v", p)
	}
	st, _ := attributeOf(p.Events[0].Attributes, "exception.stacktrace")
	if !strings.Contains(st, "goroutine") {
		t.Fatalf("no Go stack trace: %q", st)
	}
	if !p.EndTime.After(p.StartTime) && !p.EndTime.Equal(p.StartTime) {
		t.Fatal("panic span not ended")
	}
}

func attributeOf(kvs []attribute.KeyValue, key string) (string, bool) {
	for _, kv := range kvs {
		if string(kv.Key) == key {
			return kv.Value.Emit(), true
		}
	}
	return "", false
}

func TestValueConversion(t *testing.T) {
	type point struct{ X, Y int }
	type event struct {
		At  time.Time `json:"at"`
		Who point     `json:"who"`
		N   int
		Off string `json:"-"`
		Opt *point `json:"opt,omitempty"`
	}
	type withEmbedded struct {
		event
		Extra string
	}
	when := time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC)
	type cyclic struct{ Next *cyclic }
	cyc := &cyclic{}
	cyc.Next = cyc
	var nilPtr *point
	var nilErr *customErr
	huge, _ := new(big.Int).SetString("123456789012345678901234567890", 10)
	cases := []struct {
		name   string
		in     any
		value  string
		schema string
	}{
		{"string", "s", "s", `{}`},
		{"int", 42, "42", `{}`},
		{"uint64 max", uint64(math.MaxUint64), "18446744073709551615", `{}`},
		{"float", 1.5, "1.5", `{}`},
		{"nan", math.NaN(), "NaN", `{}`},
		{"bool", true, "true", `{}`},
		{"nil", nil, "null", `{"type":"null"}`},
		{"nil pointer", nilPtr, "null", `{"type":"null"}`},
		{"nil error pointer", nilErr, "null", `{"type":"null"}`},
		{"struct", point{1, 2}, `{"X":1,"Y":2}`, `{"type":"object","title":"logfire.point","x-python-datatype":"dataclass"}`},
		{"pointer to struct", &point{1, 2}, `{"X":1,"Y":2}`, `{"type":"object","title":"logfire.point","x-python-datatype":"dataclass"}`},
		{"map", map[string]int{"a": 1, "b": 2}, `{"a":1,"b":2}`, `{"type":"object"}`},
		{"slice", []int{1, 2}, `[1,2]`, `{"type":"array"}`},
		{"nil slice", []int(nil), "null", `{"type":"null"}`},
		{"time", time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC), `"2026-11-24T00:00:00Z"`, `{"type":"string","format":"date-time","x-python-datatype":"datetime"}`},
		{"pointer to time", &when, `"2026-11-24T00:00:00Z"`, `{"type":"string","format":"date-time","x-python-datatype":"datetime"}`},
		{"duration", 1500 * time.Millisecond, "1.5s", `{}`},
		{"bytes", []byte("hi"), `"hi"`, `{"type":"string","x-python-datatype":"bytes"}`},
		{"binary bytes", []byte{0xff, 0xfe}, `"//4="`, `{"type":"string","x-python-datatype":"bytes"}`},
		{"error", errors.New("bad"), `"bad"`, `{"type":"object","title":"*errors.errorString","x-python-datatype":"Exception"}`},
		{"wrapped error", fmt.Errorf("load: %w", &fs.PathError{Op: "open", Path: "x", Err: fs.ErrNotExist}), `"load: open x: file does not exist"`,
			`{"type":"object","title":"*fmt.wrapError","x-python-datatype":"Exception","x-go-wrapped":["*fs.PathError","*errors.errorString"]}`},
		{"joined errors", errors.Join(errors.New("a"), &customErr{}), "\"a\\ncustom\"",
			`{"type":"object","title":"*errors.joinError","x-python-datatype":"Exception","x-go-wrapped":["*errors.errorString","*logfire.customErr"]}`},
		{"struct with time and nested struct", event{At: when, Who: point{1, 2}, N: 3}, `{"at":"2026-11-24T00:00:00Z","who":{"X":1,"Y":2},"N":3}`,
			`{"type":"object","title":"logfire.event","x-python-datatype":"dataclass","properties":{"at":{"type":"string","format":"date-time","x-python-datatype":"datetime"},"who":{"type":"object","title":"logfire.point","x-python-datatype":"dataclass"}}}`},
		{"embedded struct promotes its fields", withEmbedded{event: event{N: 1}, Extra: "e"}, `{"at":"0001-01-01T00:00:00Z","who":{"X":0,"Y":0},"N":1,"Extra":"e"}`,
			`{"type":"object","title":"logfire.withEmbedded","x-python-datatype":"dataclass","properties":{"at":{"type":"string","format":"date-time","x-python-datatype":"datetime"},"who":{"type":"object","title":"logfire.point","x-python-datatype":"dataclass"}}}`},
		{"map of times", map[string]time.Time{"b": when, "a": when}, `{"a":"2026-11-24T00:00:00Z","b":"2026-11-24T00:00:00Z"}`,
			`{"type":"object","properties":{"a":{"type":"string","format":"date-time","x-python-datatype":"datetime"},"b":{"type":"string","format":"date-time","x-python-datatype":"datetime"}}}`},
		{"named map", inventory{"bolts": 3}, `{"bolts":3}`, `{"type":"object","title":"logfire.inventory"}`},
		{"map with int keys", map[int]string{2: "b", 1: "a"}, `{"1":"a","2":"b"}`, `{"type":"object"}`},
		{"map with struct keys", map[point]int{{1, 2}: 3}, `{"{1 2}":3}`, `{"type":"object"}`},
		{"map with bool keys", map[bool]string{true: "yes"}, `{"true":"yes"}`, `{"type":"object"}`},
		{"slice of structs", []point{{1, 2}, {3, 4}}, `[{"X":1,"Y":2},{"X":3,"Y":4}]`, `{"type":"array","items":{"type":"object","title":"logfire.point","x-python-datatype":"dataclass"}}`},
		{"mixed slice", []any{1, when, nil}, `[1,"2026-11-24T00:00:00Z",null]`, `{"type":"array","prefixItems":[{},{"type":"string","format":"date-time","x-python-datatype":"datetime"},{"type":"null"}]}`},
		{"HTML characters are not escaped", map[string]string{"q": "a<b&c>"}, `{"q":"a<b&c>"}`, `{"type":"object"}`},
		{"stringer", stringer{}, "I am a stringer", `{}`},
		{"big int", huge, "123456789012345678901234567890", `{}`},
		{"cycle", cyc, "[unserializable *logfire.cyclic]", `{}`},
		{"channel", make(chan int), "[unserializable chan int]", `{}`},
		{"func", func() {}, "[unserializable func()]", `{}`},
		{"panicking marshaler", panicky{}, "[unserializable logfire.panicky]", `{}`},
		{"otel value", attribute.StringSliceValue([]string{"a"}), `["a"]`, `{}`},
		{"slog value", slog.IntValue(3), "3", `{}`},
		{"named string", namedString("n"), "n", `{}`},
	}
	for _, tc := range cases {
		v, schema := convertValue(tc.in)
		if v.Emit() != tc.value || schema != tc.schema {
			t.Errorf("%s: got %q %s, want %q %s", tc.name, v.Emit(), schema, tc.value, tc.schema)
		}
	}
}

type inventory map[string]int

type customErr struct{}

func (*customErr) Error() string { return "custom" }

type stringer struct{}

func (stringer) String() string { return "I am a stringer" }

type panicky struct{}

func (panicky) MarshalJSON() ([]byte, error) { panic("no") }

type namedString string

func TestTemplates(t *testing.T) {
	c := &callAttrs{}
	c.add([]any{"name", "world", "n", 3, "long", strings.Repeat("x", 300)})
	cases := map[string]string{
		"Hello {name}!":      "Hello world!",
		"{{literal}} {name}": "{literal} world",
		"{missing} stays":    "{missing} stays",
		"{name=}":            "name=world",
		"{n:.2f}":            "3",
		"unclosed {name":     "unclosed {name",
		"{}":                 "{}",
		"no placeholders":    "no placeholders",
		"}} and {{":          "} and {",
	}
	for tmpl, want := range cases {
		if got := parseTemplate(tmpl).format(tmpl, c.lookup); got != want {
			t.Errorf("%q: got %q, want %q", tmpl, got, want)
		}
	}
	long := parseTemplate("{long}").format("{long}", c.lookup)
	if len([]rune(long)) != 127 || !strings.Contains(long, "...") {
		t.Errorf("long value not truncated in the middle: %d %q", len(long), long)
	}
}

func TestSlogHandler(t *testing.T) {
	clearEnv(t)
	lf, mem := newTestInstance(t, WithMinLevel(LevelDebug))
	logger := slog.New(lf.SlogHandler()).With("service", "api").WithGroup("req")
	ctx, span := lf.Span(context.Background(), "request")
	logger.InfoContext(ctx, "user {id} logged in", "id", 7, slog.Group("meta", "ip", "1.2.3.4"))
	logger.DebugContext(ctx, "debug line")
	slog.New(lf.SlogHandler()).Log(ctx, slog.LevelDebug-1, "below debug")
	slog.New(lf.SlogHandler()).WarnContext(ctx, "warned", "err", errors.New("e"))
	span.End()

	s := mustSpan(t, mem, "user {id} logged in")
	for k, want := range map[string]string{
		"logfire.msg": "user {id} logged in", "req.id": "7", "req.meta.ip": "1.2.3.4", "service": "api",
		"logfire.level_num": "9", "logfire.span_type": "log",
		"logfire.json_schema": `{"type":"object","properties":{"service":{},"req.id":{},"req.meta.ip":{}}}`,
	} {
		if v, _ := attrValue(s, k); v.Emit() != want {
			t.Errorf("%s = %q, want %q", k, v.Emit(), want)
		}
	}
	if s.Parent.SpanID() != span.SpanContext().SpanID() {
		t.Error("slog record is not inside the current span")
	}
	if v, _ := attrValue(s, "code.filepath"); !strings.HasSuffix(v.AsString(), "logfire/api_test.go") {
		t.Errorf("code.filepath = %q", v.AsString())
	}
	if v, _ := attrValue(mustSpan(t, mem, "debug line"), "logfire.level_num"); v.AsInt64() != 5 {
		t.Errorf("debug level %v", v.Emit())
	}
	for _, s := range mem.GetSpans() {
		if s.Name == "below debug" {
			t.Error("record below the minimum level was kept")
		}
	}
	if w := mustSpan(t, mem, "warned"); len(w.Events) != 1 || w.Status.Code == codes.Error {
		t.Errorf("warn with an error: events %d status %v", len(w.Events), w.Status)
	}
	if slog.New(lf.SlogHandler()).Enabled(context.Background(), slog.LevelDebug-1) {
		t.Error("Enabled below min level")
	}
	levels := map[slog.Level]Level{slog.LevelDebug - 4: LevelTrace, slog.LevelDebug: LevelDebug, slog.LevelInfo: LevelInfo,
		slog.LevelInfo + 2: LevelNotice, slog.LevelWarn: LevelWarn, slog.LevelError: LevelError, slog.LevelError + 4: LevelFatal}
	for in, want := range levels {
		if got := slogLevel(in); got != want {
			t.Errorf("slogLevel(%v) = %v, want %v", in, got, want)
		}
	}
}

// TestMetricTemporality: instruments of the instance's meter provider
// read with Logfire's temporality and aggregation (internal/metricpref).
func TestMetricTemporality(t *testing.T) {
	clearEnv(t)
	reader := sdkmetric.NewManualReader(sdkmetric.WithTemporalitySelector(metricpref.Temporality), sdkmetric.WithAggregationSelector(metricpref.Aggregation))
	lf, _ := newTestInstance(t, withMetricReader(reader))
	ctx := context.Background()
	meter := lf.MeterProvider().Meter("logfire")
	c, _ := meter.Int64Counter("c")
	c.Add(ctx, 2)
	u, _ := meter.Int64UpDownCounter("u")
	u.Add(ctx, -1)
	h, _ := meter.Float64Histogram("h")
	h.Record(ctx, 1.5)
	g, _ := meter.Float64Gauge("g")
	g.Record(ctx, 7)
	var rm metricdata.ResourceMetrics
	if err := reader.Collect(ctx, &rm); err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, sm := range rm.ScopeMetrics {
		if sm.Scope.Name != "logfire" {
			t.Errorf("scope %q", sm.Scope.Name)
		}
		for _, m := range sm.Metrics {
			switch d := m.Data.(type) {
			case metricdata.Sum[int64]:
				got[m.Name] = d.Temporality.String()
			case metricdata.ExponentialHistogram[float64]:
				got[m.Name] = "exp:" + d.Temporality.String()
			case metricdata.Gauge[float64]:
				got[m.Name] = "gauge"
			default:
				got[m.Name] = "unexpected"
			}
		}
	}
	want := map[string]string{"c": "DeltaTemporality", "u": "CumulativeTemporality", "h": "exp:DeltaTemporality", "g": "gauge"}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: %s, want %s", k, got[k], v)
		}
	}
}

func TestHeadSamplingKeepsOrDropsWholeTraces(t *testing.T) {
	clearEnv(t)
	lf, mem := newTestInstance(t, withHeadRate(0.5))
	ctx := context.Background()
	const traces = 400
	for range traces {
		rctx, root := lf.Span(ctx, "root")
		lf.Info(rctx, "child")
		root.End()
	}
	roots, children := 0, 0
	kept := map[string]bool{}
	for _, s := range mem.GetSpans() {
		if s.Name == "root" {
			roots++
			kept[s.SpanContext.TraceID().String()] = true
		}
	}
	for _, s := range mem.GetSpans() {
		if s.Name == "child" {
			children++
			if !kept[s.SpanContext.TraceID().String()] {
				t.Fatal("a child was kept without its root")
			}
		}
	}
	if roots != children || roots < traces/4 || roots > traces*3/4 {
		t.Fatalf("kept %d roots and %d children of %d traces at rate 0.5", roots, children, traces)
	}
}

func TestULIDTraceIDs(t *testing.T) {
	now := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
	id := newULIDTraceID(now)
	ms := uint64(id[0])<<40 | uint64(id[1])<<32 | uint64(id[2])<<24 | uint64(id[3])<<16 | uint64(id[4])<<8 | uint64(id[5])
	if ms != uint64(now.UnixMilli()) {
		t.Fatalf("timestamp part %d, want %d", ms, now.UnixMilli())
	}
	if a, b := newULIDTraceID(now), newULIDTraceID(now); a == b {
		t.Fatal("two ids in the same millisecond are equal")
	}
}
