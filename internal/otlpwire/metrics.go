package otlpwire

import (
	"errors"
	"fmt"
	"math"

	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"google.golang.org/protobuf/encoding/protowire"
)

// Fields of opentelemetry.proto.metrics.v1.
const (
	metricName        protowire.Number = 1
	metricDescription protowire.Number = 2
	metricUnit        protowire.Number = 3
	metricGauge       protowire.Number = 5
	metricSum         protowire.Number = 7
	metricHistogram   protowire.Number = 9
	metricExponential protowire.Number = 10
	metricSummary     protowire.Number = 11

	dataPoints      protowire.Number = 1 // in Gauge, Sum, Histogram, ExponentialHistogram, Summary
	dataTemporality protowire.Number = 2
	dataMonotonic   protowire.Number = 3

	pointStart protowire.Number = 2 // every kind of data point
	pointTime  protowire.Number = 3
	pointCount protowire.Number = 4 // histograms and summaries
	pointSum   protowire.Number = 5

	numberAttrs     protowire.Number = 7
	numberDouble    protowire.Number = 4
	numberInt       protowire.Number = 6
	numberExemplars protowire.Number = 5

	histBuckets   protowire.Number = 6
	histBounds    protowire.Number = 7
	histExemplars protowire.Number = 8
	histAttrs     protowire.Number = 9
	histMin       protowire.Number = 11
	histMax       protowire.Number = 12

	expAttrs         protowire.Number = 1
	expScale         protowire.Number = 6
	expZeroCount     protowire.Number = 7
	expPositive      protowire.Number = 8
	expNegative      protowire.Number = 9
	expExemplars     protowire.Number = 11
	expMin           protowire.Number = 12
	expMax           protowire.Number = 13
	expZeroThreshold protowire.Number = 14
	bucketOffset     protowire.Number = 1
	bucketCounts     protowire.Number = 2

	summaryQuantiles protowire.Number = 6
	summaryAttrs     protowire.Number = 7
	quantileQuantile protowire.Number = 1
	quantileValue    protowire.Number = 2

	exemplarTime    protowire.Number = 2
	exemplarDouble  protowire.Number = 3
	exemplarSpanID  protowire.Number = 4
	exemplarTraceID protowire.Number = 5
	exemplarInt     protowire.Number = 6
	exemplarAttrs   protowire.Number = 7
)

// OTLP AggregationTemporality.
const (
	temporalityDelta      = 1
	temporalityCumulative = 2
)

// ErrUnknownMetric is matched by the error of Metrics when a metric could
// not be encoded: an aggregation or temporality this package does not
// know. OpenTelemetry's exporter leaves such metrics out too.
var ErrUnknownMetric = errors.New("otlpwire: a metric of an unknown aggregation or temporality")

// Metrics encodes rm into ExportMetricsServiceRequest bodies, calling emit
// for each request with its body (valid only during the call) and the
// number of data points in it. The metrics it cannot encode are left out:
// it returns how many data points they held (one for an aggregation it
// does not know), with an error that matches ErrUnknownMetric.
func (e *Encoder) Metrics(rm *metricdata.ResourceMetrics, emit func(body []byte, records int)) (dropped int, err error) {
	if rm == nil {
		return 0, nil
	}
	s := e.get()
	defer e.put(s)
	s.req.emit = emit
	var errs []error
	s.push(groupHead, groupMsg, e.headers.resource(rm.Resource, always))
	for _, sm := range rm.ScopeMetrics {
		s.push(groupRecords, groupMsg, e.headers.scope(sm.Scope, true))
		for _, m := range sm.Metrics {
			n, err := s.metric(m)
			if err != nil {
				dropped += n
				errs = append(errs, fmt.Errorf("%w: %s: %w", ErrUnknownMetric, valid(m.Name), err))
			}
		}
		s.pop()
	}
	s.pop()
	if s.req.records == 0 && s.req.sent == 0 {
		// No data points at all: OpenTelemetry's exporter still sends the
		// request (the resource, the scopes, metrics without points).
		// After a cut, metrics without points left over carry no data and
		// are not sent on their own.
		s.req.emit(s.b, 0)
		s.b = s.b[:0]
	}
	s.finish()
	return dropped, errors.Join(errs...)
}

// metric writes m; for one it cannot encode it writes nothing and returns
// its data points.
func (s *state) metric(m metricdata.Metrics) (int, error) {
	start, records, requests := len(s.b), s.req.records, s.req.sent
	switch d := m.Data.(type) {
	case metricdata.Gauge[int64]:
		s.openMetric(m, metricGauge, 0, false)
		numberPoints(s, d.DataPoints)
	case metricdata.Gauge[float64]:
		s.openMetric(m, metricGauge, 0, false)
		numberPoints(s, d.DataPoints)
	case metricdata.Sum[int64]:
		t, err := temporality(d.Temporality)
		if err != nil {
			return len(d.DataPoints), err
		}
		s.openMetric(m, metricSum, t, d.IsMonotonic)
		numberPoints(s, d.DataPoints)
	case metricdata.Sum[float64]:
		t, err := temporality(d.Temporality)
		if err != nil {
			return len(d.DataPoints), err
		}
		s.openMetric(m, metricSum, t, d.IsMonotonic)
		numberPoints(s, d.DataPoints)
	case metricdata.Histogram[int64]:
		t, err := temporality(d.Temporality)
		if err != nil {
			return len(d.DataPoints), err
		}
		s.openMetric(m, metricHistogram, t, false)
		histogramPoints(s, d.DataPoints)
	case metricdata.Histogram[float64]:
		t, err := temporality(d.Temporality)
		if err != nil {
			return len(d.DataPoints), err
		}
		s.openMetric(m, metricHistogram, t, false)
		histogramPoints(s, d.DataPoints)
	case metricdata.ExponentialHistogram[int64]:
		t, err := temporality(d.Temporality)
		if err != nil {
			return len(d.DataPoints), err
		}
		s.openMetric(m, metricExponential, t, false)
		exponentialPoints(s, d.DataPoints)
	case metricdata.ExponentialHistogram[float64]:
		t, err := temporality(d.Temporality)
		if err != nil {
			return len(d.DataPoints), err
		}
		s.openMetric(m, metricExponential, t, false)
		exponentialPoints(s, d.DataPoints)
	case metricdata.Summary:
		s.openMetric(m, metricSummary, 0, false)
		for i := range d.DataPoints {
			s.point(func() { s.summaryPoint(&d.DataPoints[i]) })
		}
	default:
		return 1, fmt.Errorf("unknown aggregation %T", m.Data)
	}
	s.pop() // the data
	s.pop() // the metric
	if s.req.records == records && s.req.sent == requests {
		// A metric without data points counts no record: it goes to the
		// next request if it made this one too large.
		s.fit(start)
	}
	return 0, nil
}

// temporality is the OTLP AggregationTemporality of t.
func temporality(t metricdata.Temporality) (uint64, error) {
	switch t {
	case metricdata.DeltaTemporality:
		return temporalityDelta, nil
	case metricdata.CumulativeTemporality:
		return temporalityCumulative, nil
	}
	return 0, fmt.Errorf("unknown temporality %s", t)
}

// openMetric opens the Metric field of m and its data field num, with
// the data's temporality and monotonicity.
func (s *state) openMetric(m metricdata.Metrics, num protowire.Number, temporality uint64, monotonic bool) {
	h := s.header[:0]
	h = appendString(h, metricName, valid(m.Name))
	h = appendString(h, metricDescription, valid(m.Description))
	h = appendString(h, metricUnit, valid(m.Unit))
	named := len(h)
	h = appendVarint(h, dataTemporality, temporality)
	if monotonic {
		h = protowire.AppendTag(h, dataMonotonic, protowire.VarintType)
		h = protowire.AppendVarint(h, 1)
	}
	s.header = h // reused by the next metric, once this one is closed
	s.push(groupRecords, recordMsg, h[:named])
	s.push(num, groupMsg, h[named:])
}

// point writes one data point (with write) as a record of the request.
func (s *state) point(write func()) {
	start := len(s.b)
	var m int
	s.b, m = openMsg(s.b, dataPoints, smallMsg)
	write()
	s.b = closeMsg(s.b, m)
	s.recorded(start)
}

func numberPoints[N int64 | float64](s *state, dps []metricdata.DataPoint[N]) {
	for i := range dps {
		dp := &dps[i]
		s.point(func() {
			s.iter(numberAttrs, dp.Attributes.Iter())
			s.b = appendFixed64(s.b, pointStart, unixNano(dp.StartTime.UnixNano()))
			s.b = appendFixed64(s.b, pointTime, unixNano(dp.Time.UnixNano()))
			switch v := any(dp.Value).(type) {
			case int64:
				s.b = protowire.AppendTag(s.b, numberInt, protowire.Fixed64Type)
				s.b = protowire.AppendFixed64(s.b, uint64(v))
			case float64:
				s.b = appendOptionalDouble(s.b, numberDouble, v)
			}
			exemplars(s, numberExemplars, dp.Exemplars)
		})
	}
}

func histogramPoints[N int64 | float64](s *state, dps []metricdata.HistogramDataPoint[N]) {
	for i := range dps {
		dp := &dps[i]
		s.point(func() {
			s.iter(histAttrs, dp.Attributes.Iter())
			s.b = appendFixed64(s.b, pointStart, unixNano(dp.StartTime.UnixNano()))
			s.b = appendFixed64(s.b, pointTime, unixNano(dp.Time.UnixNano()))
			s.b = appendFixed64(s.b, pointCount, dp.Count)
			s.b = appendOptionalDouble(s.b, pointSum, float64(dp.Sum))
			if len(dp.BucketCounts) > 0 {
				s.b = protowire.AppendTag(s.b, histBuckets, protowire.BytesType)
				s.b = protowire.AppendVarint(s.b, uint64(8*len(dp.BucketCounts)))
				for _, c := range dp.BucketCounts {
					s.b = protowire.AppendFixed64(s.b, c)
				}
			}
			if len(dp.Bounds) > 0 {
				s.b = protowire.AppendTag(s.b, histBounds, protowire.BytesType)
				s.b = protowire.AppendVarint(s.b, uint64(8*len(dp.Bounds)))
				for _, b := range dp.Bounds {
					s.b = protowire.AppendFixed64(s.b, math.Float64bits(b))
				}
			}
			exemplars(s, histExemplars, dp.Exemplars)
			if v, ok := dp.Min.Value(); ok {
				s.b = appendOptionalDouble(s.b, histMin, float64(v))
			}
			if v, ok := dp.Max.Value(); ok {
				s.b = appendOptionalDouble(s.b, histMax, float64(v))
			}
		})
	}
}

func exponentialPoints[N int64 | float64](s *state, dps []metricdata.ExponentialHistogramDataPoint[N]) {
	for i := range dps {
		dp := &dps[i]
		s.point(func() {
			s.iter(expAttrs, dp.Attributes.Iter())
			s.b = appendFixed64(s.b, pointStart, unixNano(dp.StartTime.UnixNano()))
			s.b = appendFixed64(s.b, pointTime, unixNano(dp.Time.UnixNano()))
			s.b = appendFixed64(s.b, pointCount, dp.Count)
			s.b = appendOptionalDouble(s.b, pointSum, float64(dp.Sum))
			s.b = appendVarint(s.b, expScale, protowire.EncodeZigZag(int64(dp.Scale)))
			s.b = appendFixed64(s.b, expZeroCount, dp.ZeroCount)
			s.buckets(expPositive, dp.PositiveBucket)
			s.buckets(expNegative, dp.NegativeBucket)
			exemplars(s, expExemplars, dp.Exemplars)
			if v, ok := dp.Min.Value(); ok {
				s.b = appendOptionalDouble(s.b, expMin, float64(v))
			}
			if v, ok := dp.Max.Value(); ok {
				s.b = appendOptionalDouble(s.b, expMax, float64(v))
			}
			s.b = appendDouble(s.b, expZeroThreshold, dp.ZeroThreshold)
		})
	}
}

// buckets writes the Buckets field num of an exponential histogram point;
// it is always there, empty for no buckets.
func (s *state) buckets(num protowire.Number, b metricdata.ExponentialBucket) {
	var m int
	s.b, m = openMsg(s.b, num, smallMsg)
	s.b = appendVarint(s.b, bucketOffset, protowire.EncodeZigZag(int64(b.Offset)))
	if len(b.Counts) > 0 {
		n := 0
		for _, c := range b.Counts {
			n += protowire.SizeVarint(c)
		}
		s.b = protowire.AppendTag(s.b, bucketCounts, protowire.BytesType)
		s.b = protowire.AppendVarint(s.b, uint64(n))
		for _, c := range b.Counts {
			s.b = protowire.AppendVarint(s.b, c)
		}
	}
	s.b = closeMsg(s.b, m)
}

func (s *state) summaryPoint(dp *metricdata.SummaryDataPoint) {
	s.iter(summaryAttrs, dp.Attributes.Iter())
	s.b = appendFixed64(s.b, pointStart, unixNano(dp.StartTime.UnixNano()))
	s.b = appendFixed64(s.b, pointTime, unixNano(dp.Time.UnixNano()))
	s.b = appendFixed64(s.b, pointCount, dp.Count)
	s.b = appendDouble(s.b, pointSum, dp.Sum)
	for _, q := range dp.QuantileValues {
		var m int
		s.b, m = openMsg(s.b, summaryQuantiles, smallMsg)
		s.b = appendDouble(s.b, quantileQuantile, q.Quantile)
		s.b = appendDouble(s.b, quantileValue, q.Value)
		s.b = closeMsg(s.b, m)
	}
}

// exemplars writes each of ex as the Exemplar field num.
func exemplars[N int64 | float64](s *state, num protowire.Number, ex []metricdata.Exemplar[N]) {
	for _, x := range ex {
		var m int
		s.b, m = openMsg(s.b, num, smallMsg)
		s.attrs(exemplarAttrs, x.FilteredAttributes)
		s.b = appendFixed64(s.b, exemplarTime, unixNano(x.Time.UnixNano()))
		switch v := any(x.Value).(type) {
		case int64:
			s.b = protowire.AppendTag(s.b, exemplarInt, protowire.Fixed64Type)
			s.b = protowire.AppendFixed64(s.b, uint64(v))
		case float64:
			s.b = appendOptionalDouble(s.b, exemplarDouble, v)
		}
		s.b = appendBytes(s.b, exemplarSpanID, x.SpanID)
		s.b = appendBytes(s.b, exemplarTraceID, x.TraceID)
		s.b = closeMsg(s.b, m)
	}
}
