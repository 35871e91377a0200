package logfire

import (
	"context"
	"encoding/hex"

	"go.opentelemetry.io/otel/attribute"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"

	"github.com/logfire-go/sdk/internal/keys"
)

// A pending span is a zero-duration copy of a span, sent when the span
// starts, so Logfire can show a span (and its children) while it is still
// open, and keeps a record of a span that never ends. It has its own span
// id, the real span as parent, logfire.span_type=pending_span and
// logfire.pending_parent_id = the real span's parent id.

// logMarker marks the context of a log's span so the pending processor
// knows, without reading attributes, that it needs no pending span.
type logMarker struct{}

func markLog(ctx context.Context) context.Context {
	return context.WithValue(ctx, logMarker{}, true)
}

func isLog(ctx context.Context) bool {
	_, ok := ctx.Value(logMarker{}).(bool)
	return ok
}

// pendingSpanProcessor passes every span to its processors and, when a span
// other than a log starts, also makes its pending span. Only Logfire's own
// exporters, the console and the test hook's processors sit
// behind it, as in the other Logfire SDKs.
//
// The console and those processors get the pending span at once, as an
// ended span (the console prints the span's first line from it). Logfire's
// exporters get the live span instead (spanStarted), and make its pending
// span only if the span is still open when a batch leaves: most spans end
// before, and then no pending span is made for them at all.
type pendingSpanProcessor struct {
	fanOut // everything: exporters, processors and the console
	// eager are the processors that get pending spans when their span
	// starts (scrubbed, when scrubbing is on).
	eager fanOut
	// exporters are Logfire's span exporters.
	exporters []*spanExporter
	// ids makes the pending spans' ids: the tracer provider's generator,
	// so that a deterministic one (see package logfiretest) covers them
	// too. Nil means random span ids.
	ids sdktrace.IDGenerator
}

func (p *pendingSpanProcessor) OnStart(parent context.Context, s sdktrace.ReadWriteSpan) {
	p.fanOut.OnStart(parent, s)
	if isLog(parent) || !s.SpanContext().IsSampled() {
		return
	}
	for _, e := range p.exporters {
		e.spanStarted(s)
	}
	if len(p.eager) > 0 {
		ps := newPendingSpan(s, p.newSpanID(parent, s.SpanContext().TraceID()))
		p.eager.OnEnd(ps)
	}
}

func (p *pendingSpanProcessor) newSpanID(ctx context.Context, tid trace.TraceID) trace.SpanID {
	return pendingSpanID(ctx, p.ids, tid)
}

// pendingSpanID makes a pending span's id with ids (nil: random).
func pendingSpanID(ctx context.Context, ids sdktrace.IDGenerator, tid trace.TraceID) trace.SpanID {
	if ids == nil {
		return newSpanID()
	}
	return ids.NewSpanID(ctx, tid)
}

// fanOut is a span processor that hands everything to several.
type fanOut []sdktrace.SpanProcessor

func (f fanOut) OnStart(parent context.Context, s sdktrace.ReadWriteSpan) {
	for _, n := range f {
		n.OnStart(parent, s)
	}
}

func (f fanOut) OnEnd(s sdktrace.ReadOnlySpan) {
	for _, n := range f {
		n.OnEnd(s)
	}
}

func (f fanOut) ForceFlush(ctx context.Context) error {
	return eachProcessor(ctx, f, sdktrace.SpanProcessor.ForceFlush)
}

func (f fanOut) Shutdown(ctx context.Context) error {
	return eachProcessor(ctx, f, sdktrace.SpanProcessor.Shutdown)
}

// eachProcessor runs f on every processor concurrently and joins the
// errors; it returns when all are done or ctx ends.
func eachProcessor(ctx context.Context, ps []sdktrace.SpanProcessor, f func(sdktrace.SpanProcessor, context.Context) error) error {
	fns := make([]func(context.Context) error, len(ps))
	for i, p := range ps {
		fns[i] = func(ctx context.Context) error { return f(p, ctx) }
	}
	return runConcurrently(ctx, fns)
}

// newPendingSpan returns the pending span of s, with the span id id: a
// zero-duration copy of s as it starts, with s as its parent.
func newPendingSpan(s sdktrace.ReadWriteSpan, id trace.SpanID) *derivedSpan {
	real := s.SpanContext()
	parentID := s.Parent().SpanID()
	src := s.Attributes()
	attrs := make([]attribute.KeyValue, 0, len(src)+2)
	for _, kv := range src {
		if kv.Key != keys.SpanType {
			attrs = append(attrs, kv)
		}
	}
	attrs = append(attrs,
		attribute.String(keys.SpanType, keys.SpanTypePending),
		attribute.String(keys.PendingParentID, hex.EncodeToString(parentID[:])),
	)
	start := s.StartTime()
	return &derivedSpan{
		ReadOnlySpan: s,
		name:         s.Name(),
		sc: trace.NewSpanContext(trace.SpanContextConfig{
			TraceID:    real.TraceID(),
			SpanID:     id,
			TraceFlags: real.TraceFlags(),
			TraceState: real.TraceState(),
		}),
		parent:   real,
		kind:     s.SpanKind(),
		start:    start,
		end:      start,
		attrs:    attrs,
		links:    s.Links(),
		scope:    s.InstrumentationScope(),
		resource: s.Resource(),
		pending:  true,
	}
}
