// Package logfireanthropic records the calls of the official Anthropic Go
// client (github.com/anthropics/anthropic-sdk-go/v2) in Logfire, as the
// Python SDK's logfire.instrument_anthropic() does, so that they show in
// Logfire's LLMs and Agents views with their model, token counts, messages
// and tool calls.
//
// One option on the client instruments every call it makes:
//
//	client := anthropic.NewClient(logfireanthropic.Middleware(lf))
//	msg, err := client.Messages.New(ctx, params) // a span, child of the span in ctx
//
// # What is recorded
//
// Calls to the Messages API (client.Messages and client.Beta.Messages),
// streamed or not. Each call is a span of kind client, scope
// logfire.anthropic, tagged LLM, with the Python SDK's message template
// ("Message with 'claude-sonnet-4-20250514'") and the OpenTelemetry GenAI
// attributes the Python SDK sets with version='latest':
// gen_ai.provider.name and gen_ai.system ("anthropic"),
// gen_ai.operation.name ("chat"), gen_ai.request.model and the request
// parameters (max tokens, temperature, top_p, top_k, stop sequences),
// gen_ai.tool.definitions, gen_ai.response.model, gen_ai.response.id,
// gen_ai.response.finish_reasons (the stop reason), the usage, and the
// messages: gen_ai.input.messages, gen_ai.output.messages and
// gen_ai.system_instructions (the system prompt), in the conventions' JSON
// shape, tool_use and tool_result blocks as tool calls and tool results.
// docs/llm.md lists every attribute beside the Python SDK's.
//
// gen_ai.usage.input_tokens includes the cache reads and the cache writes,
// as the Python SDK and the client's own telemetry count them (Anthropic's
// input_tokens does not); they are also set on their own, as
// gen_ai.usage.cache_read.input_tokens and
// gen_ai.usage.cache_creation.input_tokens, and the provider's usage
// object is gen_ai.usage.raw.
//
// Each call also records the metrics gen_ai.client.operation.duration and
// gen_ai.client.token.usage to the instance's MeterProvider.
//
// # One span per call, not two
//
// anthropic-sdk-go v2 records its own span of each call, with the token
// usage, through OpenTelemetry's global tracer provider. With both, a
// program would send two spans per call and the LLMs view would count the
// tokens twice, so Middleware's option also turns the client's own spans
// off (option.WithoutOpenTelemetry; it also stops the client from writing
// the trace context into the request, which the middleware then does). An
// option.WithOpenTelemetryTraces(true) placed after it turns them on again,
// for a program that wants both.
//
// # Streams
//
// A streamed call's span covers the whole stream: it ends when the stream
// ends, when reading it fails, or when the client closes the body (a
// stream abandoned half way: the span has what arrived). It then carries
// the accumulated output (text, tool calls with their input, thinking),
// the stop reason and the usage of message_start and message_delta. An
// error event in the stream (overloaded_error, say) marks the span with its
// type as error.type.
//
// # Errors and retries
//
// The middleware runs once for each attempt the client makes, so each
// attempt is one span: an answer of 429 or 529 that the client retries is
// a failed span (error.type "429", status Error, Logfire's error level, an
// exception event with the provider's message) followed by the span of
// the retry, which carries http.request.resend_count. Only the attempt that
// got an answer carries its tokens. A failure without an answer (a
// connection error, a canceled context, a stream cut in the middle) sets
// error.type too ("context.Canceled", "io.ErrUnexpectedEOF", or the
// error's Go type).
//
// # Content
//
// The messages are recorded by default, as in the Python SDK; the option
// WithoutContent leaves them out. They go through the instance's scrubbing
// like every attribute, where the gen_ai message attributes are among the
// keys that are not scrubbed (as in the Python SDK), and the SDK's tokens
// are always redacted. A value longer than the attribute value length limit
// (OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT) is cut to it; the span is never
// dropped.
//
// # Servers and instances
//
// The client's base URL may be any server that speaks the Messages API
// (option.WithBaseURL, or ANTHROPIC_BASE_URL, which the client reads):
// calls are recognised by the end of their path (…/v1/messages). The spans
// are the instance's given to Middleware, nil standing for the default
// instance as it is then; without any instance they go to OpenTelemetry's
// global providers. In a Lambda function the spans are children of the
// invocation's span and are flushed with it, like every span of the
// instance.
package logfireanthropic
