package delivery

import (
	"bytes"
	"context"
	"strings"
	"testing"

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
