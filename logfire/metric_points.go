package logfire

import (
	"iter"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
)

// pointFunc is called with the attributes of one data point and the
// filtered attributes of its exemplars; it may replace either in place.
type pointFunc func(attrs *attribute.Set, exemplars iter.Seq[*[]attribute.KeyValue])

// eachPoint calls f, unless it is nil, on every data point of d (their
// slices are shared with d, so what f replaces is replaced in d), and
// returns how many data points d has. An aggregation of a kind this SDK
// does not know counts as one point, so that it is sent rather than
// dropped. This is the one switch over the kinds of metricdata
// aggregation outside the OTLP encoder.
func eachPoint(d metricdata.Aggregation, f pointFunc) int {
	type (
		intPoint   = metricdata.DataPoint[int64]
		floatPoint = metricdata.DataPoint[float64]
		intHist    = metricdata.HistogramDataPoint[int64]
		floatHist  = metricdata.HistogramDataPoint[float64]
		intExp     = metricdata.ExponentialHistogramDataPoint[int64]
		floatExp   = metricdata.ExponentialHistogramDataPoint[float64]
		intEx      = []metricdata.Exemplar[int64]
		floatEx    = []metricdata.Exemplar[float64]
	)
	switch d := d.(type) {
	case metricdata.Sum[int64]:
		return points(d.DataPoints, f, func(p *intPoint) (*attribute.Set, intEx) { return &p.Attributes, p.Exemplars })
	case metricdata.Sum[float64]:
		return points(d.DataPoints, f, func(p *floatPoint) (*attribute.Set, floatEx) { return &p.Attributes, p.Exemplars })
	case metricdata.Gauge[int64]:
		return points(d.DataPoints, f, func(p *intPoint) (*attribute.Set, intEx) { return &p.Attributes, p.Exemplars })
	case metricdata.Gauge[float64]:
		return points(d.DataPoints, f, func(p *floatPoint) (*attribute.Set, floatEx) { return &p.Attributes, p.Exemplars })
	case metricdata.Histogram[int64]:
		return points(d.DataPoints, f, func(p *intHist) (*attribute.Set, intEx) { return &p.Attributes, p.Exemplars })
	case metricdata.Histogram[float64]:
		return points(d.DataPoints, f, func(p *floatHist) (*attribute.Set, floatEx) { return &p.Attributes, p.Exemplars })
	case metricdata.ExponentialHistogram[int64]:
		return points(d.DataPoints, f, func(p *intExp) (*attribute.Set, intEx) { return &p.Attributes, p.Exemplars })
	case metricdata.ExponentialHistogram[float64]:
		return points(d.DataPoints, f, func(p *floatExp) (*attribute.Set, floatEx) { return &p.Attributes, p.Exemplars })
	case metricdata.Summary:
		return points(d.DataPoints, f, func(p *metricdata.SummaryDataPoint) (*attribute.Set, intEx) { return &p.Attributes, nil })
	}
	return 1
}

// points calls f on each of dps, whose attributes and exemplars parts
// gives, and returns len(dps).
func points[P any, N int64 | float64](dps []P, f pointFunc, parts func(*P) (*attribute.Set, []metricdata.Exemplar[N])) int {
	if f == nil {
		return len(dps)
	}
	for i := range dps {
		attrs, es := parts(&dps[i])
		f(attrs, func(yield func(*[]attribute.KeyValue) bool) {
			for j := range es {
				if !yield(&es[j].FilteredAttributes) {
					return
				}
			}
		})
	}
	return len(dps)
}
