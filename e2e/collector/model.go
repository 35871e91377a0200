package collector

import (
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

// Attribute values in the flattened views are plain Go values: string,
// int64, float64, bool, []any (arrays), map[string]any (key-value lists),
// []byte, or nil (an empty value).

// Span is one received span, flattened for easy assertions.
//
// The maps and slices of a Span are shared between the copies that the
// Collector hands out; treat them as read-only.
type Span struct {
	// TraceID, SpanID and ParentSpanID are lowercase hex; ParentSpanID is
	// "" for a root span.
	TraceID      string
	SpanID       string
	ParentSpanID string
	TraceState   string
	Flags        uint32

	Name string
	// Kind is "unspecified", "internal", "server", "client", "producer" or
	// "consumer".
	Kind      string
	StartTime time.Time
	EndTime   time.Time
	Status    Status

	Attributes map[string]any
	Events     []Event
	Links      []Link

	Resource     map[string]any
	ScopeName    string
	ScopeVersion string

	// Arrived is when the collector's consumer received the request that
	// carried this span.
	Arrived time.Time
	// Headers are the HTTP request headers the span came with, keyed in
	// canonical form (use Headers.Get for case-insensitive lookup).
	Headers http.Header
}

// Span status codes, as found in Status.Code.
const (
	StatusUnset = "unset"
	StatusOK    = "ok"
	StatusError = "error"
)

// Status is a span's status.
type Status struct {
	// Code is StatusUnset, StatusOK or StatusError.
	Code    string
	Message string
}

// Event is one span event.
type Event struct {
	Name       string
	Time       time.Time
	Attributes map[string]any
}

// Link is one span link.
type Link struct {
	TraceID    string
	SpanID     string
	Attributes map[string]any
}

// Parent reports whether s is a direct child of p (same trace, parent id
// equal to p's span id).
func (s Span) Parent(p Span) bool {
	return s.TraceID == p.TraceID && s.ParentSpanID == p.SpanID
}

// IsPending reports whether s is a Logfire pending span (attribute
// logfire.span_type == "pending_span").
func (s Span) IsPending() bool {
	return s.Attributes[SpanTypeKey] == PendingSpanType
}

// Event returns the first event of s called name.
func (s Span) Event(name string) (Event, bool) {
	for _, e := range s.Events {
		if e.Name == name {
			return e, true
		}
	}
	return Event{}, false
}

// String describes the span on one line, for failure messages.
func (s Span) String() string {
	parent := s.ParentSpanID
	if parent == "" {
		parent = "-"
	}
	return fmt.Sprintf("%q trace=%s span=%s parent=%s status=%s%s attrs=%s events=%s",
		s.Name, s.TraceID, s.SpanID, parent, s.Status.Code, quotedSuffix(s.Status.Message),
		FormatAttributes(s.Attributes), formatEvents(s.Events))
}

// Metric types, as found in Metric.Type.
const (
	TypeGauge                = "gauge"
	TypeSum                  = "sum"
	TypeHistogram            = "histogram"
	TypeExponentialHistogram = "exponential_histogram"
	TypeSummary              = "summary"
)

// Aggregation temporalities, as found in Metric.Temporality.
const (
	TemporalityUnspecified = "unspecified"
	TemporalityDelta       = "delta"
	TemporalityCumulative  = "cumulative"
)

// Metric is one received metric (one metric of one request), flattened.
type Metric struct {
	Name        string
	Description string
	Unit        string
	// Type is one of TypeGauge, TypeSum, TypeHistogram,
	// TypeExponentialHistogram, TypeSummary.
	Type string
	// Temporality is TemporalityDelta or TemporalityCumulative for sums and
	// histograms, "" for gauges and summaries.
	Temporality string
	// Monotonic is set for monotonic sums.
	Monotonic  bool
	DataPoints []DataPoint

	Resource     map[string]any
	ScopeName    string
	ScopeVersion string
	Arrived      time.Time
	Headers      http.Header
}

// DataPoint is one metric data point. Which fields are filled depends on
// the metric type.
type DataPoint struct {
	Attributes map[string]any
	StartTime  time.Time
	Time       time.Time

	// Value is the int64 or float64 value of a sum or gauge point.
	Value any

	// Count, Sum, Min and Max describe histogram, exponential histogram and
	// summary points; Min and Max are nil when absent.
	Count uint64
	Sum   float64
	Min   *float64
	Max   *float64

	// Histogram buckets.
	ExplicitBounds []float64
	BucketCounts   []uint64

	// Exponential histogram buckets.
	Scale          int32
	ZeroCount      uint64
	PositiveOffset int32
	PositiveCounts []uint64
	NegativeOffset int32
	NegativeCounts []uint64
}

// Float returns a sum or gauge value as a float64 whether it was sent as an
// int or a double.
func (d DataPoint) Float() float64 {
	switch v := d.Value.(type) {
	case int64:
		return float64(v)
	case float64:
		return v
	}
	return 0
}

// String describes the metric on one line, for failure messages.
func (m Metric) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%q type=%s", m.Name, m.Type)
	if m.Temporality != "" {
		fmt.Fprintf(&b, " temporality=%s", m.Temporality)
	}
	if m.Type == TypeSum {
		fmt.Fprintf(&b, " monotonic=%t", m.Monotonic)
	}
	b.WriteString(" points=[")
	for i, p := range m.DataPoints {
		if i > 0 {
			b.WriteString(", ")
		}
		if p.Value != nil {
			b.WriteString(FormatValue(p.Value))
		} else {
			fmt.Fprintf(&b, "count=%d sum=%g", p.Count, p.Sum)
		}
		if len(p.Attributes) > 0 {
			b.WriteString(" " + FormatAttributes(p.Attributes))
		}
	}
	b.WriteString("]")
	return b.String()
}

// LogRecord is one received OTel log record, flattened.
type LogRecord struct {
	Time           time.Time
	ObservedTime   time.Time
	SeverityNumber int32
	SeverityText   string
	EventName      string
	// Body is the record's body as a Go value (see the attribute values
	// note above).
	Body       any
	Attributes map[string]any
	// TraceID and SpanID are lowercase hex, "" when unset.
	TraceID string
	SpanID  string
	Flags   uint32

	Resource     map[string]any
	ScopeName    string
	ScopeVersion string
	Arrived      time.Time
	Headers      http.Header
}

// String describes the log record on one line, for failure messages.
func (l LogRecord) String() string {
	return fmt.Sprintf("severity=%d(%s) body=%v attrs=%s trace=%s span=%s",
		l.SeverityNumber, l.SeverityText, l.Body, FormatAttributes(l.Attributes), l.TraceID, l.SpanID)
}

// FormatAttributes renders attributes sorted by key, with values written
// so that their Go types show (strings quoted, int64(3), float64(3)), for
// failure messages.
func FormatAttributes(attrs map[string]any) string {
	keys := make([]string, 0, len(attrs))
	for k := range attrs {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	b.WriteString("{")
	for i, k := range keys {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%s=%s", k, FormatValue(attrs[k]))
	}
	b.WriteString("}")
	return b.String()
}

// FormatValue renders one attribute value so that its Go type shows.
func FormatValue(v any) string {
	switch v := v.(type) {
	case string:
		return strconv.Quote(v)
	case int64:
		return "int64(" + strconv.FormatInt(v, 10) + ")"
	case float64:
		return "float64(" + strconv.FormatFloat(v, 'g', -1, 64) + ")"
	case []any:
		parts := make([]string, len(v))
		for i, e := range v {
			parts[i] = FormatValue(e)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	}
	return fmt.Sprintf("%#v", v)
}

func formatEvents(events []Event) string {
	names := make([]string, len(events))
	for i, e := range events {
		names[i] = e.Name
	}
	return "[" + strings.Join(names, ", ") + "]"
}

func quotedSuffix(s string) string {
	if s == "" {
		return ""
	}
	return fmt.Sprintf("(%q)", s)
}

// --- conversion from pdata ---

func toTime(ts pcommon.Timestamp) time.Time {
	if ts == 0 {
		return time.Time{}
	}
	return ts.AsTime()
}

func attrs(m pcommon.Map) map[string]any {
	return m.AsRaw()
}

func spanKind(k ptrace.SpanKind) string {
	switch k {
	case ptrace.SpanKindInternal:
		return "internal"
	case ptrace.SpanKindServer:
		return "server"
	case ptrace.SpanKindClient:
		return "client"
	case ptrace.SpanKindProducer:
		return "producer"
	case ptrace.SpanKindConsumer:
		return "consumer"
	}
	return "unspecified"
}

func statusCode(c ptrace.StatusCode) string {
	switch c {
	case ptrace.StatusCodeOk:
		return StatusOK
	case ptrace.StatusCodeError:
		return StatusError
	}
	return StatusUnset
}

func temporality(t pmetric.AggregationTemporality) string {
	switch t {
	case pmetric.AggregationTemporalityDelta:
		return TemporalityDelta
	case pmetric.AggregationTemporalityCumulative:
		return TemporalityCumulative
	}
	return TemporalityUnspecified
}

func flattenTraces(td ptrace.Traces, arrived time.Time, headers http.Header) []Span {
	var out []Span
	for _, rs := range td.ResourceSpans().All() {
		res := attrs(rs.Resource().Attributes())
		for _, ss := range rs.ScopeSpans().All() {
			scope := ss.Scope()
			for _, sp := range ss.Spans().All() {
				s := Span{
					TraceID:      sp.TraceID().String(),
					SpanID:       sp.SpanID().String(),
					ParentSpanID: sp.ParentSpanID().String(),
					TraceState:   sp.TraceState().AsRaw(),
					Flags:        sp.Flags(),
					Name:         sp.Name(),
					Kind:         spanKind(sp.Kind()),
					StartTime:    toTime(sp.StartTimestamp()),
					EndTime:      toTime(sp.EndTimestamp()),
					Status:       Status{Code: statusCode(sp.Status().Code()), Message: sp.Status().Message()},
					Attributes:   attrs(sp.Attributes()),
					Resource:     res,
					ScopeName:    scope.Name(),
					ScopeVersion: scope.Version(),
					Arrived:      arrived,
					Headers:      headers,
				}
				for _, ev := range sp.Events().All() {
					s.Events = append(s.Events, Event{
						Name:       ev.Name(),
						Time:       toTime(ev.Timestamp()),
						Attributes: attrs(ev.Attributes()),
					})
				}
				for _, l := range sp.Links().All() {
					s.Links = append(s.Links, Link{
						TraceID:    l.TraceID().String(),
						SpanID:     l.SpanID().String(),
						Attributes: attrs(l.Attributes()),
					})
				}
				out = append(out, s)
			}
		}
	}
	return out
}

func numberValue(p pmetric.NumberDataPoint) any {
	switch p.ValueType() {
	case pmetric.NumberDataPointValueTypeInt:
		return p.IntValue()
	case pmetric.NumberDataPointValueTypeDouble:
		return p.DoubleValue()
	}
	return nil
}

func numberPoints(ps pmetric.NumberDataPointSlice) []DataPoint {
	var out []DataPoint
	for _, p := range ps.All() {
		out = append(out, DataPoint{
			Attributes: attrs(p.Attributes()),
			StartTime:  toTime(p.StartTimestamp()),
			Time:       toTime(p.Timestamp()),
			Value:      numberValue(p),
		})
	}
	return out
}

func optFloat(has bool, v float64) *float64 {
	if !has {
		return nil
	}
	return &v
}

func flattenMetrics(md pmetric.Metrics, arrived time.Time, headers http.Header) []Metric {
	var out []Metric
	for _, rm := range md.ResourceMetrics().All() {
		res := attrs(rm.Resource().Attributes())
		for _, sm := range rm.ScopeMetrics().All() {
			scope := sm.Scope()
			for _, m := range sm.Metrics().All() {
				fm := Metric{
					Name:         m.Name(),
					Description:  m.Description(),
					Unit:         m.Unit(),
					Resource:     res,
					ScopeName:    scope.Name(),
					ScopeVersion: scope.Version(),
					Arrived:      arrived,
					Headers:      headers,
				}
				switch m.Type() {
				case pmetric.MetricTypeGauge:
					fm.Type = TypeGauge
					fm.DataPoints = numberPoints(m.Gauge().DataPoints())
				case pmetric.MetricTypeSum:
					fm.Type = TypeSum
					fm.Temporality = temporality(m.Sum().AggregationTemporality())
					fm.Monotonic = m.Sum().IsMonotonic()
					fm.DataPoints = numberPoints(m.Sum().DataPoints())
				case pmetric.MetricTypeHistogram:
					fm.Type = TypeHistogram
					fm.Temporality = temporality(m.Histogram().AggregationTemporality())
					for _, p := range m.Histogram().DataPoints().All() {
						fm.DataPoints = append(fm.DataPoints, DataPoint{
							Attributes:     attrs(p.Attributes()),
							StartTime:      toTime(p.StartTimestamp()),
							Time:           toTime(p.Timestamp()),
							Count:          p.Count(),
							Sum:            p.Sum(),
							Min:            optFloat(p.HasMin(), p.Min()),
							Max:            optFloat(p.HasMax(), p.Max()),
							ExplicitBounds: p.ExplicitBounds().AsRaw(),
							BucketCounts:   p.BucketCounts().AsRaw(),
						})
					}
				case pmetric.MetricTypeExponentialHistogram:
					fm.Type = TypeExponentialHistogram
					fm.Temporality = temporality(m.ExponentialHistogram().AggregationTemporality())
					for _, p := range m.ExponentialHistogram().DataPoints().All() {
						fm.DataPoints = append(fm.DataPoints, DataPoint{
							Attributes:     attrs(p.Attributes()),
							StartTime:      toTime(p.StartTimestamp()),
							Time:           toTime(p.Timestamp()),
							Count:          p.Count(),
							Sum:            p.Sum(),
							Min:            optFloat(p.HasMin(), p.Min()),
							Max:            optFloat(p.HasMax(), p.Max()),
							Scale:          p.Scale(),
							ZeroCount:      p.ZeroCount(),
							PositiveOffset: p.Positive().Offset(),
							PositiveCounts: p.Positive().BucketCounts().AsRaw(),
							NegativeOffset: p.Negative().Offset(),
							NegativeCounts: p.Negative().BucketCounts().AsRaw(),
						})
					}
				case pmetric.MetricTypeSummary:
					fm.Type = TypeSummary
					for _, p := range m.Summary().DataPoints().All() {
						fm.DataPoints = append(fm.DataPoints, DataPoint{
							Attributes: attrs(p.Attributes()),
							StartTime:  toTime(p.StartTimestamp()),
							Time:       toTime(p.Timestamp()),
							Count:      p.Count(),
							Sum:        p.Sum(),
						})
					}
				}
				out = append(out, fm)
			}
		}
	}
	return out
}

func flattenLogs(ld plog.Logs, arrived time.Time, headers http.Header) []LogRecord {
	var out []LogRecord
	for _, rl := range ld.ResourceLogs().All() {
		res := attrs(rl.Resource().Attributes())
		for _, sl := range rl.ScopeLogs().All() {
			scope := sl.Scope()
			for _, lr := range sl.LogRecords().All() {
				out = append(out, LogRecord{
					Time:           toTime(lr.Timestamp()),
					ObservedTime:   toTime(lr.ObservedTimestamp()),
					SeverityNumber: int32(lr.SeverityNumber()),
					SeverityText:   lr.SeverityText(),
					EventName:      lr.EventName(),
					Body:           lr.Body().AsRaw(),
					Attributes:     attrs(lr.Attributes()),
					TraceID:        lr.TraceID().String(),
					SpanID:         lr.SpanID().String(),
					Flags:          uint32(lr.Flags()),
					Resource:       res,
					ScopeName:      scope.Name(),
					ScopeVersion:   scope.Version(),
					Arrived:        arrived,
					Headers:        headers,
				})
			}
		}
	}
	return out
}
