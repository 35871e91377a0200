package delivery

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/protobuf/proto"

	"github.com/logfire-go/sdk/internal/otlptest"
)

// traceRequest encodes an ExportTraceServiceRequest of n spans in two
// resources.
func traceRequest(t testing.TB, n int) []byte {
	t.Helper()
	var rss []*tracepb.ResourceSpans
	for r := range 2 {
		ss := &tracepb.ScopeSpans{Scope: &commonpb.InstrumentationScope{Name: "s"}}
		for i := r; i < n; i += 2 {
			id := []byte{0, 0, 0, 0, 0, 0, byte(i >> 8), byte(i) + 1}
			ss.Spans = append(ss.Spans, &tracepb.Span{TraceId: bytes.Repeat([]byte{1}, 16), SpanId: id, Name: "span"})
		}
		rss = append(rss, &tracepb.ResourceSpans{ScopeSpans: []*tracepb.ScopeSpans{ss}})
	}
	b, err := proto.Marshal(&coltracepb.ExportTraceServiceRequest{ResourceSpans: rss})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// post sends raw, n spans, through tr in mode.
func post(tr *Sender, ctx context.Context, mode Mode, raw []byte, n int) {
	tr.Send(ctx, mode, Spans, raw, n)
}

func newTestSender(t testing.TB, base string, cfg Config) *Sender {
	t.Helper()
	for _, sig := range Signals {
		cfg.Endpoints[sig] = Endpoint{URL: base + sig.Path(), Headers: map[string]string{"Authorization": "tok"}}
	}
	tr, err := NewSender(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(tr.Close)
	return tr
}

func TestRetryAfter(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for v, want := range map[string]time.Duration{
		"":                              0,
		"3":                             3 * time.Second,
		"-1":                            0,
		"nonsense":                      0,
		"99999999999999":                maxRetryAfter,
		"Thu, 01 Jan 2026 00:00:07 GMT": 7 * time.Second,
	} {
		if got := retryAfter(v, now); got != want {
			t.Errorf("retryAfter(%q) = %v, want %v", v, got, want)
		}
	}
	for n := 1; n < 40; n++ {
		if d := backoff(n); d <= 0 || d > maxBackoff {
			t.Errorf("backoff(%d) = %v", n, d)
		}
	}
}

// TestRetryAfterIsHonoured: after a 503 with Retry-After, nothing is sent
// to the backend before the time it gave, not even by a flush; Shutdown
// still tries.
func TestRetryAfterIsHonoured(t *testing.T) {
	rcv := otlptest.New(t)
	rcv.SetFault(otlptest.Status(503, 30*time.Second))
	tr := newTestSender(t, rcv.URL(), Config{})
	post(tr, context.Background(), Background, traceRequest(t, 4), 4)
	if n := rcv.Requests(otlptest.Traces); n != 1 {
		t.Fatalf("%d requests, want 1", n)
	}
	rcv.SetFault(otlptest.OK)
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	post(tr, ctx, Flush, traceRequest(t, 2), 2)
	tr.Drain(ctx, Flush)
	if n := rcv.Requests(otlptest.Traces); n != 1 {
		t.Errorf("%d requests before the Retry-After passed, want 1", n)
	}
	if got := tr.Buffered()[Spans]; got != 6 {
		t.Errorf("buffered %d", got)
	}
	tr.Shutdown(ctx)
	if got := rcv.Count(otlptest.Traces); got != 6 {
		t.Errorf("Shutdown delivered %d of 6", got)
	}
}

// TestPartialSuccessIsCounted: records a backend rejects in a partial
// success are dropped (Rejected), the others delivered.
func TestPartialSuccessIsCounted(t *testing.T) {
	rcv := otlptest.New(t)
	rcv.SetFault(otlptest.PartialSuccess(2))
	tr := newTestSender(t, rcv.URL(), Config{})
	post(tr, context.Background(), Flush, traceRequest(t, 5), 5)
	s := tr.Counters().Snapshot()
	if s.Delivered[Spans] != 3 || s.Dropped[Spans][Rejected] != 2 || !strings.Contains(s.Cause[Spans][Rejected], "rejected 2 of its 5 spans") {
		t.Errorf("delivered %d, rejected %d (%s)", s.Delivered[Spans], s.Dropped[Spans][Rejected], s.Cause[Spans][Rejected])
	}
}

// TestTooLargeRequestsAreSplitByRecords: a request the backend refuses as
// too large (413) goes out again in parts, by records, until each fits.
func TestTooLargeRequestsAreSplitByRecords(t *testing.T) {
	raw := traceRequest(t, 64)
	rcv := otlptest.New(t, otlptest.WithMaxBodyBytes(int64(len(raw)/3)))
	tr := newTestSender(t, rcv.URL(), Config{})
	post(tr, context.Background(), Flush, raw, 64)
	if got := rcv.Count(otlptest.Traces); got != 64 {
		t.Errorf("delivered %d of 64", got)
	}
	if n := rcv.Requests(otlptest.Traces); n < 4 {
		t.Errorf("%d requests, want the request split in at least 4", n)
	}
}

// TestDoneContextSendsNothing: a request whose context had ended is kept.
func TestDoneContextSendsNothing(t *testing.T) {
	rcv := otlptest.New(t)
	tr := newTestSender(t, rcv.URL(), Config{})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	post(tr, ctx, Flush, traceRequest(t, 3), 3)
	if rcv.Requests(otlptest.Traces) != 0 || tr.Buffered()[Spans] != 3 {
		t.Errorf("requests %d, buffered %d", rcv.Requests(otlptest.Traces), tr.Buffered()[Spans])
	}
}

// TestBreakerProbesOncePerFlush: with the backend hanging, the first flush
// spends its context; the next one costs one probe, even with several
// requests to send.
func TestBreakerProbesOncePerFlush(t *testing.T) {
	rcv := otlptest.New(t)
	rcv.SetFault(otlptest.Hang)
	tr := newTestSender(t, rcv.URL(), Config{ProbeTimeout: 100 * time.Millisecond})
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	post(tr, ctx, Flush, traceRequest(t, 2), 2)
	cancel()
	if open, cause := tr.Outage(); !open || !strings.Contains(cause, "no answer") {
		t.Fatalf("outage %v %q", open, cause)
	}
	before := rcv.Requests(otlptest.Traces)
	ctx2, cancel2 := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel2()
	end := tr.BeginFlush()
	post(tr, ctx2, Flush, traceRequest(t, 2), 2)
	post(tr, ctx2, Flush, traceRequest(t, 2), 2)
	tr.Drain(ctx2, Flush)
	end()
	if n := rcv.Requests(otlptest.Traces) - before; n != 1 {
		t.Errorf("the flush sent %d requests to a failing backend, want one probe", n)
	}
	if got := tr.Buffered()[Spans]; got != 6 {
		t.Errorf("buffered %d", got)
	}
}

// TestBreakerProbeBoundsTheWholeFlush: the probe timeout counts from the
// start of the flush, so an export that comes after the flush has spent
// it sends nothing to the failing backend and keeps its records.
func TestBreakerProbeBoundsTheWholeFlush(t *testing.T) {
	rcv := otlptest.New(t)
	rcv.SetFault(otlptest.Hang)
	const probe = 50 * time.Millisecond
	tr := newTestSender(t, rcv.URL(), Config{ProbeTimeout: probe})
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	post(tr, ctx, Flush, traceRequest(t, 2), 2)
	cancel()
	if open, _ := tr.Outage(); !open {
		t.Fatal("the breaker did not open")
	}
	before := rcv.Requests(otlptest.Traces)
	ctx2, cancel2 := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel2()
	end := tr.BeginFlush()
	defer end()
	time.Sleep(probe + 10*time.Millisecond) // the flush's own work took the whole probe
	post(tr, ctx2, Flush, traceRequest(t, 3), 3)
	if n := rcv.Requests(otlptest.Traces) - before; n != 0 {
		t.Errorf("the flush sent %d requests after its probe time was spent, want none", n)
	}
	if got := tr.Buffered()[Spans]; got != 5 {
		t.Errorf("buffered %d, want 5", got)
	}
}
