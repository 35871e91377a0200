// Package testhook carries the settings that the SDK's own tests (and
// logfiretest) give logfire.Configure beyond its public options: an
// instance that does not become the default, deterministic ids, a span
// processor that sees what Logfire's exporter sees, a metric reader, and
// the export settings that users set with environment variables
// (OTEL_BSP_*, LOGFIRE_CREDENTIALS_DIR) or not at all.
//
// The settings travel in the context given to Configure:
//
//	ctx := testhook.With(context.Background(), testhook.Settings{NotDefault: true})
//	lf, err := logfire.Configure(ctx, opts...)
//
// Being internal, the package cannot be imported from outside this
// module, so none of this is part of the SDK's API.
package testhook

import (
	"context"
	"time"

	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

// Settings are the hidden settings of one Configure. The zero value of
// each field leaves the SDK's behaviour (defaults, then environment) as it
// is.
type Settings struct {
	// NotDefault keeps the instance from becoming the default one: the
	// package-level functions and the global OpenTelemetry providers and
	// propagator stay as they were.
	NotDefault bool
	// IDGenerator makes the trace and span ids instead of the SDK's
	// (ULID trace ids, random span ids).
	IDGenerator sdktrace.IDGenerator
	// SpanProcessors see what Logfire's own exporter sees: real spans,
	// logs and pending spans, scrubbed, of the traces tail sampling keeps.
	SpanProcessors []sdktrace.SpanProcessor
	// MetricReaders are added to the instance's meter provider.
	MetricReaders []sdkmetric.Reader
	// CredentialsDir replaces LOGFIRE_CREDENTIALS_DIR.
	CredentialsDir string
	// BatchScheduleDelay replaces OTEL_BSP_SCHEDULE_DELAY.
	BatchScheduleDelay time.Duration
	// BatchExportTimeout replaces OTEL_BSP_EXPORT_TIMEOUT.
	BatchExportTimeout time.Duration
	// BatchMaxQueueSize replaces OTEL_BSP_MAX_QUEUE_SIZE.
	BatchMaxQueueSize int
	// BatchMaxExportSize replaces OTEL_BSP_MAX_EXPORT_BATCH_SIZE.
	BatchMaxExportSize int
	// OutageProbe is the longest a flush may spend on a failing backend
	// (250 ms by default).
	OutageProbe time.Duration
	// MaxQueueBytes bounds each export queue by the estimated size of
	// its records (4 MiB by default).
	MaxQueueBytes int
	// Destinations replace the projects derived from the tokens: each
	// exports to its own base URL with its own token.
	Destinations []Destination
	// VariablesInterval replaces the polling interval of managed
	// variables (logfire.WithVariablePolling), without its 10 s minimum.
	VariablesInterval time.Duration
}

// Destination is one project to export to.
type Destination struct {
	Token   string
	BaseURL string
}

type key struct{}

// With returns ctx carrying s, for logfire.Configure.
func With(ctx context.Context, s Settings) context.Context {
	if ctx == nil {
		ctx = context.Background()
	}
	return context.WithValue(ctx, key{}, s)
}

// From returns the settings that ctx carries, if any.
func From(ctx context.Context) (Settings, bool) {
	if ctx == nil {
		return Settings{}, false
	}
	s, ok := ctx.Value(key{}).(Settings)
	return s, ok
}

// SetDefault makes lf, a *logfire.Logfire (nil: none), the default
// instance, as Configure does, for examples of the package-level functions
// that record into a logfiretest capture. Package logfire sets it.
var SetDefault func(lf any)
