package logfiretest

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	sdklog "go.opentelemetry.io/otel/sdk/log"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"

	"github.com/logfire-go/sdk/logfire"
)

// Capture holds what one instance recorded. Its methods are safe for
// concurrent use, also while the instance keeps recording; what they return
// is a copy that later records do not change.
type Capture struct {
	tb     testing.TB // set by New; nil for NewCapture
	ids    *IDGenerator
	reader *sdkmetric.ManualReader

	mu      sync.Mutex
	records []Span
	logs    []sdklog.Record
	clock   int64             // the last second handed out
	starts  map[spanKey]int64 // second of each open span's start
}

type spanKey struct {
	trace trace.TraceID
	span  trace.SpanID
}

func keyOf(sc trace.SpanContext) spanKey { return spanKey{sc.TraceID(), sc.SpanID()} }

// tick returns the next deterministic second. c.mu is held.
func (c *Capture) tick() int64 {
	c.clock++
	return c.clock
}

// seconds turns a count of seconds after the epoch into a time.
func seconds(n int64) time.Time { return time.Unix(n, 0).UTC() }

// spanSink is the span processor behind the pending-span processor.
type spanSink struct{ c *Capture }

func (s spanSink) OnStart(_ context.Context, span sdktrace.ReadWriteSpan) {
	c := s.c
	c.mu.Lock()
	defer c.mu.Unlock()
	c.starts[keyOf(span.SpanContext())] = c.tick()
}

func (s spanSink) OnEnd(span sdktrace.ReadOnlySpan) {
	c := s.c
	c.mu.Lock()
	defer c.mu.Unlock()
	var start int64
	if logfire.IsPendingSpan(span) {
		// A pending span is delivered when its real span starts: it
		// carries the real span's start.
		var ok bool
		if start, ok = c.starts[keyOf(span.Parent())]; !ok {
			start = c.tick()
		}
		c.records = append(c.records, newSpan(span, start, start, nil))
		return
	}
	key := keyOf(span.SpanContext())
	start, ok := c.starts[key]
	if !ok {
		start = c.tick()
	}
	delete(c.starts, key)
	realStart := span.StartTime()
	at := func(t time.Time) int64 {
		if t.Equal(realStart) {
			return start
		}
		return c.tick()
	}
	events := make([]int64, len(span.Events()))
	for i, e := range span.Events() {
		events[i] = at(e.Time)
	}
	end := at(span.EndTime())
	c.records = append(c.records, newSpan(span, start, end, events))
}

func (spanSink) ForceFlush(context.Context) error { return nil }
func (spanSink) Shutdown(context.Context) error   { return nil }

// logSink is the log processor of the OpenTelemetry LoggerProvider.
type logSink struct{ c *Capture }

func (logSink) Enabled(context.Context, sdklog.EnabledParameters) bool { return true }

func (s logSink) OnEmit(_ context.Context, r *sdklog.Record) error {
	s.c.mu.Lock()
	defer s.c.mu.Unlock()
	s.c.logs = append(s.c.logs, r.Clone())
	return nil
}

func (logSink) ForceFlush(context.Context) error { return nil }
func (logSink) Shutdown(context.Context) error   { return nil }

// All returns every span-shaped record captured, in the order Logfire's
// exporter would receive them: pending spans when their span starts, logs
// when they are made, spans when they end.
func (c *Capture) All() []Span {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]Span(nil), c.records...)
}

func (c *Capture) filter(keep func(Span) bool) []Span {
	var out []Span
	for _, s := range c.All() {
		if keep(s) {
			out = append(out, s)
		}
	}
	return out
}

// Spans returns the real spans that have ended: records whose
// logfire.span_type is "span", or absent (spans of other OpenTelemetry
// instrumentation on the instance's tracer provider).
func (c *Capture) Spans() []Span {
	return c.filter(func(s Span) bool { t := s.SpanType(); return t == "span" || t == "" })
}

// Logs returns the logs (logfire.span_type "log"), including those from
// the slog handler.
func (c *Capture) Logs() []Span {
	return c.filter(func(s Span) bool { return s.SpanType() == "log" })
}

// PendingSpans returns the pending spans (logfire.span_type
// "pending_span"): one for every span that started, whether or not it has
// ended. Logfire's exporter would drop those whose real span ends in the
// same batch; the capture keeps them all.
func (c *Capture) PendingSpans() []Span {
	return c.filter(func(s Span) bool { return s.SpanType() == "pending_span" })
}

// Named returns the records of any kind whose message template (or, for
// spans without one, name) is template, in arrival order.
func (c *Capture) Named(template string) []Span {
	return c.filter(func(s Span) bool { return s.Template() == template })
}

// Span returns the first ended real span with the message template (or
// name) template. If there is none it fails the test (for a capture made
// by New) or panics, listing what was captured.
func (c *Capture) Span(template string) Span {
	return c.must("span", template, c.Spans())
}

// Log returns the first log with the message template template, failing
// the test (or panicking) like Span if there is none.
func (c *Capture) Log(template string) Span {
	return c.must("log", template, c.Logs())
}

// PendingSpan returns the first pending span with the message template
// template, failing the test (or panicking) like Span if there is none.
func (c *Capture) PendingSpan(template string) Span {
	return c.must("pending span", template, c.PendingSpans())
}

func (c *Capture) must(kind, template string, in []Span) Span {
	if c.tb != nil {
		c.tb.Helper()
	}
	for _, s := range in {
		if s.Template() == template {
			return s
		}
	}
	c.fail("logfiretest: no %s with template %q; captured:\n%s", kind, template, c.summary())
	return Span{}
}

// summary lists the captured records one a line, for failure messages.
func (c *Capture) summary() string {
	all := c.All()
	if len(all) == 0 {
		return "  (nothing)"
	}
	var b strings.Builder
	for i, s := range all {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString("  ")
		b.WriteString(s.String())
	}
	return b.String()
}

// Reset forgets the records and OTel log records captured so far. Ids and
// the time sequence go on counting, and spans still open keep the second of
// their start. It does not touch metrics; CollectMetrics drains those.
func (c *Capture) Reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.records = nil
	c.logs = nil
}

// Dump returns every captured record (as All) in the stable form of
// Span.Dump, for golden tests.
func (c *Capture) Dump() []map[string]any {
	all := c.All()
	out := make([]map[string]any, len(all))
	for i, s := range all {
		out[i] = s.Dump()
	}
	return out
}

// DumpJSON returns Dump as indented JSON, with object keys sorted: a text
// that only changes when what the instance records changes.
func (c *Capture) DumpJSON() string {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(c.Dump()); err != nil {
		return "logfiretest: " + err.Error()
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// LogRecords returns the records emitted through the instance's
// OpenTelemetry LoggerProvider (logfire.Logfire.LoggerProvider, used by
// OpenTelemetry log bridges), in order. Logfire's own logs are spans; see
// Logs. Their times are the real ones.
func (c *Capture) LogRecords() []sdklog.Record {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]sdklog.Record, len(c.logs))
	for i, r := range c.logs {
		out[i] = r.Clone()
	}
	return out
}

// CollectMetrics reads the instance's metrics now, with the temporality and
// aggregation Logfire's exporter uses (logfire.MetricTemporality,
// logfire.MetricAggregation): counters and histograms report what was
// recorded since the previous collection, up-down counters and gauges their
// current value, and histograms are exponential. It returns the metrics of
// every instrumentation scope, in order.
func (c *Capture) CollectMetrics() ([]metricdata.Metrics, error) {
	var rm metricdata.ResourceMetrics
	if err := c.reader.Collect(context.Background(), &rm); err != nil {
		return nil, err
	}
	var out []metricdata.Metrics
	for _, sm := range rm.ScopeMetrics {
		out = append(out, sm.Metrics...)
	}
	return out, nil
}

// FindMetric returns the metric called name among ms.
func FindMetric(ms []metricdata.Metrics, name string) (metricdata.Metrics, bool) {
	for _, m := range ms {
		if m.Name == name {
			return m, true
		}
	}
	return metricdata.Metrics{}, false
}
