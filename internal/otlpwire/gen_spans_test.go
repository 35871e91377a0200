package otlpwire

// Generated spans, made by real TracerProviders (and, for what a
// provider never makes, span stubs).

import (
	"context"
	"errors"
	"slices"

	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
)

// Spans.

// genSpanCollector is a span processor that keeps the spans that end.
type genSpanCollector struct{ spans []sdktrace.ReadOnlySpan }

func (c *genSpanCollector) OnStart(context.Context, sdktrace.ReadWriteSpan) {}
func (c *genSpanCollector) OnEnd(s sdktrace.ReadOnlySpan)                   { c.spans = append(c.spans, s) }
func (c *genSpanCollector) Shutdown(context.Context) error                  { return nil }
func (c *genSpanCollector) ForceFlush(context.Context) error                { return nil }

// genIDs gives the IDs of new spans from the generator.
type genIDs struct{ g *generator }

func (i genIDs) NewIDs(context.Context) (trace.TraceID, trace.SpanID) {
	return i.g.traceID(), i.g.spanID()
}

func (i genIDs) NewSpanID(context.Context, trace.TraceID) trace.SpanID { return i.g.spanID() }

// genSampler samples as the generator set it before a span starts: drop,
// record only (not sampled) or record and sample, with attributes and a
// trace state of its own or the parent's.
type genSampler struct {
	next  sdktrace.SamplingResult
	ownTS bool // keep next.Tracestate rather than the parent's
	descr string
}

func (s *genSampler) ShouldSample(p sdktrace.SamplingParameters) sdktrace.SamplingResult {
	r := s.next
	if !s.ownTS {
		r.Tracestate = trace.SpanContextFromContext(p.ParentContext).TraceState()
	}
	return r
}

func (s *genSampler) Description() string { return s.descr }

// genNoSpanLimits are span limits that limit nothing.
var genNoSpanLimits = sdktrace.SpanLimits{
	AttributeValueLengthLimit:   -1,
	AttributeValueDepthLimit:    -1,
	AttributeCountLimit:         -1,
	EventCountLimit:             -1,
	LinkCountLimit:              -1,
	AttributePerEventCountLimit: -1,
	AttributePerLinkCountLimit:  -1,
}

// genTracer is a tracer of a generated provider, with its sampler.
type genTracer struct {
	tr      trace.Tracer
	sampler *genSampler
}

// spans returns spans made by one to three TracerProviders (each with its
// resource, span limits and tracers), with some tracetest.SpanStub spans
// mixed in for what the SDK does not make (nil and empty resources, the
// zero scope, zero times, any dropped counts and span kinds) and some nil
// entries, which exporters skip.
func (g *generator) spans() []sdktrace.ReadOnlySpan {
	col := &genSpanCollector{}
	var tracers []genTracer
	var resources []*resource.Resource
	var providers []*sdktrace.TracerProvider
	for range 1 + g.intn(3) {
		res := g.resource(resources, false)
		resources = append(resources, res)
		sampler := &genSampler{descr: "generated"}
		lim := sdktrace.SpanLimits{
			AttributeValueLengthLimit:   g.limit(),
			AttributeValueDepthLimit:    g.limit(),
			AttributeCountLimit:         g.limit(),
			EventCountLimit:             g.limit(),
			LinkCountLimit:              g.limit(),
			AttributePerEventCountLimit: g.limit(),
			AttributePerLinkCountLimit:  g.limit(),
		}
		if g.bool() {
			lim = genNoSpanLimits
		}
		if g.badUTF8 {
			// The SDK drops invalid bytes of a string it shortens: the
			// input could no longer be fixed by strings.ToValidUTF8.
			lim.AttributeValueLengthLimit = -1
		}
		opts := []sdktrace.TracerProviderOption{
			sdktrace.WithIDGenerator(genIDs{g}),
			sdktrace.WithSampler(sampler),
			sdktrace.WithRawSpanLimits(lim),
			sdktrace.WithSpanProcessor(col),
		}
		if !g.oneIn(8) {
			opts = append(opts, sdktrace.WithResource(res)) // else the default resource
		}
		tp := sdktrace.NewTracerProvider(opts...)
		providers = append(providers, tp)
		for range 1 + g.intn(3) {
			var topts []trace.TracerOption
			if g.bool() {
				topts = append(topts, trace.WithInstrumentationVersion(g.str()))
			}
			if g.bool() {
				topts = append(topts, trace.WithSchemaURL(g.str()))
			}
			if g.bool() {
				topts = append(topts, trace.WithInstrumentationAttributes(g.attrs(3)...))
			}
			tracers = append(tracers, genTracer{tp.Tracer(g.str(), topts...), sampler})
		}
	}
	budget := 1 + g.intn(10)
	for budget > 0 {
		g.span(context.Background(), tracers, &budget, 0)
	}
	for _, tp := range providers {
		if err := tp.Shutdown(context.Background()); err != nil {
			panic(err)
		}
	}
	spans := col.spans
	for range g.intn(3) {
		at := g.intn(len(spans) + 1)
		spans = slices.Insert(spans, at, g.stubSpan(resources))
	}
	if g.oneIn(8) {
		spans = slices.Insert(spans, g.intn(len(spans)+1), sdktrace.ReadOnlySpan(nil))
	}
	if g.oneIn(4) {
		for i := len(spans) - 1; i > 0; i-- {
			j := g.intn(i + 1)
			spans[i], spans[j] = spans[j], spans[i]
		}
	}
	return spans
}

// span starts a span of one of tracers (as a root, a child of ctx's span,
// of a remote parent, or of a foreign local one), sets everything a span
// has, makes up to two children while budget lasts, and ends it.
func (g *generator) span(ctx context.Context, tracers []genTracer, budget *int, depth int) {
	*budget--
	t := tracers[g.intn(len(tracers))]
	var opts []trace.SpanStartOption
	switch g.intn(5) {
	case 1:
		sc := g.spanContext()
		ctx = trace.ContextWithRemoteSpanContext(ctx, sc)
	case 2:
		ctx = trace.ContextWithSpanContext(ctx, g.spanContext())
	case 3:
		opts = append(opts, trace.WithNewRoot())
	}
	decision := sdktrace.RecordAndSample
	switch g.intn(8) {
	case 0:
		decision = sdktrace.RecordOnly
	case 1:
		if g.oneIn(2) {
			decision = sdktrace.Drop
		}
	}
	t.sampler.next = sdktrace.SamplingResult{Decision: decision, Tracestate: g.traceState()}
	if g.oneIn(4) {
		t.sampler.next.Attributes = g.attrs(2)
	}
	t.sampler.ownTS = g.oneIn(3)
	opts = append(opts,
		trace.WithSpanKind(trace.SpanKind(g.intn(7))),
		trace.WithTimestamp(g.nonZeroTime()),
	)
	if g.bool() {
		opts = append(opts, trace.WithAttributes(g.attrs(6)...))
	}
	if g.oneIn(3) {
		opts = append(opts, trace.WithLinks(g.links()...))
	}
	ctx, sp := t.tr.Start(ctx, g.str(), opts...)
	for range g.intn(6) {
		switch g.intn(6) {
		case 0, 1:
			sp.SetAttributes(g.attrs(5)...)
		case 2:
			sp.AddEvent(g.str(), trace.WithTimestamp(g.nonZeroTime()), trace.WithAttributes(g.attrs(4)...))
		case 3:
			for _, l := range g.links() {
				sp.AddLink(l)
			}
		case 4:
			sp.SetName(g.str())
		case 5:
			sp.RecordError(errors.New(g.str()), trace.WithTimestamp(g.nonZeroTime()), trace.WithAttributes(g.attrs(2)...))
		}
	}
	if g.bool() {
		sp.SetStatus(codes.Code(g.intn(4)), g.str())
	}
	for range g.intn(3) {
		if *budget <= 0 || depth >= 3 {
			break
		}
		g.span(ctx, tracers, budget, depth+1)
	}
	sp.End(trace.WithTimestamp(g.nonZeroTime()))
}

// links returns up to three links.
func (g *generator) links() []trace.Link {
	ls := make([]trace.Link, g.intn(4))
	for i := range ls {
		ls[i] = trace.Link{SpanContext: g.spanContext(), Attributes: g.attrs(3)}
	}
	return ls
}

// stubSpan returns a span the SDK would not make: any resource (nil too),
// any scope, any times, counts, kinds and status codes.
func (g *generator) stubSpan(resources []*resource.Resource) sdktrace.ReadOnlySpan {
	res := g.resource(resources, true)
	if len(resources) > 0 && g.bool() {
		res = resources[g.intn(len(resources))]
	}
	st := tracetest.SpanStub{
		Name:                 g.str(),
		SpanContext:          g.spanContext(),
		Parent:               g.spanContext(),
		SpanKind:             trace.SpanKind(g.intn(9)),
		StartTime:            g.time(),
		EndTime:              g.time(),
		Attributes:           g.attrs(5),
		Status:               sdktrace.Status{Code: codes.Code(g.intn(5)), Description: g.str()},
		DroppedAttributes:    g.count(),
		DroppedEvents:        g.count(),
		DroppedLinks:         g.count(),
		ChildSpanCount:       g.intn(3),
		Resource:             res,
		InstrumentationScope: g.scope(),
	}
	for range g.intn(3) {
		st.Events = append(st.Events, sdktrace.Event{
			Name: g.str(), Attributes: g.attrs(3), DroppedAttributeCount: g.count(), Time: g.time(),
		})
	}
	for range g.intn(3) {
		st.Links = append(st.Links, sdktrace.Link{
			SpanContext: g.spanContext(), Attributes: g.attrs(3), DroppedAttributeCount: g.count(),
		})
	}
	return st.Snapshot()
}
