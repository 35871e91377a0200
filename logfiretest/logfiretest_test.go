package logfiretest_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	otellog "go.opentelemetry.io/otel/log"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/trace"

	"github.com/logfire-go/sdk/internal/exampletb"
	"github.com/logfire-go/sdk/logfire"
	"github.com/logfire-go/sdk/logfiretest"
)

// scenario records a little of everything, for the tests below.
func scenario(lf *logfire.Logfire) {
	ctx := context.Background()
	lf.Info(ctx, "hello {name}", "name", "world")
	ctx, outer := lf.Span(ctx, "outer {x}", "x", 1)
	time.Sleep(time.Millisecond) // real times differ; captured ones must not
	_, inner := lf.Span(ctx, "inner {y}", "y", 2)
	lf.Error(ctx, "it failed: {reason}", "reason", "boom", errors.New("boom"))
	inner.End()
	outer.End()
}

// pending returns the pending spans of c, in arrival order.
func pending(c *logfiretest.Capture) []logfiretest.Span {
	var out []logfiretest.Span
	for _, s := range c.All() {
		if s.SpanType() == "pending_span" {
			out = append(out, s)
		}
	}
	return out
}

// named returns the records of any kind with the template.
func named(c *logfiretest.Capture, template string) []logfiretest.Span {
	var out []logfiretest.Span
	for _, s := range c.All() {
		if s.Template() == template {
			out = append(out, s)
		}
	}
	return out
}

// TestSameRunsGiveTheSameDump: two tests that record the same give the
// same dump (each test counts its own ids).
func TestSameRunsGiveTheSameDump(t *testing.T) {
	var dumps []string
	for _, name := range []string{"first", "second"} {
		t.Run(name, func(t *testing.T) {
			lf, c := logfiretest.New(t)
			scenario(lf)
			dumps = append(dumps, c.Dump())
		})
	}
	if len(dumps) != 2 || dumps[0] != dumps[1] {
		t.Fatalf("two runs differ:\n%s", strings.Join(dumps, "\n---\n"))
	}
}

// TestInstancesOfATestShareTheIDs: two instances of one test (two services)
// never have the same ids.
func TestInstancesOfATestShareTheIDs(t *testing.T) {
	lf1, c1 := logfiretest.New(t)
	lf2, c2 := logfiretest.New(t)
	scenario(lf1)
	scenario(lf2)
	seen := map[trace.SpanID]bool{}
	for _, s := range append(c1.All(), c2.All()...) {
		if id := s.SpanContext.SpanID(); seen[id] {
			t.Fatalf("span id %s used twice", id)
		} else {
			seen[id] = true
		}
	}
	if c1.Dump() == c2.Dump() {
		t.Error("the second instance repeated the first one's ids")
	}
}

func TestIDsAndTimesCount(t *testing.T) {
	lf, c := logfiretest.New(t)
	scenario(lf)
	type rec struct {
		kind, template string
		trace, span    byte
		parent         byte
		start, end     int64
	}
	want := []rec{
		{"log", "hello {name}", 1, 1, 0, 1, 1},
		{"pending_span", "outer {x}", 2, 3, 2, 2, 2},
		{"pending_span", "inner {y}", 2, 5, 4, 3, 3},
		{"log", "it failed: {reason}", 2, 6, 2, 4, 4}, // its exception event is at 4s too
		{"span", "inner {y}", 2, 4, 2, 3, 5},
		{"span", "outer {x}", 2, 2, 0, 2, 6},
	}
	all := c.All()
	if len(all) != len(want) {
		t.Fatalf("captured %d records, want %d:\n%v", len(all), len(want), all)
	}
	for i, w := range want {
		s := all[i]
		var parent byte
		if s.Parent.IsValid() {
			p := s.Parent.SpanID()
			parent = p[7]
		}
		tid, sid := s.SpanContext.TraceID(), s.SpanContext.SpanID()
		got := rec{s.SpanType(), s.Template(), tid[15], sid[7], parent, s.StartTime.Unix(), s.EndTime.Unix()}
		if got != w {
			t.Errorf("record %d: got %+v, want %+v", i, got, w)
		}
	}
	ev, ok := c.Log("it failed: {reason}").Event("exception")
	if !ok || ev.Time.Unix() != 4 {
		t.Errorf("exception event: %+v, %v; want it at 4s", ev, ok)
	}
	// The real times are still there.
	if o := c.Span("outer {x}"); !o.ReadOnly.EndTime().After(o.ReadOnly.StartTime().Add(time.Millisecond - 1)) {
		t.Errorf("outer's real times: %v..%v", o.ReadOnly.StartTime(), o.ReadOnly.EndTime())
	}
}

func TestQueries(t *testing.T) {
	lf, c := logfiretest.New(t)
	scenario(lf)
	names := func(ss []logfiretest.Span) string {
		var out []string
		for _, s := range ss {
			out = append(out, s.Template())
		}
		return strings.Join(out, ", ")
	}
	if got := names(c.Spans()); got != "inner {y}, outer {x}" {
		t.Errorf("Spans: %s", got)
	}
	if got := names(c.Logs()); got != "hello {name}, it failed: {reason}" {
		t.Errorf("Logs: %s", got)
	}
	if got := names(pending(c)); got != "outer {x}, inner {y}" {
		t.Errorf("pending spans: %s", got)
	}
	if got := len(named(c, "inner {y}")); got != 2 {
		t.Errorf("inner: %d records, want 2 (pending and real)", got)
	}
	s := c.Span("inner {y}")
	if s.Value("y") != int64(2) || s.Message() != "inner 2" || s.Level() != logfire.LevelInfo ||
		s.SpanType() != "span" || s.Value("missing") != nil || s.Value("logfire.tags") != nil {
		t.Errorf("inner span: %v %v", s, s.Attributes)
	}
	if p := pending(c)[1]; p.Template() != "inner {y}" || p.Value("logfire.pending_parent_id") != c.Span("outer {x}").SpanContext.SpanID().String() {
		t.Errorf("inner pending span: %v %v", p, p.Attributes)
	}
	if l := c.Log("it failed: {reason}"); l.Level() != logfire.LevelError || l.Status.Description != "*errors.errorString: boom" {
		t.Errorf("error log: %v", l)
	}
	// A plain OpenTelemetry span on the instance's provider is a span too.
	_, plain := lf.TracerProvider().Tracer("plain").Start(context.Background(), "plain span")
	plain.End()
	if s := c.Span("plain span"); s.SpanType() != "" || s.Scope.Name != "plain" {
		t.Errorf("plain span: %v", s)
	}
	c.Reset()
	if n := len(c.All()); n != 0 {
		t.Errorf("after Reset: %d records", n)
	}
	lf.Info(context.Background(), "after reset")
	if s := c.Log("after reset"); s.SpanContext.SpanID() == (trace.SpanID{}) || s.StartTime.Unix() <= 6 {
		t.Errorf("ids and times must go on counting after Reset: %v", s)
	}
}

// fakeTB records Fatalf instead of stopping the test.
type fakeTB struct {
	testing.TB
	failure string
}

func (f *fakeTB) Helper() {}
func (f *fakeTB) Fatalf(format string, args ...any) {
	f.failure = fmt.Sprintf(format, args...)
}

func TestMissingRecordFailsTheTestWithAList(t *testing.T) {
	ft := &fakeTB{TB: t}
	lf, c := logfiretest.New(ft)
	lf.Info(context.Background(), "present")
	c.Span("absent")
	if !strings.Contains(ft.failure, `no span with template "absent"`) || !strings.Contains(ft.failure, `log "present"`) {
		t.Errorf("failure message: %q", ft.failure)
	}
}

// TestExampleTBPanicsOnMissingRecord: in an Example, with the TB of
// internal/exampletb, a missing record panics with the list.
func TestExampleTBPanicsOnMissingRecord(t *testing.T) {
	et := exampletb.New()
	defer et.Done()
	_, c := logfiretest.New(et)
	defer func() {
		if r := recover(); r == nil || !strings.Contains(fmt.Sprint(r), `no log with template "absent"`) {
			t.Errorf("recovered %v", r)
		}
	}()
	c.Log("absent")
}

func TestOptionsWin(t *testing.T) {
	lf, c := logfiretest.New(t, logfire.WithMinLevel(logfire.LevelWarn))
	ctx := context.Background()
	lf.Info(ctx, "dropped")
	lf.Warn(ctx, "kept")
	if got := len(c.All()); got != 1 || c.All()[0].Template() != "kept" {
		t.Errorf("captured %v", c.All())
	}
	if otel.GetTracerProvider() == trace.TracerProvider(lf.TracerProvider()) {
		t.Error("the test instance became the default")
	}
}

func TestLogRecords(t *testing.T) {
	lf, c := logfiretest.New(t)
	var r otellog.Record
	r.SetBody(attribute.StringValue("from a bridge"))
	r.SetSeverity(otellog.SeverityWarn)
	lf.LoggerProvider().Logger("bridge").Emit(context.Background(), r)
	got := c.LogRecords()
	if len(got) != 1 || got[0].Body().AsString() != "from a bridge" || got[0].Severity() != otellog.SeverityWarn {
		t.Fatalf("log records: %+v", got)
	}
}

func TestMetricsUseLogfireTemporality(t *testing.T) {
	lf, c := logfiretest.New(t)
	ctx := context.Background()
	meter := lf.MeterProvider().Meter("test")
	counter, _ := meter.Int64Counter("requests")
	updown, _ := meter.Int64UpDownCounter("in_flight")
	hist, _ := meter.Float64Histogram("latency")
	counter.Add(ctx, 3)
	updown.Add(ctx, 2)
	hist.Record(ctx, 1.5)

	ms := c.Metrics()
	m, ok := ms["requests"]
	if sum, _ := m.Data.(metricdata.Sum[int64]); !ok || sum.Temporality != metricdata.DeltaTemporality || len(sum.DataPoints) != 1 || sum.DataPoints[0].Value != 3 {
		t.Errorf("requests: %+v", m)
	}
	m, ok = ms["in_flight"]
	if sum, _ := m.Data.(metricdata.Sum[int64]); !ok || sum.Temporality != metricdata.CumulativeTemporality || sum.DataPoints[0].Value != 2 {
		t.Errorf("in_flight: %+v", m)
	}
	m, ok = ms["latency"]
	if h, isExp := m.Data.(metricdata.ExponentialHistogram[float64]); !ok || !isExp || h.Temporality != metricdata.DeltaTemporality || h.DataPoints[0].Count != 1 {
		t.Errorf("latency: %+v", m)
	}

	// Delta: a second collection has nothing new for the counter.
	counter.Add(ctx, 1)
	m = c.Metrics()["requests"]
	if sum, _ := m.Data.(metricdata.Sum[int64]); len(sum.DataPoints) != 1 || sum.DataPoints[0].Value != 1 {
		t.Errorf("requests, second collection: %+v", m)
	}
}

// The capture may be read while the instance records, from any goroutine.
func TestConcurrentUse(t *testing.T) {
	lf, c := logfiretest.New(t)
	var wg sync.WaitGroup
	for i := range 4 {
		wg.Go(func() {
			for j := range 50 {
				ctx, s := lf.Span(context.Background(), "work {i}", "i", i)
				lf.Info(ctx, "step {j}", "j", j)
				s.End()
				_ = c.Dump()
			}
		})
	}
	wg.Wait()
	if got := len(c.Spans()); got != 200 {
		t.Errorf("%d spans, want 200", got)
	}
	if got := len(pending(c)); got != 200 {
		t.Errorf("%d pending spans, want 200", got)
	}
	seen := map[trace.SpanID]bool{}
	for _, s := range c.All() {
		id := s.SpanContext.SpanID()
		if seen[id] {
			t.Fatalf("span id %s used twice", id)
		}
		seen[id] = true
	}
}
