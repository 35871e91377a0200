package logfire

import (
	"context"
	"errors"
	"testing"
)

// TestExceptionEscaped: exception.escaped is "True" for an error that
// leaves the span (Do's returned error, a panic through End) and "False"
// for one recorded while it goes on (RecordError, an error argument, a
// log), the strings the Python SDK sends.
func TestExceptionEscaped(t *testing.T) {
	clearEnv(t)
	lf, mem := newTestInstance(t)
	ctx := context.Background()
	boom := errors.New("boom")
	_ = lf.Do(ctx, "returned", func(context.Context) error { return boom })
	func() {
		defer func() { _ = recover() }()
		_, s := lf.Span(ctx, "panicked")
		defer s.End()
		panic(boom)
	}()
	_, s := lf.Span(ctx, "recorded")
	s.RecordError(boom)
	s.End()
	_, s = lf.Span(ctx, "argument", "err", boom)
	s.End()
	lf.Error(ctx, "logged", "err", boom)

	want := map[string]string{"returned": "True", "panicked": "True", "recorded": "False", "argument": "False", "logged": "False"}
	spans := mem.GetSpans()
	if len(spans) != len(want) {
		t.Fatalf("%d spans, want %d", len(spans), len(want))
	}
	for _, sp := range spans {
		if len(sp.Events) != 1 {
			t.Errorf("%s: %d events, want 1", sp.Name, len(sp.Events))
			continue
		}
		got := ""
		for _, kv := range sp.Events[0].Attributes {
			if kv.Key == "exception.escaped" {
				got = kv.Value.AsString()
			}
		}
		if got != want[sp.Name] {
			t.Errorf("%s: exception.escaped = %q, want %q", sp.Name, got, want[sp.Name])
		}
	}
}
