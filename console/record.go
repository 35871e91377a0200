package console

import (
	"encoding/binary"
	"math"
	"strconv"
	"strings"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"

	"github.com/logfire-go/sdk/config"
	"github.com/logfire-go/sdk/internal/envconfig"
	"github.com/logfire-go/sdk/internal/keys"
)

// kind says what a record received by OnEnd stands for.
type kind int

const (
	// kindSpanEnd is a real span that ended: never printed.
	kindSpanEnd kind = iota
	// kindPending is the start of a span: printed, and a parent for the
	// lines that follow.
	kindPending
	// kindLog is a log, or any other record that is neither a span nor a
	// pending span (the Python console prints those too).
	kindLog
)

// record is what the console needs from a span, read in one pass over its
// attributes. Attributes of an unexpected type are ignored or converted;
// they never cause a panic.
type record struct {
	kind kind
	// msg is logfire.msg, else the span name.
	msg   string
	level config.Level
	// tags is logfire.tags, as the attribute holds it.
	tags attribute.Value
	// disabled is logfire.disable_console_log.
	disabled bool
	// spanID identifies the span this record opens: for a pending span the
	// real span's id, zero otherwise.
	spanID trace.SpanID
	// parentID is the real span that encloses the record: for a pending span
	// logfire.pending_parent_id, for a log its parent span. Zero for a root.
	parentID trace.SpanID
	start    time.Time
}

// readRecord extracts a record from s.
func readRecord(s sdktrace.ReadOnlySpan) record {
	r := record{level: envconfig.LevelInfo, start: s.StartTime()}
	var (
		spanType  string
		hasType   bool
		hasLevel  bool
		pendingOf attribute.Value
	)
	for _, kv := range s.Attributes() {
		switch kv.Key {
		case keys.SpanType:
			spanType, hasType = kv.Value.AsString(), kv.Value.Type() == attribute.STRING
		case keys.Msg:
			if kv.Value.Type() == attribute.STRING {
				r.msg = kv.Value.AsString()
			}
		case keys.LevelNum:
			if l, ok := levelOf(kv.Value); ok {
				r.level, hasLevel = l, true
			}
		case keys.Tags:
			r.tags = kv.Value
		case keys.DisableConsole:
			r.disabled = truthy(kv.Value)
		case keys.PendingParentID:
			pendingOf = kv.Value
		}
	}
	if r.msg == "" {
		r.msg = s.Name()
	}
	if !hasLevel && s.Status().Code == codes.Error {
		r.level = envconfig.LevelError
	}
	switch {
	case !hasType || spanType == keys.SpanTypeSpan:
		r.kind = kindSpanEnd
		r.spanID = s.SpanContext().SpanID()
	case spanType == keys.SpanTypePending:
		r.kind = kindPending
		r.spanID = s.Parent().SpanID()
		r.parentID = spanIDOf(pendingOf)
	default:
		r.kind = kindLog
		r.parentID = s.Parent().SpanID()
	}
	return r
}

// levelOf reads logfire.level_num, which should be an integer. A float or a
// level name or number in a string is accepted too.
func levelOf(v attribute.Value) (config.Level, bool) {
	switch v.Type() {
	case attribute.INT64:
		n := v.AsInt64()
		if n < math.MinInt32 || n > math.MaxInt32 {
			return 0, false
		}
		return config.Level(n), true
	case attribute.FLOAT64:
		f := v.AsFloat64()
		if math.IsNaN(f) || f < math.MinInt32 || f > math.MaxInt32 {
			return 0, false
		}
		return config.Level(int(f)), true
	case attribute.STRING:
		l, err := envconfig.ParseLevel(v.AsString())
		return config.Level(l), err == nil
	}
	return 0, false
}

// truthy reads a boolean flag that may have been set as a bool, a string or
// a number.
func truthy(v attribute.Value) bool {
	switch v.Type() {
	case attribute.BOOL:
		return v.AsBool()
	case attribute.STRING:
		b, err := strconv.ParseBool(strings.TrimSpace(v.AsString()))
		return err == nil && b
	case attribute.INT64:
		return v.AsInt64() != 0
	}
	return false
}

// spanIDOf reads logfire.pending_parent_id: 16 hex digits (Python parses it
// with int(x, 16), so shorter or upper-case strings are accepted), or an
// integer. Anything unreadable means no parent.
func spanIDOf(v attribute.Value) trace.SpanID {
	var n uint64
	switch v.Type() {
	case attribute.STRING:
		s := v.AsString()
		if s == "" || len(s) > 16 {
			return trace.SpanID{}
		}
		u, err := strconv.ParseUint(s, 16, 64)
		if err != nil {
			return trace.SpanID{}
		}
		n = u
	case attribute.INT64:
		n = uint64(v.AsInt64())
	default:
		return trace.SpanID{}
	}
	var id trace.SpanID
	binary.BigEndian.PutUint64(id[:], n)
	return id
}
