package delivery

import (
	"bytes"
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	colmetricpb "go.opentelemetry.io/proto/otlp/collector/metrics/v1"
	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	metricpb "go.opentelemetry.io/proto/otlp/metrics/v1"
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

// post sends raw to tr as an OTel exporter would, with n records.
func post(t testing.TB, tr *Transport, ctx context.Context, path string, raw []byte, n int) {
	t.Helper()
	ctx, seen := WithCall(ctx, Spans, n)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, "http://ignored"+path, bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := tr.RoundTrip(req)
	if err != nil || resp.StatusCode != 200 || !seen() {
		t.Fatalf("RoundTrip: %v %v (seen %v)", resp, err, seen())
	}
}

func newTestTransport(t testing.TB, url string, cfg Config) *Transport {
	t.Helper()
	cfg.BaseURL = url
	cfg.Headers = map[string]string{"Authorization": "tok"}
	tr, err := NewTransport(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(tr.Close)
	return tr
}

func TestSplitKeepsEveryRecord(t *testing.T) {
	raw := traceRequest(t, 7)
	halves, counts, err := split(Spans, raw)
	if err != nil || counts != [2]int{3, 4} {
		t.Fatalf("split: %v %v", counts, err)
	}
	if countRecords(Spans, halves[0])+countRecords(Spans, halves[1]) != 7 {
		t.Errorf("records lost")
	}
	if _, _, err := split(Spans, traceRequest(t, 1)); err == nil {
		t.Error("one record split")
	}
	m := &colmetricpb.ExportMetricsServiceRequest{ResourceMetrics: []*metricpb.ResourceMetrics{{ScopeMetrics: []*metricpb.ScopeMetrics{{Metrics: []*metricpb.Metric{
		{Name: "a", Data: &metricpb.Metric_Sum{Sum: &metricpb.Sum{DataPoints: make([]*metricpb.NumberDataPoint, 3), IsMonotonic: true}}},
		{Name: "b", Data: &metricpb.Metric_Gauge{Gauge: &metricpb.Gauge{DataPoints: make([]*metricpb.NumberDataPoint, 2)}}},
	}}}}}}
	fill := func(dps []*metricpb.NumberDataPoint) {
		for i := range dps {
			dps[i] = &metricpb.NumberDataPoint{Value: &metricpb.NumberDataPoint_AsInt{AsInt: int64(i)}}
		}
	}
	fill(m.ResourceMetrics[0].ScopeMetrics[0].Metrics[0].GetSum().DataPoints)
	fill(m.ResourceMetrics[0].ScopeMetrics[0].Metrics[1].GetGauge().DataPoints)
	mraw, _ := proto.Marshal(m)
	mh, mc, err := split(Metrics, mraw)
	if err != nil || mc != [2]int{2, 3} || countRecords(Metrics, mh[0]) != 2 || countRecords(Metrics, mh[1]) != 3 {
		t.Errorf("metric split: %v %v", mc, err)
	}
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
	tr := newTestTransport(t, rcv.URL(), Config{})
	post(t, tr, context.Background(), "/v1/traces", traceRequest(t, 4), 4)
	if n := rcv.Requests(otlptest.Traces); n != 1 {
		t.Fatalf("%d requests, want 1", n)
	}
	rcv.SetFault(otlptest.OK)
	ctx, cancel := context.WithTimeout(WithFlush(context.Background()), time.Second)
	defer cancel()
	post(t, tr, ctx, "/v1/traces", traceRequest(t, 2), 2)
	tr.Drain(ctx)
	if n := rcv.Requests(otlptest.Traces); n != 1 {
		t.Errorf("%d requests before the Retry-After passed, want 1", n)
	}
	if got := tr.Buffered()[Spans]; got != 6 {
		t.Errorf("buffered %d", got)
	}
	tr.Shutdown(WithShutdown(ctx))
	if got := rcv.Count(otlptest.Traces); got != 6 {
		t.Errorf("Shutdown delivered %d of 6", got)
	}
}

// TestPartialSuccessIsCounted: records a backend rejects in a partial
// success are dropped (Rejected), the others delivered.
func TestPartialSuccessIsCounted(t *testing.T) {
	rcv := otlptest.New(t)
	rcv.SetFault(otlptest.PartialSuccess(2))
	tr := newTestTransport(t, rcv.URL(), Config{})
	post(t, tr, WithFlush(context.Background()), "/v1/traces", traceRequest(t, 5), 5)
	s := tr.Counters().Snapshot()
	if s.Delivered[Spans] != 3 || s.Dropped[Spans][Rejected] != 2 || !strings.Contains(s.Cause[Spans][Rejected], "rejected 2 of its 5 spans") {
		t.Errorf("delivered %d, rejected %d (%s)", s.Delivered[Spans], s.Dropped[Spans][Rejected], s.Cause[Spans][Rejected])
	}
}

// TestLargeRequestsAreSplitBeforeSending: a request over the limit goes
// out in parts, each under it.
func TestLargeRequestsAreSplitBeforeSending(t *testing.T) {
	raw := traceRequest(t, 64)
	rcv := otlptest.New(t, otlptest.WithMaxBodyBytes(int64(len(raw)/3)))
	tr := newTestTransport(t, rcv.URL(), Config{MaxRequestBytes: len(raw) / 4})
	post(t, tr, WithFlush(context.Background()), "/v1/traces", raw, 64)
	if got := rcv.Count(otlptest.Traces); got != 64 {
		t.Errorf("delivered %d of 64", got)
	}
	if n := rcv.Requests(otlptest.Traces); n < 4 {
		t.Errorf("%d requests, want the request split in at least 4", n)
	}
}

// TestKeepOnlySendsNothing: an export whose context had ended is kept.
func TestKeepOnlySendsNothing(t *testing.T) {
	rcv := otlptest.New(t)
	tr := newTestTransport(t, rcv.URL(), Config{})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	post(t, tr, KeepOnly(ctx), "/v1/traces", traceRequest(t, 3), 3)
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
	tr := newTestTransport(t, rcv.URL(), Config{ProbeTimeout: 100 * time.Millisecond})
	ctx, cancel := context.WithTimeout(WithFlush(context.Background()), 300*time.Millisecond)
	post(t, tr, ctx, "/v1/traces", traceRequest(t, 2), 2)
	cancel()
	if open, cause := tr.Outage(); !open || !strings.Contains(cause, "no answer") {
		t.Fatalf("outage %v %q", open, cause)
	}
	before := rcv.Requests(otlptest.Traces)
	ctx2, cancel2 := context.WithTimeout(WithFlush(context.Background()), 5*time.Second)
	defer cancel2()
	post(t, tr, ctx2, "/v1/traces", traceRequest(t, 2), 2)
	post(t, tr, ctx2, "/v1/traces", traceRequest(t, 2), 2)
	tr.Drain(ctx2)
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
	tr := newTestTransport(t, rcv.URL(), Config{ProbeTimeout: probe})
	ctx, cancel := context.WithTimeout(WithFlush(context.Background()), 200*time.Millisecond)
	post(t, tr, ctx, "/v1/traces", traceRequest(t, 2), 2)
	cancel()
	if open, _ := tr.Outage(); !open {
		t.Fatal("the breaker did not open")
	}
	before := rcv.Requests(otlptest.Traces)
	ctx2, cancel2 := context.WithTimeout(WithFlush(context.Background()), 5*time.Second)
	defer cancel2()
	time.Sleep(probe + 10*time.Millisecond) // the flush's own work took the whole probe
	post(t, tr, ctx2, "/v1/traces", traceRequest(t, 3), 3)
	if n := rcv.Requests(otlptest.Traces) - before; n != 0 {
		t.Errorf("the flush sent %d requests after its probe time was spent, want none", n)
	}
	if got := tr.Buffered()[Spans]; got != 5 {
		t.Errorf("buffered %d, want 5", got)
	}
}
