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

// Attr returns the attribute key of the span.
func (s Span) Attr(key string) (attribute.Value, bool) { return lookup(s.Attributes, key) }

// Value returns the attribute key as a plain Go value (string, int64,
// float64, bool, or a slice of one of them), or nil if the span has no
// such attribute.
func (s Span) Value(key string) any {
	if v, ok := s.Attr(key); ok {
		return v.AsInterface()
	}
	return nil
}

// AttrMap returns the span's attributes as plain Go values keyed by name.
func (s Span) AttrMap() map[string]any { return attrMap(s.Attributes) }

func attrMap(kvs []attribute.KeyValue) map[string]any {
	m := make(map[string]any, len(kvs))
	for _, kv := range kvs {
		m[string(kv.Key)] = kv.Value.AsInterface()
	}
	return m
}

func (s Span) str(key string) string {
	v, _ := s.Attr(key)
	return v.AsString()
}

// SpanType returns logfire.span_type: "span", "log", "pending_span", or ""
// for a span that does not set it.
func (s Span) SpanType() string { return s.str("logfire.span_type") }

// IsPending reports whether s is a pending span.
func (s Span) IsPending() bool { return s.SpanType() == "pending_span" }

// Template returns the message template (logfire.msg_template), or the
// span's name if it has none.
func (s Span) Template() string {
	if v, ok := s.Attr("logfire.msg_template"); ok {
		return v.AsString()
	}
	return s.Name
}

// Message returns the formatted message (logfire.msg).
func (s Span) Message() string { return s.str("logfire.msg") }

// Level returns the level (logfire.level_num), or 0 if the span has none.
func (s Span) Level() logfire.Level {
	v, _ := s.Attr("logfire.level_num")
	return logfire.Level(v.AsInt64())
}

// Tags returns the tags (logfire.tags); nil if there are none.
func (s Span) Tags() []string {
	v, _ := s.Attr("logfire.tags")
	return v.AsStringSlice()
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

// StacktracePlaceholder replaces the value of exception.stacktrace in Dump:
// a Go stack names goroutine numbers, addresses and the test runner's
// frames, which change from run to run. The real stack is in Span.Events.
const StacktracePlaceholder = "<stacktrace>"

// FingerprintPlaceholder replaces the value of
// logfire.exception.fingerprint in Dump: it hashes the stack, which moves
// whenever the code around it does. The real value is in Span.Attributes.
const FingerprintPlaceholder = "<fingerprint>"

// Dump returns the span in a stable form for golden tests, with plain Go
// values (string, int64, float64, bool, slices, maps) that encoding/json
// prints readably:
//
//	name        the span name
//	context     {"trace_id": …, "span_id": …}
//	parent      the same for the parent, or nil for a root span
//	start_time  nanoseconds since the epoch (1000000000 is the first second)
//	end_time    likewise
//	attributes  every attribute, keyed by name;
//	            logfire.exception.fingerprint is FingerprintPlaceholder
//	events      [{"name", "timestamp", "attributes"}], only if there are any;
//	            exception.stacktrace is StacktracePlaceholder
//	status      {"code": "Error"|"Ok", "description": …}, only if set
//	kind        "server", "client", "producer" or "consumer", only if not
//	            internal
//	links       [{"context", "attributes"}], only if there are any
//
// Ids are int64 numbers when they fit (they always do with the capture's
// IDGenerator), else lowercase hex strings. The resource and the
// instrumentation scope are left out.
func (s Span) Dump() map[string]any {
	m := map[string]any{
		"name":       s.Name,
		"context":    contextDump(s.SpanContext),
		"parent":     nil,
		"start_time": s.StartTime.UnixNano(),
		"end_time":   s.EndTime.UnixNano(),
		"attributes": s.AttrMap(),
	}
	if attrs := m["attributes"].(map[string]any); attrs[logfire.ExceptionFingerprintKey] != nil {
		attrs[logfire.ExceptionFingerprintKey] = FingerprintPlaceholder
	}
	if s.Parent.IsValid() {
		m["parent"] = contextDump(s.Parent)
	}
	if len(s.Events) > 0 {
		events := make([]map[string]any, len(s.Events))
		for i, e := range s.Events {
			attrs := attrMap(e.Attributes)
			if st, ok := attrs["exception.stacktrace"].(string); ok && st != "" {
				attrs["exception.stacktrace"] = StacktracePlaceholder
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
