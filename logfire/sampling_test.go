package logfire

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"time"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"

	"github.com/logfire-go/sdk/config"
	"github.com/logfire-go/sdk/console"
	"github.com/logfire-go/sdk/internal/capture"
	"github.com/logfire-go/sdk/internal/delivery"
	"github.com/logfire-go/sdk/internal/otlptest"
)

// byTrace groups the spans rcv accepted by trace id: real spans, and
// pending spans apart.
func byTrace(rcv *otlptest.Receiver) (real, pending map[string][]otlptest.Span) {
	real, pending = map[string][]otlptest.Span{}, map[string][]otlptest.Span{}
	for _, s := range rcv.Spans() {
		if s.Attrs["logfire.span_type"] == "pending_span" {
			pending[s.TraceID] = append(pending[s.TraceID], s)
		} else {
			real[s.TraceID] = append(real[s.TraceID], s)
		}
	}
	return real, pending
}

// TestTailSamplingKeepsExactlyTheErrorTraces is the acceptance test of
// tail sampling: of 1,000 traces, the 10 with an error are exported, whole
// and once, and no other; the console prints all 1,000.
func TestTailSamplingKeepsExactlyTheErrorTraces(t *testing.T) {
	clearEnv(t)
	rcv := otlptest.New(t)
	var consoleOut capture.Buffer
	lf := deliveryInstance(t, rcv.URL(), WithSampling(SamplingOptions{Tail: LevelOrDuration{}.SampleRate}),
		WithConsole(&console.Options{Writer: &consoleOut}), withScheduleDelay(time.Minute))
	ctx := context.Background()
	want := map[string]bool{} // trace ids of the traces with an error
	for i := range 1000 {
		rctx, root := lf.Span(ctx, "request {i}", "i", i)
		lf.Info(rctx, "step one of {i}", "i", i)
		_, child := lf.Span(rctx, "step two of {i}", "i", i)
		if i%100 == 42 {
			lf.Error(rctx, "request {i} failed", "i", i, errors.New("boom"))
			want[root.SpanContext().TraceID().String()] = true
		}
		child.End()
		root.End()
	}
	if err := lf.ForceFlush(ctx); err != nil {
		t.Fatal(err)
	}
	real, pending := byTrace(rcv)
	if len(real) != len(want) || len(want) != 10 {
		t.Fatalf("%d traces exported, want the %d with an error", len(real), len(want))
	}
	for tid, spans := range real {
		if !want[tid] {
			t.Errorf("trace %s exported without an error", tid)
		}
		if len(spans) != 4 {
			t.Errorf("trace %s: %d spans, want 4 (root, info, child, error)", tid, len(spans))
		}
	}
	if len(pending) != 0 {
		t.Errorf("pending spans of %d traces exported, want none (every span ended before the flush)", len(pending))
	}
	if d := rcv.Duplicates(otlptest.Traces); d != 0 {
		t.Errorf("%d duplicates", d)
	}
	st := lf.SamplingStats()
	wantStats := SamplingStats{KeptTraces: 10, SampledOutTraces: 990, SampledOutSpans: 990 * 3}
	if st != wantStats {
		t.Errorf("SamplingStats %+v, want %+v", st, wantStats)
	}
	ds := lf.DeliveryStats()
	if ds.Spans.Delivered != 40 || droppedTotal(ds.Spans) != 0 {
		t.Errorf("DeliveryStats: %d spans delivered, dropped %v; want 40 and none", ds.Spans.Delivered, ds.Spans.Dropped)
	}
	out := consoleOut.String()
	for i := range 1000 {
		if !strings.Contains(out, fmt.Sprintf("request %d\n", i)) && !strings.Contains(out, fmt.Sprintf("request %d ", i)) {
			t.Fatalf("the console did not print request %d", i)
		}
	}
}

// TestTailSamplingDuration: a trace that lasts longer than the duration is
// kept, when its first span ends; a quick one is not.
func TestTailSamplingDuration(t *testing.T) {
	clearEnv(t)
	rcv := otlptest.New(t)
	lf := deliveryInstance(t, rcv.URL(), WithSampling(SamplingOptions{Tail: LevelOrDuration{Duration: time.Minute}.SampleRate}))
	tr := lf.TracerProvider().Tracer("other")
	ctx := context.Background()
	_, slow := tr.Start(ctx, "slow", trace.WithTimestamp(time.Now().Add(-2*time.Minute)))
	slow.End()
	_, quick := tr.Start(ctx, "quick")
	quick.End()
	if err := lf.ForceFlush(ctx); err != nil {
		t.Fatal(err)
	}
	spans := rcv.Spans()
	if len(spans) != 1 || spans[0].Name != "slow" {
		t.Fatalf("exported %d spans (%v), want only the slow one", len(spans), spans)
	}
	if st := lf.SamplingStats(); st.KeptTraces != 1 || st.SampledOutTraces != 1 {
		t.Errorf("SamplingStats %+v", st)
	}
}

// TestTailSamplingPendingSpans: the pending span of a span still open at
// a flush is exported for a kept trace only; a trace still undecided holds
// its pending spans back, and sends nothing, until it is decided.
func TestTailSamplingPendingSpans(t *testing.T) {
	clearEnv(t)
	rcv := otlptest.New(t)
	lf := deliveryInstance(t, rcv.URL(), WithSampling(SamplingOptions{Tail: LevelOrDuration{}.SampleRate}), withScheduleDelay(time.Minute))
	ctx := context.Background()
	actx, a := lf.Span(ctx, "kept")
	lf.Warn(actx, "worth keeping")
	bctx, b := lf.Span(ctx, "undecided")
	lf.Info(bctx, "nothing much")
	if err := lf.ForceFlush(ctx); err != nil {
		t.Fatal(err)
	}
	real, pending := byTrace(rcv)
	kept, undecided := a.SpanContext().TraceID().String(), b.SpanContext().TraceID().String()
	if len(real[kept]) != 1 || len(pending[kept]) != 1 || pending[kept][0].Name != "kept" {
		t.Errorf("kept trace: %d real and %d pending spans, want the warning and the open span's pending span", len(real[kept]), len(pending[kept]))
	}
	if len(real[undecided])+len(pending[undecided]) != 0 {
		t.Errorf("undecided trace: %d spans exported, want none", len(real[undecided])+len(pending[undecided]))
	}
	if st := lf.SamplingStats(); st.BufferedTraces != 1 || st.BufferedSpans != 1 {
		t.Errorf("SamplingStats %+v, want the undecided trace and its log buffered", st)
	}
	a.End()
	lf.Error(bctx, "now it fails")
	b.End()
	if err := lf.ForceFlush(ctx); err != nil {
		t.Fatal(err)
	}
	real, _ = byTrace(rcv)
	if len(real[kept]) != 2 || len(real[undecided]) != 3 {
		t.Errorf("after the second flush: %d and %d real spans, want 2 and 3", len(real[kept]), len(real[undecided]))
	}
}

// TestTailSamplingBufferIsBounded: with roots that never end, the buffer
// stays within its bound by dropping the traces held longest; every span
// is buffered, or counted dropped, exactly, in SamplingStats and in
// DeliveryStats ("sampling_buffer"), and the stderr line says so.
func TestTailSamplingBufferIsBounded(t *testing.T) {
	clearEnv(t)
	out := quietSelflog(t)
	rcv := otlptest.New(t)
	const max = 64 << 10
	lf := deliveryInstance(t, rcv.URL(), WithSampling(SamplingOptions{Tail: LevelOrDuration{}.SampleRate, MaxBufferBytes: max}))
	ctx := context.Background()
	const traces, logs = 1000, 5
	for i := range traces {
		rctx, _ := lf.Span(ctx, "never ends {i}", "i", i) // never ended
		for j := range logs {
			lf.Info(rctx, "log {j} of {i}", "i", i, "j", j)
		}
		if st := lf.SamplingStats(); st.BufferedBytes > max {
			t.Fatalf("after trace %d: %d bytes buffered, over the bound %d", i, st.BufferedBytes, max)
		}
	}
	st := lf.SamplingStats()
	if st.DroppedSpans == 0 || int64(st.BufferedSpans)+st.DroppedSpans != traces*logs {
		t.Errorf("SamplingStats %+v: buffered + dropped must be the %d logs, and some dropped", st, traces*logs)
	}
	if st.BufferedTraces >= traces || st.KeptTraces != 0 || st.SampledOutTraces != 0 {
		t.Errorf("SamplingStats %+v", st)
	}
	if got := lf.DeliveryStats().Spans.Dropped["sampling_buffer"]; got != st.DroppedSpans {
		t.Errorf("DeliveryStats counts %d spans dropped for the sampling buffer, SamplingStats %d", got, st.DroppedSpans)
	}
	err := lf.ForceFlush(ctx)
	var de *deliveryError
	if !errors.As(err, &de) || de.dropped[delivery.SamplingBuffer].spans != st.DroppedSpans {
		t.Errorf("ForceFlush: %v, want a delivery error with %d spans dropped (%s)", err, st.DroppedSpans, delivery.SamplingBuffer)
	}
	if rcv.Count(otlptest.Traces) != 0 {
		t.Errorf("%d spans exported from undecided traces", rcv.Count(otlptest.Traces))
	}
	lf.drops.stop()
	if !strings.Contains(out.String(), "tail-sampling buffer full") {
		t.Errorf("no stderr line about the drops: %q", out.String())
	}
}

// TestTailSamplingDecidesAtLambdaFlush: on AWS Lambda a flush decides every
// undecided trace, since the process may be frozen after it: a trace older
// than the duration is kept, others are sampled out, and nothing stays
// buffered across the freeze.
func TestTailSamplingDecidesAtLambdaFlush(t *testing.T) {
	clearEnv(t)
	t.Setenv("AWS_LAMBDA_FUNCTION_NAME", "fn")
	rcv := otlptest.New(t)
	lf := deliveryInstance(t, rcv.URL(), WithSampling(SamplingOptions{Tail: LevelOrDuration{Duration: time.Minute}.SampleRate}))
	tr := lf.TracerProvider().Tracer("other")
	ctx := context.Background()
	_, _ = tr.Start(ctx, "old and open", trace.WithTimestamp(time.Now().Add(-2*time.Minute)))
	_, _ = tr.Start(ctx, "young and open")
	if err := lf.ForceFlush(ctx); err != nil {
		t.Fatal(err)
	}
	_, pending := byTrace(rcv)
	if len(pending) != 1 {
		t.Errorf("pending spans of %d traces exported, want the old trace's", len(pending))
	}
	if st := lf.SamplingStats(); st.KeptTraces != 1 || st.SampledOutTraces != 1 || st.BufferedTraces != 0 {
		t.Errorf("SamplingStats %+v", st)
	}
}

// TestTailSamplingRemoteParent: a trace continued from another service is
// not tail-sampled (its sampling was decided where it started).
func TestTailSamplingRemoteParent(t *testing.T) {
	clearEnv(t)
	rcv := otlptest.New(t)
	lf := deliveryInstance(t, rcv.URL(), WithSampling(SamplingOptions{Tail: LevelOrDuration{}.SampleRate}))
	remote := trace.ContextWithRemoteSpanContext(context.Background(), trace.NewSpanContext(trace.SpanContextConfig{
		TraceID: trace.TraceID{1}, SpanID: trace.SpanID{2}, TraceFlags: trace.FlagsSampled, Remote: true,
	}))
	lf.Info(remote, "continued")
	if err := lf.ForceFlush(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := rcv.Count(otlptest.Traces); n != 1 {
		t.Errorf("%d spans exported, want the one continued from a remote parent", n)
	}
}

// TestTailFunctionAndPanickingRule: a function of the user's decides; a rule
// that panics keeps the trace rather than losing it or the program.
func TestTailFunctionAndPanickingRule(t *testing.T) {
	clearEnv(t)
	rcv := otlptest.New(t)
	lf := deliveryInstance(t, rcv.URL(), WithSampling(SamplingOptions{Tail: func(i SpanInfo) float64 {
		if i.Span.Name() == "panics" {
			panic("bad rule")
		}
		if i.Span.Name() == "wanted" && i.Event == "end" {
			return 1
		}
		return 0
	}}))
	ctx := context.Background()
	lf.Info(ctx, "wanted")
	lf.Info(ctx, "unwanted")
	lf.Info(ctx, "panics")
	if err := lf.ForceFlush(ctx); err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, s := range rcv.Spans() {
		names = append(names, s.Name)
	}
	if len(names) != 2 || !strings.Contains(strings.Join(names, ","), "wanted") || !strings.Contains(strings.Join(names, ","), "panics") {
		t.Errorf("exported %q, want wanted and panics", names)
	}
}

func TestLevelOrDurationDefaults(t *testing.T) {
	r := LevelOrDuration{}
	cases := []struct {
		level Level
		d     time.Duration
		want  float64
	}{
		{LevelInfo, time.Second, 0},
		{LevelNotice, 0, 1},
		{LevelError, 0, 1},
		{LevelInfo, 5 * time.Second, 0},
		{LevelInfo, 5*time.Second + 1, 1},
	}
	for _, c := range cases {
		if got := r.SampleRate(SpanInfo{Level: c.level, Duration: c.d}); got != c.want {
			t.Errorf("level %v duration %v: %v, want %v", c.level, c.d, got, c.want)
		}
	}
	never := LevelOrDuration{Duration: -1, Level: LevelError, BackgroundRate: 0.5}
	if got := never.SampleRate(SpanInfo{Level: LevelWarn, Duration: time.Hour}); got != 0.5 {
		t.Errorf("negative duration: %v, want the background rate", got)
	}
}

// TestTraceIDBelowAgreesWithOpenTelemetry: the tail sampler's rate
// decision is OpenTelemetry's TraceIDRatioBased decision, trace by trace.
func TestTraceIDBelowAgreesWithOpenTelemetry(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, rate := range []float64{0.001, 0.1, 0.25, 0.5, 0.9, 0.999} {
		otel := sdktrace.TraceIDRatioBased(rate)
		kept := 0
		for range 2000 {
			var id trace.TraceID
			binary.BigEndian.PutUint64(id[:8], rng.Uint64())
			binary.BigEndian.PutUint64(id[8:], rng.Uint64())
			want := otel.ShouldSample(sdktrace.SamplingParameters{TraceID: id}).Decision == sdktrace.RecordAndSample
			if got := traceIDBelow(id, rate); got != want {
				t.Fatalf("rate %v, trace %s: %v, OpenTelemetry says %v", rate, id, got, want)
			}
			if want {
				kept++
			}
		}
		if rate == 0.5 && (kept < 900 || kept > 1100) {
			t.Errorf("rate 0.5 kept %d of 2000", kept)
		}
	}
}

func TestWithSamplingErrors(t *testing.T) {
	clearEnv(t)
	cases := []struct {
		opts []Option
		msg  string
	}{
		{[]Option{WithSampling(SamplingOptions{Head: 1.5})}, "Head is 1.5: accepted values are numbers from 0 to 1"},
		{[]Option{WithSampling(SamplingOptions{Head: -0.5, Tail: LevelOrDuration{}.SampleRate})}, "Head is -0.5"},
		{[]Option{WithSampling(SamplingOptions{Head: math.NaN()})}, "Head is NaN"},
		{[]Option{WithSampling(SamplingOptions{Tail: LevelOrDuration{}.SampleRate, MaxBufferBytes: -1})}, "MaxBufferBytes is -1"},
	}
	for _, c := range cases {
		_, err := Configure(context.Background(), append([]Option{notDefault(), WithConsole(nil)}, c.opts...)...)
		var ce *config.Error
		if !errors.As(err, &ce) || ce.Setting != "logfire.WithSampling" || !strings.Contains(err.Error(), c.msg) {
			t.Errorf("error %v, want one from logfire.WithSampling saying %q", err, c.msg)
		}
	}
}

// TestTailRatesOutOfRange: a rate of 1 or more keeps a trace, 0, less or
// NaN does not by itself; LevelOrDuration hands its BackgroundRate on as
// it is, so a BackgroundRate above 1 keeps every trace, and a Level above
// fatal keeps none by level.
func TestTailRatesOutOfRange(t *testing.T) {
	ts := &tailSampler{}
	id := trace.TraceID{15: 1}
	for rate, keep := range map[float64]bool{1: true, 1.5: true, math.Inf(1): true, 0: false, -1: false, math.NaN(): false} {
		ts.rule = func(SpanInfo) float64 { return rate }
		if got := ts.decide(id, SpanInfo{}); got != keep {
			t.Errorf("rate %v: keep %v, want %v", rate, got, keep)
		}
	}
	if r := (LevelOrDuration{BackgroundRate: 1.5}).SampleRate(SpanInfo{Level: LevelInfo}); r != 1.5 {
		t.Errorf("BackgroundRate 1.5: rate %v", r)
	}
	if r := (LevelOrDuration{Level: 99, Duration: -1}).SampleRate(SpanInfo{Level: LevelFatal}); r != 0 {
		t.Errorf("Level 99: a fatal span gives rate %v, want 0", r)
	}
}

// BenchmarkTailSampling measures a trace of a span and two logs through
// the tail-sampling buffer, sampled out, against no tail sampling.
func BenchmarkTailSampling(b *testing.B) {
	for _, on := range []bool{false, true} {
		b.Run(fmt.Sprintf("tail=%v", on), func(b *testing.B) {
			opts := []Option{notDefault(), WithConsole(nil), WithSendToLogfire(config.SendNever),
				withLogfireProcessor(discardProcessor{})}
			if on {
				opts = append(opts, WithSampling(SamplingOptions{Tail: LevelOrDuration{}.SampleRate}))
			}
			lf, err := Configure(context.Background(), opts...)
			if err != nil {
				b.Fatal(err)
			}
			defer lf.Shutdown(context.Background())
			ctx := context.Background()
			b.ReportAllocs()
			for b.Loop() {
				rctx, s := lf.Span(ctx, "request")
				lf.Info(rctx, "one")
				lf.Info(rctx, "two")
				s.End()
			}
		})
	}
}

// discardProcessor takes spans and does nothing with them.
type discardProcessor struct{}

func (discardProcessor) OnStart(context.Context, sdktrace.ReadWriteSpan) {}
func (discardProcessor) OnEnd(sdktrace.ReadOnlySpan)                     {}
func (discardProcessor) ForceFlush(context.Context) error                { return nil }
func (discardProcessor) Shutdown(context.Context) error                  { return nil }

// TestTailSamplingConcurrent: traces whose spans start and end on several
// goroutines at once, some kept for an error, the others kept or not by a
// background rate of 0.5: exactly the traces with an error or a trace id
// below the rate are exported, each whole, and the buffer is empty after.
func TestTailSamplingConcurrent(t *testing.T) {
	clearEnv(t)
	rcv := otlptest.New(t)
	lf := deliveryInstance(t, rcv.URL(), WithSampling(SamplingOptions{Tail: LevelOrDuration{BackgroundRate: 0.5}.SampleRate}),
		withScheduleDelay(time.Minute))
	ctx := context.Background()
	var mu sync.Mutex
	want := map[string]int{} // trace id → spans it must arrive with
	var roots sync.WaitGroup
	for g := range 8 {
		roots.Go(func() {
			for i := range 25 {
				rctx, root := lf.Span(ctx, "root {g} {i}", "g", g, "i", i)
				failed := i%10 == 3
				var children sync.WaitGroup
				for c := range 4 {
					children.Go(func() {
						cctx, child := lf.Span(rctx, "child {c}", "c", c)
						if failed && c == 2 {
							lf.Error(cctx, "child {c} failed", "c", c, errors.New("boom"))
						} else {
							lf.Info(cctx, "child {c} working", "c", c)
						}
						child.End()
					})
				}
				children.Wait()
				root.End()
				tid := root.SpanContext().TraceID()
				if failed || traceIDBelow(tid, 0.5) {
					mu.Lock()
					want[tid.String()] = 1 + 4*2
					mu.Unlock()
				}
			}
		})
	}
	roots.Wait()
	if err := lf.ForceFlush(ctx); err != nil {
		t.Fatal(err)
	}
	real, _ := byTrace(rcv)
	if len(real) != len(want) {
		t.Errorf("%d traces exported, want %d (20 with an error, and those below the background rate)", len(real), len(want))
	}
	for tid, n := range want {
		if got := len(real[tid]); got != n {
			t.Errorf("trace %s: %d spans exported, want %d", tid, got, n)
		}
	}
	for tid := range real {
		if _, ok := want[tid]; !ok {
			t.Errorf("trace %s exported, neither failed nor below the rate", tid)
		}
	}
	st := lf.SamplingStats()
	if st.BufferedTraces != 0 || st.BufferedSpans != 0 || st.BufferedBytes != 0 || st.DroppedSpans != 0 ||
		st.KeptTraces != int64(len(want)) || st.KeptTraces+st.SampledOutTraces != 200 {
		t.Errorf("SamplingStats %+v, want %d kept of 200, nothing buffered or dropped", st, len(want))
	}
}
