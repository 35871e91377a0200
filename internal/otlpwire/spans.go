package otlpwire

import (
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/sdk/instrumentation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
	"google.golang.org/protobuf/encoding/protowire"
)

// Fields of opentelemetry.proto.trace.v1.Span and its parts.
const (
	spanTraceID       protowire.Number = 1
	spanSpanID        protowire.Number = 2
	spanTraceState    protowire.Number = 3
	spanParentID      protowire.Number = 4
	spanName          protowire.Number = 5
	spanKind          protowire.Number = 6
	spanStart         protowire.Number = 7
	spanEnd           protowire.Number = 8
	spanAttrs         protowire.Number = 9
	spanDroppedAttrs  protowire.Number = 10
	spanEvents        protowire.Number = 11
	spanDroppedEvents protowire.Number = 12
	spanLinks         protowire.Number = 13
	spanDroppedLinks  protowire.Number = 14
	spanStatus        protowire.Number = 15
	spanFlags         protowire.Number = 16

	eventTime         protowire.Number = 1
	eventName         protowire.Number = 2
	eventAttrs        protowire.Number = 3
	eventDroppedAttrs protowire.Number = 4

	linkTraceID      protowire.Number = 1
	linkSpanID       protowire.Number = 2
	linkAttrs        protowire.Number = 4
	linkDroppedAttrs protowire.Number = 5
	linkFlags        protowire.Number = 6

	statusMessage protowire.Number = 2
	statusCode    protowire.Number = 3
)

// Span flags: the W3C trace flags in the low byte, and whether the parent
// is remote (and that this is known).
const (
	flagHasIsRemote = 0x100
	flagIsRemote    = 0x200
)

// Spans encodes spans into ExportTraceServiceRequest bodies, calling emit
// for each request with its body (valid only during the call) and the
// number of spans in it. A nil span is left out, as OpenTelemetry's
// exporter leaves it out.
func (e *Encoder) Spans(spans []sdktrace.ReadOnlySpan, emit func(body []byte, records int)) {
	s := e.get()
	defer e.put(s)
	s.req.emit = emit
	kept := spans
	for _, sd := range spans {
		if sd == nil {
			kept = nonNil(spans)
			break
		}
	}
	s.groupBy(len(kept), func(i int) (*resource.Resource, instrumentation.Scope) {
		return kept[i].Resource(), kept[i].InstrumentationScope()
	})
	s.eachGroup(
		func(r *resource.Resource) []byte { return e.headers.resource(r, ifNotNil) },
		func(sc instrumentation.Scope) []byte { return e.headers.scope(sc, false) },
		func(i int) { s.spanRecord(kept[i]) },
	)
	s.finish()
}

func nonNil(spans []sdktrace.ReadOnlySpan) []sdktrace.ReadOnlySpan {
	out := make([]sdktrace.ReadOnlySpan, 0, len(spans))
	for _, sd := range spans {
		if sd != nil {
			out = append(out, sd)
		}
	}
	return out
}

// spanRecord writes sd as a record of the request, its strings shortened
// if they are too large together.
func (s *state) spanRecord(sd sdktrace.ReadOnlySpan) {
	start := len(s.b)
	s.span(sd)
	if len(s.b)-start > MaxRecordBytes {
		if limit := spanLimit(sd); limit >= 0 {
			s.b = s.b[:start]
			s.limit = limit
			s.span(sd)
			s.limit = -1
		}
	}
	s.recorded(start)
}

// spanLimit is the per-string limit of sd (see perStringLimit).
func spanLimit(sd sdktrace.ReadOnlySpan) int {
	total, count := len(sd.Name())+len(sd.Status().Description), 2
	attrsStringBytes(sd.Attributes(), &total, &count)
	for _, ev := range sd.Events() {
		total += len(ev.Name)
		count++
		attrsStringBytes(ev.Attributes, &total, &count)
	}
	for _, l := range sd.Links() {
		attrsStringBytes(l.Attributes, &total, &count)
	}
	return perStringLimit(total, count)
}

// span writes the Span field of sd.
func (s *state) span(sd sdktrace.ReadOnlySpan) {
	var m int
	s.b, m = openMsg(s.b, groupRecords, recordMsg)
	sc := sd.SpanContext()
	tid, sid := sc.TraceID(), sc.SpanID()
	s.b = appendBytes(s.b, spanTraceID, tid[:])
	s.b = appendBytes(s.b, spanSpanID, sid[:])
	if ts := sc.TraceState(); ts.Len() > 0 {
		s.text(spanTraceState, ts.String())
	}
	parent := sd.Parent()
	if psid := parent.SpanID(); psid.IsValid() {
		s.b = appendBytes(s.b, spanParentID, psid[:])
	}
	s.text(spanName, sd.Name())
	s.b = appendVarint(s.b, spanKind, kind(sd.SpanKind()))
	s.b = appendFixed64(s.b, spanStart, unixNano(sd.StartTime().UnixNano()))
	s.b = appendFixed64(s.b, spanEnd, unixNano(sd.EndTime().UnixNano()))
	s.siteField = spanAttrs
	s.attrs(spanAttrs, sd.Attributes())
	s.siteField = siteFieldNone
	s.b = appendVarint(s.b, spanDroppedAttrs, clampUint32(sd.DroppedAttributes()))
	for _, ev := range sd.Events() {
		var em int
		s.b, em = openMsg(s.b, spanEvents, recordMsg)
		s.b = appendFixed64(s.b, eventTime, unixNano(ev.Time.UnixNano()))
		s.text(eventName, ev.Name)
		s.attrs(eventAttrs, ev.Attributes)
		s.b = appendVarint(s.b, eventDroppedAttrs, clampUint32(ev.DroppedAttributeCount))
		s.b = closeMsg(s.b, em)
	}
	s.b = appendVarint(s.b, spanDroppedEvents, clampUint32(sd.DroppedEvents()))
	for _, l := range sd.Links() {
		var lm int
		s.b, lm = openMsg(s.b, spanLinks, smallMsg)
		ltid, lsid := l.SpanContext.TraceID(), l.SpanContext.SpanID()
		s.b = appendBytes(s.b, linkTraceID, ltid[:])
		s.b = appendBytes(s.b, linkSpanID, lsid[:])
		s.attrs(linkAttrs, l.Attributes)
		s.b = appendVarint(s.b, linkDroppedAttrs, clampUint32(l.DroppedAttributeCount))
		s.b = appendFixed32(s.b, linkFlags, flags(l.SpanContext.TraceFlags(), l.SpanContext))
		s.b = closeMsg(s.b, lm)
	}
	s.b = appendVarint(s.b, spanDroppedLinks, clampUint32(sd.DroppedLinks()))
	// The status is always there, empty when unset.
	st := sd.Status()
	var stm int
	s.b, stm = openMsg(s.b, spanStatus, smallMsg)
	s.text(statusMessage, st.Description)
	s.b = appendVarint(s.b, statusCode, statusCodeOf(st.Code))
	s.b = closeMsg(s.b, stm)
	s.b = appendFixed32(s.b, spanFlags, flags(sc.TraceFlags(), parent))
	s.b = closeMsg(s.b, m)
}

// flags are the span flags of a span (or link) with trace flags tf whose
// parent (or linked span) is parent.
func flags(tf trace.TraceFlags, parent trace.SpanContext) uint32 {
	f := uint32(tf) | flagHasIsRemote
	if parent.IsRemote() {
		f |= flagIsRemote
	}
	return f
}

// kind is the OTLP SpanKind of k.
func kind(k trace.SpanKind) uint64 {
	switch k {
	case trace.SpanKindInternal:
		return 1
	case trace.SpanKindServer:
		return 2
	case trace.SpanKindClient:
		return 3
	case trace.SpanKindProducer:
		return 4
	case trace.SpanKindConsumer:
		return 5
	}
	return 0
}

// statusCodeOf is the OTLP StatusCode of c.
func statusCodeOf(c codes.Code) uint64 {
	switch c {
	case codes.Ok:
		return 1
	case codes.Error:
		return 2
	}
	return 0
}
