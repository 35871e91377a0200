package logfire

import (
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/instrumentation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
)

// derivedSpan is the one kind of finished span the SDK makes itself from
// another span: the pending span of a span that starts (newPendingSpan),
// and a finished span with its secrets and tokens redacted (scrubber.span).
// Every part is its own copy; the span it was made from is only kept
// because sdktrace.ReadOnlySpan has an unexported method that nothing
// outside the OpenTelemetry SDK can implement.
type derivedSpan struct {
	sdktrace.ReadOnlySpan // the span it was made from; only its unexported method is used

	name          string
	sc            trace.SpanContext
	parent        trace.SpanContext
	kind          trace.SpanKind
	start, end    time.Time
	attrs         []attribute.KeyValue
	links         []sdktrace.Link
	events        []sdktrace.Event
	status        sdktrace.Status
	scope         instrumentation.Scope
	resource      *resource.Resource
	droppedAttrs  int
	droppedLinks  int
	droppedEvents int
	children      int
	pending       bool // a pending span: its parent is the real span
}

// deriveSpan returns a copy of s whose parts the caller may replace.
func deriveSpan(s sdktrace.ReadOnlySpan) *derivedSpan {
	if d, ok := s.(*derivedSpan); ok {
		cp := *d
		return &cp
	}
	return &derivedSpan{
		ReadOnlySpan:  s,
		name:          s.Name(),
		sc:            s.SpanContext(),
		parent:        s.Parent(),
		kind:          s.SpanKind(),
		start:         s.StartTime(),
		end:           s.EndTime(),
		attrs:         s.Attributes(),
		links:         s.Links(),
		events:        s.Events(),
		status:        s.Status(),
		scope:         s.InstrumentationScope(),
		resource:      s.Resource(),
		droppedAttrs:  s.DroppedAttributes(),
		droppedLinks:  s.DroppedLinks(),
		droppedEvents: s.DroppedEvents(),
		children:      s.ChildSpanCount(),
	}
}

// isPendingSpan reports whether s is a pending span made by this SDK.
func isPendingSpan(s sdktrace.ReadOnlySpan) bool {
	d, ok := s.(*derivedSpan)
	return ok && d.pending
}

func (s *derivedSpan) Name() string                                { return s.name }
func (s *derivedSpan) SpanContext() trace.SpanContext              { return s.sc }
func (s *derivedSpan) Parent() trace.SpanContext                   { return s.parent }
func (s *derivedSpan) SpanKind() trace.SpanKind                    { return s.kind }
func (s *derivedSpan) StartTime() time.Time                        { return s.start }
func (s *derivedSpan) EndTime() time.Time                          { return s.end }
func (s *derivedSpan) Attributes() []attribute.KeyValue            { return s.attrs }
func (s *derivedSpan) Links() []sdktrace.Link                      { return s.links }
func (s *derivedSpan) Events() []sdktrace.Event                    { return s.events }
func (s *derivedSpan) Status() sdktrace.Status                     { return s.status }
func (s *derivedSpan) InstrumentationScope() instrumentation.Scope { return s.scope }

//nolint:staticcheck // required by the ReadOnlySpan interface
func (s *derivedSpan) InstrumentationLibrary() instrumentation.Library { return s.scope }

func (s *derivedSpan) Resource() *resource.Resource { return s.resource }
func (s *derivedSpan) DroppedAttributes() int       { return s.droppedAttrs }
func (s *derivedSpan) DroppedLinks() int            { return s.droppedLinks }
func (s *derivedSpan) DroppedEvents() int           { return s.droppedEvents }
func (s *derivedSpan) ChildSpanCount() int          { return s.children }
