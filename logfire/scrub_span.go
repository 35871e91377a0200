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
// those of its events and links (with scrubbing on), its URL attributes
// redacted, and the SDK's tokens redacted from everything it holds; or s
// itself when nothing needed it.
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
	if len(notes) > 0 {
		if attrs == nil {
			attrs = append([]attribute.KeyValue(nil), s.Attributes()...)
		}
		attrs = withScrubNotes(attrs, notes)
	}

	// The tokens, last, so that the notes are covered too.
	t := sc.tokens
	if attrs == nil {
		attrs = redactAttrs(t, s.Attributes())
	} else if ra := redactAttrs(t, attrs); ra != nil {
		attrs = ra
	}
	srcEvents := s.Events()
	if events != nil {
		srcEvents = events
	}
	for i, e := range srcEvents {
		name, nameChanged := redactString(t, e.Name)
		na := redactAttrs(t, e.Attributes)
		if !nameChanged && na == nil {
			continue
		}
		if events == nil {
			events = append([]sdktrace.Event(nil), srcEvents...)
		}
		events[i].Name = name
		if na != nil {
			events[i].Attributes = na
		}
	}
	srcLinks := s.Links()
	if links != nil {
		srcLinks = links
	}
	for i, l := range srcLinks {
		if na := redactAttrs(t, l.Attributes); na != nil {
			if links == nil {
				links = append([]sdktrace.Link(nil), srcLinks...)
			}
			links[i].Attributes = na
		}
	}
	name, nameChanged := redactString(t, s.Name())
	status := s.Status()
	desc, statusChanged := redactString(t, status.Description)
	status.Description = desc
	scope, scopeChanged := redactScope(t, s.InstrumentationScope())

	if attrs == nil && events == nil && links == nil && !nameChanged && !statusChanged && !scopeChanged {
		return s
	}
	if attrs == nil {
		attrs = s.Attributes()
	}
	out := deriveSpan(s)
	out.name, out.attrs, out.status, out.scope = name, attrs, status, scope
	if events != nil {
		out.events = events
	}
	if links != nil {
		out.links = links
	}
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
	if r == nil {
		return nil
	}
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
	body := r.Body()
	if body.Type() != attribute.EMPTY {
		if nb, changed := p.sc.value(nil, "log_body", body, &notes); changed {
			body = nb
			r.SetBody(nb)
		}
	}
	if len(notes) > 0 {
		if out == nil {
			out = kvs
		}
		out = withScrubNotes(out, notes)
	}
	// The tokens, always.
	t := p.sc.tokens
	if out == nil {
		out = redactAttrs(t, kvs)
	} else if ra := redactAttrs(t, out); ra != nil {
		out = ra
	}
	if nb, changed := redactValue(t, body); changed {
		r.SetBody(nb)
	}
	if name, changed := redactString(t, r.EventName()); changed {
		r.SetEventName(name)
	}
	if text, changed := redactString(t, r.SeverityText()); changed {
		r.SetSeverityText(text)
	}
	if out != nil {
		r.SetAttributes(out...)
	}
	return nil
}

func (p scrubbingLogProcessor) Shutdown(context.Context) error   { return nil }
func (p scrubbingLogProcessor) ForceFlush(context.Context) error { return nil }
