package logfire

import (
	"context"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"
)

// SpanHandle is an open span started by Span. End it exactly when the work
// it measures is done; End is idempotent. A nil *SpanHandle (returned when
// no instance is configured) is valid and does nothing.
type SpanHandle struct {
	span  trace.Span
	ended atomic.Bool
}

// Span starts a span named by the message template, as a child of the span
// in ctx, and returns a context holding it. The args are attributes given
// as for Log. logfire.level_num is info unless a CallOption says otherwise.
//
//	ctx, span := lf.Span(ctx, "processing order {order_id}", "order_id", id)
//	defer span.End()
func (lf *Logfire) Span(ctx context.Context, template string, args ...any) (context.Context, *SpanHandle) {
	if lf == nil || LevelInfo < lf.minLevel {
		return ctx, nil
	}
	return lf.startSpan(ctx, template, args, callerPC(1))
}

// Span starts a span with the default instance. See (*Logfire).Span.
func Span(ctx context.Context, template string, args ...any) (context.Context, *SpanHandle) {
	lf := Default()
	if lf == nil || LevelInfo < lf.minLevel {
		return ctx, nil
	}
	return lf.startSpan(ctx, template, args, callerPC(1))
}

func (lf *Logfire) startSpan(ctx context.Context, template string, args []any, pc uintptr) (context.Context, *SpanHandle) {
	var c callAttrs
	c.add(args)
	ctx, span := lf.tracer.Start(ctx, template,
		trace.WithAttributes(recordAttrs(template, spanTypeSpan, LevelInfo, &c, pc)...),
	)
	h := &SpanHandle{span: span}
	if len(c.errs) > 0 {
		now := time.Now()
		for _, err := range c.errs {
			recordError(span, err, now, true)
		}
	}
	return ctx, h
}

// End ends the span. Calls after the first do nothing.
func (s *SpanHandle) End() {
	if s == nil || !s.ended.CompareAndSwap(false, true) {
		return
	}
	s.span.End()
}

// RecordError records err on the span as an exception event and marks the
// span as failed. A nil err does nothing.
func (s *SpanHandle) RecordError(err error) {
	if s == nil || err == nil || isNilPointer(err) {
		return
	}
	recordError(s.span, err, time.Now(), true)
}

// SetAttribute sets an attribute on the open span; value is converted as
// for Log.
func (s *SpanHandle) SetAttribute(key string, value any) {
	if s == nil {
		return
	}
	v, _ := convertValue(value)
	s.span.SetAttributes(attribute.KeyValue{Key: attribute.Key(key), Value: v})
}

// SpanContext returns the span's identity, or an invalid one for a nil
// handle.
func (s *SpanHandle) SpanContext() trace.SpanContext {
	if s == nil {
		return trace.SpanContext{}
	}
	return s.span.SpanContext()
}

// OTelSpan returns the underlying OpenTelemetry span (a no-op span for a
// nil handle).
func (s *SpanHandle) OTelSpan() trace.Span {
	if s == nil {
		return trace.SpanFromContext(context.Background())
	}
	return s.span
}
