package logfire

import (
	"fmt"
	"runtime"
	"strconv"
	"strings"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"

	"github.com/logfire-go/sdk/internal/fingerprint"
	"github.com/logfire-go/sdk/internal/keys"
)

// messagePath is where a value formatted into logfire.msg sits in a
// scrubbing path.
var messagePath = []string{"message"}

// Pre-built attributes that every record carries.
var (
	spanTypeSpan = attribute.String(keys.SpanType, keys.SpanTypeSpan)
	spanTypeLog  = attribute.String(keys.SpanType, keys.SpanTypeLog)
)

// recordAttrs builds the complete attribute list of a span or log: the
// Logfire attributes, code.*, the user attributes, the schema and tags.
// With sc, values formatted into the message are scrubbed by their content
// (the key was chosen by the user, so it is not checked), and what was
// redacted is noted in logfire.scrubbed.
//
// The list is built in c.record, which the caller may reuse once the span
// has started (OpenTelemetry copies the attributes it is given).
func (c *callAttrs) recordAttrs(template string, spanType attribute.KeyValue, level Level, pc uintptr, sc *scrubber) []attribute.KeyValue {
	out := growKV(c.record[:0], len(c.attrs)+10)
	var notes []scrubNote
	var msg string
	if sc == nil {
		msg = parseTemplate(template).format(template, c.lookup)
	} else {
		msg = parseTemplate(template).format(template, func(k string) (string, bool) {
			v, ok := c.lookup(k)
			if ok {
				v = sc.messageValue(k, v, &notes)
			}
			return v, ok
		})
	}
	out = append(out,
		spanType,
		attribute.Int(keys.LevelNum, int(level)),
		attribute.String(keys.MsgTemplate, template),
		attribute.String(keys.Msg, msg),
	)
	var schema string
	if pc != 0 {
		cs := site(pc)
		out = append(out, cs.code[:]...)
		schema = cs.jsonSchema(c)
	} else {
		schema = c.jsonSchema()
	}
	out = append(out, c.attrs...)
	if schema != "" {
		out = append(out, attribute.String(keys.JSONSchema, schema))
	}
	if len(c.tags) > 0 {
		out = append(out, keyTags.StringSlice(c.tags))
	}
	if len(notes) > 0 {
		out = append(out, attribute.String(keys.Scrubbed, notesValue("", notes)))
	}
	c.record = out
	return out
}

// errorDescription is the status description of a failed span: the
// error's Go type, a colon and its message.
func errorDescription(err error) string {
	return fmt.Sprintf("%T: %s", err, safeString(err.Error))
}

// recordError adds an exception event for err, with the current goroutine's
// stack (see userStack), and, when markFailed, sets the span's status to
// Error. A failed span (or error-level log) that has no parent span in this
// process also gets logfire.exception.fingerprint (see
// internal/fingerprint), by which Logfire groups exceptions into issues:
// that is the record an exception is reported on, as in the Python SDK.
//
// The event's exception.escaped is "True" for an error that leaves the
// span's scope (returned by Do's function, a panic through End) and
// "False" for one recorded while the span goes on (RecordError, an error
// argument, a log): the strings the Python SDK writes, which OpenTelemetry
// Python writes as str(escaped).
func recordError(span trace.Span, err error, ts time.Time, markFailed, escaped bool) {
	if !span.IsRecording() {
		return // sampled out: the stack and fingerprint would be thrown away
	}
	frames := fingerprint.UserFrames(2)
	span.AddEvent("exception", trace.WithTimestamp(ts), trace.WithAttributes(
		attribute.String("exception.type", fmt.Sprintf("%T", err)),
		attribute.String("exception.message", safeString(err.Error)),
		attribute.String("exception.stacktrace", formatStack(frames)),
		escapedAttr(escaped),
	))
	if !markFailed {
		return
	}
	span.SetStatus(codes.Error, errorDescription(err))
	if !hasLocalParent(span) {
		span.SetAttributes(attribute.String(keys.ExceptionFingerprint, fingerprint.Of(err, recordFrames(span, frames))))
	}
}

// escapedAttr is exception.escaped as the Python SDK writes it.
func escapedAttr(escaped bool) attribute.KeyValue {
	if escaped {
		return attribute.String("exception.escaped", "True")
	}
	return attribute.String("exception.escaped", "False")
}

// recordFrames returns the frames of a record's fingerprint: those from
// where the error is recorded up to the function that made the record
// (its code.function), the frames a Python traceback holds for an
// exception that escapes a span's block. What called that function does
// not change which problem it is. Without such a frame (another goroutine,
// another instrumentation's span) every frame counts.
func recordFrames(span trace.Span, frames []runtime.Frame) []runtime.Frame {
	ro, ok := span.(sdktrace.ReadOnlySpan)
	if !ok {
		return frames
	}
	var fn string
	for _, kv := range ro.Attributes() {
		if kv.Key == keys.CodeFunction {
			fn = kv.Value.AsString()
		}
	}
	if fn == "" {
		return frames
	}
	for i, f := range frames {
		if shortFunction(f.Function) == fn {
			return frames[:i+1]
		}
	}
	return frames
}

// hasLocalParent reports whether span is the child of a span of this
// process (a parent from another process, through propagation, does not
// count).
func hasLocalParent(span trace.Span) bool {
	ro, ok := span.(sdktrace.ReadOnlySpan)
	if !ok {
		return false
	}
	p := ro.Parent()
	return p.IsValid() && !p.IsRemote()
}

// userStack returns the stack of the calling goroutine in the format of
// runtime/debug.Stack — a "goroutine N [running]:" line, then one
// "function(...)" line and one "\tfile:line" line per frame — without the
// frames fingerprint.UserFrames leaves out. skip is the number of frames to leave out
// above the caller of userStack, as for runtime.Callers.
func userStack(skip int) string { return formatStack(fingerprint.UserFrames(skip + 1)) }

// formatStack writes frames as runtime/debug.Stack does, after the
// goroutine's header line.
func formatStack(frames []runtime.Frame) string {
	var b strings.Builder
	b.Grow(64 + 96*len(frames))
	b.WriteString(goroutineHeader())
	for _, f := range frames {
		writeFrame(&b, f.Function, f)
	}
	return b.String()
}

// writeFrame appends "name(...)\n\tfile:line\n". The arguments are not
// known here; (...) is how Go's tracebacks show arguments they leave out.
func writeFrame(b *strings.Builder, name string, f runtime.Frame) {
	b.WriteString(name)
	b.WriteString("(...)\n\t")
	b.WriteString(f.File)
	b.WriteByte(':')
	b.WriteString(strconv.Itoa(f.Line))
	b.WriteByte('\n')
}

// goroutineHeader is the first line of the calling goroutine's trace,
// "goroutine 7 [running]:\n", read from runtime.Stack, which has no cheaper
// way to tell a goroutine's id.
func goroutineHeader() string {
	var buf [64]byte
	n := runtime.Stack(buf[:], false)
	line, _, ok := strings.Cut(string(buf[:n]), "\n")
	if !ok || !strings.HasPrefix(line, "goroutine ") {
		return ""
	}
	return line + "\n"
}
