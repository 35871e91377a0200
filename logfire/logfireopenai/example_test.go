package logfireopenai_test

import (
	"context"
	"fmt"

	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"

	"github.com/logfire-go/sdk/internal/exampletb"
	"github.com/logfire-go/sdk/internal/llmreplay"
	"github.com/logfire-go/sdk/logfire/logfireopenai"
	"github.com/logfire-go/sdk/logfiretest"
)

// One option on the client records each call as a span with the model,
// the tokens and the messages.
func ExampleMiddleware() {
	t := exampletb.New()
	defer t.Done()
	lf, capture := logfiretest.New(t)
	srv := llmreplay.Start() // a local stand-in for the API
	defer srv.Close()

	client := openai.NewClient(
		option.WithBaseURL(srv.OpenAIURL()), option.WithAPIKey("sk-local"),
		logfireopenai.Middleware(lf),
	)
	_, err := client.Chat.Completions.New(context.Background(), openai.ChatCompletionNewParams{
		Model:    openai.ChatModelGPT4o,
		Messages: []openai.ChatCompletionMessageParamUnion{openai.UserMessage("What is four plus five?")},
	})
	if err != nil {
		fmt.Println(err)
		return
	}

	span := capture.Span("Chat Completion with {request_data[model]!r}")
	fmt.Println(span.Message())
	fmt.Println(span.Value("gen_ai.usage.input_tokens"), span.Value("gen_ai.usage.output_tokens"))
	fmt.Println(span.Value("gen_ai.output.messages"))
	// Output:
	// Chat Completion with 'gpt-4o'
	// 23 6
	// [{"role":"assistant","parts":[{"type":"text","content":"Four plus five is nine."}],"finish_reason":"stop"}]
}
