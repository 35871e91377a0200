package logfireanthropic_test

import (
	"context"
	"strings"
	"testing"

	"github.com/anthropics/anthropic-sdk-go/v2"
	"github.com/anthropics/anthropic-sdk-go/v2/option"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/logfire-go/sdk/internal/llmreplay"
	"github.com/logfire-go/sdk/logfire/logfireanthropic"
	"github.com/logfire-go/sdk/logfiretest"
)

// start starts the replay server and an instance, and returns a client of
// the server whose options end with the instrumentation's and then more.
func start(t *testing.T, opts []logfireanthropic.Option, more ...option.RequestOption) (*llmreplay.Server, *logfiretest.Capture, anthropic.Client) {
	t.Helper()
	srv := llmreplay.Start()
	t.Cleanup(srv.Close)
	lf, capture := logfiretest.New(t)
	all := append([]option.RequestOption{
		option.WithBaseURL(srv.AnthropicURL()),
		option.WithAPIKey("sk-ant-test"),
		logfireanthropic.Middleware(lf, opts...),
	}, more...)
	return srv, capture, anthropic.NewClient(all...)
}

// verify compares the spans' attributes with want, in order.
func verify(t *testing.T, c *logfiretest.Capture, srv *llmreplay.Server, want ...map[string]any) []logfiretest.Span {
	t.Helper()
	spans := c.Spans()
	if len(spans) != len(want) {
		t.Fatalf("%d spans, want %d:\n%s", len(spans), len(want), c.Dump())
	}
	for i, s := range spans {
		for _, d := range llmreplay.Diff(s.Attributes, want[i], "server.port", "logfire.json_schema", "code.filepath", "code.lineno", "code.function") {
			t.Errorf("span %d: %s", i, d)
		}
		if fn, _ := s.Value("code.function").(string); s.Value("code.filepath") != "logfire/logfireanthropic/logfireanthropic_test.go" || !strings.HasPrefix(fn, "logfireanthropic_test.Test") {
			t.Errorf("span %d: code.filepath %v, code.function %v: not the test's call", i, s.Value("code.filepath"), fn)
		}
		if s.Value("server.port") != srv.Port() || s.Kind != trace.SpanKindClient || s.Scope.Name != "logfire.anthropic" {
			t.Errorf("span %d: server.port %v, kind %v, scope %q", i, s.Value("server.port"), s.Kind, s.Scope.Name)
		}
	}
	return spans
}

const (
	model       = "claude-sonnet-4-20250514"
	question    = `{"role":"user","parts":[{"type":"text","content":"What is four plus five?"}]}`
	weather     = `{"role":"user","parts":[{"type":"text","content":"Weather in Paris?"}]}`
	textUsage   = `{"input_tokens":19,"cache_creation_input_tokens":0,"cache_read_input_tokens":0,"cache_creation":{"ephemeral_5m_input_tokens":0,"ephemeral_1h_input_tokens":0},"output_tokens":9,"service_tier":"standard"}`
	toolUsage   = `{"input_tokens":12,"cache_creation_input_tokens":256,"cache_read_input_tokens":1024,"cache_creation":{"ephemeral_5m_input_tokens":256,"ephemeral_1h_input_tokens":0},"output_tokens":54,"service_tier":"standard"}`
	toolCall    = `{"type":"tool_call","id":"toolu_01A09q90qw90lq917835lq9","name":"get_weather","arguments":{"city":"Paris"}}`
	toolDefs    = `[{"input_schema":{"properties":{"city":{"type":"string"}},"type":"object"},"name":"get_weather"}]`
	toolMessage = `[{"role":"assistant","parts":[{"type":"text","content":"I'll check the weather in Paris."},` + toolCall + `],"finish_reason":"tool_use"}]`
)

// attrs are the attributes of a message call with the model, max_tokens
// 1000, the question and the text answer; extra changes them (nil
// removes).
func attrs(extra map[string]any) map[string]any {
	return llmreplay.With(map[string]any{
		"request_data":                             `{"model":"` + model + `"}`,
		"gen_ai.system":                            "anthropic",
		"gen_ai.provider.name":                     "anthropic",
		"gen_ai.operation.name":                    "chat",
		"gen_ai.request.model":                     model,
		"gen_ai.request.max_tokens":                1000,
		"gen_ai.input.messages":                    "[" + question + "]",
		"server.address":                           "127.0.0.1",
		"logfire.msg_template":                     "Message with {request_data[model]!r}",
		"logfire.msg":                              "Message with '" + model + "'",
		"logfire.span_type":                        "span",
		"logfire.tags":                             []string{"LLM"},
		"gen_ai.response.model":                    model,
		"gen_ai.response.id":                       "msg_01XFDUDYJgAACzvnptvVoYEL",
		"gen_ai.usage.input_tokens":                19,
		"gen_ai.usage.output_tokens":               9,
		"gen_ai.usage.cache_read.input_tokens":     0,
		"gen_ai.usage.cache_creation.input_tokens": 0,
		"gen_ai.usage.raw":                         textUsage,
		"gen_ai.output.messages":                   `[{"role":"assistant","parts":[{"type":"text","content":"Four plus five is nine."}],"finish_reason":"end_turn"}]`,
		"gen_ai.response.finish_reasons":           `["end_turn"]`,
		"http.response.status_code":                200,
	}, extra)
}

// toolAttrs are those of the call that got the tool call: the input tokens
// count the cache reads and writes.
func toolAttrs(extra map[string]any) map[string]any {
	return llmreplay.With(attrs(map[string]any{
		"gen_ai.tool.definitions":                  toolDefs,
		"gen_ai.input.messages":                    "[" + weather + "]",
		"gen_ai.response.id":                       "msg_01Aq9w938a90dw8q",
		"gen_ai.usage.input_tokens":                12 + 1024 + 256,
		"gen_ai.usage.output_tokens":               54,
		"gen_ai.usage.cache_read.input_tokens":     1024,
		"gen_ai.usage.cache_creation.input_tokens": 256,
		"gen_ai.usage.raw":                         toolUsage,
		"gen_ai.output.messages":                   toolMessage,
		"gen_ai.response.finish_reasons":           `["tool_use"]`,
	}), extra)
}

var tools = []anthropic.ToolUnionParam{{OfTool: &anthropic.ToolParam{
	Name:        "get_weather",
	InputSchema: anthropic.ToolInputSchemaParam{Properties: map[string]any{"city": map[string]any{"type": "string"}}},
}}}

func TestMessage(t *testing.T) {
	srv, capture, client := start(t, nil)
	msg, err := client.Messages.New(context.Background(), anthropic.MessageNewParams{
		Model:         model,
		MaxTokens:     1000,
		System:        []anthropic.TextBlockParam{{Text: "You are a helpful assistant."}},
		Messages:      []anthropic.MessageParam{anthropic.NewUserMessage(anthropic.NewTextBlock("What is four plus five?"))},
		StopSequences: []string{"END"},
	},
		// Parameters this client has no fields for, which the API (or a
		// compatible server) still takes.
		option.WithJSONSet("temperature", 0.5), option.WithJSONSet("top_p", 0.9), option.WithJSONSet("top_k", 40))
	if err != nil {
		t.Fatal(err)
	}
	if msg.Content[0].Text != llmreplay.Answer {
		t.Errorf("the client got %q", msg.Content[0].Text)
	}
	verify(t, capture, srv, attrs(map[string]any{
		"gen_ai.system_instructions":    `[{"type":"text","content":"You are a helpful assistant."}]`,
		"gen_ai.request.temperature":    0.5,
		"gen_ai.request.top_p":          0.9,
		"gen_ai.request.top_k":          40,
		"gen_ai.request.stop_sequences": `["END"]`,
	}))
}

// TestStreamedToolCall: the streamed text and tool input are put together,
// and the usage of message_start and message_delta too.
func TestStreamedToolCall(t *testing.T) {
	srv, capture, client := start(t, nil)
	stream := client.Messages.NewStreaming(context.Background(), anthropic.MessageNewParams{
		Model:     model,
		MaxTokens: 1000,
		Messages:  []anthropic.MessageParam{anthropic.NewUserMessage(anthropic.NewTextBlock("Weather in Paris?"))},
		Tools:     tools,
	})
	var msg anthropic.Message
	for stream.Next() {
		if err := msg.Accumulate(stream.Current()); err != nil {
			t.Fatal(err)
		}
	}
	if err := stream.Err(); err != nil {
		t.Fatal(err)
	}
	stream.Close()
	if msg.Usage.OutputTokens != 54 || msg.Content[1].Name != "get_weather" {
		t.Errorf("the client got %+v", msg)
	}
	verify(t, capture, srv, toolAttrs(map[string]any{
		// message_delta's usage over message_start's.
		"gen_ai.usage.raw": `{"input_tokens":12,"cache_creation_input_tokens":256,"cache_read_input_tokens":1024,"cache_creation":{"ephemeral_5m_input_tokens":256,"ephemeral_1h_input_tokens":0},"output_tokens":54,"service_tier":"standard"}`,
	}))
}

// TestToolRoundTrip: the tool call, then its result sent back, as the
// next call's input.
func TestToolRoundTrip(t *testing.T) {
	srv, capture, client := start(t, nil)
	ctx := context.Background()
	params := anthropic.MessageNewParams{
		Model:     model,
		MaxTokens: 1000,
		Messages:  []anthropic.MessageParam{anthropic.NewUserMessage(anthropic.NewTextBlock("Weather in Paris?"))},
		Tools:     tools,
	}
	msg, err := client.Messages.New(ctx, params)
	if err != nil {
		t.Fatal(err)
	}
	params.Messages = append(params.Messages, msg.ToParam(),
		anthropic.NewUserMessage(anthropic.NewToolResultBlock(msg.Content[1].ID, `{"temperature_c":21}`, false)))
	if _, err := client.Messages.New(ctx, params); err != nil {
		t.Fatal(err)
	}
	verify(t, capture, srv, toolAttrs(nil), attrs(map[string]any{
		"gen_ai.tool.definitions": toolDefs,
		"gen_ai.input.messages": "[" + weather + `,{"role":"assistant","parts":[{"type":"text","content":"I'll check the weather in Paris."},` + toolCall + `]},` +
			`{"role":"user","parts":[{"type":"tool_call_response","id":"toolu_01A09q90qw90lq917835lq9","response":"{\"temperature_c\":21}"}]}]`,
		"gen_ai.output.messages": `[{"role":"assistant","parts":[{"type":"text","content":"It is 21 °C and clear in Paris."}],"finish_reason":"end_turn"}]`,
	}))
}

// TestOneSpanPerCall: the client's own spans, which would go to the global
// tracer provider, are off; an option after Middleware's turns them on.
func TestOneSpanPerCall(t *testing.T) {
	recorder := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(recorder))
	prev := otel.GetTracerProvider()
	otel.SetTracerProvider(tp)
	t.Cleanup(func() { otel.SetTracerProvider(prev) })
	params := anthropic.MessageNewParams{
		Model:     model,
		MaxTokens: 1000,
		Messages:  []anthropic.MessageParam{anthropic.NewUserMessage(anthropic.NewTextBlock("What is four plus five?"))},
	}

	_, capture, client := start(t, nil)
	if _, err := client.Messages.New(context.Background(), params); err != nil {
		t.Fatal(err)
	}
	if n, m := len(capture.Spans()), len(recorder.Ended()); n != 1 || m != 0 {
		t.Errorf("%d Logfire spans and %d client spans, want 1 and 0", n, m)
	}

	_, capture, client = start(t, nil, option.WithOpenTelemetryTraces(true))
	if _, err := client.Messages.New(context.Background(), params); err != nil {
		t.Fatal(err)
	}
	if n, m := len(capture.Spans()), len(recorder.Ended()); n != 1 || m != 1 {
		t.Errorf("with the client's spans on: %d Logfire spans and %d client spans, want 1 and 1", n, m)
	}
}

// TestRetryAndCut: a 429 the client retries is a failed span before the
// retry's; a stream cut in the middle ends its span with what arrived.
func TestRetryAndCut(t *testing.T) {
	srv, capture, client := start(t, nil)
	srv.FailNext(1)
	srv.CutNextStream()
	stream := client.Messages.NewStreaming(context.Background(), anthropic.MessageNewParams{
		Model:     model,
		MaxTokens: 1000,
		Messages:  []anthropic.MessageParam{anthropic.NewUserMessage(anthropic.NewTextBlock("What is four plus five?"))},
	})
	for stream.Next() {
	}
	if stream.Err() == nil {
		t.Error("the client read the cut stream without an error")
	}
	stream.Close()
	none := map[string]any{
		"gen_ai.response.model": nil, "gen_ai.response.id": nil, "gen_ai.usage.input_tokens": nil,
		"gen_ai.usage.output_tokens": nil, "gen_ai.usage.cache_read.input_tokens": nil,
		"gen_ai.usage.cache_creation.input_tokens": nil, "gen_ai.usage.raw": nil,
		"gen_ai.output.messages": nil, "gen_ai.response.finish_reasons": nil,
		"error.type": "429", "logfire.level_num": 17, "http.response.status_code": 429,
	}
	spans := verify(t, capture, srv, attrs(none), attrs(map[string]any{
		"http.request.resend_count":      1,
		"error.type":                     "io.ErrUnexpectedEOF",
		"logfire.level_num":              17,
		"gen_ai.output.messages":         `[{"role":"assistant","parts":[{"type":"text","content":"Four plus"}]}]`,
		"gen_ai.response.finish_reasons": nil,
		// message_start's usage: the output tokens so far.
		"gen_ai.usage.output_tokens": 1,
		"gen_ai.usage.raw":           `{"input_tokens":19,"cache_creation_input_tokens":0,"cache_read_input_tokens":0,"cache_creation":{"ephemeral_5m_input_tokens":0,"ephemeral_1h_input_tokens":0},"output_tokens":1,"service_tier":"standard"}`,
	}))
	for i, s := range spans {
		if s.Status.Code != codes.Error {
			t.Errorf("span %d: status %+v, want Error", i, s.Status)
		}
	}
	if e, ok := spans[0].Event("exception"); !ok || e.Value("exception.type") != "*anthropic.Error" {
		t.Errorf("exception event %+v", e)
	}
}

func TestWithoutContent(t *testing.T) {
	srv, capture, client := start(t, []logfireanthropic.Option{logfireanthropic.WithoutContent()})
	if _, err := client.Messages.New(context.Background(), anthropic.MessageNewParams{
		Model:     model,
		MaxTokens: 1000,
		System:    []anthropic.TextBlockParam{{Text: "You are a helpful assistant."}},
		Messages:  []anthropic.MessageParam{anthropic.NewUserMessage(anthropic.NewTextBlock("What is four plus five?"))},
	}); err != nil {
		t.Fatal(err)
	}
	verify(t, capture, srv, attrs(map[string]any{"gen_ai.input.messages": nil, "gen_ai.output.messages": nil}))
}
