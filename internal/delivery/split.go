package delivery

import (
	"fmt"

	collogspb "go.opentelemetry.io/proto/otlp/collector/logs/v1"
	colmetricpb "go.opentelemetry.io/proto/otlp/collector/metrics/v1"
	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	logspb "go.opentelemetry.io/proto/otlp/logs/v1"
	metricpb "go.opentelemetry.io/proto/otlp/metrics/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/protobuf/proto"
)

// A request too large for the backend is split in two halves by records
// (spans, log records, metric data points), each keeping its resource and
// scope, and each half is sent on its own (and split again if need be).

// split decodes the OTLP protobuf body of sig and returns its two halves,
// encoded, with their record counts. It fails for a body that does not
// decode or holds fewer than two records.
func split(sig Signal, raw []byte) (halves [2][]byte, counts [2]int, err error) {
	var parts [2]proto.Message
	switch sig {
	case Spans:
		var req coltracepb.ExportTraceServiceRequest
		if err := proto.Unmarshal(raw, &req); err != nil {
			return halves, counts, err
		}
		a, b, na, nb := traceTree.split(req.ResourceSpans)
		parts = [2]proto.Message{&coltracepb.ExportTraceServiceRequest{ResourceSpans: a}, &coltracepb.ExportTraceServiceRequest{ResourceSpans: b}}
		counts = [2]int{na, nb}
	case Logs:
		var req collogspb.ExportLogsServiceRequest
		if err := proto.Unmarshal(raw, &req); err != nil {
			return halves, counts, err
		}
		a, b, na, nb := logTree.split(req.ResourceLogs)
		parts = [2]proto.Message{&collogspb.ExportLogsServiceRequest{ResourceLogs: a}, &collogspb.ExportLogsServiceRequest{ResourceLogs: b}}
		counts = [2]int{na, nb}
	default:
		var req colmetricpb.ExportMetricsServiceRequest
		if err := proto.Unmarshal(raw, &req); err != nil {
			return halves, counts, err
		}
		a, b, na, nb := metricTree.split(req.ResourceMetrics)
		parts = [2]proto.Message{&colmetricpb.ExportMetricsServiceRequest{ResourceMetrics: a}, &colmetricpb.ExportMetricsServiceRequest{ResourceMetrics: b}}
		counts = [2]int{na, nb}
	}
	if counts[0] == 0 || counts[1] == 0 {
		return halves, counts, fmt.Errorf("a request of one record cannot be split")
	}
	for i, p := range parts {
		if halves[i], err = proto.Marshal(p); err != nil {
			return halves, counts, err
		}
	}
	return halves, counts, nil
}

// countRecords counts the records of an encoded request of sig, or
// returns 0 if it does not decode.
func countRecords(sig Signal, raw []byte) int {
	switch sig {
	case Spans:
		var req coltracepb.ExportTraceServiceRequest
		if proto.Unmarshal(raw, &req) != nil {
			return 0
		}
		return traceTree.count(req.ResourceSpans)
	case Logs:
		var req collogspb.ExportLogsServiceRequest
		if proto.Unmarshal(raw, &req) != nil {
			return 0
		}
		return logTree.count(req.ResourceLogs)
	default:
		var req colmetricpb.ExportMetricsServiceRequest
		if proto.Unmarshal(raw, &req) != nil {
			return 0
		}
		return metricTree.count(req.ResourceMetrics)
	}
}

// rejectedRecords reads the partial success of an OTLP response body: the
// records the backend did not take.
func rejectedRecords(sig Signal, body []byte) (int64, string) {
	if len(body) == 0 {
		return 0, ""
	}
	switch sig {
	case Spans:
		var r coltracepb.ExportTraceServiceResponse
		if proto.Unmarshal(body, &r) != nil || r.PartialSuccess == nil {
			return 0, ""
		}
		return r.PartialSuccess.RejectedSpans, r.PartialSuccess.ErrorMessage
	case Logs:
		var r collogspb.ExportLogsServiceResponse
		if proto.Unmarshal(body, &r) != nil || r.PartialSuccess == nil {
			return 0, ""
		}
		return r.PartialSuccess.RejectedLogRecords, r.PartialSuccess.ErrorMessage
	default:
		var r colmetricpb.ExportMetricsServiceResponse
		if proto.Unmarshal(body, &r) != nil || r.PartialSuccess == nil {
			return 0, ""
		}
		return r.PartialSuccess.RejectedDataPoints, r.PartialSuccess.ErrorMessage
	}
}

// tree is how a request of one signal nests its records: resources hold
// scopes, which hold items (spans, log records, metrics); an item weighs
// its records (a metric its data points) and, if it weighs more than one,
// can be cut.
type tree[R, S, I any] struct {
	scopes   func(R) []S
	items    func(S) []I
	weight   func(I) int
	cut      func(i I, from, to int) I // the records [from, to) of i
	newScope func(S, []I) S
	newRes   func(R, []S) R
}

// count is the weight of in: its records.
func (t tree[R, S, I]) count(in []R) int {
	total := 0
	for _, r := range in {
		for _, s := range t.scopes(r) {
			for _, i := range t.items(s) {
				total += t.weight(i)
			}
		}
	}
	return total
}

// split cuts in into two halves by weight, keeping every resource and
// scope around its part of the records.
func (t tree[R, S, I]) split(in []R) (a, b []R, na, nb int) {
	total := t.count(in)
	half := total / 2
	seen := 0
	for _, r := range in {
		var ra, rb []S
		for _, s := range t.scopes(r) {
			var ia, ib []I
			for _, i := range t.items(s) {
				w := t.weight(i)
				switch cut := min(max(half-seen, 0), w); cut {
				case w:
					ia = append(ia, i)
				case 0:
					ib = append(ib, i)
				default:
					ia = append(ia, t.cut(i, 0, cut))
					ib = append(ib, t.cut(i, cut, w))
				}
				seen += w
			}
			if ia != nil {
				ra = append(ra, t.newScope(s, ia))
			}
			if ib != nil {
				rb = append(rb, t.newScope(s, ib))
			}
		}
		if ra != nil {
			a = append(a, t.newRes(r, ra))
		}
		if rb != nil {
			b = append(b, t.newRes(r, rb))
		}
	}
	return a, b, half, total - half
}

func one[I any](I) int { return 1 }

var traceTree = tree[*tracepb.ResourceSpans, *tracepb.ScopeSpans, *tracepb.Span]{
	scopes: func(r *tracepb.ResourceSpans) []*tracepb.ScopeSpans { return r.ScopeSpans },
	items:  func(s *tracepb.ScopeSpans) []*tracepb.Span { return s.Spans },
	weight: one[*tracepb.Span],
	newScope: func(s *tracepb.ScopeSpans, spans []*tracepb.Span) *tracepb.ScopeSpans {
		return &tracepb.ScopeSpans{Scope: s.Scope, SchemaUrl: s.SchemaUrl, Spans: spans}
	},
	newRes: func(r *tracepb.ResourceSpans, ss []*tracepb.ScopeSpans) *tracepb.ResourceSpans {
		return &tracepb.ResourceSpans{Resource: r.Resource, SchemaUrl: r.SchemaUrl, ScopeSpans: ss}
	},
}

var logTree = tree[*logspb.ResourceLogs, *logspb.ScopeLogs, *logspb.LogRecord]{
	scopes: func(r *logspb.ResourceLogs) []*logspb.ScopeLogs { return r.ScopeLogs },
	items:  func(s *logspb.ScopeLogs) []*logspb.LogRecord { return s.LogRecords },
	weight: one[*logspb.LogRecord],
	newScope: func(s *logspb.ScopeLogs, recs []*logspb.LogRecord) *logspb.ScopeLogs {
		return &logspb.ScopeLogs{Scope: s.Scope, SchemaUrl: s.SchemaUrl, LogRecords: recs}
	},
	newRes: func(r *logspb.ResourceLogs, sl []*logspb.ScopeLogs) *logspb.ResourceLogs {
		return &logspb.ResourceLogs{Resource: r.Resource, SchemaUrl: r.SchemaUrl, ScopeLogs: sl}
	},
}

var metricTree = tree[*metricpb.ResourceMetrics, *metricpb.ScopeMetrics, *metricpb.Metric]{
	scopes: func(r *metricpb.ResourceMetrics) []*metricpb.ScopeMetrics { return r.ScopeMetrics },
	items:  func(s *metricpb.ScopeMetrics) []*metricpb.Metric { return s.Metrics },
	weight: pointCount,
	cut:    slicePoints,
	newScope: func(s *metricpb.ScopeMetrics, ms []*metricpb.Metric) *metricpb.ScopeMetrics {
		return &metricpb.ScopeMetrics{Scope: s.Scope, SchemaUrl: s.SchemaUrl, Metrics: ms}
	},
	newRes: func(r *metricpb.ResourceMetrics, sm []*metricpb.ScopeMetrics) *metricpb.ResourceMetrics {
		return &metricpb.ResourceMetrics{Resource: r.Resource, SchemaUrl: r.SchemaUrl, ScopeMetrics: sm}
	},
}

// pointCount is the number of data points of m.
func pointCount(m *metricpb.Metric) int {
	switch d := m.Data.(type) {
	case *metricpb.Metric_Gauge:
		return len(d.Gauge.GetDataPoints())
	case *metricpb.Metric_Sum:
		return len(d.Sum.GetDataPoints())
	case *metricpb.Metric_Histogram:
		return len(d.Histogram.GetDataPoints())
	case *metricpb.Metric_ExponentialHistogram:
		return len(d.ExponentialHistogram.GetDataPoints())
	case *metricpb.Metric_Summary:
		return len(d.Summary.GetDataPoints())
	}
	return 0
}

// slicePoints returns a copy of m with its data points [from, to).
func slicePoints(m *metricpb.Metric, from, to int) *metricpb.Metric {
	out := &metricpb.Metric{Name: m.Name, Description: m.Description, Unit: m.Unit, Metadata: m.Metadata}
	switch d := m.Data.(type) {
	case *metricpb.Metric_Gauge:
		out.Data = &metricpb.Metric_Gauge{Gauge: &metricpb.Gauge{DataPoints: d.Gauge.DataPoints[from:to]}}
	case *metricpb.Metric_Sum:
		out.Data = &metricpb.Metric_Sum{Sum: &metricpb.Sum{DataPoints: d.Sum.DataPoints[from:to],
			AggregationTemporality: d.Sum.AggregationTemporality, IsMonotonic: d.Sum.IsMonotonic}}
	case *metricpb.Metric_Histogram:
		out.Data = &metricpb.Metric_Histogram{Histogram: &metricpb.Histogram{DataPoints: d.Histogram.DataPoints[from:to],
			AggregationTemporality: d.Histogram.AggregationTemporality}}
	case *metricpb.Metric_ExponentialHistogram:
		out.Data = &metricpb.Metric_ExponentialHistogram{ExponentialHistogram: &metricpb.ExponentialHistogram{
			DataPoints: d.ExponentialHistogram.DataPoints[from:to], AggregationTemporality: d.ExponentialHistogram.AggregationTemporality}}
	case *metricpb.Metric_Summary:
		out.Data = &metricpb.Metric_Summary{Summary: &metricpb.Summary{DataPoints: d.Summary.DataPoints[from:to]}}
	}
	return out
}
