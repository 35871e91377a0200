package logfiretest

import (
	"encoding/binary"
	"fmt"
	"math"
	"strings"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/sdk/instrumentation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"

	"github.com/logfire-go/sdk/internal/keys"
	"github.com/logfire-go/sdk/logfire"
)

// Span is one captured record: a real span, a log (a span with
// logfire.span_type "log") or a pending span. Times are the capture's
// deterministic ones (see the package documentation); ReadOnly has the
// span as the SDK handed it over, with the real times.
type Span struct {
	Name        string
	SpanContext trace.SpanContext
	// Parent is the parent's context; it is not valid for a root span.
	Parent     trace.SpanContext
	Kind       trace.SpanKind
	StartTime  time.Time
	EndTime    time.Time
	Attributes []attribute.KeyValue
	Events     []Event
	Links      []sdktrace.Link
	Status     sdktrace.Status
	Scope      instrumentation.Scope
	Resource   *resource.Resource
	ReadOnly   sdktrace.ReadOnlySpan
}

// Event is a span event, such as the "exception" event of an error, with
// its deterministic time.
type Event struct {
	Name       string
	Time       time.Time
	Attributes []attribute.KeyValue
}

func newSpan(s sdktrace.ReadOnlySpan, start, end int64, events []int64) Span {
	out := Span{
		Name:        s.Name(),
		SpanContext: s.SpanContext(),
		Parent:      s.Parent(),
		Kind:        s.SpanKind(),
		StartTime:   seconds(start),
		EndTime:     seconds(end),
		Attributes:  s.Attributes(),
		Links:       s.Links(),
		Status:      s.Status(),
		Scope:       s.InstrumentationScope(),
		Resource:    s.Resource(),
		ReadOnly:    s,
	}
	for i, e := range s.Events() {
		out.Events = append(out.Events, Event{Name: e.Name, Time: seconds(events[i]), Attributes: e.Attributes})
	}
	return out
}

func lookup(kvs []attribute.KeyValue, key string) (attribute.Value, bool) {
	for i := len(kvs) - 1; i >= 0; i-- {
		if string(kvs[i].Key) == key {
			return kvs[i].Value, true
		}
	}
	return attribute.Value{}, false
}

// Value returns the attribute key as a plain Go value (string, int64,
// float64, bool, or a slice of one of them), or nil if the span has no
// such attribute: s.Value("logfire.tags") is the tags, as a []string.
func (s Span) Value(key string) any {
	if v, ok := lookup(s.Attributes, key); ok {
		return v.AsInterface()
	}
	return nil
}

func attrMap(kvs []attribute.KeyValue) map[string]any {
	m := make(map[string]any, len(kvs))
	for _, kv := range kvs {
		m[string(kv.Key)] = kv.Value.AsInterface()
	}
	return m
}

func (s Span) str(key string) string {
	v, _ := lookup(s.Attributes, key)
	return v.AsString()
}

// SpanType returns logfire.span_type: "span", "log", "pending_span", or ""
// for a span that does not set it.
func (s Span) SpanType() string { return s.str("logfire.span_type") }

// Template returns the message template (logfire.msg_template), or the
// span's name if it has none.
func (s Span) Template() string {
	if v, ok := lookup(s.Attributes, keys.MsgTemplate); ok {
		return v.AsString()
	}
	return s.Name
}

// Message returns the formatted message (logfire.msg).
func (s Span) Message() string { return s.str("logfire.msg") }

// Level returns the level (logfire.level_num), or 0 if the span has none.
func (s Span) Level() logfire.Level {
	v, _ := lookup(s.Attributes, keys.LevelNum)
	return logfire.Level(v.AsInt64())
}

// Event returns the span's first event called name.
func (s Span) Event(name string) (Event, bool) {
	for _, e := range s.Events {
		if e.Name == name {
			return e, true
		}
	}
	return Event{}, false
}

// Value returns the event's attribute key as a plain Go value, or nil.
func (e Event) Value(key string) any {
	if v, ok := lookup(e.Attributes, key); ok {
		return v.AsInterface()
	}
	return nil
}

// The values Dump puts in place of those that change from run to run.
const (
	stacktracePlaceholder  = "<stacktrace>"
	fingerprintPlaceholder = "<fingerprint>"
)

// dump is the span in the stable form of Capture.Dump.
func (s Span) dump() map[string]any {
	m := map[string]any{
		"name":       s.Name,
		"context":    contextDump(s.SpanContext),
		"parent":     nil,
		"start_time": s.StartTime.UnixNano(),
		"end_time":   s.EndTime.UnixNano(),
		"attributes": attrMap(s.Attributes),
	}
	if attrs := m["attributes"].(map[string]any); attrs[keys.ExceptionFingerprint] != nil {
		attrs[keys.ExceptionFingerprint] = fingerprintPlaceholder
	}
	if s.Parent.IsValid() {
		m["parent"] = contextDump(s.Parent)
	}
	if len(s.Events) > 0 {
		events := make([]map[string]any, len(s.Events))
		for i, e := range s.Events {
			attrs := attrMap(e.Attributes)
			if st, ok := attrs["exception.stacktrace"].(string); ok && st != "" {
				attrs["exception.stacktrace"] = stacktracePlaceholder
			}
			events[i] = map[string]any{"name": e.Name, "timestamp": e.Time.UnixNano(), "attributes": attrs}
		}
		m["events"] = events
	}
	if s.Status.Code != codes.Unset {
		m["status"] = map[string]any{"code": s.Status.Code.String(), "description": s.Status.Description}
	}
	if s.Kind != trace.SpanKindInternal && s.Kind != trace.SpanKindUnspecified {
		m["kind"] = s.Kind.String()
	}
	if len(s.Links) > 0 {
		links := make([]map[string]any, len(s.Links))
		for i, l := range s.Links {
			links[i] = map[string]any{"context": contextDump(l.SpanContext), "attributes": attrMap(l.Attributes)}
		}
		m["links"] = links
	}
	return m
}

func contextDump(sc trace.SpanContext) map[string]any {
	return map[string]any{"trace_id": traceIDValue(sc.TraceID()), "span_id": spanIDValue(sc.SpanID())}
}

func spanIDValue(id trace.SpanID) any {
	if n := binary.BigEndian.Uint64(id[:]); n <= math.MaxInt64 {
		return int64(n)
	}
	return id.String()
}

func traceIDValue(id trace.TraceID) any {
	hi, lo := binary.BigEndian.Uint64(id[:8]), binary.BigEndian.Uint64(id[8:])
	if hi == 0 && lo <= math.MaxInt64 {
		return int64(lo)
	}
	return id.String()
}

// String describes the span on one line: its kind of record, template,
// ids, times, level and status, for failure messages.
func (s Span) String() string {
	var b strings.Builder
	kind := s.SpanType()
	if kind == "" {
		kind = "otel_span"
	}
	fmt.Fprintf(&b, "%s %q trace=%v span=%v parent=", kind, s.Template(),
		traceIDValue(s.SpanContext.TraceID()), spanIDValue(s.SpanContext.SpanID()))
	if s.Parent.IsValid() {
		fmt.Fprintf(&b, "%v", spanIDValue(s.Parent.SpanID()))
	} else {
		b.WriteString("-")
	}
	fmt.Fprintf(&b, " %ds..%ds", s.StartTime.Unix(), s.EndTime.Unix())
	if l := s.Level(); l != 0 {
		fmt.Fprintf(&b, " level=%d", int(l))
	}
	if s.Status.Code != codes.Unset {
		fmt.Fprintf(&b, " status=%s(%q)", s.Status.Code, s.Status.Description)
	}
	return b.String()
}
