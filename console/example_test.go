package console_test

import (
	"context"
	"os"
	"time"

	"go.opentelemetry.io/otel/attribute"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/logfire-go/sdk/config"
	"github.com/logfire-go/sdk/console"
)

// A log is a zero-length span with logfire.span_type=log. The console prints
// its message and tags; real spans are printed by their pending spans,
// which the Logfire SDK produces when they start.
func Example() {
	p := console.New(&console.Options{Writer: os.Stdout, HideTimestamps: true, Colors: config.ColorsNever})
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(p))
	defer func() { _ = tp.Shutdown(context.Background()) }() // shuts p down too

	_, log := tp.Tracer("example").Start(context.Background(), "Hello {name}!", trace.WithAttributes(
		attribute.String("logfire.span_type", "log"),
		attribute.String("logfire.msg", "Hello world!"),
		attribute.StringSlice("logfire.tags", []string{"greeting"}),
	))
	log.End()

	_ = p.ForceFlush(context.Background())
	// Output:
	// Hello world! [greeting]
}

// Verbose output shows where each record comes from, its level and its
// arguments, the ones named by logfire.json_schema.
func ExampleOptions_verbose() {
	p := console.New(&console.Options{Writer: os.Stdout, HideTimestamps: true, Colors: config.ColorsNever, Verbose: true})
	p.OnEnd(tracetest.SpanStub{
		Name:      "User {user}",
		StartTime: time.Date(2025, 1, 2, 15, 4, 5, 6_000_000, time.UTC),
		Attributes: []attribute.KeyValue{
			attribute.String("logfire.span_type", "log"),
			attribute.Int("logfire.level_num", 13),
			attribute.String("logfire.msg", "User {'id': 1} is locked"),
			attribute.String("code.filepath", "auth/login.go"),
			attribute.Int("code.lineno", 31),
			attribute.String("user", `{"id":1,"roles":["admin"]}`),
			attribute.String("logfire.json_schema", `{"type":"object","properties":{"user":{"type":"object"}}}`),
		},
	}.Snapshot())
	_ = p.Shutdown(context.Background())
	// Output:
	// User {'id': 1} is locked
	// │ auth/login.go:31 warn
	// │ user={
	// │          'id': 1,
	// │          'roles': [
	// │              'admin',
	// │          ],
	// │      }
}

// The show-parents style re-prints, dimmed when colours are on, the open
// spans of a trace that the output comes back to.
func ExampleOptions_spanStyle() {
	p := console.New(&console.Options{
		Writer:         os.Stdout,
		HideTimestamps: true,
		Colors:         config.ColorsNever,
		SpanStyle:      config.SpanStyleShowParents,
	})
	for _, r := range exampleInterleaved() {
		p.OnEnd(r)
	}
	_ = p.Shutdown(context.Background())
	// Output:
	// GET /a
	// GET /b
	// GET /a
	//   loaded a
	// GET /b
	//   loaded b
}

// exampleInterleaved fabricates what the Logfire SDK delivers for two
// requests handled at once: a pending span when each starts, then their logs.
func exampleInterleaved() []sdktrace.ReadOnlySpan {
	ctx := func(tr, span byte) trace.SpanContext {
		return trace.NewSpanContext(trace.SpanContextConfig{TraceID: [16]byte{tr}, SpanID: [8]byte{span}})
	}
	pending := func(tr, span byte, msg string) sdktrace.ReadOnlySpan {
		return tracetest.SpanStub{Name: msg, Parent: ctx(tr, span), Attributes: []attribute.KeyValue{
			attribute.String("logfire.span_type", "pending_span"),
			attribute.String("logfire.pending_parent_id", "0000000000000000"),
		}}.Snapshot()
	}
	log := func(tr, span byte, msg string) sdktrace.ReadOnlySpan {
		return tracetest.SpanStub{Name: msg, Parent: ctx(tr, span), Attributes: []attribute.KeyValue{
			attribute.String("logfire.span_type", "log"),
		}}.Snapshot()
	}
	return []sdktrace.ReadOnlySpan{
		pending(1, 1, "GET /a"),
		pending(2, 2, "GET /b"),
		log(1, 1, "loaded a"),
		log(2, 2, "loaded b"),
	}
}
