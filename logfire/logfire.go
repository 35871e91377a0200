// Package logfire is the Go SDK for Pydantic Logfire.
//
// Configure sets up OpenTelemetry tracing, metrics and logs from the
// environment in one call, exports them to Logfire over OTLP/HTTP and
// returns a *Logfire handle to flush and shut them down. Span, Info, Warn,
// Error and friends record spans and logs with Logfire's conventions:
// message templates, levels and attributes that the Logfire UI understands.
//
//	lf, err := logfire.Configure(ctx)
//	if err != nil { ... }
//	defer lf.Shutdown(context.Background())
//	logfire.Info(ctx, "Hello {name}", "name", "world")
package logfire

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"

	"go.opentelemetry.io/otel"
	logglobal "go.opentelemetry.io/otel/log/global"
	"go.opentelemetry.io/otel/propagation"
	sdklog "go.opentelemetry.io/otel/sdk/log"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"

	"github.com/logfire-go/sdk/config"
	"github.com/logfire-go/sdk/detect"
)

// Logfire is a configured SDK instance: its tracer, meter and logger
// providers and the settings it was built from. Its methods are safe for
// concurrent use. The zero value is not usable; call Configure.
type Logfire struct {
	cfg      config.Config
	resource *resource.Resource
	tp       *sdktrace.TracerProvider
	mp       *sdkmetric.MeterProvider
	lp       *sdklog.LoggerProvider
	tracer   trace.Tracer
	minLevel Level
	scrubber *scrubber // nil with scrubbing off

	propagator propagation.TextMapPropagator // see Propagator

	shutdownOnce sync.Once
	shutdownErr  error
	shutDown     atomic.Bool // Shutdown has run
}

// defaultInstance serves the package-level functions.
var defaultInstance atomic.Pointer[Logfire]

// Default returns the instance used by the package-level functions, or nil
// if none was configured.
func Default() *Logfire { return defaultInstance.Load() }

// SetDefault makes lf the instance used by the package-level functions and
// installs its providers and its propagator as the global OpenTelemetry
// ones, so that other instrumentation reports through it and continues the
// traces it carries.
func SetDefault(lf *Logfire) {
	defaultInstance.Store(lf)
	if lf == nil {
		return
	}
	otel.SetTracerProvider(lf.tp)
	otel.SetMeterProvider(lf.mp)
	logglobal.SetLoggerProvider(lf.lp)
	otel.SetTextMapPropagator(lf.Propagator())
}

// Configure builds an SDK instance from the environment and opts (options
// win over the environment) and, unless WithSetDefault(false) is given,
// makes it the default instance. It does no network I/O: exporters connect
// when they first send.
//
// An invalid setting is an error that names the environment variable or
// option and the values it accepts.
func Configure(ctx context.Context, opts ...Option) (*Logfire, error) {
	cfg, err := config.Load()
	if err != nil {
		return nil, err
	}
	s := settings{cfg: cfg, setDefault: true}
	for _, o := range opts {
		if o != nil {
			o.apply(&s)
		}
	}
	lf, err := build(ctx, &s)
	if err != nil {
		return nil, err
	}
	if s.setDefault {
		SetDefault(lf)
	}
	return lf, nil
}

func build(ctx context.Context, s *settings) (*Logfire, error) {
	if err := s.cfg.Validate(); err != nil {
		return nil, err
	}
	dests := s.destinations
	if dests == nil {
		var err error
		if dests, err = s.cfg.Destinations(); err != nil {
			return nil, err
		}
	} else if s.cfg.SendToLogfire == config.SendNever {
		dests = nil
	}
	var err error
	res := s.resource
	if res == nil {
		if res, err = detect.Resource(ctx, s.cfg, Version); err != nil {
			return nil, err
		}
	}

	var sc *scrubber
	if s.cfg.Scrubbing {
		if sc, err = newScrubber(s.scrubPatterns, s.scrubCallback); err != nil {
			return nil, err
		}
	}
	p, err := newPipelines(ctx, s, dests, sc)
	if err != nil {
		return nil, err
	}

	idGen := s.idGenerator
	if idGen == nil {
		idGen = ulidGenerator{}
	}
	tpOpts := []sdktrace.TracerProviderOption{
		sdktrace.WithResource(res),
		sdktrace.WithIDGenerator(idGen),
		sdktrace.WithSampler(sdktrace.ParentBased(sdktrace.TraceIDRatioBased(float64(s.cfg.TraceSampleRate)))),
	}
	tpOpts = append(tpOpts, s.propagation.tracerProviderOptions()...)
	for _, sp := range p.spanProcessors {
		tpOpts = append(tpOpts, sdktrace.WithSpanProcessor(sp))
	}
	for _, sp := range withScrubbing(sc, s.spanProcessors) {
		tpOpts = append(tpOpts, sdktrace.WithSpanProcessor(sp))
	}
	mpOpts := []sdkmetric.Option{sdkmetric.WithResource(res)}
	for _, r := range append(p.metricReaders, s.metricReaders...) {
		mpOpts = append(mpOpts, sdkmetric.WithReader(r))
	}
	lpOpts := []sdklog.LoggerProviderOption{sdklog.WithResource(res)}
	if sc != nil {
		// First, so that every processor after it sees the scrubbed record.
		lpOpts = append(lpOpts, sdklog.WithProcessor(scrubbingLogProcessor{sc: sc}))
	}
	for _, lp := range append(p.logProcessors, s.logProcessors...) {
		lpOpts = append(lpOpts, sdklog.WithProcessor(lp))
	}

	lf := &Logfire{
		cfg:      s.cfg,
		resource: res,
		tp:       sdktrace.NewTracerProvider(tpOpts...),
		mp:       sdkmetric.NewMeterProvider(mpOpts...),
		lp:       sdklog.NewLoggerProvider(lpOpts...),
		minLevel: s.cfg.MinLevel,
		scrubber: sc,
	}
	lf.tracer = lf.tp.Tracer(scopeName, trace.WithInstrumentationVersion(Version))
	lf.propagator = s.propagation.textMapPropagator()
	return lf, nil
}

// TracerProvider returns the instance's tracer provider, for use with
// OpenTelemetry instrumentation libraries.
func (lf *Logfire) TracerProvider() *sdktrace.TracerProvider { return lf.tp }

// MeterProvider returns the instance's meter provider.
func (lf *Logfire) MeterProvider() *sdkmetric.MeterProvider { return lf.mp }

// LoggerProvider returns the instance's OpenTelemetry logger provider, for
// OpenTelemetry log bridges. Its records go to /v1/logs.
func (lf *Logfire) LoggerProvider() *sdklog.LoggerProvider { return lf.lp }

// Resource returns the resource attached to everything the instance sends.
func (lf *Logfire) Resource() *resource.Resource { return lf.resource }

// Config returns the settings the instance was built from.
func (lf *Logfire) Config() config.Config { return lf.cfg }

// ForceFlush exports everything the three providers hold, concurrently,
// and waits for them or for ctx, whichever comes first. It returns the
// joined errors of the providers, and ctx's error if ctx ended first. With
// ctx already done it returns at once and exports nothing. After Shutdown
// it does nothing and returns nil.
func (lf *Logfire) ForceFlush(ctx context.Context) error {
	if lf.shutDown.Load() {
		return nil
	}
	if err := ctx.Err(); err != nil {
		return wrapErr("flush", fmt.Errorf("not started: %w", err))
	}
	return wrapErr("flush", runConcurrently(ctx, []func(context.Context) error{
		named("traces", lf.tp.ForceFlush),
		named("metrics", lf.mp.ForceFlush),
		named("logs", lf.lp.ForceFlush),
	}))
}

// Shutdown flushes and stops the three providers, concurrently, bounded by
// ctx. It is safe to call more than once and from several goroutines: the
// first call that starts the work does it, and every later call returns
// its result. With ctx already done, Shutdown returns ctx's error at once
// and changes nothing, so it can be called again with a live context. If
// the instance is the default, it stays the default, with its providers
// now doing nothing.
func (lf *Logfire) Shutdown(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return wrapErr("shutdown", fmt.Errorf("not started: %w", err))
	}
	lf.shutdownOnce.Do(func() {
		lf.shutdownErr = wrapErr("shutdown", runConcurrently(ctx, []func(context.Context) error{
			named("traces", lf.tp.Shutdown),
			named("metrics", lf.mp.Shutdown),
			named("logs", lf.lp.Shutdown),
		}))
		lf.shutDown.Store(true)
	})
	return lf.shutdownErr
}

// runConcurrently runs fns concurrently and waits for all of them or for
// ctx, whichever comes first, joining their errors (and ctx's).
func runConcurrently(ctx context.Context, fns []func(context.Context) error) error {
	errs := make(chan error, len(fns))
	for _, fn := range fns {
		go func() { errs <- fn(ctx) }()
	}
	var all []error
	for range fns {
		select {
		case err := <-errs:
			all = append(all, err)
		case <-ctx.Done():
			return errors.Join(append(all, ctx.Err())...)
		}
	}
	return errors.Join(all...)
}

func named(name string, fn func(context.Context) error) func(context.Context) error {
	return func(ctx context.Context) error {
		if err := fn(ctx); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		return nil
	}
}

func wrapErr(what string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("logfire: %s: %w", what, err)
}
