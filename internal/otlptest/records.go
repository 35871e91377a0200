package otlptest

import (
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"time"

	collogspb "go.opentelemetry.io/proto/otlp/collector/logs/v1"
	colmetricpb "go.opentelemetry.io/proto/otlp/collector/metrics/v1"
	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	logspb "go.opentelemetry.io/proto/otlp/logs/v1"
	metricspb "go.opentelemetry.io/proto/otlp/metrics/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/protobuf/proto"
)

// Signal is one of the three OTLP signals.
type Signal int

// The signals, each served on its own path (see [Signal.Path]).
const (
	Traces Signal = iota
	Metrics
	Logs
)

const numSignals = 3

var signalNames = [numSignals]string{"traces", "metrics", "logs"}

// String is "traces", "metrics" or "logs".
func (s Signal) String() string {
	if s < 0 || s >= numSignals {
		return fmt.Sprintf("Signal(%d)", int(s))
	}
	return signalNames[s]
}

// Path is the signal's OTLP/HTTP path: "/v1/traces", "/v1/metrics" or
// "/v1/logs".
func (s Signal) Path() string { return "/v1/" + s.String() }

func (s Signal) check() {
	if s < 0 || s >= numSignals {
		panic(fmt.Sprintf("otlptest: unknown %v", s))
	}
}

func signalOf(path string) (Signal, bool) {
	for i, name := range signalNames {
		if path == "/v1/"+name {
			return Signal(i), true
		}
	}
	return 0, false
}

// Span is a span the receiver accepted. Its maps are shared with the
// receiver's copy: treat them as read-only.
type Span struct {
	// TraceID, SpanID and ParentSpanID are lower-case hex; ParentSpanID is
	// "" for a root span.
	TraceID, SpanID, ParentSpanID string
	Name                          string
	Attrs                         map[string]any
	// Resource holds the attributes of the span's resource.
	Resource map[string]any
	// Scope is the instrumentation scope's name.
	Scope string
	// Request is the N of the request that brought the span (see [Request]).
	Request int
	// Raw is the span as decoded.
	Raw *tracepb.Span
}

// Log is a log record the receiver accepted. Its maps are shared with the
// receiver's copy: treat them as read-only.
type Log struct {
	// TraceID and SpanID are lower-case hex, "" when the record has none.
	TraceID, SpanID string
	// Body is the body flattened with [AnyValue].
	Body         any
	Severity     int // the OTLP SeverityNumber
	SeverityText string
	// Time and ObservedTime are zero when the record does not set them.
	Time, ObservedTime time.Time
	Attrs              map[string]any
	Resource           map[string]any
	Scope              string
	Request            int
	Raw                *logspb.LogRecord
}

// PointType is the kind of metric a [Point] belongs to.
type PointType string

// The metric kinds.
const (
	Gauge                PointType = "gauge"
	Sum                  PointType = "sum"
	Histogram            PointType = "histogram"
	ExponentialHistogram PointType = "exponential_histogram"
	Summary              PointType = "summary"
)

// Point is a metric data point the receiver accepted. Its maps are shared
// with the receiver's copy: treat them as read-only.
type Point struct {
	// Metric is the metric's name.
	Metric string
	Type   PointType
	Attrs  map[string]any
	// Value is the int64 or float64 value of a Gauge or Sum point, nil for
	// the other types.
	Value any
	// Count and Sum are those of a Histogram, ExponentialHistogram or
	// Summary point, zero for the other types.
	Count uint64
	Sum   float64
	// Start and Time are the point's start_time_unix_nano and
	// time_unix_nano, zero when unset.
	Start, Time time.Time
	Resource    map[string]any
	Scope       string
	Request     int
	// Raw is the *metricspb.NumberDataPoint, *HistogramDataPoint,
	// *ExponentialHistogramDataPoint or *SummaryDataPoint as decoded.
	Raw proto.Message
}

// AttrMap flattens OTLP attributes with [AnyValue]; a later key wins over an
// earlier one.
func AttrMap(kvs []*commonpb.KeyValue) map[string]any {
	m := make(map[string]any, len(kvs))
	for _, kv := range kvs {
		m[kv.GetKey()] = AnyValue(kv.GetValue())
	}
	return m
}

// AnyValue flattens an OTLP value to string, bool, int64, float64, []byte,
// []any or map[string]any; nil for an empty value.
func AnyValue(v *commonpb.AnyValue) any {
	switch x := v.GetValue().(type) {
	case *commonpb.AnyValue_StringValue:
		return x.StringValue
	case *commonpb.AnyValue_BoolValue:
		return x.BoolValue
	case *commonpb.AnyValue_IntValue:
		return x.IntValue
	case *commonpb.AnyValue_DoubleValue:
		return x.DoubleValue
	case *commonpb.AnyValue_BytesValue:
		return x.BytesValue
	case *commonpb.AnyValue_ArrayValue:
		out := make([]any, 0, len(x.ArrayValue.GetValues()))
		for _, e := range x.ArrayValue.GetValues() {
			out = append(out, AnyValue(e))
		}
		return out
	case *commonpb.AnyValue_KvlistValue:
		return AttrMap(x.KvlistValue.GetValues())
	}
	return nil
}

// batch is the records of one request, flattened, with the identity of each
// record (for Duplicates) in keys.
type batch struct {
	spans  []Span
	logs   []Log
	points []Point
	keys   []string
}

// decode unmarshals body as sig's Export*ServiceRequest and flattens it; n
// is the request's number.
func decode(sig Signal, body []byte, n int) (batch, error) {
	var b batch
	var err error
	switch sig {
	case Traces:
		var m coltracepb.ExportTraceServiceRequest
		if err = proto.Unmarshal(body, &m); err == nil {
			b.addTraces(&m, n)
		}
	case Metrics:
		var m colmetricpb.ExportMetricsServiceRequest
		if err = proto.Unmarshal(body, &m); err == nil {
			b.addMetrics(&m, n)
		}
	case Logs:
		var m collogspb.ExportLogsServiceRequest
		if err = proto.Unmarshal(body, &m); err == nil {
			b.addLogs(&m, n)
		}
	}
	return b, err
}

func (b *batch) addTraces(m *coltracepb.ExportTraceServiceRequest, n int) {
	for _, rs := range m.GetResourceSpans() {
		res := AttrMap(rs.GetResource().GetAttributes())
		for _, ss := range rs.GetScopeSpans() {
			for _, s := range ss.GetSpans() {
				sp := Span{
					TraceID:      hex.EncodeToString(s.GetTraceId()),
					SpanID:       hex.EncodeToString(s.GetSpanId()),
					ParentSpanID: hex.EncodeToString(s.GetParentSpanId()),
					Name:         s.GetName(),
					Attrs:        AttrMap(s.GetAttributes()),
					Resource:     res,
					Scope:        ss.GetScope().GetName(),
					Request:      n,
					Raw:          s,
				}
				b.spans = append(b.spans, sp)
				b.keys = append(b.keys, sp.TraceID+"/"+sp.SpanID)
			}
		}
	}
}

func (b *batch) addLogs(m *collogspb.ExportLogsServiceRequest, n int) {
	for _, rl := range m.GetResourceLogs() {
		res := AttrMap(rl.GetResource().GetAttributes())
		for _, sl := range rl.GetScopeLogs() {
			for _, r := range sl.GetLogRecords() {
				b.logs = append(b.logs, Log{
					TraceID:      hex.EncodeToString(r.GetTraceId()),
					SpanID:       hex.EncodeToString(r.GetSpanId()),
					Body:         AnyValue(r.GetBody()),
					Severity:     int(r.GetSeverityNumber()),
					SeverityText: r.GetSeverityText(),
					Time:         unixNano(r.GetTimeUnixNano()),
					ObservedTime: unixNano(r.GetObservedTimeUnixNano()),
					Attrs:        AttrMap(r.GetAttributes()),
					Resource:     res,
					Scope:        sl.GetScope().GetName(),
					Request:      n,
					Raw:          r,
				})
				// A log record has no id: its identity is all of it
				// (timestamps, ids, severity, body, attributes, flags).
				key, _ := proto.MarshalOptions{Deterministic: true}.Marshal(r)
				b.keys = append(b.keys, string(key))
			}
		}
	}
}

func (b *batch) addMetrics(m *colmetricpb.ExportMetricsServiceRequest, n int) {
	for _, rm := range m.GetResourceMetrics() {
		res := AttrMap(rm.GetResource().GetAttributes())
		for _, sm := range rm.GetScopeMetrics() {
			for _, mt := range sm.GetMetrics() {
				base := Point{Metric: mt.GetName(), Resource: res, Scope: sm.GetScope().GetName(), Request: n}
				switch d := mt.GetData().(type) {
				case *metricspb.Metric_Gauge:
					b.addNumbers(base, Gauge, d.Gauge.GetDataPoints())
				case *metricspb.Metric_Sum:
					b.addNumbers(base, Sum, d.Sum.GetDataPoints())
				case *metricspb.Metric_Histogram:
					addDistributions(b, base, Histogram, d.Histogram.GetDataPoints())
				case *metricspb.Metric_ExponentialHistogram:
					addDistributions(b, base, ExponentialHistogram, d.ExponentialHistogram.GetDataPoints())
				case *metricspb.Metric_Summary:
					addDistributions(b, base, Summary, d.Summary.GetDataPoints())
				}
			}
		}
	}
}

// dataPoint is what every kind of metric data point has.
type dataPoint interface {
	proto.Message
	GetAttributes() []*commonpb.KeyValue
	GetStartTimeUnixNano() uint64
	GetTimeUnixNano() uint64
}

// distribution is a histogram, exponential histogram or summary point.
type distribution interface {
	dataPoint
	GetCount() uint64
	GetSum() float64
}

func (b *batch) addNumbers(base Point, typ PointType, dps []*metricspb.NumberDataPoint) {
	base.Type = typ
	for _, dp := range dps {
		p := base
		switch v := dp.GetValue().(type) {
		case *metricspb.NumberDataPoint_AsInt:
			p.Value = v.AsInt
		case *metricspb.NumberDataPoint_AsDouble:
			p.Value = v.AsDouble
		}
		b.addPoint(p, dp)
	}
}

func addDistributions[P distribution](b *batch, base Point, typ PointType, dps []P) {
	base.Type = typ
	for _, dp := range dps {
		p := base
		p.Count, p.Sum = dp.GetCount(), dp.GetSum()
		b.addPoint(p, dp)
	}
}

// addPoint completes p from dp and adds it. A point's identity is (scope,
// metric name, attributes, start time, time).
func (b *batch) addPoint(p Point, dp dataPoint) {
	start, tm := dp.GetStartTimeUnixNano(), dp.GetTimeUnixNano()
	p.Attrs = AttrMap(dp.GetAttributes())
	p.Start, p.Time = unixNano(start), unixNano(tm)
	p.Raw = dp
	b.points = append(b.points, p)
	b.keys = append(b.keys, fmt.Sprintf("%s\x00%s\x00%s\x00%d\x00%d", p.Scope, p.Metric, attrKey(dp.GetAttributes()), start, tm))
}

// attrKey is a canonical encoding of attributes, the same whatever their
// order.
func attrKey(kvs []*commonpb.KeyValue) string {
	sorted := slices.Clone(kvs)
	slices.SortStableFunc(sorted, func(a, b *commonpb.KeyValue) int { return strings.Compare(a.GetKey(), b.GetKey()) })
	key, _ := proto.MarshalOptions{Deterministic: true}.Marshal(&commonpb.KeyValueList{Values: sorted})
	return string(key)
}

func unixNano(ns uint64) time.Time {
	if ns == 0 {
		return time.Time{}
	}
	return time.Unix(0, int64(ns))
}

// response is the answer to an accepted request of sig: empty, or with a
// partial_success when rejected > 0.
func response(sig Signal, rejected int64) proto.Message {
	msg := ""
	if rejected > 0 {
		msg = fmt.Sprintf("otlptest: %d rejected", rejected)
	}
	switch sig {
	case Traces:
		r := &coltracepb.ExportTraceServiceResponse{}
		if rejected > 0 {
			r.PartialSuccess = &coltracepb.ExportTracePartialSuccess{RejectedSpans: rejected, ErrorMessage: msg}
		}
		return r
	case Metrics:
		r := &colmetricpb.ExportMetricsServiceResponse{}
		if rejected > 0 {
			r.PartialSuccess = &colmetricpb.ExportMetricsPartialSuccess{RejectedDataPoints: rejected, ErrorMessage: msg}
		}
		return r
	default:
		r := &collogspb.ExportLogsServiceResponse{}
		if rejected > 0 {
			r.PartialSuccess = &collogspb.ExportLogsPartialSuccess{RejectedLogRecords: rejected, ErrorMessage: msg}
		}
		return r
	}
}
