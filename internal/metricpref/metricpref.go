// Package metricpref holds the temporality and aggregation that Logfire's
// metric exporter asks for, so that logfiretest reads metrics as Logfire
// receives them.
package metricpref

import (
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
)

// Temporality is Logfire's temporality selector: delta for counters,
// observable counters and histograms, cumulative for up-down counters and
// gauges (the table of the Python SDK).
func Temporality(kind sdkmetric.InstrumentKind) metricdata.Temporality {
	switch kind {
	case sdkmetric.InstrumentKindCounter,
		sdkmetric.InstrumentKindHistogram,
		sdkmetric.InstrumentKindObservableCounter:
		return metricdata.DeltaTemporality
	default:
		return metricdata.CumulativeTemporality
	}
}

// Aggregation is Logfire's aggregation selector: base-2 exponential
// histograms (at most 160 buckets, scale at most 20) for histograms,
// OpenTelemetry's defaults for everything else.
func Aggregation(kind sdkmetric.InstrumentKind) sdkmetric.Aggregation {
	if kind == sdkmetric.InstrumentKindHistogram {
		return sdkmetric.AggregationBase2ExponentialHistogram{MaxSize: 160, MaxScale: 20}
	}
	return sdkmetric.DefaultAggregationSelector(kind)
}
