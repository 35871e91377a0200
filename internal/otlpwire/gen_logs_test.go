package otlpwire

// Generated log records, made by real LoggerProviders.

import (
	"context"
	"errors"
	"math"

	"go.opentelemetry.io/otel/log"
	sdklog "go.opentelemetry.io/otel/sdk/log"
	"go.opentelemetry.io/otel/sdk/resource"
	"go.opentelemetry.io/otel/trace"
)

// Log records.

// genLogCapture is a log processor that keeps a clone of every record,
// after setting on it what the generator chose for it (the observed
// timestamp, which the SDK would otherwise take from the clock, and trace
// context parts that a context cannot give, such as a trace ID alone).
type genLogCapture struct {
	records []sdklog.Record
	set     func(*sdklog.Record)
}

func (c *genLogCapture) OnEmit(_ context.Context, r *sdklog.Record) error {
	if c.set != nil {
		c.set(r)
	}
	c.records = append(c.records, r.Clone())
	return nil
}

func (c *genLogCapture) Enabled(context.Context, sdklog.EnabledParameters) bool { return true }
func (c *genLogCapture) Shutdown(context.Context) error                         { return nil }
func (c *genLogCapture) ForceFlush(context.Context) error                       { return nil }

// logs returns log records emitted through one to three LoggerProviders,
// each with its resource (the default, empty, or with attributes), limits
// and loggers.
func (g *generator) logs() []sdklog.Record {
	capture := &genLogCapture{}
	var loggers []log.Logger
	var resources []*resource.Resource
	var providers []*sdklog.LoggerProvider
	for range 1 + g.intn(3) {
		valueLimit := g.limit()
		if g.badUTF8 {
			valueLimit = -1 // see spans
		}
		opts := []sdklog.LoggerProviderOption{
			sdklog.WithProcessor(capture),
			sdklog.WithAttributeCountLimit(g.limit()),
			sdklog.WithAttributeValueLengthLimit(valueLimit),
		}
		if g.bool() {
			opts = append(opts, sdklog.WithAttributeValueDepthLimit(g.limit()))
		}
		if g.oneIn(4) {
			opts = append(opts, sdklog.WithAllowKeyDuplication())
		}
		if !g.oneIn(6) {
			res := g.resource(resources, false)
			resources = append(resources, res)
			opts = append(opts, sdklog.WithResource(res))
		}
		lp := sdklog.NewLoggerProvider(opts...)
		providers = append(providers, lp)
		for range 1 + g.intn(3) {
			var lopts []log.LoggerOption
			if g.bool() {
				lopts = append(lopts, log.WithInstrumentationVersion(g.str()))
			}
			if g.bool() {
				lopts = append(lopts, log.WithSchemaURL(g.str()))
			}
			if g.bool() {
				lopts = append(lopts, log.WithInstrumentationAttributes(g.attrs(3)...))
			}
			loggers = append(loggers, lp.Logger(g.str(), lopts...))
		}
	}
	for range 1 + g.intn(12) {
		g.logRecord(capture, loggers[g.intn(len(loggers))])
	}
	for _, lp := range providers {
		if err := lp.Shutdown(context.Background()); err != nil {
			panic(err)
		}
	}
	return capture.records
}

// logRecord emits one record through l, with every part of a record
// chosen.
func (g *generator) logRecord(capture *genLogCapture, l log.Logger) {
	var r log.Record
	r.SetTimestamp(g.time())
	switch g.intn(4) {
	case 0:
	case 1:
		r.SetSeverity(log.Severity(g.intn(25))) // 0..24
	default:
		r.SetSeverity(log.Severity([]int{-1, 25, 26, 100, math.MinInt32, g.intn(30)}[g.intn(6)]))
	}
	if g.bool() {
		r.SetSeverityText(g.str())
	}
	if g.bool() {
		r.SetEventName(g.str())
	}
	if !g.oneIn(6) {
		r.SetBody(g.value(0))
	}
	for range g.intn(3) {
		r.AddAttributes(g.attrs(7)...)
	}
	if g.oneIn(6) {
		r.SetErr(errors.New(g.str()))
	}
	ctx := context.Background()
	if g.bool() {
		sc := g.spanContext()
		if sc.IsRemote() {
			ctx = trace.ContextWithRemoteSpanContext(ctx, sc)
		} else {
			ctx = trace.ContextWithSpanContext(ctx, sc)
		}
	}
	observed := g.time()
	var setTrace func(*sdklog.Record)
	switch g.intn(6) {
	case 0:
		tid := g.traceID()
		setTrace = func(rec *sdklog.Record) { rec.SetTraceID(tid) }
	case 1:
		sid := g.spanID()
		setTrace = func(rec *sdklog.Record) { rec.SetSpanID(sid) }
	case 2:
		tf := trace.TraceFlags(g.byte())
		setTrace = func(rec *sdklog.Record) { rec.SetTraceFlags(tf) }
	}
	capture.set = func(rec *sdklog.Record) {
		rec.SetObservedTimestamp(observed)
		if setTrace != nil {
			setTrace(rec)
		}
	}
	l.Emit(ctx, r)
}
