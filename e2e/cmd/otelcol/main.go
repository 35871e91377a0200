// Command otelcol is the small OpenTelemetry Collector distribution of the
// e2e tests (package collectordist: OTLP receiver, batch processor,
// OTLP/HTTP exporter, headers_setter), as a program:
//
//	go run ./cmd/otelcol --config testdata/collector/agent.yaml
//
// It runs the YAML files of docs/collector.md as otelcol-contrib does.
package main

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/confmap/provider/envprovider"
	"go.opentelemetry.io/collector/confmap/provider/fileprovider"
	"go.opentelemetry.io/collector/confmap/provider/yamlprovider"
	"go.opentelemetry.io/collector/otelcol"

	"github.com/logfire-go/sdk/e2e/collectordist"
)

func main() {
	if err := newCommand().Execute(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

// newCommand is the collector's command line: run, validate, components.
func newCommand() *cobra.Command {
	return otelcol.NewCommand(otelcol.CollectorSettings{
		BuildInfo: collectordist.BuildInfo,
		Factories: collectordist.Components,
		ConfigProviderSettings: otelcol.ConfigProviderSettings{
			ResolverSettings: confmap.ResolverSettings{
				ProviderFactories: []confmap.ProviderFactory{
					fileprovider.NewFactory(), envprovider.NewFactory(), yamlprovider.NewFactory(),
				},
				DefaultScheme: "env",
			},
		},
	})
}
