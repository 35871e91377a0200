// Package console prints Logfire spans and logs to a terminal while you
// develop, in the layout of the Python Logfire SDK's console.
//
// [New] returns an OpenTelemetry [go.opentelemetry.io/otel/sdk/trace.SpanProcessor],
// configured by [Options]. The Logfire SDK registers it (see
// logfire.WithConsole) behind its pending-span processor, so that it sees:
//
//   - a pending span (logfire.span_type=pending_span) when a span starts,
//     which it prints;
//   - a log (logfire.span_type=log), which it prints;
//   - a real span when it ends (logfire.span_type=span, or no span type),
//     which it does not print but uses to forget the span.
//
// Each printed record is one line: the start time (HH:MM:SS.mmm, local time),
// two spaces of indent per nesting level, the message (logfire.msg, else the
// span name) and the tags in brackets:
//
//	12:00:01.000 GET /users
//	12:00:01.002   query users [db]
//	12:00:01.010   found 3 users
//
// With Options.Verbose every line is followed by its source location, level,
// attributes and recorded exceptions. The default span style,
// [config.SpanStyleShowParents], re-prints (dimmed, without a time) the
// still-open parents of a line when the output switches from one branch of
// spans to another, as happens when concurrent requests interleave.
//
// Formatting happens in the goroutine that ends the span; the finished text
// is handed to a single background writer, so a slow terminal or a full pipe
// never blocks the instrumented code. Call the processor's ForceFlush to
// wait for the output and its Shutdown to flush it and stop the writer.
package console
