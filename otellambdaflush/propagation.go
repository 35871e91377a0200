package otellambdaflush

import (
	"context"

	"github.com/aws/aws-lambda-go/lambdacontext"
	"go.opentelemetry.io/contrib/instrumentation/github.com/aws/aws-lambda-go/otellambda"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/propagation"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/embedded"

	"github.com/logfire-go/sdk/internal/instance"
	"github.com/logfire-go/sdk/logfire"
)

// propagationOptions are the otellambda options that make the invocation
// span continue the trace its event carries and link to the other
// contexts around it:
//
//   - the parent comes from the event (eventToCarrier), extracted with
//     lf's propagator;
//   - a batch of SQS or SNS records gives no parent but one link per
//     record's context (eventLinks);
//   - a direct invocation (the AWS SDK's Invoke) with no context in its
//     event continues the one in its client context's "custom" object
//     (see newInvocationPropagator);
//   - when the event brings no trace context of its own, the invocation's
//     X-Ray context is a link, or the parent, or neither, as xray says
//     (XRayMode), and its Sampled flag never decides whether spans are
//     kept.
//
// The links need a tracer provider that adds them when the span starts;
// it wraps lf's.
func propagationOptions(lf *logfire.Logfire, xray XRayMode) []otellambda.Option {
	return []otellambda.Option{
		otellambda.WithEventToCarrier(eventToCarrier),
		otellambda.WithPropagator(newInvocationPropagator(lf.Propagator(), xray, instance.Of(lf).HeadSampleRate)),
		otellambda.WithTracerProvider(newLinkingTracerProvider(lf.TracerProvider())),
	}
}

// eventLinks returns the span links that the invocation span of an SQS or
// SNS event should have, extracting each record's context with p (the
// global propagator if nil):
//
//   - a batch (several records): one link per record that carries a trace
//     context (see eventToCarrier), or, for an SQS record without one, an
//     X-Ray AWSTraceHeader; the invocation span itself starts a new trace;
//   - a single record: nothing if it carries a trace context (that is the
//     span's parent), else a link to its AWSTraceHeader if it has one.
//
// Each record's link has the attribute messaging.message.id. Records
// without a context, other events and malformed JSON give no links. The
// OpenTelemetry SDK keeps at most 128 links per span by default
// (OTEL_SPAN_LINK_COUNT_LIMIT); a larger batch loses the rest.
func eventLinks(p propagation.TextMapPropagator, event []byte) []trace.Link {
	return parseEvent(event).links(p)
}

func (e parsedEvent) links(p propagation.TextMapPropagator) []trace.Link {
	if (e.kind != kindSQS && e.kind != kindSNS) || len(e.records) == 0 {
		return nil
	}
	if p == nil {
		p = otel.GetTextMapPropagator()
	}
	batch := len(e.records) > 1
	var links []trace.Link
	for _, r := range e.records {
		rctx := p.Extract(context.Background(), r.carrier)
		sc := trace.SpanContextFromContext(rctx)
		if !sc.IsValid() {
			// Distributed tracing off (logfire.WithDistributedTracing):
			// the record's context was refused as a parent, not as a link.
			sc, _ = instance.RefusedParent(rctx)
		}
		if sc.IsValid() && !batch {
			continue // the parent
		}
		if !sc.IsValid() && r.xray != "" {
			sc, _ = parseXRayHeader(r.xray)
		}
		if !sc.IsValid() {
			continue
		}
		l := trace.Link{SpanContext: sc}
		if r.messageID != "" {
			l.Attributes = []attribute.KeyValue{semconv.MessagingMessageID(r.messageID)}
		}
		links = append(links, l)
	}
	return links
}

// newInvocationPropagator returns the propagator for the invocation span
// (otellambda.WithPropagator). Extract extracts with base (the global
// propagator if nil) from the event's carrier. When the event brought no
// trace context of its own (no parent, and no batch records to link to),
// it extracts from the "custom" object of the invocation's client context
// (lambdacontext.ClientContext.Custom), where a caller's Lambda Invoke puts
// its context (package logfire/logfireaws does), so that a function
// invoked directly continues its caller's trace. When neither has one,
// the invocation's X-Ray context (read from the context, see
// xrayTraceHeader) is used, depending on mode:
//
//   - XRayAsParent: it becomes the remote parent, sampled or not by
//     sampleRate (LOGFIRE_TRACE_SAMPLE_RATE, 0 to 1) applied to its trace
//     id, as for a trace that starts here, instead of by X-Ray's Sampled
//     flag;
//   - XRayAsLink: it becomes a link;
//   - XRayOff: it is not used.
//
// With a carrier from eventToCarrier, the links of a batch event
// (eventLinks) are added too. The links are put in the returned context,
// where a tracer from newLinkingTracerProvider finds them when it starts
// the invocation span. Inject and Fields are base's.
func newInvocationPropagator(base propagation.TextMapPropagator, mode XRayMode, sampleRate float64) propagation.TextMapPropagator {
	if base == nil {
		base = otel.GetTextMapPropagator()
	}
	return invocationPropagator{base: base, mode: mode, sampler: sdktrace.TraceIDRatioBased(sampleRate)}
}

type invocationPropagator struct {
	base    propagation.TextMapPropagator
	mode    XRayMode
	sampler sdktrace.Sampler
}

func (p invocationPropagator) Inject(ctx context.Context, carrier propagation.TextMapCarrier) {
	p.base.Inject(ctx, carrier)
}

func (p invocationPropagator) Fields() []string { return p.base.Fields() }

func (p invocationPropagator) Extract(ctx context.Context, carrier propagation.TextMapCarrier) context.Context {
	ctx = p.base.Extract(ctx, carrier)
	var links []trace.Link
	if ec, ok := carrier.(*eventCarrier); ok {
		links = ec.event.links(p.base)
	}
	parent := trace.SpanContextFromContext(ctx)
	if !parent.IsValid() && len(links) == 0 {
		// A direct invocation (the AWS SDK's Invoke, see logfireaws)
		// carries the caller's context in the client context instead.
		if cc := clientContextCarrier(ctx); cc != nil {
			ctx = p.base.Extract(ctx, cc)
			parent = trace.SpanContextFromContext(ctx)
		}
	}
	// The X-Ray context is used only when the event brought none of its
	// own (no parent, no record to link to): there it is all that ties the
	// invocation to its cause. Next to a W3C context it would only add a
	// link to a trace Logfire does not have on every invocation.
	if p.mode != XRayOff && !parent.IsValid() && len(links) == 0 {
		if xsc, ok := xraySpanContext(ctx); ok {
			if p.mode == XRayAsParent {
				ctx = trace.ContextWithRemoteSpanContext(ctx, p.ownDecision(xsc))
			} else {
				links = append(links, trace.Link{SpanContext: xsc})
			}
		}
	}
	if len(links) == 0 {
		return ctx
	}
	return context.WithValue(ctx, linksKey{}, links)
}

// ownDecision replaces X-Ray's sampled flag with the SDK's: the ratio
// sampler's decision for the trace id, which is what the parent-based
// sampler decides for a trace that starts here.
func (p invocationPropagator) ownDecision(sc trace.SpanContext) trace.SpanContext {
	res := p.sampler.ShouldSample(sdktrace.SamplingParameters{TraceID: sc.TraceID()})
	return sc.WithTraceFlags(sc.TraceFlags().WithSampled(res.Decision == sdktrace.RecordAndSample))
}

// clientContextCarrier returns the "custom" object of the invocation's
// client context as a carrier (keys matched without regard to case), or
// nil if it has none.
func clientContextCarrier(ctx context.Context) propagation.TextMapCarrier {
	lc, ok := lambdacontext.FromContext(ctx)
	if !ok || len(lc.ClientContext.Custom) == 0 {
		return nil
	}
	c := textCarrier{}
	for k, v := range lc.ClientContext.Custom {
		c.Set(k, v)
	}
	if !c.hasContext() {
		return nil
	}
	return c
}

// linksKey holds, in the context, the links the invocation propagator
// found for the span about to start.
type linksKey struct{}

// newLinkingTracerProvider wraps tp so that a span started from a context
// returned by the invocation propagator's Extract gets the links found
// there (otellambda offers no other way to give the invocation span
// links). The links apply to that one span: the context the span starts
// with no longer holds them.
func newLinkingTracerProvider(tp trace.TracerProvider) trace.TracerProvider {
	return linkingTracerProvider{tp: tp}
}

type linkingTracerProvider struct {
	embedded.TracerProvider
	tp trace.TracerProvider
}

func (p linkingTracerProvider) Tracer(name string, opts ...trace.TracerOption) trace.Tracer {
	return linkingTracer{t: p.tp.Tracer(name, opts...)}
}

type linkingTracer struct {
	embedded.Tracer
	t trace.Tracer
}

func (t linkingTracer) Start(ctx context.Context, name string, opts ...trace.SpanStartOption) (context.Context, trace.Span) {
	if links, _ := ctx.Value(linksKey{}).([]trace.Link); len(links) > 0 {
		opts = append(opts[:len(opts):len(opts)], trace.WithLinks(links...))
		ctx = context.WithValue(ctx, linksKey{}, nil)
	}
	ctx, span := t.t.Start(ctx, name, opts...)
	if inv := invocationFrom(ctx); inv != nil {
		return ctx, streamAwareSpan{Span: span, inv: inv}
	}
	return ctx, span
}

// streamAwareSpan is the invocation span as otellambda holds it: otellambda
// ends it when the handler returns, but a streamed response ends it when
// its body ends (see endStream), so End does nothing then. The context
// holds the span itself, so the spans of the invocation are its children.
type streamAwareSpan struct {
	trace.Span
	inv *invocation
}

func (s streamAwareSpan) End(opts ...trace.SpanEndOption) {
	if s.inv.streaming.Load() {
		return
	}
	s.Span.End(opts...)
}
