package instance

import (
	"context"

	"go.opentelemetry.io/otel/trace"
)

// refusedParentKey holds, in a context, the remote span context a
// propagator extracted but did not make the parent, because distributed
// tracing is off (logfire.WithDistributedTracing(false)).
type refusedParentKey struct{}

// WithRefusedParent returns ctx holding sc as the refused parent: a span
// that starts a new trace from ctx links to it.
func WithRefusedParent(ctx context.Context, sc trace.SpanContext) context.Context {
	return context.WithValue(ctx, refusedParentKey{}, sc)
}

// RefusedParent returns the remote span context the instance's propagator
// extracted into ctx without making it the parent, if any.
func RefusedParent(ctx context.Context) (trace.SpanContext, bool) {
	sc, ok := ctx.Value(refusedParentKey{}).(trace.SpanContext)
	return sc, ok && sc.IsValid()
}
