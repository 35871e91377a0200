// Package collectordist is a small OpenTelemetry Collector distribution,
// built from the Collector's published modules, for the e2e tests of
// docs/collector.md: the OTLP receiver, the batch processor, the OTLP/HTTP
// exporter and a header-setting extension, nothing else.
//
// Components returns its factories; cmd/otelcol serves them as a collector
// program (otelcol.NewCommand), and Start runs them in the test's own
// process, from the same YAML files as the documentation shows.
package collectordist

import (
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/connector"
	"go.opentelemetry.io/collector/exporter"
	"go.opentelemetry.io/collector/exporter/otlphttpexporter"
	"go.opentelemetry.io/collector/extension"
	"go.opentelemetry.io/collector/otelcol"
	"go.opentelemetry.io/collector/processor"
	"go.opentelemetry.io/collector/processor/batchprocessor"
	"go.opentelemetry.io/collector/receiver"
	"go.opentelemetry.io/collector/receiver/otlpreceiver"
	"go.opentelemetry.io/collector/service/telemetry/otelconftelemetry"
)

// Components returns the factories of the distribution: receiver otlp,
// processor batch, exporter otlphttp (also known as otlp_http) and
// extension headers_setter (see NewHeadersSetterFactory).
func Components() (otelcol.Factories, error) {
	var err error
	f := otelcol.Factories{Telemetry: otelconftelemetry.NewFactory()}
	if f.Receivers, err = otelcol.MakeFactoryMap[receiver.Factory](otlpreceiver.NewFactory()); err != nil {
		return otelcol.Factories{}, err
	}
	if f.Processors, err = otelcol.MakeFactoryMap[processor.Factory](batchprocessor.NewFactory()); err != nil {
		return otelcol.Factories{}, err
	}
	if f.Exporters, err = otelcol.MakeFactoryMap[exporter.Factory](otlphttpexporter.NewFactory()); err != nil {
		return otelcol.Factories{}, err
	}
	if f.Extensions, err = otelcol.MakeFactoryMap[extension.Factory](NewHeadersSetterFactory()); err != nil {
		return otelcol.Factories{}, err
	}
	f.Connectors = map[component.Type]connector.Factory{}
	return f, nil
}

// BuildInfo describes the distribution.
var BuildInfo = component.BuildInfo{
	Command:     "otelcol-logfire-e2e",
	Description: "OpenTelemetry Collector for the logfire-go e2e tests",
	Version:     "0.162.0",
}
