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
		a, b, na, nb := splitTraces(req.ResourceSpans)
		parts = [2]proto.Message{&coltracepb.ExportTraceServiceRequest{ResourceSpans: a}, &coltracepb.ExportTraceServiceRequest{ResourceSpans: b}}
		counts = [2]int{na, nb}
	case Logs:
		var req collogspb.ExportLogsServiceRequest
		if err := proto.Unmarshal(raw, &req); err != nil {
			return halves, counts, err
		}
		a, b, na, nb := splitLogs(req.ResourceLogs)
		parts = [2]proto.Message{&collogspb.ExportLogsServiceRequest{ResourceLogs: a}, &collogspb.ExportLogsServiceRequest{ResourceLogs: b}}
		counts = [2]int{na, nb}
	default:
		var req colmetricpb.ExportMetricsServiceRequest
		if err := proto.Unmarshal(raw, &req); err != nil {
			return halves, counts, err
		}
		a, b, na, nb := splitMetrics(req.ResourceMetrics)
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
		n := 0
		for _, rs := range req.ResourceSpans {
			for _, ss := range rs.ScopeSpans {
				n += len(ss.Spans)
			}
		}
		return n
	case Logs:
		var req collogspb.ExportLogsServiceRequest
		if proto.Unmarshal(raw, &req) != nil {
			return 0
		}
		n := 0
		for _, rl := range req.ResourceLogs {
			for _, sl := range rl.ScopeLogs {
				n += len(sl.LogRecords)
			}
		}
		return n
	default:
		var req colmetricpb.ExportMetricsServiceRequest
		if proto.Unmarshal(raw, &req) != nil {
			return 0
		}
		n := 0
		for _, rm := range req.ResourceMetrics {
			for _, sm := range rm.ScopeMetrics {
				for _, m := range sm.Metrics {
					n += pointCount(m)
				}
			}
		}
		return n
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

func splitTraces(in []*tracepb.ResourceSpans) (a, b []*tracepb.ResourceSpans, na, nb int) {
	total := 0
	for _, rs := range in {
		for _, ss := range rs.ScopeSpans {
			total += len(ss.Spans)
		}
	}
	half := total / 2
	seen := 0
	for _, rs := range in {
		var ra, rb []*tracepb.ScopeSpans
		for _, ss := range rs.ScopeSpans {
			cut := min(max(half-seen, 0), len(ss.Spans))
			if cut > 0 {
				ra = append(ra, &tracepb.ScopeSpans{Scope: ss.Scope, SchemaUrl: ss.SchemaUrl, Spans: ss.Spans[:cut]})
			}
			if cut < len(ss.Spans) {
				rb = append(rb, &tracepb.ScopeSpans{Scope: ss.Scope, SchemaUrl: ss.SchemaUrl, Spans: ss.Spans[cut:]})
			}
			seen += len(ss.Spans)
		}
		if ra != nil {
			a = append(a, &tracepb.ResourceSpans{Resource: rs.Resource, SchemaUrl: rs.SchemaUrl, ScopeSpans: ra})
		}
		if rb != nil {
			b = append(b, &tracepb.ResourceSpans{Resource: rs.Resource, SchemaUrl: rs.SchemaUrl, ScopeSpans: rb})
		}
	}
	return a, b, half, total - half
}

func splitLogs(in []*logspb.ResourceLogs) (a, b []*logspb.ResourceLogs, na, nb int) {
	total := 0
	for _, rl := range in {
		for _, sl := range rl.ScopeLogs {
			total += len(sl.LogRecords)
		}
	}
	half := total / 2
	seen := 0
	for _, rl := range in {
		var ra, rb []*logspb.ScopeLogs
		for _, sl := range rl.ScopeLogs {
			cut := min(max(half-seen, 0), len(sl.LogRecords))
			if cut > 0 {
				ra = append(ra, &logspb.ScopeLogs{Scope: sl.Scope, SchemaUrl: sl.SchemaUrl, LogRecords: sl.LogRecords[:cut]})
			}
			if cut < len(sl.LogRecords) {
				rb = append(rb, &logspb.ScopeLogs{Scope: sl.Scope, SchemaUrl: sl.SchemaUrl, LogRecords: sl.LogRecords[cut:]})
			}
			seen += len(sl.LogRecords)
		}
		if ra != nil {
			a = append(a, &logspb.ResourceLogs{Resource: rl.Resource, SchemaUrl: rl.SchemaUrl, ScopeLogs: ra})
		}
		if rb != nil {
			b = append(b, &logspb.ResourceLogs{Resource: rl.Resource, SchemaUrl: rl.SchemaUrl, ScopeLogs: rb})
		}
	}
	return a, b, half, total - half
}

func splitMetrics(in []*metricpb.ResourceMetrics) (a, b []*metricpb.ResourceMetrics, na, nb int) {
	total := 0
	for _, rm := range in {
		for _, sm := range rm.ScopeMetrics {
			for _, m := range sm.Metrics {
				total += pointCount(m)
			}
		}
	}
	half := total / 2
	seen := 0
	for _, rm := range in {
		var ra, rb []*metricpb.ScopeMetrics
		for _, sm := range rm.ScopeMetrics {
			var ma, mb []*metricpb.Metric
			for _, m := range sm.Metrics {
				n := pointCount(m)
				cut := min(max(half-seen, 0), n)
				if cut > 0 {
					ma = append(ma, slicePoints(m, 0, cut))
				}
				if cut < n {
					mb = append(mb, slicePoints(m, cut, n))
				}
				seen += n
			}
			if ma != nil {
				ra = append(ra, &metricpb.ScopeMetrics{Scope: sm.Scope, SchemaUrl: sm.SchemaUrl, Metrics: ma})
			}
			if mb != nil {
				rb = append(rb, &metricpb.ScopeMetrics{Scope: sm.Scope, SchemaUrl: sm.SchemaUrl, Metrics: mb})
			}
		}
		if ra != nil {
			a = append(a, &metricpb.ResourceMetrics{Resource: rm.Resource, SchemaUrl: rm.SchemaUrl, ScopeMetrics: ra})
		}
		if rb != nil {
			b = append(b, &metricpb.ResourceMetrics{Resource: rm.Resource, SchemaUrl: rm.SchemaUrl, ScopeMetrics: rb})
		}
	}
	return a, b, half, total - half
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
