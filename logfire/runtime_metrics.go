package logfire

import (
	"fmt"

	"go.opentelemetry.io/contrib/instrumentation/runtime"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
)

// WithRuntimeMetrics reports the Go runtime's metrics through the
// instance's meter provider, with OpenTelemetry's runtime instrumentation
// (go.opentelemetry.io/contrib/instrumentation/runtime): memory in use and
// its limit, heap allocations, goroutines, GOMAXPROCS, garbage collections
// and the GC's goal, in the semantic conventions' go.* names, under the
// instrumentation scope go.opentelemetry.io/contrib/instrumentation/runtime.
// It is the Go counterpart of the Python SDK's instrument_system_metrics,
// for the process itself.
//
// It is off unless this option is given. What it costs: the values are
// read from runtime/metrics (no stop-the-world), once per metric export
// (every OTEL_METRIC_EXPORT_INTERVAL, 60 s by default), which takes about
// 11 µs and 3 KB more per collection on a 2-CPU machine
// (BenchmarkRuntimeMetricsCollect), and add about a dozen data points to
// each export. Nothing runs between exports.
func WithRuntimeMetrics() Option {
	return optionFunc(func(s *settings) { s.runtimeMetrics = true })
}

// startRuntimeMetrics registers the runtime instruments on mp.
func startRuntimeMetrics(mp *sdkmetric.MeterProvider) error {
	if err := runtime.Start(runtime.WithMeterProvider(mp)); err != nil {
		return fmt.Errorf("logfire: WithRuntimeMetrics: %w", err)
	}
	return nil
}
