package otlpwire

// Generated metric data of every aggregation, made by hand.

import (
	"math"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
)

// Metric data.

// metrics returns resource metrics with every aggregation, some metrics
// without data points, scopes without metrics, and metrics of an unknown
// aggregation (no data) or temporality.
func (g *generator) metrics() *metricdata.ResourceMetrics {
	rm := &metricdata.ResourceMetrics{Resource: g.resource(nil, true)}
	scopes := 1 + g.intn(3)
	if g.oneIn(16) {
		scopes = 0
	}
	for range scopes {
		sm := metricdata.ScopeMetrics{Scope: g.scope()}
		n := 1 + g.intn(4)
		if g.oneIn(10) {
			n = 0
		}
		for range n {
			sm.Metrics = append(sm.Metrics, g.metric())
		}
		rm.ScopeMetrics = append(rm.ScopeMetrics, sm)
	}
	return rm
}

// temporality returns delta or cumulative, or rarely an unknown one.
func (g *generator) temporality() metricdata.Temporality {
	switch g.intn(24) {
	case 0:
		return metricdata.Temporality(0)
	case 1:
		return metricdata.Temporality(9)
	default:
		return metricdata.Temporality(1 + g.intn(2)) // delta or cumulative
	}
}

// metric returns a metric of any aggregation.
func (g *generator) metric() metricdata.Metrics {
	m := metricdata.Metrics{Name: g.str(), Description: g.str(), Unit: g.str()}
	switch g.intn(10) {
	case 0:
		m.Data = metricdata.Gauge[int64]{DataPoints: genNumberPoints[int64](g)}
	case 1:
		m.Data = metricdata.Gauge[float64]{DataPoints: genNumberPoints[float64](g)}
	case 2:
		m.Data = metricdata.Sum[int64]{DataPoints: genNumberPoints[int64](g), Temporality: g.temporality(), IsMonotonic: g.bool()}
	case 3:
		m.Data = metricdata.Sum[float64]{DataPoints: genNumberPoints[float64](g), Temporality: g.temporality(), IsMonotonic: g.bool()}
	case 4:
		m.Data = metricdata.Histogram[int64]{DataPoints: genHistogramPoints[int64](g), Temporality: g.temporality()}
	case 5:
		m.Data = metricdata.Histogram[float64]{DataPoints: genHistogramPoints[float64](g), Temporality: g.temporality()}
	case 6:
		m.Data = metricdata.ExponentialHistogram[int64]{DataPoints: genExponentialPoints[int64](g), Temporality: g.temporality()}
	case 7:
		m.Data = metricdata.ExponentialHistogram[float64]{DataPoints: genExponentialPoints[float64](g), Temporality: g.temporality()}
	case 8:
		m.Data = metricdata.Summary{DataPoints: g.summaryPoints()}
	default:
		if g.oneIn(6) {
			return m // no data: an unknown aggregation
		}
		m.Data = metricdata.Gauge[float64]{DataPoints: genNumberPoints[float64](g)}
	}
	return m
}

// genNumber returns a value of N.
func genNumber[N int64 | float64](g *generator) N {
	var n N
	if _, isInt := any(n).(int64); isInt {
		return N(g.int64())
	}
	return N(g.float())
}

// genExtrema returns a minimum or maximum, or none.
func genExtrema[N int64 | float64](g *generator) metricdata.Extrema[N] {
	if g.bool() {
		return metricdata.Extrema[N]{}
	}
	return metricdata.NewExtrema(genNumber[N](g))
}

// genPointCount returns how many data points a metric has: often one or
// two, sometimes none or several.
func genPointCount(g *generator) int {
	if g.oneIn(10) {
		return 0
	}
	return 1 + g.intn(3)
}

// genExemplars returns up to two exemplars, with IDs of usual and unusual
// lengths.
func genExemplars[N int64 | float64](g *generator) []metricdata.Exemplar[N] {
	ex := make([]metricdata.Exemplar[N], g.intn(3))
	for i := range ex {
		ex[i] = metricdata.Exemplar[N]{
			FilteredAttributes: g.attrs(3),
			Time:               g.time(),
			Value:              genNumber[N](g),
		}
		switch g.intn(3) {
		case 0:
		case 1:
			tid, sid := g.traceID(), g.spanID()
			ex[i].TraceID, ex[i].SpanID = tid[:], sid[:]
		default:
			ex[i].TraceID, ex[i].SpanID = g.bytes(), g.bytes()
		}
	}
	return ex
}

// genNumberPoints returns the data points of a gauge or sum.
func genNumberPoints[N int64 | float64](g *generator) []metricdata.DataPoint[N] {
	dps := make([]metricdata.DataPoint[N], genPointCount(g))
	for i := range dps {
		dps[i] = metricdata.DataPoint[N]{
			Attributes: attribute.NewSet(g.attrs(4)...),
			StartTime:  g.time(),
			Time:       g.time(),
			Value:      genNumber[N](g),
			Exemplars:  genExemplars[N](g),
		}
	}
	return dps
}

// genHistogramPoints returns the data points of a histogram: bounds and
// bucket counts of any lengths, min and max present or not.
func genHistogramPoints[N int64 | float64](g *generator) []metricdata.HistogramDataPoint[N] {
	dps := make([]metricdata.HistogramDataPoint[N], genPointCount(g))
	for i := range dps {
		dp := metricdata.HistogramDataPoint[N]{
			Attributes: attribute.NewSet(g.attrs(4)...),
			StartTime:  g.time(),
			Time:       g.time(),
			Count:      g.uint64(),
			Min:        genExtrema[N](g),
			Max:        genExtrema[N](g),
			Sum:        genNumber[N](g),
			Exemplars:  genExemplars[N](g),
		}
		for range g.intn(5) {
			dp.Bounds = append(dp.Bounds, g.float())
		}
		for range g.intn(6) {
			dp.BucketCounts = append(dp.BucketCounts, g.uint64())
		}
		dps[i] = dp
	}
	return dps
}

// genBucket returns exponential histogram buckets: any offset, up to five
// counts.
func genBucket(g *generator) metricdata.ExponentialBucket {
	b := metricdata.ExponentialBucket{
		Offset: []int32{0, -1, 1, -100, math.MinInt32, math.MaxInt32, int32(g.rawUint64())}[g.intn(7)],
	}
	for range g.intn(6) {
		b.Counts = append(b.Counts, g.uint64())
	}
	return b
}

// genExponentialPoints returns the data points of an exponential
// histogram: negative and positive scales, zero counts and thresholds,
// buckets on both sides.
func genExponentialPoints[N int64 | float64](g *generator) []metricdata.ExponentialHistogramDataPoint[N] {
	dps := make([]metricdata.ExponentialHistogramDataPoint[N], genPointCount(g))
	for i := range dps {
		dps[i] = metricdata.ExponentialHistogramDataPoint[N]{
			Attributes:     attribute.NewSet(g.attrs(4)...),
			StartTime:      g.time(),
			Time:           g.time(),
			Count:          g.uint64(),
			Min:            genExtrema[N](g),
			Max:            genExtrema[N](g),
			Sum:            genNumber[N](g),
			Scale:          int32(g.intn(31) - 10),
			ZeroCount:      g.uint64(),
			PositiveBucket: genBucket(g),
			NegativeBucket: genBucket(g),
			ZeroThreshold:  g.float(),
			Exemplars:      genExemplars[N](g),
		}
	}
	return dps
}

// summaryPoints returns the data points of a summary, with up to four
// quantiles.
func (g *generator) summaryPoints() []metricdata.SummaryDataPoint {
	dps := make([]metricdata.SummaryDataPoint, genPointCount(g))
	for i := range dps {
		dp := metricdata.SummaryDataPoint{
			Attributes: attribute.NewSet(g.attrs(4)...),
			StartTime:  g.time(),
			Time:       g.time(),
			Count:      g.uint64(),
			Sum:        g.float(),
		}
		for range g.intn(5) {
			dp.QuantileValues = append(dp.QuantileValues, metricdata.QuantileValue{Quantile: g.float(), Value: g.float()})
		}
		dps[i] = dp
	}
	return dps
}

// genMetricsExpectation returns what Metrics must report for rm: the data
// points it can encode, and the data points of the metrics it cannot (as
// the encoder documents it: those of a metric of an unknown temporality,
// and one for a metric of an unknown aggregation).
func genMetricsExpectation(rm *metricdata.ResourceMetrics) (points, dropped int) {
	known := func(t metricdata.Temporality) bool {
		return t == metricdata.DeltaTemporality || t == metricdata.CumulativeTemporality
	}
	add := func(n int, t metricdata.Temporality) {
		if known(t) {
			points += n
		} else {
			dropped += n
		}
	}
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			switch d := m.Data.(type) {
			case metricdata.Gauge[int64]:
				points += len(d.DataPoints)
			case metricdata.Gauge[float64]:
				points += len(d.DataPoints)
			case metricdata.Sum[int64]:
				add(len(d.DataPoints), d.Temporality)
			case metricdata.Sum[float64]:
				add(len(d.DataPoints), d.Temporality)
			case metricdata.Histogram[int64]:
				add(len(d.DataPoints), d.Temporality)
			case metricdata.Histogram[float64]:
				add(len(d.DataPoints), d.Temporality)
			case metricdata.ExponentialHistogram[int64]:
				add(len(d.DataPoints), d.Temporality)
			case metricdata.ExponentialHistogram[float64]:
				add(len(d.DataPoints), d.Temporality)
			case metricdata.Summary:
				points += len(d.DataPoints)
			default:
				dropped++
			}
		}
	}
	return points, dropped
}
