package otlpwire

import (
	"bytes"
	"testing"

	colmetricpb "go.opentelemetry.io/proto/otlp/collector/metrics/v1"
	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	metricpb "go.opentelemetry.io/proto/otlp/metrics/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/protobuf/proto"
)

// traceRequest encodes, with the official types, an
// ExportTraceServiceRequest of n spans in two resources.
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

// TestSplitKeepsEveryRecord: a request split in two keeps every record,
// in halves of half the records, each with its resource and scope; a
// metric is cut between its data points; a request of one record is not
// split.
func TestSplitKeepsEveryRecord(t *testing.T) {
	raw := traceRequest(t, 7)
	halves, counts, err := Split(Spans, raw)
	if err != nil || counts != [2]int{3, 4} {
		t.Fatalf("split: %v %v", counts, err)
	}
	seen := map[string]bool{}
	for i, h := range halves {
		var req coltracepb.ExportTraceServiceRequest
		if err := proto.Unmarshal(h, &req); err != nil {
			t.Fatalf("half %d does not decode: %v", i, err)
		}
		n := 0
		for _, rs := range req.ResourceSpans {
			for _, ss := range rs.ScopeSpans {
				if ss.Scope.GetName() != "s" {
					t.Errorf("half %d lost a scope", i)
				}
				for _, s := range ss.Spans {
					seen[string(s.SpanId)] = true
					n++
				}
			}
		}
		if c, _ := Count(Spans, h); c != n || n != counts[i] {
			t.Errorf("half %d: %d spans, Count %d, want %d", i, n, c, counts[i])
		}
	}
	if len(seen) != 7 {
		t.Errorf("%d distinct spans in the halves, want 7", len(seen))
	}
	if _, _, err := Split(Spans, traceRequest(t, 1)); err == nil {
		t.Error("a request of one record was split")
	}
	if _, _, err := Split(Spans, []byte{0xff, 0xff}); err == nil {
		t.Error("garbage was split")
	}

	m := &colmetricpb.ExportMetricsServiceRequest{ResourceMetrics: []*metricpb.ResourceMetrics{{ScopeMetrics: []*metricpb.ScopeMetrics{{Metrics: []*metricpb.Metric{
		{Name: "a", Data: &metricpb.Metric_Sum{Sum: &metricpb.Sum{DataPoints: make([]*metricpb.NumberDataPoint, 3), IsMonotonic: true,
			AggregationTemporality: metricpb.AggregationTemporality_AGGREGATION_TEMPORALITY_DELTA}}},
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
	mh, mc, err := Split(Metrics, mraw)
	if err != nil || mc != [2]int{2, 3} {
		t.Fatalf("metric split: %v %v", mc, err)
	}
	var first colmetricpb.ExportMetricsServiceRequest
	if err := proto.Unmarshal(mh[0], &first); err != nil {
		t.Fatal(err)
	}
	sum := first.ResourceMetrics[0].ScopeMetrics[0].Metrics[0].GetSum()
	if len(sum.GetDataPoints()) != 2 || !sum.IsMonotonic || sum.AggregationTemporality != metricpb.AggregationTemporality_AGGREGATION_TEMPORALITY_DELTA {
		t.Errorf("the first half's sum lost points or its temporality: %v", sum)
	}
	if c, _ := Count(Metrics, mh[1]); c != 3 {
		t.Errorf("the second half holds %d points, want 3", c)
	}
}
