package logfire

import (
	"context"
	"strconv"

	"go.opentelemetry.io/otel/attribute"
	sdklog "go.opentelemetry.io/otel/sdk/log"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/logfire-go/sdk/internal/keys"
)

// attributesPath is where a span's or log's own attributes sit in a
// scrubbing path.
var attributesPath = []string{"attributes"}

// span returns s with likely secrets redacted from its attributes and
// those of its events and links, or s itself when nothing needed it.
func (sc *scrubber) span(s sdktrace.ReadOnlySpan) sdktrace.ReadOnlySpan {
	var notes []scrubNote
	attrs := sc.attrs(attributesPath, s.Attributes(), &notes)

	var events []sdktrace.Event
	for i, e := range s.Events() {
		if len(e.Attributes) == 0 {
			continue
		}
		na := sc.attrs([]string{"otel_events", strconv.Itoa(i), "attributes"}, e.Attributes, &notes)
		if na == nil {
			continue
		}
		if events == nil {
			events = append([]sdktrace.Event(nil), s.Events()...)
		}
		events[i].Attributes = na
	}

	var links []sdktrace.Link
	for i, l := range s.Links() {
		if len(l.Attributes) == 0 {
			continue
		}
		na := sc.attrs([]string{"links", strconv.Itoa(i), "attributes"}, l.Attributes, &notes)
		if na == nil {
			continue
		}
		if links == nil {
			links = append([]sdktrace.Link(nil), s.Links()...)
		}
		links[i].Attributes = na
	}

	if attrs == nil && events == nil && links == nil {
		return s
	}
	if attrs == nil {
		attrs = s.Attributes()
	}
	if len(notes) > 0 {
		attrs = withScrubNotes(attrs, notes)
	}
	if p, ok := s.(*pendingSpan); ok {
		cp := *p
		cp.attrs = attrs
		return &cp
	}
	out := &scrubbedSpan{ReadOnlySpan: s, attrs: attrs, events: events, links: links}
	return out
}

// withScrubNotes sets logfire.scrubbed on attrs, merging with notes already
// there (from the message, scrubbed when it was formatted). attrs is a
// fresh copy owned by the caller.
func withScrubNotes(attrs []attribute.KeyValue, notes []scrubNote) []attribute.KeyValue {
	for i, kv := range attrs {
		if kv.Key == keys.Scrubbed {
			attrs[i] = attribute.String(keys.Scrubbed, notesValue(kv.Value.AsString(), notes))
			return attrs
		}
	}
	return append(attrs, attribute.String(keys.Scrubbed, notesValue("", notes)))
}

// scrubbedSpan is a finished span seen through scrubbing.
type scrubbedSpan struct {
	sdktrace.ReadOnlySpan
	attrs  []attribute.KeyValue
	events []sdktrace.Event // nil: the span's own
	links  []sdktrace.Link  // nil: the span's own
}

func (s *scrubbedSpan) Attributes() []attribute.KeyValue { return s.attrs }

func (s *scrubbedSpan) Events() []sdktrace.Event {
	if s.events == nil {
		return s.ReadOnlySpan.Events()
	}
	return s.events
}

func (s *scrubbedSpan) Links() []sdktrace.Link {
	if s.links == nil {
		return s.ReadOnlySpan.Links()
	}
	return s.links
}

// scrubbingSpanProcessor hands its processors the scrubbed form of every
// span that ends (pending spans included, as the pending-span processor
// ends them here).
type scrubbingSpanProcessor struct {
	fanOut
	sc *scrubber
}

func (p *scrubbingSpanProcessor) OnEnd(s sdktrace.ReadOnlySpan) {
	p.fanOut.OnEnd(p.sc.span(s))
}

// scrubbingLogProcessor scrubs OpenTelemetry log records in place; it is
// registered before the processors that export them, which see the change.
type scrubbingLogProcessor struct {
	sc *scrubber
}

func (p scrubbingLogProcessor) Enabled(context.Context, sdklog.EnabledParameters) bool { return true }

func (p scrubbingLogProcessor) OnEmit(_ context.Context, r *sdklog.Record) error {
	var notes []scrubNote
	var kvs []attribute.KeyValue
	if r.AttributesLen() > 0 {
		kvs = make([]attribute.KeyValue, 0, r.AttributesLen()+1)
		r.WalkAttributes(func(kv attribute.KeyValue) bool {
			kvs = append(kvs, kv)
			return true
		})
	}
	out := p.sc.attrs(attributesPath, kvs, &notes)
	if body := r.Body(); body.Type() != attribute.EMPTY {
		if nb, changed := p.sc.value(nil, "log_body", body, &notes); changed {
			r.SetBody(nb)
		}
	}
	if out == nil && len(notes) == 0 {
		return nil
	}
	if out == nil {
		out = kvs
	}
	if len(notes) > 0 {
		out = withScrubNotes(out, notes)
	}
	r.SetAttributes(out...)
	return nil
}

func (p scrubbingLogProcessor) Shutdown(context.Context) error   { return nil }
func (p scrubbingLogProcessor) ForceFlush(context.Context) error { return nil }
