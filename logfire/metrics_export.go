package logfire

import (
	"context"

	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
)

// temporality is Logfire's preferred temporality: delta for counters and
// histograms, cumulative for up-down counters and gauges.
func temporality(kind sdkmetric.InstrumentKind) metricdata.Temporality {
	switch kind {
	case sdkmetric.InstrumentKindCounter,
		sdkmetric.InstrumentKindHistogram,
		sdkmetric.InstrumentKindObservableCounter:
		return metricdata.DeltaTemporality
	default:
		return metricdata.CumulativeTemporality
	}
}

// aggregation makes histograms exponential, as Logfire prefers; other
// instruments keep the default aggregation.
func aggregation(kind sdkmetric.InstrumentKind) sdkmetric.Aggregation {
	if kind == sdkmetric.InstrumentKindHistogram {
		return sdkmetric.AggregationBase2ExponentialHistogram{MaxSize: 160, MaxScale: 20}
	}
	return sdkmetric.DefaultAggregationSelector(kind)
}

// MetricTemporality is the temporality selector Logfire's metric exporter
// uses: delta for counters, observable counters and histograms, cumulative
// for up-down counters and gauges (the table of the Python SDK). Pass it to
// a reader of your own, such as sdkmetric.NewManualReader with
// sdkmetric.WithTemporalitySelector, to see metrics as Logfire receives them.
func MetricTemporality(kind sdkmetric.InstrumentKind) metricdata.Temporality {
	return temporality(kind)
}

// MetricAggregation is the aggregation selector Logfire's metric exporter
// uses: base-2 exponential histograms (at most 160 buckets, scale at most
// 20) for histograms, OpenTelemetry's defaults for everything else. Pass it
// to a reader with sdkmetric.WithAggregationSelector.
func MetricAggregation(kind sdkmetric.InstrumentKind) sdkmetric.Aggregation {
	return aggregation(kind)
}

// skipEmptyMetrics wraps a metric exporter so that a collection with no
// data points sends no request (the OTLP exporter would send an empty one).
type skipEmptyMetrics struct {
	sdkmetric.Exporter
}

func (e skipEmptyMetrics) Export(ctx context.Context, rm *metricdata.ResourceMetrics) error {
	if !hasDataPoints(rm) {
		return nil
	}
	return e.Exporter.Export(ctx, rm)
}

func hasDataPoints(rm *metricdata.ResourceMetrics) bool {
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			switch d := m.Data.(type) {
			case metricdata.Sum[int64]:
				if len(d.DataPoints) > 0 {
					return true
				}
			case metricdata.Sum[float64]:
				if len(d.DataPoints) > 0 {
					return true
				}
			case metricdata.Gauge[int64]:
				if len(d.DataPoints) > 0 {
					return true
				}
			case metricdata.Gauge[float64]:
				if len(d.DataPoints) > 0 {
					return true
				}
			case metricdata.Histogram[int64]:
				if len(d.DataPoints) > 0 {
					return true
				}
			case metricdata.Histogram[float64]:
				if len(d.DataPoints) > 0 {
					return true
				}
			case metricdata.ExponentialHistogram[int64]:
				if len(d.DataPoints) > 0 {
					return true
				}
			case metricdata.ExponentialHistogram[float64]:
				if len(d.DataPoints) > 0 {
					return true
				}
			default:
				// A type this SDK does not know: send it rather than drop it.
				return true
			}
		}
	}
	return false
}
