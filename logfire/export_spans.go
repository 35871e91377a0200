package logfire

import (
	"context"
	"sync"

	"go.opentelemetry.io/otel/attribute"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"

	"github.com/logfire-go/sdk/internal/delivery"
	"github.com/logfire-go/sdk/internal/otlpwire"
)

// spanExporter is the span exporter of one destination, as a span
// processor: an export queue bounded by bytes (see delivery.Batcher) whose
// batches, encoded by otlpwire, go to the destination's sender, with the
// pending spans of the spans still open.
//
// A pending span only matters for a span that is still open when a batch
// leaves: one that ended by then is in the batch itself, complete. So the
// exporter does not take pending spans as they are made: it keeps the live
// span of each open span aside (spanStarted), and only when a batch leaves
// while the span is still open does it make the span's pending span
// (scrubbed) and send it, once. A burst of short spans costs one queue slot
// each, and no pending span is ever made for them.
type spanExporter struct {
	sender *delivery.Sender
	enc    *otlpwire.Encoder
	queue  *delivery.Batcher[sdktrace.ReadOnlySpan]
	open   openSpans
	sc     *scrubber            // never nil from Configure; with scrubbing off it redacts tokens and URLs
	ids    sdktrace.IDGenerator // of pending spans' ids; nil: random
}

// newSpanExporter returns the span exporter of sender; with pending, its
// batches carry the pending spans of open spans (see spanStarted).
func newSpanExporter(sender *delivery.Sender, enc *otlpwire.Encoder, cfg delivery.BatcherConfig, cnt *delivery.Counters, sc *scrubber, ids sdktrace.IDGenerator, pending bool) *spanExporter {
	p := &spanExporter{sender: sender, enc: enc, sc: sc, ids: ids}
	p.open.spans = map[trace.SpanID]sdktrace.ReadWriteSpan{}
	var extra func() []sdktrace.ReadOnlySpan
	if pending {
		extra = p.pendingSpans
	}
	p.queue = delivery.NewBatcher(cfg, delivery.Spans, cnt, spanSize, p.export, extra)
	return p
}

func (p *spanExporter) OnStart(context.Context, sdktrace.ReadWriteSpan) {}

// spanStarted keeps s aside until it ends, for its pending span.
func (p *spanExporter) spanStarted(s sdktrace.ReadWriteSpan) {
	if !p.open.add(s) {
		// Too many open spans to keep aside: send the pending span now.
		p.queue.Enqueue(p.pendingOf(context.Background(), s))
	}
}

func (p *spanExporter) OnEnd(s sdktrace.ReadOnlySpan) {
	if !s.SpanContext().IsSampled() || isPendingSpan(s) {
		return
	}
	p.open.ended(s.SpanContext().SpanID())
	p.queue.Enqueue(s)
}

// pendingOf makes the pending span of the open span s, scrubbed.
func (p *spanExporter) pendingOf(ctx context.Context, s sdktrace.ReadWriteSpan) sdktrace.ReadOnlySpan {
	var ps sdktrace.ReadOnlySpan = newPendingSpan(s, pendingSpanID(ctx, p.ids, s.SpanContext().TraceID()))
	if p.sc != nil {
		ps = p.sc.span(ps)
	}
	return ps
}

// pendingSpans returns the pending spans of the spans kept aside, which
// are still open, for an export about to leave, and forgets those spans.
func (p *spanExporter) pendingSpans() []sdktrace.ReadOnlySpan {
	open := p.open.take()
	if len(open) == 0 {
		return nil
	}
	out := make([]sdktrace.ReadOnlySpan, len(open))
	for i, s := range open {
		out[i] = p.pendingOf(context.Background(), s)
	}
	return out
}

func (p *spanExporter) ForceFlush(ctx context.Context) error { return p.queue.ForceFlush(ctx) }

func (p *spanExporter) Shutdown(ctx context.Context) error { return p.queue.Shutdown(ctx) }

// export encodes one batch and sends it.
func (p *spanExporter) export(ctx context.Context, mode delivery.Mode, batch []sdktrace.ReadOnlySpan) {
	p.enc.Spans(withoutRedundantPending(batch), func(body []byte, n int) {
		p.sender.Send(ctx, mode, delivery.Spans, body, n)
	})
}

// withoutRedundantPending drops from batch the pending spans whose real
// span is in the batch too (possible for pending spans that were queued
// because too many spans were open).
func withoutRedundantPending(batch []sdktrace.ReadOnlySpan) []sdktrace.ReadOnlySpan {
	pending := 0
	for _, s := range batch {
		if isPendingSpan(s) {
			pending++
		}
	}
	if pending == 0 {
		return batch
	}
	ended := make(map[trace.SpanID]struct{}, len(batch)-pending)
	for _, s := range batch {
		if !isPendingSpan(s) {
			ended[s.SpanContext().SpanID()] = struct{}{}
		}
	}
	out := batch[:0]
	for _, s := range batch {
		if isPendingSpan(s) {
			if _, done := ended[s.Parent().SpanID()]; done {
				continue
			}
		}
		out = append(out, s)
	}
	return out
}

// spanSize estimates the memory a span holds while it waits for export.
func spanSize(s sdktrace.ReadOnlySpan) int {
	n := 320 + len(s.Name())
	for _, kv := range s.Attributes() {
		n += 48 + len(kv.Key) + valueSize(kv.Value)
	}
	for _, e := range s.Events() {
		n += 96 + len(e.Name)
		for _, kv := range e.Attributes {
			n += 48 + len(kv.Key) + valueSize(kv.Value)
		}
	}
	for _, l := range s.Links() {
		n += 96
		for _, kv := range l.Attributes {
			n += 48 + len(kv.Key) + valueSize(kv.Value)
		}
	}
	return n
}

// maxOpenSpans bounds the open spans kept aside; past it their pending
// spans wait in the queue like any record.
const maxOpenSpans = 8192

// openSpans holds each open span, for its pending span, until it ends or
// its pending span is made.
type openSpans struct {
	mu    sync.Mutex
	spans map[trace.SpanID]sdktrace.ReadWriteSpan
}

// add keeps the open span s; false if there are too many.
func (o *openSpans) add(s sdktrace.ReadWriteSpan) bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	if len(o.spans) >= maxOpenSpans {
		return false
	}
	o.spans[s.SpanContext().SpanID()] = s
	return true
}

// ended forgets the span id.
func (o *openSpans) ended(id trace.SpanID) {
	o.mu.Lock()
	if len(o.spans) > 0 {
		delete(o.spans, id)
	}
	o.mu.Unlock()
}

// take returns the spans kept aside and forgets them.
func (o *openSpans) take() []sdktrace.ReadWriteSpan {
	o.mu.Lock()
	defer o.mu.Unlock()
	if len(o.spans) == 0 {
		return nil
	}
	out := make([]sdktrace.ReadWriteSpan, 0, len(o.spans))
	for id, s := range o.spans {
		out = append(out, s)
		delete(o.spans, id)
	}
	return out
}

// valueSize estimates the bytes of v (no validation: it runs on the hot
// path, as a record is queued).
func valueSize(v attribute.Value) int {
	switch v.Type() {
	case attribute.STRING, attribute.BYTESLICE:
		return len(v.AsString())
	case attribute.STRINGSLICE:
		n := 0
		for _, s := range v.AsStringSlice() {
			n += len(s) + 16
		}
		return n
	case attribute.SLICE:
		n := 0
		for _, e := range v.AsSlice() {
			n += valueSize(e) + 16
		}
		return n
	case attribute.MAP:
		n := 0
		for _, kv := range v.AsMap() {
			n += valueSize(kv.Value) + len(kv.Key) + 32
		}
		return n
	}
	return 8
}
