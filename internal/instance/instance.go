// Package instance lets the SDK's other packages (otellambdaflush, the
// logfire/logfire* integrations) read what a *logfire.Logfire was built
// with beyond its exported methods, without making it part of the public
// API. Package logfire sets Of when it is initialised, so any package that
// imports logfire can call it.
package instance

// Settings are what an instance was built with that the integrations need.
type Settings struct {
	// HeadSampleRate is the share of traces head sampling records, from 0
	// to 1 (LOGFIRE_TRACE_SAMPLE_RATE, logfire.SamplingOptions.Head).
	HeadSampleRate float64
	// MaxExportBatch is the most spans one export request carries
	// (OTEL_BSP_MAX_EXPORT_BATCH_SIZE).
	MaxExportBatch int
}

// Of returns the settings of lf, a *logfire.Logfire; a nil one stands for
// the default instance, and with no instance at all the result holds the
// SDK's defaults. Package logfire sets it.
var Of func(lf any) Settings

// Default returns the default instance (the one the last
// logfire.Configure made), a *logfire.Logfire that is nil before the first
// Configure. Package logfire sets it.
var Default func() any
