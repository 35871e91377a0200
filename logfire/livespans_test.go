package logfire

import (
	"context"
	"sync"
	"testing"
	"time"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/logfire-go/sdk/config"
)

// endedSpans records the spans that end, by name, and keeps them after
// Shutdown (tracetest's in-memory exporter forgets them there).
type endedSpans struct {
	mu    sync.Mutex
	spans map[string]sdktrace.ReadOnlySpan
}

func (e *endedSpans) OnStart(context.Context, sdktrace.ReadWriteSpan) {}
func (e *endedSpans) OnEnd(s sdktrace.ReadOnlySpan) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.spans == nil {
		e.spans = map[string]sdktrace.ReadOnlySpan{}
	}
	e.spans[s.Name()] = s
}
func (e *endedSpans) Shutdown(context.Context) error   { return nil }
func (e *endedSpans) ForceFlush(context.Context) error { return nil }

// TestShutdownEndsOpenSpans: the spans still open when Shutdown starts
// are ended by it, before the flush, so they are exported whole; spans
// that ended before are not ended twice, and logs are not kept.
func TestShutdownEndsOpenSpans(t *testing.T) {
	clearEnv(t)
	ended := &endedSpans{}
	lf, err := Configure(context.Background(), notDefault(), WithConsole(nil), WithSpanProcessor(ended))
	if err != nil {
		t.Fatal(err)
	}
	ctx, _ := lf.Span(context.Background(), "left open {n}", "n", 1)
	_, inner := lf.Span(ctx, "left open too")
	_, done := lf.Span(ctx, "ended")
	done.End()
	lf.Info(ctx, "a log")
	_ = inner
	beforeShutdown := time.Now()
	if err := lf.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if len(ended.spans) != 4 {
		t.Fatalf("%d spans ended, want 4: %v", len(ended.spans), ended.spans)
	}
	for _, name := range []string{"left open {n}", "left open too"} {
		s := ended.spans[name]
		if s == nil || s.EndTime().Before(beforeShutdown) {
			t.Errorf("%q was not ended by Shutdown: %v", name, s)
		}
	}
	if s := ended.spans["ended"]; s.EndTime().After(beforeShutdown) {
		t.Errorf("a span that had ended was ended again at shutdown")
	}
	if n := lf.live.endAll(); n != 0 {
		t.Errorf("%d spans still kept after Shutdown", n)
	}
}

// BenchmarkLiveSpans is what keeping the open spans adds to each span: a
// start and an end, on every core at once, each goroutine with its own
// span (a span id of its own, so a shard of its own most of the time).
func BenchmarkLiveSpans(b *testing.B) {
	tp := sdktrace.NewTracerProvider()
	defer tp.Shutdown(context.Background())
	tr := tp.Tracer("bench")
	var live liveSpans
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		_, s := tr.Start(context.Background(), "s")
		rw := s.(sdktrace.ReadWriteSpan)
		for pb.Next() {
			live.OnStart(context.Background(), rw)
			live.OnEnd(rw)
		}
		s.End()
	})
}

// TestLiveSpansBounded: the spans kept open for Shutdown are bounded, so a
// program that never ends its spans does not keep each of them: of 10,000
// spans left open, 2,048 at most are kept (and ended by endAll).
func TestLiveSpansBounded(t *testing.T) {
	clearEnv(t)
	lf, err := Configure(context.Background(), notDefault(), WithConsole(nil), WithSendToLogfire(config.SendNever))
	if err != nil {
		t.Fatal(err)
	}
	defer lf.Shutdown(context.Background())
	for i := range 10000 {
		lf.Span(context.Background(), "never ends {i}", "i", i)
	}
	kept := 0
	for i := range lf.live.shards {
		sh := &lf.live.shards[i]
		sh.mu.Lock()
		kept += len(sh.spans)
		sh.mu.Unlock()
	}
	if kept == 0 || kept > openSpanShards*maxOpenPerShard {
		t.Errorf("%d open spans kept, want between 1 and %d", kept, openSpanShards*maxOpenPerShard)
	}
	if n := lf.live.endAll(); n != kept {
		t.Errorf("endAll ended %d, want the %d kept", n, kept)
	}
}
