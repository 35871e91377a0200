package console

import (
	"context"
	"testing"

	"go.opentelemetry.io/otel/sdk/trace/tracetest"
)

// TestNilAndZeroProcessors: a nil *Processor, a zero Processor and nil
// arguments do nothing, without a panic.
func TestNilAndZeroProcessors(t *testing.T) {
	var nilCtx context.Context
	span := tracetest.SpanStub{Name: "x"}.Snapshot()
	for name, p := range map[string]*Processor{"nil": nil, "zero": {}, "new": New(WithWriter(nil), WithLocation(nil), WithGetenv(nil), nil)} {
		p.OnStart(nilCtx, nil)
		p.OnEnd(nil)
		p.OnEnd(span)
		if err := p.ForceFlush(nilCtx); err != nil {
			t.Errorf("%s: ForceFlush: %v", name, err)
		}
		if err := p.Shutdown(nilCtx); err != nil {
			t.Errorf("%s: Shutdown: %v", name, err)
		}
		p.OnEnd(span) // after Shutdown
	}
}
