package main

import (
	"context"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"

	"github.com/logfire-go/sdk/logfire"
)

// pipeline is one mode's configured SDK: record makes one record, shutdown
// exports what is left and stops.
type pipeline struct {
	record   func(ctx context.Context)
	shutdown func(ctx context.Context) error
}

// modes configures each mode's pipeline to export to endpoint; with
// flatOut (-rate 0), the pipeline must not drop what it cannot export in
// time, so that what it delivers measures its throughput.
var modes = map[string]func(ctx context.Context, endpoint string, flatOut bool) (pipeline, error){
	"logfire-info":       logfireInfo,
	"otel-2attrs":        plainOTel(span2Attrs),
	"otel-logfire-attrs": plainOTel(spanLogfireAttrs),
}

// logfireInfo is the SDK as a user configures it to send to a Logfire
// endpoint, without a console, writing a log with 2 attributes.
// Its export queue makes the caller wait rather than drop while the backend
// keeps up, flat out or not.
func logfireInfo(ctx context.Context, endpoint string, _ bool) (pipeline, error) {
	lf, err := logfire.Configure(ctx, logfire.WithToken("rate-bench-token"), logfire.WithBaseURL(endpoint), logfire.WithConsole(nil))
	if err != nil {
		return pipeline{}, err
	}
	return pipeline{
		record: func(ctx context.Context) {
			logfire.Info(ctx, "Hello {name} {n}", "name", "world", "n", 42)
		},
		shutdown: lf.Shutdown,
	}, nil
}

// plainOTel returns a mode that records with OpenTelemetry Go as its
// documentation configures it: the OTLP/HTTP trace exporter with gzip and
// a batch span processor, their defaults otherwise (flat out, the batch
// processor waits for room instead of dropping: WithBlocking).
func plainOTel(record func(ctx context.Context, tr trace.Tracer)) func(context.Context, string, bool) (pipeline, error) {
	return func(ctx context.Context, endpoint string, flatOut bool) (pipeline, error) {
		exp, err := otlptracehttp.New(ctx, otlptracehttp.WithEndpointURL(endpoint+"/v1/traces"),
			otlptracehttp.WithCompression(otlptracehttp.GzipCompression))
		if err != nil {
			return pipeline{}, err
		}
		var opts []sdktrace.BatchSpanProcessorOption
		if flatOut {
			opts = append(opts, sdktrace.WithBlocking())
		}
		tp := sdktrace.NewTracerProvider(sdktrace.WithBatcher(exp, opts...))
		tr := tp.Tracer("rate")
		return pipeline{record: func(ctx context.Context) { record(ctx, tr) }, shutdown: tp.Shutdown}, nil
	}
}

// span2Attrs starts and ends a span with 2 attributes.
func span2Attrs(ctx context.Context, tr trace.Tracer) {
	_, s := tr.Start(ctx, "hello", trace.WithAttributes(attribute.String("name", "world"), attribute.Int("n", 42)))
	s.End()
}

// spanLogfireAttrs records the span logfire.Info sends for the call of
// logfireInfo, its 10 attributes written out by hand, start and end at the
// same instant: the work of Info without the SDK.
func spanLogfireAttrs(ctx context.Context, tr trace.Tracer) {
	now := time.Now()
	_, s := tr.Start(ctx, "Hello {name} {n}", trace.WithTimestamp(now), trace.WithAttributes(
		attribute.String("logfire.span_type", "log"),
		attribute.Int("logfire.level_num", 9),
		attribute.String("logfire.msg_template", "Hello {name} {n}"),
		attribute.String("logfire.msg", "Hello world 42"),
		attribute.String("code.filepath", "e2e/cmd/rate/modes.go"),
		attribute.Int("code.lineno", 38),
		attribute.String("code.function", "main.logfireInfo.func1"),
		attribute.String("name", "world"),
		attribute.Int("n", 42),
		attribute.String("logfire.json_schema", `{"type":"object","properties":{"name":{},"n":{}}}`),
	))
	s.End(trace.WithTimestamp(now))
}
