package logfire

import (
	"fmt"

	"go.opentelemetry.io/contrib/propagators/autoprop"
	"go.opentelemetry.io/otel/propagation"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/logfire-go/sdk/config"
)

// defaultPropagator returns the propagator Configure uses unless
// WithPropagator says otherwise: W3C Trace Context (the traceparent and
// tracestate headers) and W3C Baggage (the baggage header), what the Python
// and JavaScript SDKs and OpenTelemetry itself use by default.
func defaultPropagator() propagation.TextMapPropagator {
	return propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{})
}

// WithPropagator replaces the propagator that carries the trace context and
// baggage across process boundaries (by default W3C Trace Context and W3C
// Baggage, or those that OTEL_PROPAGATORS names, such as
// "tracecontext,baggage,xray"; this option wins over the variable).
// Configure installs it as OpenTelemetry's global propagator, so that
// instrumentation libraries which use the global one, such as otelhttp,
// inject and extract with it too. A nil p
// keeps the default. To neither inject nor extract anything, pass
// propagation.NewCompositeTextMapPropagator() (it has no members).
func WithPropagator(p propagation.TextMapPropagator) Option {
	return optionFunc(func(s *settings) { s.propagation.propagator = p })
}

// WithBaggageAttributes turns on copying OpenTelemetry baggage onto spans
// as attributes, as the Python SDK does (it is off unless this option says
// otherwise). When a span starts, every baggage member of its parent
// context becomes an attribute with the same key and the member's value,
// cut to 1000 characters (the head and the tail, joined by "..."). A
// member whose key is already an attribute of the span with the same value
// is skipped; with a different value it is added as
// "baggage_conflict.<key>" instead, so the span's own attribute wins.
//
// Baggage comes from upstream services (the baggage header), so with this
// on, whatever a caller puts there lands in your spans: it is scrubbed
// like any attribute, but keep it off for endpoints that untrusted clients
// call directly.
func WithBaggageAttributes(on bool) Option {
	return optionFunc(func(s *settings) { s.propagation.baggageAttributes = on })
}

// propagationSettings are the options of this file, one field of settings.
type propagationSettings struct {
	propagator        propagation.TextMapPropagator
	baggageAttributes bool
}

// textMapPropagator returns the propagator the instance uses: the one
// WithPropagator gave, else the ones OTEL_PROPAGATORS names (made by
// OpenTelemetry's autoprop), else the default (W3C Trace Context and Baggage).
func (p propagationSettings) textMapPropagator(names []string) (propagation.TextMapPropagator, error) {
	if p.propagator != nil {
		return p.propagator, nil
	}
	if len(names) == 0 {
		return defaultPropagator(), nil
	}
	prop, err := autoprop.TextMapPropagator(names...)
	if err != nil {
		return nil, &config.Error{Setting: "OTEL_PROPAGATORS", Err: fmt.Errorf("%w: accepted values are tracecontext, baggage, b3, b3multi, jaeger, xray, ottrace, none, and names registered with autoprop.RegisterTextMapPropagator", err)}
	}
	return prop, nil
}

// tracerProviderOptions returns the span processors that must see a span
// before all others: the baggage processor, so that the pending span, the
// console and every exporter see the attributes it adds.
func (p propagationSettings) tracerProviderOptions() []sdktrace.TracerProviderOption {
	if !p.baggageAttributes {
		return nil
	}
	return []sdktrace.TracerProviderOption{sdktrace.WithSpanProcessor(baggageAttributesProcessor{})}
}

// Propagator returns the propagator the instance injects and extracts trace
// context and baggage with: W3C Trace Context (the traceparent and
// tracestate headers) and W3C Baggage (the baggage header), what the
// Python and JavaScript SDKs and OpenTelemetry itself use by default,
// unless OTEL_PROPAGATORS or WithPropagator chose others. Instrumentation
// that takes a propagator should get this one. For HTTP code that
// otelhttp (see package logfirehttp) does not instrument, it writes the
// trace context into a request's headers and reads it back on the server:
//
//	lf.Propagator().Inject(ctx, propagation.HeaderCarrier(req.Header))
//	ctx = lf.Propagator().Extract(r.Context(), propagation.HeaderCarrier(r.Header))
func (lf *Logfire) Propagator() propagation.TextMapPropagator {
	if lf == nil || lf.propagator == nil {
		return defaultPropagator()
	}
	return lf.propagator
}
