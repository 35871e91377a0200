package console

import (
	"context"
	"io"
	"testing"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
)

// TestNilAndZeroProcessors: a nil *processor, a zero processor, nil
// options and nil arguments do nothing, without a panic.
func TestNilAndZeroProcessors(t *testing.T) {
	var nilCtx context.Context
	span := tracetest.SpanStub{Name: "x"}.Snapshot()
	for name, p := range map[string]sdktrace.SpanProcessor{"nil": (*processor)(nil), "zero": &processor{},
		"new":         newTest(withWriter(nil), withLocation(nil), withGetenv(nil), nil),
		"nil options": New(nil), "zero options": New(&Options{Writer: io.Discard})} {
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
