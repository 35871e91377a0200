package logfire

import (
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
