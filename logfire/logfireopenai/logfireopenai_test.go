package logfireopenai_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"
	"github.com/openai/openai-go/v3/responses"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/trace"

	"github.com/logfire-go/sdk/internal/llmreplay"
	"github.com/logfire-go/sdk/logfire"
	"github.com/logfire-go/sdk/logfire/logfireopenai"
	"github.com/logfire-go/sdk/logfiretest"
)

// setup starts the replay server and an instance, and returns a client
// of the server instrumented with opts.
func setup(t *testing.T, opts ...logfireopenai.Option) (*llmreplay.Server, *logfire.Logfire, *logfiretest.Capture, openai.Client) {
	t.Helper()
	srv := llmreplay.Start()
	t.Cleanup(srv.Close)
	lf, capture := logfiretest.New(t)
	client := openai.NewClient(
		option.WithBaseURL(srv.OpenAIURL()),
		option.WithAPIKey("sk-test"),
		logfireopenai.Middleware(lf, opts...),
	)
	return srv, lf, capture, client
}

// only returns the one ended span, failing t when there is not exactly one.
func only(t *testing.T, c *logfiretest.Capture) logfiretest.Span {
	t.Helper()
	spans := c.Spans()
	if len(spans) != 1 {
		t.Fatalf("%d spans, want 1:\n%s", len(spans), c.Dump())
	}
	return spans[0]
}

// check compares the span's attributes with want; server.port, which
// changes from run to run, is checked to be the server's.
func check(t *testing.T, s logfiretest.Span, srv *llmreplay.Server, want map[string]any) {
	t.Helper()
	for _, d := range llmreplay.Diff(s.Attributes, want, "server.port", "logfire.json_schema", "code.filepath", "code.lineno", "code.function") {
		t.Error(d)
	}
	// The call's site, in this file: the caller of the client.
	fn, _ := s.Value("code.function").(string)
	if s.Value("code.filepath") != "logfire/logfireopenai/logfireopenai_test.go" || !strings.HasPrefix(fn, "logfireopenai_test.Test") {
		t.Errorf("code.filepath %v, code.function %v: not the test's call", s.Value("code.filepath"), fn)
	}
	if got, want := s.Value("server.port"), srv.Port(); got != want {
		t.Errorf("server.port = %v, want %v", got, want)
	}
	if s.Kind != trace.SpanKindClient || s.Scope.Name != "logfire.openai" {
		t.Errorf("kind %v, scope %q; want client, logfire.openai", s.Kind, s.Scope.Name)
	}
}

var chatMessages = []openai.ChatCompletionMessageParamUnion{
	openai.SystemMessage("You are a helpful assistant."),
	openai.UserMessage("What is four plus five?"),
}

const (
	chatInput  = `[{"role":"system","parts":[{"type":"text","content":"You are a helpful assistant."}]},{"role":"user","parts":[{"type":"text","content":"What is four plus five?"}]}]`
	chatOutput = `[{"role":"assistant","parts":[{"type":"text","content":"Four plus five is nine."}],"finish_reason":"stop"}]`
	chatUsage  = `{"prompt_tokens":23,"completion_tokens":6,"total_tokens":29,"prompt_tokens_details":{"cached_tokens":0,"audio_tokens":0},"completion_tokens_details":{"reasoning_tokens":0,"audio_tokens":0,"accepted_prediction_tokens":0,"rejected_prediction_tokens":0}}`
)

// chatAttrs are the attributes of a chat completion of chatMessages with
// gpt-4o that got the text answer.
func chatAttrs(extra map[string]any) map[string]any {
	return llmreplay.With(map[string]any{
		"request_data":                         `{"model":"gpt-4o"}`,
		"gen_ai.system":                        "openai",
		"gen_ai.provider.name":                 "openai",
		"gen_ai.operation.name":                "chat",
		"gen_ai.request.model":                 "gpt-4o",
		"gen_ai.input.messages":                chatInput,
		"server.address":                       "127.0.0.1",
		"logfire.msg_template":                 "Chat Completion with {request_data[model]!r}",
		"logfire.msg":                          "Chat Completion with 'gpt-4o'",
		"logfire.span_type":                    "span",
		"logfire.tags":                         []string{"LLM"},
		"gen_ai.response.model":                "gpt-4o-2024-08-06",
		"gen_ai.response.id":                   "chatcmpl-CKr7VYzNzkv2wQ0J1sXbR3",
		"gen_ai.usage.input_tokens":            23,
		"gen_ai.usage.output_tokens":           6,
		"gen_ai.usage.cache_read.input_tokens": 0,
		"gen_ai.usage.raw":                     chatUsage,
		"gen_ai.output.messages":               chatOutput,
		"gen_ai.response.finish_reasons":       `["stop"]`,
		"http.response.status_code":            200,
	}, extra)
}

func TestChatCompletion(t *testing.T) {
	srv, lf, capture, client := setup(t)
	ctx, parent := lf.Span(context.Background(), "answering")
	resp, err := client.Chat.Completions.New(ctx, openai.ChatCompletionNewParams{
		Model:               "gpt-4o",
		Messages:            chatMessages,
		MaxCompletionTokens: openai.Int(100),
		Temperature:         openai.Float(0.5),
		TopP:                openai.Float(0.9),
		Seed:                openai.Int(7),
		FrequencyPenalty:    openai.Float(0.25),
		PresencePenalty:     openai.Float(-0.5),
		Stop:                openai.ChatCompletionNewParamsStopUnion{OfString: openai.String("\n")},
	})
	if err != nil {
		t.Fatal(err)
	}
	parent.End()
	if resp.Choices[0].Message.Content != llmreplay.Answer {
		t.Errorf("the client got %q", resp.Choices[0].Message.Content)
	}
	s := capture.Span("Chat Completion with {request_data[model]!r}")
	check(t, s, srv, chatAttrs(map[string]any{
		"gen_ai.request.max_tokens":        100,
		"gen_ai.request.temperature":       0.5,
		"gen_ai.request.top_p":             0.9,
		"gen_ai.request.seed":              7,
		"gen_ai.request.frequency_penalty": 0.25,
		"gen_ai.request.presence_penalty":  -0.5,
		"gen_ai.request.stop_sequences":    `["\n"]`,
	}))
	if s.Parent.SpanID() != parent.SpanContext().SpanID() {
		t.Errorf("parent %v, want the caller's span %v", s.Parent.SpanID(), parent.SpanContext().SpanID())
	}
	if got, want := s.Value("logfire.json_schema"), `{"type":"object","properties":{`+
		`"request_data":{"type":"object"},"gen_ai.system":{},"gen_ai.provider.name":{},"gen_ai.operation.name":{},`+
		`"gen_ai.request.model":{},"gen_ai.request.max_tokens":{},"gen_ai.request.temperature":{},"gen_ai.request.top_p":{},`+
		`"gen_ai.request.stop_sequences":{},"gen_ai.request.seed":{},"gen_ai.request.frequency_penalty":{},`+
		`"gen_ai.request.presence_penalty":{},"gen_ai.input.messages":{"type":"array"},"server.address":{},"server.port":{},`+
		`"gen_ai.response.model":{},"gen_ai.response.id":{},"gen_ai.usage.input_tokens":{},"gen_ai.usage.output_tokens":{},`+
		`"gen_ai.usage.cache_read.input_tokens":{},"gen_ai.usage.raw":{"type":"object"},"gen_ai.output.messages":{"type":"array"},`+
		`"gen_ai.response.finish_reasons":{"type":"array"},"http.response.status_code":{}}}`; got != want {
		t.Errorf("logfire.json_schema =\n%v\nwant\n%v", got, want)
	}
	// The request carried the span's context.
	reqs := srv.Requests()
	if len(reqs) != 1 {
		t.Fatalf("%d requests, want 1", len(reqs))
	}
	if got, want := reqs[0].Header.Get("traceparent"), "00-"+s.SpanContext.TraceID().String()+"-"+s.SpanContext.SpanID().String()+"-01"; got != want {
		t.Errorf("traceparent %q, want %q", got, want)
	}
}

func TestChatCompletionStream(t *testing.T) {
	srv, _, capture, client := setup(t)
	stream := client.Chat.Completions.NewStreaming(context.Background(), openai.ChatCompletionNewParams{
		Model:    "gpt-4o",
		Messages: chatMessages,
	})
	var acc openai.ChatCompletionAccumulator
	for stream.Next() {
		acc.AddChunk(stream.Current())
	}
	if err := stream.Err(); err != nil {
		t.Fatal(err)
	}
	if err := stream.Close(); err != nil {
		t.Fatal(err)
	}
	if got := acc.Choices[0].Message.Content; got != llmreplay.Answer {
		t.Errorf("the client got %q", got)
	}
	if acc.Usage.TotalTokens != 29 {
		t.Errorf("the client's usage %+v: the stream did not carry it", acc.Usage)
	}
	check(t, only(t, capture), srv, chatAttrs(nil))
	// The request asked for the usage.
	body := srv.Requests()[0].Body
	if so, _ := body["stream_options"].(map[string]any); so["include_usage"] != true {
		t.Errorf("stream_options = %v, want include_usage true", body["stream_options"])
	}
}

// TestChatStreamKeepsTheUsageOption: a request that says
// include_usage:false is sent as it is; its span has no tokens.
func TestChatStreamKeepsTheUsageOption(t *testing.T) {
	srv, _, capture, client := setup(t)
	stream := client.Chat.Completions.NewStreaming(context.Background(), openai.ChatCompletionNewParams{
		Model:         "gpt-4o",
		Messages:      chatMessages,
		StreamOptions: openai.ChatCompletionStreamOptionsParam{IncludeUsage: openai.Bool(false)},
	})
	for stream.Next() {
	}
	if err := stream.Err(); err != nil {
		t.Fatal(err)
	}
	stream.Close()
	check(t, only(t, capture), srv, chatAttrs(map[string]any{
		"gen_ai.usage.input_tokens": nil, "gen_ai.usage.output_tokens": nil,
		"gen_ai.usage.cache_read.input_tokens": nil, "gen_ai.usage.raw": nil,
	}))
}

var weatherTool = openai.ChatCompletionFunctionTool(openai.FunctionDefinitionParam{
	Name:       "get_weather",
	Parameters: openai.FunctionParameters{"type": "object", "properties": map[string]any{"city": map[string]any{"type": "string"}}},
})

const (
	weatherTools  = `[{"function":{"name":"get_weather","parameters":{"properties":{"city":{"type":"string"}},"type":"object"}},"type":"function"}]`
	toolCallParts = `{"type":"tool_call","id":"call_pWq0sCzF2Q5Xn3Hj","name":"get_weather","arguments":{"city":"Paris"}}`
	toolUsage     = `{"prompt_tokens":1180,"completion_tokens":17,"total_tokens":1197,"prompt_tokens_details":{"cached_tokens":1024,"audio_tokens":0},"completion_tokens_details":{"reasoning_tokens":0,"audio_tokens":0,"accepted_prediction_tokens":0,"rejected_prediction_tokens":0}}`
)

// toolCallAttrs are what a call that got the tool call has besides
// chatAttrs: the cached prompt tokens are cache reads.
var toolCallAttrs = map[string]any{
	"gen_ai.tool.definitions":              weatherTools,
	"gen_ai.input.messages":                `[{"role":"user","parts":[{"type":"text","content":"Weather in Paris?"}]}]`,
	"gen_ai.output.messages":               `[{"role":"assistant","parts":[` + toolCallParts + `],"finish_reason":"tool_calls"}]`,
	"gen_ai.response.finish_reasons":       `["tool_calls"]`,
	"gen_ai.usage.input_tokens":            1180,
	"gen_ai.usage.output_tokens":           17,
	"gen_ai.usage.cache_read.input_tokens": 1024,
	"gen_ai.usage.raw":                     toolUsage,
}

// TestChatToolCall: the model's tool call is in the output; the next
// request's tool call and tool result are in its input. Both calls, the
// second one streamed.
func TestChatToolCall(t *testing.T) {
	srv, _, capture, client := setup(t)
	ctx := context.Background()
	params := openai.ChatCompletionNewParams{
		Model:    "gpt-4o",
		Messages: []openai.ChatCompletionMessageParamUnion{openai.UserMessage("Weather in Paris?")},
		Tools:    []openai.ChatCompletionToolUnionParam{weatherTool},
	}
	resp, err := client.Chat.Completions.New(ctx, params)
	if err != nil {
		t.Fatal(err)
	}
	call := resp.Choices[0].Message.ToolCalls[0]
	params.Messages = append(params.Messages, resp.Choices[0].Message.ToParam(), openai.ToolMessage(`{"temperature_c":21}`, call.ID))
	stream := client.Chat.Completions.NewStreaming(ctx, params)
	for stream.Next() {
	}
	if err := stream.Err(); err != nil {
		t.Fatal(err)
	}
	stream.Close()

	spans := capture.Spans()
	if len(spans) != 2 {
		t.Fatalf("%d spans, want 2:\n%s", len(spans), capture.Dump())
	}
	check(t, spans[0], srv, chatAttrs(toolCallAttrs))
	check(t, spans[1], srv, chatAttrs(map[string]any{
		"gen_ai.tool.definitions": weatherTools,
		"gen_ai.input.messages": `[{"role":"user","parts":[{"type":"text","content":"Weather in Paris?"}]},` +
			`{"role":"assistant","parts":[` + toolCallParts + `]},` +
			`{"role":"tool","parts":[{"type":"tool_call_response","id":"call_pWq0sCzF2Q5Xn3Hj","response":"{\"temperature_c\":21}"}]}]`,
		"gen_ai.output.messages": `[{"role":"assistant","parts":[{"type":"text","content":"It is 21 °C and clear in Paris."}],"finish_reason":"stop"}]`,
	}))
}

// TestStreamedToolCall: a tool call's arguments, streamed in pieces, are
// put together.
func TestStreamedToolCall(t *testing.T) {
	srv, _, capture, client := setup(t)
	stream := client.Chat.Completions.NewStreaming(context.Background(), openai.ChatCompletionNewParams{
		Model:    "gpt-4o",
		Messages: []openai.ChatCompletionMessageParamUnion{openai.UserMessage("Weather in Paris?")},
		Tools:    []openai.ChatCompletionToolUnionParam{weatherTool},
	})
	for stream.Next() {
	}
	if err := stream.Err(); err != nil {
		t.Fatal(err)
	}
	stream.Close()
	check(t, only(t, capture), srv, chatAttrs(toolCallAttrs))
}

const responsesUsage = `{"input_tokens":20,"input_tokens_details":{"cached_tokens":0},"output_tokens":7,"output_tokens_details":{"reasoning_tokens":0},"total_tokens":27}`

func responsesAttrs(stream bool) map[string]any {
	rd := `{"model":"gpt-4o","stream":false}`
	if stream {
		rd = `{"model":"gpt-4o","stream":true}`
	}
	return map[string]any{
		"request_data":                         rd,
		"gen_ai.system":                        "openai",
		"gen_ai.provider.name":                 "openai",
		"gen_ai.operation.name":                "chat",
		"gen_ai.request.model":                 "gpt-4o",
		"gen_ai.request.max_tokens":            50,
		"gen_ai.input.messages":                `[{"role":"user","parts":[{"type":"text","content":"What is four plus five?"}]}]`,
		"gen_ai.system_instructions":           `[{"type":"text","content":"Answer in one sentence."}]`,
		"server.address":                       "127.0.0.1",
		"logfire.msg_template":                 "Responses API with {gen_ai.request.model!r}",
		"logfire.msg":                          "Responses API with 'gpt-4o'",
		"logfire.span_type":                    "span",
		"logfire.tags":                         []string{"LLM"},
		"gen_ai.response.model":                "gpt-4o-2024-08-06",
		"gen_ai.response.id":                   "resp_68af4030592c81938ec0a5fbab4a3e9f",
		"gen_ai.usage.input_tokens":            20,
		"gen_ai.usage.output_tokens":           7,
		"gen_ai.usage.cache_read.input_tokens": 0,
		"gen_ai.usage.raw":                     responsesUsage,
		"gen_ai.output.messages":               `[{"role":"assistant","parts":[{"type":"text","content":"Four plus five is nine."}]}]`,
		"http.response.status_code":            200,
	}
}

func TestResponses(t *testing.T) {
	srv, _, capture, client := setup(t)
	params := responses.ResponseNewParams{
		Model:           "gpt-4o",
		Instructions:    openai.String("Answer in one sentence."),
		Input:           responses.ResponseNewParamsInputUnion{OfString: openai.String("What is four plus five?")},
		MaxOutputTokens: openai.Int(50),
	}
	resp, err := client.Responses.New(context.Background(), params)
	if err != nil {
		t.Fatal(err)
	}
	if resp.OutputText() != llmreplay.Answer {
		t.Errorf("the client got %q", resp.OutputText())
	}
	check(t, only(t, capture), srv, responsesAttrs(false))

	capture.Reset()
	stream := client.Responses.NewStreaming(context.Background(), params)
	for stream.Next() {
	}
	if err := stream.Err(); err != nil {
		t.Fatal(err)
	}
	stream.Close()
	check(t, only(t, capture), srv, responsesAttrs(true))
}

func TestEmbeddings(t *testing.T) {
	srv, _, capture, client := setup(t)
	resp, err := client.Embeddings.New(context.Background(), openai.EmbeddingNewParams{
		Model: "text-embedding-3-small",
		Input: openai.EmbeddingNewParamsInputUnion{OfString: openai.String("four plus five")},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.Data[0].Embedding) != 3 {
		t.Errorf("the client got %v", resp.Data)
	}
	check(t, only(t, capture), srv, map[string]any{
		"request_data":              `{"model":"text-embedding-3-small"}`,
		"gen_ai.system":             "openai",
		"gen_ai.provider.name":      "openai",
		"gen_ai.operation.name":     "embeddings",
		"gen_ai.request.model":      "text-embedding-3-small",
		"server.address":            "127.0.0.1",
		"logfire.msg_template":      "Embedding Creation with {request_data[model]!r}",
		"logfire.msg":               "Embedding Creation with 'text-embedding-3-small'",
		"logfire.span_type":         "span",
		"logfire.tags":              []string{"LLM"},
		"gen_ai.response.model":     "text-embedding-3-small",
		"gen_ai.usage.input_tokens": 5,
		"gen_ai.usage.raw":          `{"prompt_tokens":5,"total_tokens":5}`,
		"http.response.status_code": 200,
	})
}

// TestRateLimitRetry: the 429 answer the client retries is a failed span;
// the retry is another, with the tokens and its resend count.
func TestRateLimitRetry(t *testing.T) {
	srv, _, capture, client := setup(t)
	srv.FailNext(1)
	if _, err := client.Chat.Completions.New(context.Background(), openai.ChatCompletionNewParams{Model: "gpt-4o", Messages: chatMessages}); err != nil {
		t.Fatal(err)
	}
	spans := capture.Spans()
	if len(spans) != 2 {
		t.Fatalf("%d spans, want 2:\n%s", len(spans), capture.Dump())
	}
	const message = "429 Too Many Requests: rate_limit_error: Rate limit reached for requests. Please try again in 0s."
	check(t, spans[0], srv, chatAttrs(map[string]any{
		"gen_ai.response.model": nil, "gen_ai.response.id": nil, "gen_ai.usage.input_tokens": nil,
		"gen_ai.usage.output_tokens": nil, "gen_ai.usage.cache_read.input_tokens": nil, "gen_ai.usage.raw": nil,
		"gen_ai.output.messages": nil, "gen_ai.response.finish_reasons": nil,
		"error.type":                "429",
		"logfire.level_num":         17,
		"http.response.status_code": 429,
	}))
	if spans[0].Status.Code != codes.Error || spans[0].Status.Description != message {
		t.Errorf("status %+v, want Error %q", spans[0].Status, message)
	}
	if e, ok := spans[0].Event("exception"); !ok || e.Value("exception.type") != "*openai.Error" || e.Value("exception.message") != message {
		t.Errorf("exception event %+v", e)
	}
	check(t, spans[1], srv, chatAttrs(map[string]any{"http.request.resend_count": 1}))
	if spans[1].Status.Code != codes.Unset {
		t.Errorf("the retry's status %+v", spans[1].Status)
	}
}

// TestStreamCut: a stream cut in the middle ends the span with what
// arrived and the error.
func TestStreamCut(t *testing.T) {
	srv, _, capture, client := setup(t)
	srv.CutNextStream()
	stream := client.Chat.Completions.NewStreaming(context.Background(), openai.ChatCompletionNewParams{Model: "gpt-4o", Messages: chatMessages})
	for stream.Next() {
	}
	if stream.Err() == nil {
		t.Fatal("the client read the cut stream without an error")
	}
	stream.Close()
	s := only(t, capture)
	check(t, s, srv, chatAttrs(map[string]any{
		"gen_ai.usage.input_tokens": nil, "gen_ai.usage.output_tokens": nil,
		"gen_ai.usage.cache_read.input_tokens": nil, "gen_ai.usage.raw": nil, "gen_ai.response.finish_reasons": nil,
		"gen_ai.output.messages": `[{"role":"assistant","parts":[{"type":"text","content":"Four plus five"}]}]`,
		"error.type":             "io.ErrUnexpectedEOF",
		"logfire.level_num":      17,
	}))
	if s.Status.Code != codes.Error {
		t.Errorf("status %+v, want Error", s.Status)
	}
}

// TestStreamAbandoned: a stream the program stops reading and closes ends
// its span at Close, with what arrived and no error.
func TestStreamAbandoned(t *testing.T) {
	srv, _, capture, client := setup(t)
	srv.HoldNextStream()
	stream := client.Chat.Completions.NewStreaming(context.Background(), openai.ChatCompletionNewParams{Model: "gpt-4o", Messages: chatMessages})
	for i := 0; i < 2 && stream.Next(); i++ {
	}
	if len(capture.Spans()) != 0 {
		t.Fatalf("the span ended before the stream was closed:\n%s", capture.Dump())
	}
	if err := stream.Close(); err != nil {
		t.Fatal(err)
	}
	s := only(t, capture)
	// What arrived: the chunks read, and any the client had buffered
	// with them, up to the half the server sent.
	output, _ := s.Value("gen_ai.output.messages").(string)
	if !slices.Contains([]string{"Four", "Four plus", "Four plus five"}, outputText(t, output)) {
		t.Errorf("gen_ai.output.messages = %s, want the text so far", output)
	}
	check(t, s, srv, chatAttrs(map[string]any{
		"gen_ai.usage.input_tokens": nil, "gen_ai.usage.output_tokens": nil,
		"gen_ai.usage.cache_read.input_tokens": nil, "gen_ai.usage.raw": nil, "gen_ai.response.finish_reasons": nil,
		"gen_ai.output.messages": output,
	}))
}

// outputText returns the text of the one text part of output messages.
func outputText(t *testing.T, output string) string {
	t.Helper()
	var msgs []struct {
		Role  string
		Parts []struct{ Type, Content string }
	}
	if err := json.Unmarshal([]byte(output), &msgs); err != nil || len(msgs) != 1 || len(msgs[0].Parts) != 1 {
		t.Fatalf("gen_ai.output.messages = %s (%v), want one message with one part", output, err)
	}
	return msgs[0].Parts[0].Content
}

// TestCanceled: a call whose context is canceled is a span with
// error.type context.Canceled.
func TestCanceled(t *testing.T) {
	_, _, capture, client := setup(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := client.Chat.Completions.New(ctx, openai.ChatCompletionNewParams{Model: "gpt-4o", Messages: chatMessages})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err %v, want context.Canceled", err)
	}
	s := only(t, capture)
	if s.Value("error.type") != "context.Canceled" || s.Status.Code != codes.Error || s.Level() != logfire.LevelError {
		t.Errorf("error.type %v, status %+v, level %v", s.Value("error.type"), s.Status, s.Level())
	}
}

func TestWithoutContent(t *testing.T) {
	srv, _, capture, client := setup(t, logfireopenai.WithoutContent())
	if _, err := client.Chat.Completions.New(context.Background(), openai.ChatCompletionNewParams{Model: "gpt-4o", Messages: chatMessages}); err != nil {
		t.Fatal(err)
	}
	check(t, only(t, capture), srv, chatAttrs(map[string]any{"gen_ai.input.messages": nil, "gen_ai.output.messages": nil}))
}

// TestLongContentIsCut: a message longer than the attribute value length
// limit is cut to it; the span is kept.
func TestLongContentIsCut(t *testing.T) {
	t.Setenv("OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT", "64")
	_, _, capture, client := setup(t)
	long := strings.Repeat("four plus five ", 1000)
	if _, err := client.Chat.Completions.New(context.Background(), openai.ChatCompletionNewParams{
		Model: "gpt-4o", Messages: []openai.ChatCompletionMessageParamUnion{openai.UserMessage(long)},
	}); err != nil {
		t.Fatal(err)
	}
	s := only(t, capture)
	in, _ := s.Value("gen_ai.input.messages").(string)
	if want := `[{"role":"user","parts":[{"type":"text","content":"four plus fiv`; in != want {
		t.Errorf("gen_ai.input.messages = %q, want %q", in, want)
	}
	if s.Value("gen_ai.usage.input_tokens") != int64(23) {
		t.Errorf("the span lost its usage: %v", s.Attributes)
	}
}

// TestOtherEndpoints: a call that is not an LLM call is sent as it is and
// not recorded.
func TestOtherEndpoints(t *testing.T) {
	_, _, capture, client := setup(t)
	_, err := client.Models.Get(context.Background(), "gpt-4o")
	var apiErr *openai.Error
	if !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusNotFound {
		t.Fatalf("err %v, want the server's 404", err)
	}
	if n := len(capture.Spans()); n != 0 {
		t.Errorf("%d spans, want none:\n%s", n, capture.Dump())
	}
}

func TestMetrics(t *testing.T) {
	srv, _, capture, client := setup(t)
	srv.FailNext(1)
	if _, err := client.Chat.Completions.New(context.Background(), openai.ChatCompletionNewParams{Model: "gpt-4o", Messages: chatMessages}); err != nil {
		t.Fatal(err)
	}
	metrics := capture.Metrics()
	// Logfire's metrics use exponential histograms.
	tokens, ok := metrics["gen_ai.client.token.usage"].Data.(metricdata.ExponentialHistogram[int64])
	if !ok || len(tokens.DataPoints) != 2 {
		t.Fatalf("gen_ai.client.token.usage: %+v", metrics["gen_ai.client.token.usage"])
	}
	for _, dp := range tokens.DataPoints {
		typ, _ := dp.Attributes.Value("gen_ai.token.type")
		want := map[string]int64{"input": 23, "output": 6}[typ.AsString()]
		model, _ := dp.Attributes.Value("gen_ai.response.model")
		if dp.Count != 1 || dp.Sum != want || model.AsString() != "gpt-4o-2024-08-06" {
			t.Errorf("%s tokens: count %d sum %d model %q, want 1, %d", typ.AsString(), dp.Count, dp.Sum, model.AsString(), want)
		}
	}
	if u := metrics["gen_ai.client.token.usage"].Unit; u != "{token}" {
		t.Errorf("token unit %q", u)
	}
	dur, ok := metrics["gen_ai.client.operation.duration"].Data.(metricdata.ExponentialHistogram[float64])
	if !ok || len(dur.DataPoints) != 2 {
		t.Fatalf("gen_ai.client.operation.duration: %+v", metrics["gen_ai.client.operation.duration"])
	}
	var failed, ok2 int
	for _, dp := range dur.DataPoints {
		if dp.Count != 1 {
			t.Errorf("duration count %d", dp.Count)
		}
		if et, has := dp.Attributes.Value("error.type"); has && et.AsString() == "429" {
			failed++
		} else if !has {
			ok2++
		}
		for _, k := range []string{"gen_ai.operation.name", "gen_ai.provider.name", "gen_ai.request.model", "server.address", "server.port"} {
			if _, has := dp.Attributes.Value(attribute.Key(k)); !has {
				t.Errorf("duration point lacks %s: %v", k, dp.Attributes)
			}
		}
	}
	if failed != 1 || ok2 != 1 {
		t.Errorf("%d failed and %d successful duration points, want 1 and 1", failed, ok2)
	}
}

// TestScrubbing: the messages go through the instance's scrubbing. The
// gen_ai message attributes are among the keys scrubbing leaves alone, as
// in the Python SDK (a question about a password is not a leaked one);
// the SDK's own token is redacted from them like from everything else.
func TestScrubbing(t *testing.T) {
	const token = "pylf_v1_us_0123456789abcdefghijklmnopqrstuvwxyzABCD"
	srv := llmreplay.Start()
	t.Cleanup(srv.Close)
	lf, capture := logfiretest.New(t, logfire.WithToken(token))
	client := openai.NewClient(option.WithBaseURL(srv.OpenAIURL()), option.WithAPIKey("sk-test"), logfireopenai.Middleware(lf))
	if _, err := client.Chat.Completions.New(context.Background(), openai.ChatCompletionNewParams{
		Model:    "gpt-4o",
		Messages: []openai.ChatCompletionMessageParamUnion{openai.UserMessage("My password is hunter2 and my token " + token)},
	}); err != nil {
		t.Fatal(err)
	}
	got := only(t, capture).Value("gen_ai.input.messages")
	if want := `[{"role":"user","parts":[{"type":"text","content":"My password is hunter2 and my token [REDACTED]"}]}]`; got != want {
		t.Errorf("gen_ai.input.messages = %v, want %s", got, want)
	}
}

// TestCompatibleServer: a base URL with a path of its own (a proxy's, an
// OpenAI-compatible server's) is recognised by the end of the path.
func TestCompatibleServer(t *testing.T) {
	srv := llmreplay.Start()
	t.Cleanup(srv.Close)
	lf, capture := logfiretest.New(t)
	base := strings.TrimSuffix(srv.OpenAIURL(), "/v1/") + "/gateway/openai/v1/"
	client := openai.NewClient(option.WithBaseURL(base), option.WithAPIKey("sk-test"), logfireopenai.Middleware(lf))
	if _, err := client.Chat.Completions.New(context.Background(), openai.ChatCompletionNewParams{Model: "gpt-4o", Messages: chatMessages}); err != nil {
		t.Fatal(err)
	}
	check(t, only(t, capture), srv, chatAttrs(nil))
	if got := srv.Requests()[0].Path; got != "/gateway/openai/v1/chat/completions" {
		t.Errorf("the server got %s", got)
	}
}

// TestCanceledMidStream: canceling the context of a stream that is being
// read ends its span with error.type context.Canceled and what arrived.
func TestCanceledMidStream(t *testing.T) {
	srv, _, capture, client := setup(t)
	srv.HoldNextStream()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	stream := client.Chat.Completions.NewStreaming(ctx, openai.ChatCompletionNewParams{Model: "gpt-4o", Messages: chatMessages})
	for i := 0; i < 2 && stream.Next(); i++ {
	}
	cancel()
	for stream.Next() {
	}
	if !errors.Is(stream.Err(), context.Canceled) {
		t.Fatalf("the stream ended with %v, want context.Canceled", stream.Err())
	}
	stream.Close()
	s := only(t, capture)
	if s.Value("error.type") != "context.Canceled" || s.Status.Code != codes.Error || s.Value("gen_ai.output.messages") == nil {
		t.Errorf("error.type %v, status %+v, output %v", s.Value("error.type"), s.Status, s.Value("gen_ai.output.messages"))
	}
}
