package logfire

import (
	"context"
	"errors"
	"log/slog"
	"testing"

	"go.opentelemetry.io/otel/trace"

	"github.com/logfire-go/sdk/internal/keys"
)

// TestFingerprintWhere: the fingerprint is on failed records that have no
// parent span in this process, as in the Python SDK: a root span, a span
// whose parent is remote, an error-level log at the root, the slog
// handler's error record at the root; not on children, nor on a warning
// that carries an error.
func TestFingerprintWhere(t *testing.T) {
	clearEnv(t)
	lf, mem := newTestInstance(t)
	ctx := context.Background()
	boom := errors.New("boom")

	_, root := lf.Span(ctx, "root")
	root.RecordError(boom)
	rctx := trace.ContextWithSpanContext(ctx, root.SpanContext())
	_, child := lf.Span(rctx, "child")
	child.RecordError(boom)
	child.End()
	lf.Error(rctx, "child log", boom)
	root.End()

	remote := trace.ContextWithRemoteSpanContext(ctx, trace.NewSpanContext(trace.SpanContextConfig{
		TraceID: trace.TraceID{1}, SpanID: trace.SpanID{2}, TraceFlags: trace.FlagsSampled, Remote: true,
	}))
	_, fromRemote := lf.Span(remote, "remote child")
	fromRemote.RecordError(boom)
	fromRemote.End()

	lf.Error(ctx, "root log", boom)
	lf.Warn(ctx, "root warning", boom)
	slog.New(lf.SlogHandler()).ErrorContext(ctx, "slog error", "err", boom)
	_ = lf.Do(ctx, "do", func(context.Context) error { return boom })

	want := map[string]bool{
		"root": true, "child": false, "child log": false, "remote child": true,
		"root log": true, "root warning": false, "slog error": true, "do": true,
	}
	for name, has := range want {
		s := mustSpan(t, mem, name)
		v, ok := attrValue(s, keys.ExceptionFingerprint)
		if ok != has {
			t.Errorf("%q: fingerprint present %v, want %v", name, ok, has)
		}
		if ok && len(v.AsString()) != 64 {
			t.Errorf("%q: fingerprint %q", name, v.AsString())
		}
	}
}
