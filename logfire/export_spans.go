package logfire

import (
	"context"
	"sync"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"

	"github.com/logfire-go/sdk/internal/delivery"
)

// spanExporter is the span processor in front of one destination's OTLP
// span exporter: an export queue bounded by bytes (see delivery.Batcher)
// whose batches also carry the pending spans of the spans still open.
//
// A pending span only matters for a span that is still open when a batch
// leaves: one that ended by then is in the batch itself, complete. So the
// exporter does not take pending spans as they are made: it keeps the live
// span of each open span aside (spanStarted), and only when a batch leaves
// while the span is still open does it make the span's pending span
// (scrubbed) and send it, once. A burst of short spans costs one queue slot
// each, and no pending span is ever made for them.
type spanExporter struct {
	exp   sdktrace.SpanExporter
	queue *delivery.Batcher[sdktrace.ReadOnlySpan]
	open  openSpans
	cnt   *delivery.Counters
	sc    *scrubber            // never nil from Configure; with scrubbing off it redacts tokens and URLs
	ids   sdktrace.IDGenerator // of pending spans' ids; nil: random
}

func newSpanExporter(exp sdktrace.SpanExporter, cfg delivery.BatcherConfig, cnt *delivery.Counters, sc *scrubber, ids sdktrace.IDGenerator) *spanExporter {
	p := &spanExporter{exp: exp, cnt: cnt, sc: sc, ids: ids}
	p.open.spans = map[trace.SpanID]sdktrace.ReadWriteSpan{}
	p.queue = delivery.NewBatcher(cfg, delivery.Spans, cnt, spanSize, p.export, p.pendingSpans)
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
	if !s.SpanContext().IsSampled() || IsPendingSpan(s) {
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

func (p *spanExporter) Shutdown(ctx context.Context) error {
	err := p.queue.Shutdown(ctx)
	return joinErr(err, p.exp.Shutdown(ctx))
}

// export sends one batch, fixed for export (see exportSpan).
func (p *spanExporter) export(ctx context.Context, batch []sdktrace.ReadOnlySpan) {
	batch = withoutRedundantPending(batch)
	for i, s := range batch {
		batch[i] = exportSpan(s)
	}
	p.exportChecked(ctx, batch)
}

// exportChecked hands batch to the exporter. If the exporter fails without
// making a request, it could not encode the batch: each half is tried on
// its own, down to the one record that cannot be encoded, which is
// dropped, so that it cannot take its neighbours with it.
func (p *spanExporter) exportChecked(ctx context.Context, batch []sdktrace.ReadOnlySpan) {
	if len(batch) == 0 {
		return
	}
	if ctx.Err() != nil {
		ctx = delivery.KeepOnly(ctx)
	}
	cctx, seen := delivery.WithCall(ctx, delivery.Spans, len(batch))
	err := p.exp.ExportSpans(cctx, batch)
	if err == nil || seen() {
		return
	}
	if ctx.Err() != nil {
		// The context ended between the check and the exporter's own.
		cctx, seen = delivery.WithCall(delivery.KeepOnly(ctx), delivery.Spans, len(batch))
		if err = p.exp.ExportSpans(cctx, batch); err == nil || seen() {
			return
		}
	}
	if len(batch) == 1 {
		p.cnt.Dropped(delivery.Spans, delivery.Encoding, 1, err.Error())
		return
	}
	half := len(batch) / 2
	p.exportChecked(ctx, batch[:half])
	p.exportChecked(ctx, batch[half:])
}

// withoutRedundantPending drops from batch the pending spans whose real
// span is in the batch too (possible for pending spans that were queued
// because too many spans were open).
func withoutRedundantPending(batch []sdktrace.ReadOnlySpan) []sdktrace.ReadOnlySpan {
	pending := 0
	for _, s := range batch {
		if IsPendingSpan(s) {
			pending++
		}
	}
	if pending == 0 {
		return batch
	}
	ended := make(map[trace.SpanID]struct{}, len(batch)-pending)
	for _, s := range batch {
		if !IsPendingSpan(s) {
			ended[s.SpanContext().SpanID()] = struct{}{}
		}
	}
	out := batch[:0]
	for _, s := range batch {
		if p, ok := s.(*pendingSpan); ok {
			if _, done := ended[p.parent.SpanID()]; done {
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
