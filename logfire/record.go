package logfire

import (
	"fmt"
	"runtime/debug"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"

	"github.com/logfire-go/sdk/internal/keys"
)

// Pre-built attributes that every record carries.
var (
	spanTypeSpan = attribute.String(keys.SpanType, keys.SpanTypeSpan)
	spanTypeLog  = attribute.String(keys.SpanType, keys.SpanTypeLog)
)

// recordAttrs builds the complete attribute list of a span or log: the
// Logfire attributes, code.*, the user attributes, the schema and tags.
func recordAttrs(template string, spanType attribute.KeyValue, level Level, c *callAttrs, pc uintptr) []attribute.KeyValue {
	out := make([]attribute.KeyValue, 0, len(c.attrs)+9)
	msg := parseTemplate(template).format(template, c.lookup)
	out = append(out,
		spanType,
		attribute.Int(keys.LevelNum, int(level)),
		attribute.String(keys.MsgTemplate, template),
		attribute.String(keys.Msg, msg),
	)
	if pc != 0 {
		code := codeAttrs(pc)
		out = append(out, code[:]...)
	}
	out = append(out, c.attrs...)
	if schema := c.jsonSchema(); schema != "" {
		out = append(out, attribute.String(keys.JSONSchema, schema))
	}
	if len(c.tags) > 0 {
		out = append(out, keyTags.StringSlice(c.tags))
	}
	return out
}

// errorDescription is the status description of a failed span: the
// error's Go type, a colon and its message.
func errorDescription(err error) string {
	return fmt.Sprintf("%T: %s", err, safeString(err.Error))
}

// recordError adds an exception event for err, with the current goroutine's
// stack, and, when markFailed, sets the span's status to Error.
func recordError(span trace.Span, err error, ts time.Time, markFailed bool) {
	span.AddEvent("exception", trace.WithTimestamp(ts), trace.WithAttributes(
		attribute.String("exception.type", fmt.Sprintf("%T", err)),
		attribute.String("exception.message", safeString(err.Error)),
		attribute.String("exception.stacktrace", string(debug.Stack())),
	))
	if markFailed {
		span.SetStatus(codes.Error, errorDescription(err))
	}
}
