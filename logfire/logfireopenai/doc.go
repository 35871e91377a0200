// Package logfireopenai records the calls of the official OpenAI Go client
// (github.com/openai/openai-go/v3) in Logfire, as the Python SDK's
// logfire.instrument_openai() does, so that they show in Logfire's LLMs and
// Agents views with their model, token counts, messages and tool calls.
//
// One option on the client instruments every call it makes:
//
//	client := openai.NewClient(logfireopenai.Middleware(lf))
//	resp, err := client.Chat.Completions.New(ctx, params) // a span, child of the span in ctx
//
// # What is recorded
//
// Chat completions, the Responses API and embeddings, streamed or not. Each
// call is a span of kind client, scope logfire.openai, tagged LLM, with the
// Python SDK's message template ("Chat Completion with 'gpt-4o'", "Responses
// API with 'gpt-4o'", "Embedding Creation with 'text-embedding-3-small'")
// and the OpenTelemetry GenAI attributes the Python SDK sets with
// version='latest': gen_ai.provider.name and gen_ai.system ("openai"),
// gen_ai.operation.name, gen_ai.request.model and the request parameters
// (max tokens, temperature, top_p, stop sequences, seed, penalties),
// gen_ai.tool.definitions, gen_ai.response.model, gen_ai.response.id,
// gen_ai.response.finish_reasons, gen_ai.usage.input_tokens and
// output_tokens (and gen_ai.usage.cache_read.input_tokens, OpenAI's cached
// prompt tokens, which the input tokens include), gen_ai.usage.raw, and the
// messages: gen_ai.input.messages, gen_ai.output.messages and, for the
// Responses API's instructions, gen_ai.system_instructions, in the
// conventions' JSON shape, tool calls and tool results included.
// docs/llm.md lists every attribute beside the Python SDK's.
//
// Each call also records the metrics gen_ai.client.operation.duration and
// gen_ai.client.token.usage to the instance's MeterProvider.
//
// # Streams
//
// A streamed call's span covers the whole stream: it ends when the stream
// ends, when reading it fails, or when the client closes the body (a
// stream abandoned half way: the span has what arrived). It then carries
// the accumulated output, the finish reasons and the usage. So that a
// streamed chat completion has token counts, its request is sent with
// stream_options.include_usage set to true unless the request sets
// stream_options.include_usage itself: the stream's last chunk then
// carries the usage and no choices, which openai-go's
// ChatCompletionAccumulator handles; code that reads chunk.Choices[0]
// must check the length first.
//
// # Errors and retries
//
// The middleware runs once for each attempt the client makes, so each
// attempt is one span: an answer of 429 that the client retries is a
// failed span (error.type "429", status Error, Logfire's error level, an
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
// The client's base URL may be any OpenAI-compatible server
// (option.WithBaseURL, or OPENAI_BASE_URL, which the client reads): calls
// are recognised by the end of their path (…/chat/completions,
// …/responses, …/embeddings). The spans are the instance's given to
// Middleware, nil standing for the default instance as it is then;
// without any instance they go to OpenTelemetry's global providers. The
// request carries the trace context of its span (the instance's
// propagator), so that an instrumented server continues the trace. In a
// Lambda function the spans are children of the invocation's span and are
// flushed with it, like every span of the instance.
package logfireopenai
