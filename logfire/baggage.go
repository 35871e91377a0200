package logfire

import (
	"context"
	"unicode/utf8"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/baggage"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

// maxBaggageValueLength is the longest baggage value, in characters, that
// becomes an attribute whole (the Python SDK's MAX_BAGGAGE_VALUE_LENGTH).
const maxBaggageValueLength = 1000

// baggageConflictPrefix names a baggage member whose key is already an
// attribute of the span with another value.
const baggageConflictPrefix = "baggage_conflict."

// baggageAttributesProcessor copies the baggage of a span's parent context
// onto the span as attributes when it starts (WithBaggageAttributes), like
// the Python SDK's DirectBaggageAttributesSpanProcessor.
type baggageAttributesProcessor struct{}

func (baggageAttributesProcessor) OnStart(parent context.Context, s sdktrace.ReadWriteSpan) {
	members := baggage.FromContext(parent).Members()
	if len(members) == 0 {
		return
	}
	existing := s.Attributes()
	attrs := make([]attribute.KeyValue, 0, len(members))
	for _, m := range members {
		k, v := m.Key(), truncateString(m.Value(), maxBaggageValueLength)
		if cur, ok := findAttribute(existing, k); ok {
			if cur.Type() == attribute.STRING && cur.AsString() == v {
				continue
			}
			k = baggageConflictPrefix + k
		}
		attrs = append(attrs, attribute.String(k, v))
	}
	s.SetAttributes(attrs...)
}

func (baggageAttributesProcessor) OnEnd(sdktrace.ReadOnlySpan)      {}
func (baggageAttributesProcessor) ForceFlush(context.Context) error { return nil }
func (baggageAttributesProcessor) Shutdown(context.Context) error   { return nil }

func findAttribute(attrs []attribute.KeyValue, key string) (attribute.Value, bool) {
	for _, kv := range attrs {
		if string(kv.Key) == key {
			return kv.Value, true
		}
	}
	return attribute.Value{}, false
}

// truncateString returns s if it has at most max characters, else its head
// and tail joined by "...", as the Python SDK's truncate_string does: the
// head and tail have (max-3)/2 characters each. It never splits a UTF-8
// sequence.
func truncateString(s string, max int) string {
	if len(s) <= max || utf8.RuneCountInString(s) <= max {
		return s
	}
	half := (max - 3) / 2
	head, tail := 0, len(s)
	for i := 0; i < half; i++ {
		_, n := utf8.DecodeRuneInString(s[head:])
		head += n
	}
	for i := 0; i < half; i++ {
		_, n := utf8.DecodeLastRuneInString(s[:tail])
		tail -= n
	}
	return s[:head] + "..." + s[tail:]
}
