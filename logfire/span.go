package logfire

import (
	"context"
	"fmt"
	"sync"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"

	"github.com/logfire-go/sdk/internal/keys"
)

// SpanHandle is an open span started by Span. End it when the work it
// measures is done; End is idempotent. A nil *SpanHandle (returned when no
// instance is configured or the span's level is below the minimum) is
// valid and does nothing.
type SpanHandle struct {
	span     trace.Span
	template string

	mu    sync.Mutex
	ended bool
	attrs *callAttrs // the call's user attributes, for the schema at end; pooled, given back by End
	dirty bool       // attributes were set after start
}

// Span starts a span named by the message template, as a child of the span
// in ctx, and returns a context holding it. The args are attributes given
// as for Log, plus CallOptions such as AtLevel and Tags. The span's level
// (logfire.level_num) is info unless AtLevel says otherwise.
//
//	ctx, span := lf.Span(ctx, "processing order {order_id}", "order_id", id)
//	defer span.End()
func (lf *Logfire) Span(ctx context.Context, template string, args ...any) (context.Context, *SpanHandle) {
	if ctx == nil {
		ctx = context.Background()
	}
	if lf == nil || lf.tracer == nil || lf.dropsSpan(args) {
		return ctx, nil
	}
	return lf.startSpan(ctx, template, args, callerPC(1))
}

// Span starts a span with the default instance. See (*Logfire).Span.
func Span(ctx context.Context, template string, args ...any) (context.Context, *SpanHandle) {
	if ctx == nil {
		ctx = context.Background()
	}
	lf := current()
	if lf == nil {
		noDefault("Span")
		return ctx, nil
	}
	if lf.dropsSpan(args) {
		return ctx, nil
	}
	return lf.startSpan(ctx, template, args, callerPC(1))
}

// dropsSpan reports whether a span with args is below lf's minimum level.
// A span is info unless an AtLevel among args says otherwise, and AtLevel
// may go lower, so the args are scanned unless no level is below the
// minimum.
func (lf *Logfire) dropsSpan(args []any) bool {
	return lf.minLevel > LevelTrace && spanLevel(args) < lf.minLevel
}

// spanLevel finds the level an AtLevel among args gives, or info.
func spanLevel(args []any) Level {
	level := LevelInfo
	for _, a := range args {
		if o, ok := a.(CallOption); ok && o.o != nil && o.o.level != 0 {
			level = o.o.level
		}
	}
	return level
}

func (lf *Logfire) startSpan(ctx context.Context, template string, args []any, pc uintptr) (context.Context, *SpanHandle) {
	if lf.shutDown.Load() {
		lf.afterShutdown("a span was started")
		return ctx, nil
	}
	c := getCallAttrs()
	h := &SpanHandle{template: template, attrs: c}
	c.level = LevelInfo
	c.add(args)
	ctx, span := lf.tracer.Start(ctx, template,
		trace.WithAttributes(c.recordAttrs(template, spanTypeSpan, c.level, pc, lf.scrubber)...),
	)
	h.span = span
	// Started: OpenTelemetry has copied the list, whose room goes back
	// with the rest at End.
	if len(c.errs) > 0 {
		now := time.Now()
		for _, err := range c.errs {
			recordError(span, err, now, true, false)
		}
	}
	return ctx, h
}

// Do runs fn inside a span: it starts the span, calls fn with the span's
// context, records a returned error on it, and ends it. A panic in fn is
// recorded on the span (status Error, exception event with the stack) and
// then re-panicked.
//
// A nil fn does nothing and returns nil.
func (lf *Logfire) Do(ctx context.Context, template string, fn func(context.Context) error, args ...any) error {
	if fn == nil {
		return nil
	}
	if ctx == nil {
		ctx = context.Background()
	}
	if lf == nil || lf.tracer == nil || lf.dropsSpan(args) {
		return fn(ctx)
	}
	ctx, span := lf.startSpan(ctx, template, args, callerPC(1))
	return span.run(ctx, fn)
}

// Do runs fn inside a span of the default instance. See (*Logfire).Do.
func Do(ctx context.Context, template string, fn func(context.Context) error, args ...any) error {
	if fn == nil {
		return nil
	}
	if ctx == nil {
		ctx = context.Background()
	}
	lf := current()
	if lf == nil {
		noDefault("Do")
		return fn(ctx)
	}
	if lf.dropsSpan(args) {
		return fn(ctx)
	}
	ctx, span := lf.startSpan(ctx, template, args, callerPC(1))
	return span.run(ctx, fn)
}

func (s *SpanHandle) run(ctx context.Context, fn func(context.Context) error) (err error) {
	if s.inactive() {
		return fn(ctx)
	}
	defer func() {
		if r := recover(); r != nil {
			s.recordError(panicError{value: r}, true)
			s.End()
			panic(r)
		}
		s.recordError(err, true)
		s.End()
	}()
	return fn(ctx)
}

// panicError carries a recovered panic value as an error.
type panicError struct{ value any }

func (p panicError) Error() string { return fmt.Sprint(p.value) }

// Unwrap returns the panic's value when it is an error, so that the
// exception's fingerprint names it (see internal/fingerprint).
func (p panicError) Unwrap() error {
	err, _ := p.value.(error)
	return err
}

// End ends the span, first bringing logfire.json_schema up to date with
// attributes set while it was open. Calls after the first do nothing.
//
// Deferred right after Span, as in
//
//	ctx, span := lf.Span(ctx, "charging {order}", "order", id)
//	defer span.End()
//
// End also sees a panic that unwinds through the function: it records it
// on the span as Do does (an exception event with the panic's value and
// stack, status Error, level error), ends the span, and then panics again
// with the same value, so the panic goes on unchanged to whatever recovers
// it or ends the program. Only a direct "defer span.End()" can see the
// panic; End called from inside another deferred function cannot (that is
// how recover works in Go), and then ends the span as usual.
func (s *SpanHandle) End() {
	if s.inactive() {
		return
	}
	if r := recover(); r != nil {
		s.recordError(panicError{value: r}, true)
		s.end()
		panic(r)
	}
	s.end()
}

func (s *SpanHandle) end() {
	s.mu.Lock()
	if s.ended {
		s.mu.Unlock()
		return
	}
	s.ended = true
	if s.dirty {
		s.span.SetAttributes(attribute.String(keys.JSONSchema, s.attrs.jsonSchema()))
	}
	if s.attrs != nil {
		// Nothing reads them after the end: OpenTelemetry copied what it
		// keeps.
		s.attrs.release()
		s.attrs = nil
	}
	s.mu.Unlock()
	s.span.End()
}

// RecordError records err on the span as an exception event and marks the
// span as failed: status Error "<type>: <message>" and level error. A nil
// err does nothing.
func (s *SpanHandle) RecordError(err error) { s.recordError(err, false) }

// recordError is RecordError; escaped says whether err leaves the span's
// scope (see recordError).
func (s *SpanHandle) recordError(err error, escaped bool) {
	if s.inactive() || err == nil || isNilPointer(err) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ended {
		return
	}
	recordError(s.span, err, time.Now(), true, escaped)
	s.span.SetAttributes(attribute.Int(keys.LevelNum, int(LevelError)))
}

// SetAttribute sets an attribute on the open span; value is converted as
// for Log, and logfire.json_schema is updated when the span ends.
func (s *SpanHandle) SetAttribute(key string, value any) {
	if s.inactive() {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ended {
		return
	}
	n := len(s.attrs.attrs)
	s.attrs.put(key, value)
	s.span.SetAttributes(s.attrs.attrs[n:]...)
	s.dirty = true
}

// SetMessage replaces the span's formatted message (logfire.msg).
func (s *SpanHandle) SetMessage(msg string) {
	if s.inactive() {
		return
	}
	s.span.SetAttributes(attribute.String(keys.Msg, msg))
}

// SetLevel changes the span's level (logfire.level_num).
func (s *SpanHandle) SetLevel(level Level) {
	if s.inactive() {
		return
	}
	s.span.SetAttributes(attribute.Int(keys.LevelNum, int(level)))
}

// AddTags adds tags (logfire.tags) to the open span.
func (s *SpanHandle) AddTags(tags ...string) {
	if s.inactive() || len(tags) == 0 {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ended {
		return
	}
	s.attrs.tags = append(s.attrs.tags, tags...)
	s.span.SetAttributes(keyTags.StringSlice(s.attrs.tags))
}

// inactive reports whether s records nothing: nil (the span was below the
// minimum level, or no instance was configured) or a zero SpanHandle.
func (s *SpanHandle) inactive() bool { return s == nil || s.span == nil }

// SpanContext returns the span's identity, or an invalid one for a nil
// handle.
func (s *SpanHandle) SpanContext() trace.SpanContext {
	if s.inactive() {
		return trace.SpanContext{}
	}
	return s.span.SpanContext()
}

// OTelSpan returns the underlying OpenTelemetry span (a no-op span for a
// nil handle).
func (s *SpanHandle) OTelSpan() trace.Span {
	if s.inactive() {
		return trace.SpanFromContext(context.Background())
	}
	return s.span
}
