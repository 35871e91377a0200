package logfire

import (
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/metric"
)

// Metric helpers create instruments on the instance's meter provider, under
// the instrumentation scope "logfire". Logfire's exporter sends counters
// and histograms with delta temporality, up-down counters and gauges
// cumulatively, and histograms as exponential histograms. Options such as
// metric.WithUnit and metric.WithDescription pass through.

// Meter returns a meter of the instance's meter provider named "logfire".
// With a nil *Logfire it uses the global meter provider (which Configure
// sets for the default instance).
func (lf *Logfire) Meter() metric.Meter {
	if lf == nil || lf.mp == nil {
		return otel.GetMeterProvider().Meter(scopeName, metric.WithInstrumentationVersion(Version))
	}
	return lf.mp.Meter(scopeName, metric.WithInstrumentationVersion(Version))
}

// Counter creates a monotonic integer counter.
func (lf *Logfire) Counter(name string, opts ...metric.Int64CounterOption) (metric.Int64Counter, error) {
	return lf.Meter().Int64Counter(name, opts...)
}

// UpDownCounter creates an integer counter that can go down.
func (lf *Logfire) UpDownCounter(name string, opts ...metric.Int64UpDownCounterOption) (metric.Int64UpDownCounter, error) {
	return lf.Meter().Int64UpDownCounter(name, opts...)
}

// Histogram creates a histogram of float values.
func (lf *Logfire) Histogram(name string, opts ...metric.Float64HistogramOption) (metric.Float64Histogram, error) {
	return lf.Meter().Float64Histogram(name, opts...)
}

// Gauge creates a gauge of float values.
func (lf *Logfire) Gauge(name string, opts ...metric.Float64GaugeOption) (metric.Float64Gauge, error) {
	return lf.Meter().Float64Gauge(name, opts...)
}

// ObservableCounter creates a monotonic counter read by callbacks at each
// collection (pass them with metric.WithInt64Callback).
func (lf *Logfire) ObservableCounter(name string, opts ...metric.Int64ObservableCounterOption) (metric.Int64ObservableCounter, error) {
	return lf.Meter().Int64ObservableCounter(name, opts...)
}

// ObservableUpDownCounter creates an up-down counter read by callbacks.
func (lf *Logfire) ObservableUpDownCounter(name string, opts ...metric.Int64ObservableUpDownCounterOption) (metric.Int64ObservableUpDownCounter, error) {
	return lf.Meter().Int64ObservableUpDownCounter(name, opts...)
}

// ObservableGauge creates a gauge read by callbacks (pass them with
// metric.WithFloat64Callback).
func (lf *Logfire) ObservableGauge(name string, opts ...metric.Float64ObservableGaugeOption) (metric.Float64ObservableGauge, error) {
	return lf.Meter().Float64ObservableGauge(name, opts...)
}

// Counter creates a counter on the default instance. See (*Logfire).Counter.
func Counter(name string, opts ...metric.Int64CounterOption) (metric.Int64Counter, error) {
	return Default().Counter(name, opts...)
}

// UpDownCounter creates an up-down counter on the default instance.
func UpDownCounter(name string, opts ...metric.Int64UpDownCounterOption) (metric.Int64UpDownCounter, error) {
	return Default().UpDownCounter(name, opts...)
}

// Histogram creates a histogram on the default instance.
func Histogram(name string, opts ...metric.Float64HistogramOption) (metric.Float64Histogram, error) {
	return Default().Histogram(name, opts...)
}

// Gauge creates a gauge on the default instance.
func Gauge(name string, opts ...metric.Float64GaugeOption) (metric.Float64Gauge, error) {
	return Default().Gauge(name, opts...)
}

// ObservableCounter creates an observable counter on the default instance.
func ObservableCounter(name string, opts ...metric.Int64ObservableCounterOption) (metric.Int64ObservableCounter, error) {
	return Default().ObservableCounter(name, opts...)
}

// ObservableUpDownCounter creates an observable up-down counter on the
// default instance.
func ObservableUpDownCounter(name string, opts ...metric.Int64ObservableUpDownCounterOption) (metric.Int64ObservableUpDownCounter, error) {
	return Default().ObservableUpDownCounter(name, opts...)
}

// ObservableGauge creates an observable gauge on the default instance.
func ObservableGauge(name string, opts ...metric.Float64ObservableGaugeOption) (metric.Float64ObservableGauge, error) {
	return Default().ObservableGauge(name, opts...)
}
