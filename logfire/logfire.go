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
	"os"
	"sync"
	"sync/atomic"
	"time"

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
	"github.com/logfire-go/sdk/internal/credentials"
	"github.com/logfire-go/sdk/internal/delivery"
	"github.com/logfire-go/sdk/internal/envconfig"
	"github.com/logfire-go/sdk/internal/redact"
	"github.com/logfire-go/sdk/internal/selflog"
	"github.com/logfire-go/sdk/internal/testhook"
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
	scrubber *scrubber // tokens and URLs always; patterns with scrubbing on; nil only in a zero Logfire

	propagator propagation.TextMapPropagator // see Propagator

	// Delivery (delivery.go): one destination per token.
	dests          []*destination
	drops          *dropReporter
	removeRedactor func()
	reportMu       sync.Mutex
	reported       delivery.Snapshot // what the last flush or shutdown reported

	shutdownOnce sync.Once
	shutdownErr  error
	shutDown     atomic.Bool // Shutdown has run

	tail *tailSampler // WithSampling's; nil without it

	errorHandler func(error) // WithErrorHandler's; nil for the default

	live *liveSpans // the spans still open, ended by Shutdown (livespans.go)

	vars *instanceVariables // managed variables (variables.go); nil without any
}

// defaultInstance serves the package-level functions: the instance the
// last Configure made.
var defaultInstance atomic.Pointer[Logfire]

// current returns the default instance, or nil before the first Configure.
func current() *Logfire { return defaultInstance.Load() }

// setDefault makes lf the instance used by the package-level functions
// and installs its providers and its propagator as the global
// OpenTelemetry ones, so that other instrumentation reports through it and
// continues the traces it carries.
func setDefault(lf *Logfire) {
	defaultInstance.Store(lf)
	if lf == nil || lf.tp == nil {
		return // nil, or a zero Logfire: nothing to install
	}
	otel.SetTracerProvider(lf.tp)
	otel.SetMeterProvider(lf.mp)
	logglobal.SetLoggerProvider(lf.lp)
	otel.SetTextMapPropagator(lf.Propagator())
}

// Configure builds an SDK instance from the environment and opts (options
// win over the environment) and makes it the default instance: the one
// the package-level functions (Info, Span, …) record to, and whose tracer,
// meter and logger providers and propagator become OpenTelemetry's global
// ones, so that other instrumentation reports through it too. A program
// normally calls it once, at start; a second Configure makes its own
// instance the default in place of the first, which keeps exporting until
// its own Shutdown. It does no network I/O: exporters connect when they
// first send.
//
// An invalid setting is an error that names the environment variable or
// option and the values it accepts.
func Configure(ctx context.Context, opts ...Option) (*Logfire, error) {
	if ctx == nil {
		ctx = context.Background()
	}
	cfg, err := loadConfig(opts) // configdir.go
	if err != nil {
		return nil, err
	}
	// config.Load has checked the OpenTelemetry variables read here.
	s := settings{cfg: cfg, otel: envconfig.LoadOTel(os.Getenv, nil, nil)}
	if h, ok := testhook.From(ctx); ok {
		s.hook = h
	}
	for _, o := range opts {
		if o != nil {
			o.apply(&s)
		}
	}
	s.applyHook()
	forwardOTelErrors()
	lf, err := build(ctx, &s)
	if err != nil {
		return nil, redactError(s.tokens(), err)
	}
	if s.cfg.EmitConfigurationSpan {
		lf.emitConfiguration(ctx, &s) // configlog.go
	}
	if !s.hook.NotDefault {
		if prev := current(); prev != nil && !prev.shutDown.Load() {
			replacedDefault(prev, lf)
		}
		setDefault(lf)
	}
	return lf, nil
}

func build(ctx context.Context, s *settings) (*Logfire, error) {
	if err := errors.Join(s.cfg.Validate(), s.validate(), s.validateSampling(), s.validateVariables()); err != nil {
		return nil, err
	}
	propagator, err := s.propagation.textMapPropagator(s.otel.Propagators)
	if err != nil {
		return nil, err
	}
	dests := s.destinations()
	if dests == nil {
		var err error
		if dests, err = credentials.Destinations(&s.cfg, s.handleError); err != nil {
			return nil, err
		}
	} else if s.cfg.SendToLogfire == config.SendNever {
		dests = nil
	}
	res := s.resource
	if res == nil {
		if res, err = detect.Resource(ctx, s.cfg, Version); err != nil {
			return nil, err
		}
	}
	sc := &scrubber{} // scrubbing off: URL attributes and tokens only
	if s.cfg.Scrubbing {
		if sc, err = newScrubber(s.scrubbing.patterns, s.scrubbing.callback); err != nil {
			return nil, err
		}
	}
	var tokens []string
	for _, d := range dests {
		tokens = append(tokens, d.Token)
	}
	sc.tokens = redact.NewTokens(append(append(tokens, s.cfg.APIKey), s.cfg.Tokens...)...)
	s.showProjectLink(tokens) // projectlink.go
	res = redactResource(sc.tokens, validResource(res))
	redact := sc.tokens.String
	ownLines := s.ownLines(redact)
	drops := &dropReporter{every: dropReportInterval, out: ownLines}
	p, err := newPipelines(s, dests, sc, deliveryHooks{
		redact:   redact,
		onDrop:   drops.add,
		outage:   &selflog.Limiter{Every: time.Minute, Out: ownLines},
		warnings: &serverWarnings{out: ownLines, redact: redact}, // serverwarning.go
	})
	if err != nil {
		return nil, err
	}

	idGen := s.hook.IDGenerator
	if idGen == nil {
		idGen = ulidGenerator{}
	}
	limits := sdktrace.NewSpanLimits() // OTEL_SPAN_*_LIMIT
	if limits.AttributeValueLengthLimit < 0 {
		limits.AttributeValueLengthLimit = int(s.cfg.AttributeValueLengthLimit)
	}
	live := &liveSpans{}
	tpOpts := []sdktrace.TracerProviderOption{
		sdktrace.WithSpanProcessor(live),
		sdktrace.WithRawSpanLimits(limits),
		sdktrace.WithResource(res),
		sdktrace.WithIDGenerator(idGen),
		sdktrace.WithSampler(headSampler(s.cfg.TraceSampleRate, s.otel.TracesSampler)),
	}
	if dt := s.cfg.DistributedTracing; dt != nil && !*dt {
		tpOpts = append(tpOpts, sdktrace.WithSpanProcessor(refusedParentLinker{})) // distributed.go
	}
	tpOpts = append(tpOpts, s.propagation.tracerProviderOptions()...)
	for _, sp := range p.spanProcessors {
		tpOpts = append(tpOpts, sdktrace.WithSpanProcessor(sp))
	}
	for _, sp := range withScrubbing(sc, s.spanProcessors) {
		tpOpts = append(tpOpts, sdktrace.WithSpanProcessor(sp))
	}
	mpOpts := []sdkmetric.Option{sdkmetric.WithResource(res)}
	for _, r := range append(p.metricReaders, s.hook.MetricReaders...) {
		mpOpts = append(mpOpts, sdkmetric.WithReader(r))
	}
	lpOpts := []sdklog.LoggerProviderOption{sdklog.WithResource(res)}
	if os.Getenv("OTEL_LOGRECORD_ATTRIBUTE_VALUE_LENGTH_LIMIT") == "" {
		lpOpts = append(lpOpts, sdklog.WithAttributeValueLengthLimit(int(s.cfg.AttributeValueLengthLimit)))
	}
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
		dests:    p.dests,
		drops:    drops,
		tail:     p.tail,
		live:     live,
	}
	lf.errorHandler = s.errorHandler
	lf.removeRedactor = selflog.AddRedactor(redact)
	lf.tracer = lf.tp.Tracer(scopeName, trace.WithInstrumentationVersion(Version))
	lf.propagator = trustPropagator(propagator, s.cfg.DistributedTracing, lf.warnContinuedTrace) // distributed.go
	lf.vars = s.newVariables(lf)
	if s.runtimeMetrics {
		if err := startRuntimeMetrics(lf.mp); err != nil {
			_ = lf.Shutdown(ctx)
			return nil, err
		}
	}
	return lf, nil
}

// TracerProvider returns the instance's tracer provider, for use with
// OpenTelemetry instrumentation libraries. For a nil or zero *Logfire it
// returns a provider that exports nothing.
func (lf *Logfire) TracerProvider() *sdktrace.TracerProvider {
	if lf == nil || lf.tp == nil {
		return idle().tp
	}
	return lf.tp
}

// MeterProvider returns the instance's meter provider (for a nil or zero
// *Logfire, one that exports nothing).
func (lf *Logfire) MeterProvider() *sdkmetric.MeterProvider {
	if lf == nil || lf.mp == nil {
		return idle().mp
	}
	return lf.mp
}

// LoggerProvider returns the instance's OpenTelemetry logger provider, for
// OpenTelemetry log bridges. Its records go to /v1/logs. For a nil or zero
// *Logfire it returns a provider that exports nothing.
func (lf *Logfire) LoggerProvider() *sdklog.LoggerProvider {
	if lf == nil || lf.lp == nil {
		return idle().lp
	}
	return lf.lp
}

// ForceFlush exports everything the three providers hold, concurrently,
// and waits for them or for ctx, whichever comes first; then it sends what
// the retry buffer still holds. It returns the joined errors of the
// providers, ctx's error if ctx ended first, and an error that matches
// ErrBuffered if records are still kept for a retry, ErrDropped if records
// were dropped since the previous ForceFlush (its message says how many,
// why, and what went wrong). With ctx already done it returns at once and
// exports nothing. After Shutdown it does nothing and returns nil.
//
// While the backend is failing, ForceFlush tries it once, for a short
// time (at most 250 ms from its start), and keeps what it cannot send for
// later. A ctx without a deadline is given one: the batch export timeout
// (OTEL_BSP_EXPORT_TIMEOUT, 30 s by default).
func (lf *Logfire) ForceFlush(ctx context.Context) error {
	if lf == nil || lf.tp == nil {
		return nil
	}
	if lf.shutDown.Load() {
		misuseAfterShutdown.warn("ForceFlush was called after (*logfire.Logfire).Shutdown: it does nothing; everything was flushed by Shutdown")
		return nil
	}
	if ctx == nil {
		ctx = context.Background()
	}
	if err := ctx.Err(); err != nil {
		return wrapErr("flush", fmt.Errorf("not started: %w", err))
	}
	ctx, cancel := lf.bounded(ctx)
	defer cancel()
	// The exports of the three providers and the drain of the retry
	// buffer are one flush for each destination: one retry budget, at most
	// one probe of a failing backend.
	for _, d := range lf.dests {
		end := d.sender.BeginFlush()
		defer end()
	}
	err := runConcurrently(ctx, []func(context.Context) error{
		named("traces", lf.tp.ForceFlush),
		named("metrics", lf.flushMetrics),
		named("logs", lf.lp.ForceFlush),
	})
	for _, d := range lf.dests {
		if ctx.Err() != nil {
			break
		}
		d.sender.Drain(ctx, delivery.Flush)
	}
	return redactError(scrubberTokens(lf.scrubber), joinErr(wrapErr("flush", err), lf.deliveryError("flush")))
}

// bounded returns ctx, or, if ctx has no deadline, ctx with one a batch
// export timeout away (OTEL_BSP_EXPORT_TIMEOUT),
// so that a flush or Shutdown against a backend that never answers ends.
func (lf *Logfire) bounded(ctx context.Context) (context.Context, context.CancelFunc) {
	if _, ok := ctx.Deadline(); ok {
		return ctx, func() {}
	}
	return context.WithTimeout(ctx, lf.cfg.BatchExportTimeout)
}

// flushMetrics flushes the metric readers added with options and
// Logfire's own metric exports.
func (lf *Logfire) flushMetrics(ctx context.Context) error {
	err := lf.mp.ForceFlush(ctx)
	for _, d := range lf.dests {
		if d.metrics != nil {
			err = joinErr(err, d.metrics.ForceFlush(ctx))
		}
	}
	return err
}

// Shutdown ends the spans still open (started and not ended: a goroutine
// that never returned, a function the program's end cut short), so that
// they are exported with the shutdown's time as their end instead of
// being lost, as the Python SDK ends them at exit. Then it flushes and
// stops the three providers, concurrently, bounded by
// ctx (or, if ctx has no deadline, by the batch export timeout, as for
// ForceFlush), then sends what the retry buffer holds. It is safe to call more
// than once and from several goroutines: the first call that starts the
// work does it, and every later call returns its result. With ctx already
// done, Shutdown returns ctx's error at once and changes nothing, so it can
// be called again with a live context. If the instance is the default, it
// stays the default, with its providers now doing nothing.
//
// When Shutdown returns, even with ctx's error, none of the instance's
// export goroutines is still running and its connections are closed. What
// it could not deliver is counted as dropped ("shutdown") and reported
// in its error (matching ErrDropped), or left in the retry buffer's
// directory if it is
// one of your choosing (see WithRetryBuffer). The errors of every signal's
// export are returned, joined.
func (lf *Logfire) Shutdown(ctx context.Context) error {
	if lf == nil || lf.tp == nil {
		return nil
	}
	if ctx == nil {
		ctx = context.Background()
	}
	if err := ctx.Err(); err != nil {
		return wrapErr("shutdown", fmt.Errorf("not started: %w", err))
	}
	lf.shutdownOnce.Do(func() {
		ctx, cancel := lf.bounded(ctx)
		defer cancel()
		lf.live.endAll() // so that the spans still open are not lost
		err := runConcurrently(ctx, []func(context.Context) error{
			named("traces", lf.tp.Shutdown),
			named("metrics", lf.shutdownMetrics),
			named("logs", lf.lp.Shutdown),
		})
		for _, d := range lf.dests {
			d.sender.Shutdown(ctx)
			d.stop()
		}
		lf.drops.stop()
		lf.shutdownVariables(ctx)
		lf.shutDown.Store(true)
		lf.shutdownErr = redactError(scrubberTokens(lf.scrubber), joinErr(wrapErr("shutdown", err), lf.deliveryError("shutdown")))
		if lf.removeRedactor != nil {
			lf.removeRedactor()
		}
	})
	return lf.shutdownErr
}

// shutdownMetrics shuts down the metric provider (readers added with
// options) and Logfire's own metric exports.
func (lf *Logfire) shutdownMetrics(ctx context.Context) error {
	var err error
	for _, d := range lf.dests {
		if d.metrics != nil {
			err = joinErr(err, d.metrics.Shutdown(ctx))
		}
	}
	return joinErr(err, lf.mp.Shutdown(ctx))
}

// runConcurrently runs fns concurrently and waits for all of them or for
// ctx, whichever comes first, joining their errors (and ctx's). The first
// runs in the caller's goroutine (each goroutine hop costs a flush on
// Lambda tens of microseconds of scheduling), the others in goroutines of
// their own.
func runConcurrently(ctx context.Context, fns []func(context.Context) error) error {
	switch len(fns) {
	case 0:
		return nil
	case 1:
		return fns[0](ctx)
	}
	errs := make(chan error, len(fns)-1)
	for _, fn := range fns[1:] {
		go func() { errs <- fn(ctx) }()
	}
	all := []error{fns[0](ctx)}
	for range fns[1:] {
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
