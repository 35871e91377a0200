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

	"github.com/logfire-go/sdk/internal/keys"
)

// Capture holds what one instance recorded. Its methods are safe for
// concurrent use, also while the instance keeps recording; what they return
// is a copy that later records do not change.
type Capture struct {
	tb     testing.TB
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

// isPending reports whether s is a pending span.
func isPending(s sdktrace.ReadOnlySpan) bool {
	for _, kv := range s.Attributes() {
		if kv.Key == keys.SpanType {
			return kv.Value.AsString() == keys.SpanTypePending
		}
	}
	return false
}

// spanSink sees what Logfire's exporter sees (see testhook.Settings).
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
	if isPending(span) {
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

// Span returns the first ended real span with the message template (or
// name) template. If there is none it fails the test, listing what was
// captured.
func (c *Capture) Span(template string) Span {
	return c.must("span", template, c.Spans())
}

// Log returns the first log with the message template template, failing
// the test like Span if there is none.
func (c *Capture) Log(template string) Span {
	return c.must("log", template, c.Logs())
}

func (c *Capture) must(kind, template string, in []Span) Span {
	c.tb.Helper()
	for _, s := range in {
		if s.Template() == template {
			return s
		}
	}
	c.tb.Fatalf("logfiretest: no %s with template %q; captured:\n%s", kind, template, c.summary())
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
// their start. It does not touch metrics; Metrics drains those.
func (c *Capture) Reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.records = nil
	c.logs = nil
}

// Dump returns every captured record (as All) as indented JSON, with
// object keys sorted: a text for golden files, which only changes when
// what the instance records changes. Each record is an object:
//
//	name        the span name
//	context     {"trace_id": …, "span_id": …}
//	parent      the same for the parent, or null for a root span
//	start_time  nanoseconds since the epoch (1000000000 is the first second)
//	end_time    likewise
//	attributes  every attribute, keyed by name;
//	            logfire.exception.fingerprint is "<fingerprint>" (it
//	            hashes the stack, which moves whenever the code around it
//	            does; the real value is in Span.Attributes)
//	events      [{"name", "timestamp", "attributes"}], only if there are any;
//	            exception.stacktrace is "<stacktrace>" (a Go stack names
//	            goroutine numbers, addresses and the test runner's frames;
//	            the real stack is in Span.Events)
//	status      {"code": "Error"|"Ok", "description": …}, only if set
//	kind        "server", "client", "producer" or "consumer", only if not
//	            internal
//	links       [{"context", "attributes"}], only if there are any
//
// Ids are numbers when they fit in an int64 (they always do with the
// capture's counting ids), else lowercase hex strings. The resource and
// the instrumentation scope are left out.
func (c *Capture) Dump() string {
	all := c.All()
	out := make([]map[string]any, len(all))
	for i, s := range all {
		out[i] = s.dump()
	}
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(out); err != nil {
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

// Metrics reads the instance's metrics now, with the temporality and
// aggregation Logfire's exporter uses: counters and histograms report what
// was recorded since the previous call, up-down counters and gauges their
// current value, and histograms are exponential. It returns the metrics of
// every instrumentation scope, keyed by name (a name that two scopes use
// holds the last scope's). A failed collection fails the test.
func (c *Capture) Metrics() map[string]metricdata.Metrics {
	c.tb.Helper()
	var rm metricdata.ResourceMetrics
	if err := c.reader.Collect(context.Background(), &rm); err != nil {
		c.tb.Fatalf("logfiretest: collecting the metrics: %v", err)
		return nil
	}
	out := map[string]metricdata.Metrics{}
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			out[m.Name] = m
		}
	}
	return out
}
