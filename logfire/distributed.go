package logfire

import (
	"context"
	"errors"
	"sync/atomic"

	"go.opentelemetry.io/otel/propagation"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"

	"github.com/logfire-go/sdk/config"
	"github.com/logfire-go/sdk/internal/instance"
)

// WithDistributedTracing says whether the trace context that requests,
// events and messages carry in is trusted. It replaces
// LOGFIRE_DISTRIBUTED_TRACING.
//
// With true, the instance's propagator (see Propagator) continues the
// caller's trace: the span that handles a request is the child of the
// caller's. With false, it does not: baggage still comes through, but the
// span that handles the request starts a new trace, with a link to the
// caller's span, so a caller outside your system cannot put its spans in
// your traces or choose what is sampled. Without this option or the
// variable, traces are continued as with true, and the first time one
// is, a warning says so once, on the error handler ("Found propagated
// trace context…", the Python SDK's words); set it either way to silence
// it.
//
// The HTTP (logfirehttp), Lambda and queue (otellambdaflush) paths all
// extract with the instance's propagator, so this applies to each.
func WithDistributedTracing(on bool) Option {
	return configOption(func(c *config.Config) { c.DistributedTracing = &on })
}

// distributedTracingWarning is the text of the warning said the first
// time a trace is continued while LOGFIRE_DISTRIBUTED_TRACING is unset,
// as the Python SDK says it.
const distributedTracingWarning = "Found propagated trace context. See https://logfire.pydantic.dev/docs/how-to-guides/distributed-tracing/#unintentional-distributed-tracing."

// trustPropagator wraps p as the distributed-tracing setting says: trust
// nil warns once through warn, false refuses the caller's context, true
// returns p itself.
func trustPropagator(p propagation.TextMapPropagator, trust *bool, warn func()) propagation.TextMapPropagator {
	switch {
	case trust == nil:
		return &warnOnExtract{TextMapPropagator: p, warn: warn}
	case !*trust:
		return refuseExtract{p}
	}
	return p
}

// remoteParent returns the span context Extract brought into out that
// in did not have, if any.
func remoteParent(in, out context.Context) (trace.SpanContext, bool) {
	sc := trace.SpanContextFromContext(out)
	if !sc.IsValid() || sc.Equal(trace.SpanContextFromContext(in)) {
		return trace.SpanContext{}, false
	}
	return sc, true
}

// warnOnExtract continues the caller's trace and calls warn the first
// time it does.
type warnOnExtract struct {
	propagation.TextMapPropagator
	warned atomic.Bool
	warn   func()
}

func (p *warnOnExtract) Extract(ctx context.Context, carrier propagation.TextMapCarrier) context.Context {
	out := p.TextMapPropagator.Extract(ctx, carrier)
	if _, ok := remoteParent(ctx, out); ok && !p.warned.Load() && p.warned.CompareAndSwap(false, true) {
		p.warn()
	}
	return out
}

// refuseExtract keeps what Extract brings but the caller's span context:
// the span of ctx stays the current one, and the caller's is kept aside
// (instance.WithRefusedParent) for the link refusedParentLinker adds.
type refuseExtract struct {
	propagation.TextMapPropagator
}

func (p refuseExtract) Extract(ctx context.Context, carrier propagation.TextMapCarrier) context.Context {
	out := p.TextMapPropagator.Extract(ctx, carrier)
	sc, ok := remoteParent(ctx, out)
	if !ok {
		return out
	}
	out = trace.ContextWithSpan(out, trace.SpanFromContext(ctx))
	return instance.WithRefusedParent(out, sc)
}

// refusedParentLinker gives a span that starts a trace from a context
// where refuseExtract kept the caller's span context a link to it. It
// runs before every other processor, so that the pending span and the
// exporters see the link.
type refusedParentLinker struct{}

func (refusedParentLinker) OnStart(ctx context.Context, s sdktrace.ReadWriteSpan) {
	if s.Parent().IsValid() {
		return
	}
	if sc, ok := instance.RefusedParent(ctx); ok {
		s.AddLink(trace.Link{SpanContext: sc})
	}
}

func (refusedParentLinker) OnEnd(sdktrace.ReadOnlySpan)      {}
func (refusedParentLinker) Shutdown(context.Context) error   { return nil }
func (refusedParentLinker) ForceFlush(context.Context) error { return nil }

// warnContinuedTrace says, once per instance, that a trace was continued
// while LOGFIRE_DISTRIBUTED_TRACING is unset. The Python SDK also records
// it as a warn log; this SDK keeps its own warnings out of the program's
// telemetry, as it does every other.
func (lf *Logfire) warnContinuedTrace() {
	lf.handleError(errors.New(distributedTracingWarning + " This process continued a trace that another one started: set LOGFIRE_DISTRIBUTED_TRACING=true (or logfire.WithDistributedTracing(true)) if that is intended, or false to start a new trace linked to the caller's"))
}
