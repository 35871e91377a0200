package metricpref

import (
	"testing"

	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
)

// TestTable pins the Python SDK's table: delta for counters, observable
// counters and histograms, cumulative for the rest; exponential
// histograms.
func TestTable(t *testing.T) {
	delta := map[sdkmetric.InstrumentKind]bool{
		sdkmetric.InstrumentKindCounter:                 true,
		sdkmetric.InstrumentKindObservableCounter:       true,
		sdkmetric.InstrumentKindHistogram:               true,
		sdkmetric.InstrumentKindUpDownCounter:           false,
		sdkmetric.InstrumentKindObservableUpDownCounter: false,
		sdkmetric.InstrumentKindGauge:                   false,
		sdkmetric.InstrumentKindObservableGauge:         false,
	}
	for kind, d := range delta {
		want := metricdata.CumulativeTemporality
		if d {
			want = metricdata.DeltaTemporality
		}
		if got := Temporality(kind); got != want {
			t.Errorf("%v: %v, want %v", kind, got, want)
		}
	}
	if a, ok := Aggregation(sdkmetric.InstrumentKindHistogram).(sdkmetric.AggregationBase2ExponentialHistogram); !ok || a.MaxSize != 160 || a.MaxScale != 20 {
		t.Errorf("histogram aggregation %#v", Aggregation(sdkmetric.InstrumentKindHistogram))
	}
	if _, ok := Aggregation(sdkmetric.InstrumentKindCounter).(sdkmetric.AggregationSum); !ok {
		t.Errorf("counter aggregation %#v", Aggregation(sdkmetric.InstrumentKindCounter))
	}
}
