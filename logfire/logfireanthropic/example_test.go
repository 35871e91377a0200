package logfireanthropic_test

import (
	"context"
	"fmt"

	"github.com/anthropics/anthropic-sdk-go/v2"
	"github.com/anthropics/anthropic-sdk-go/v2/option"

	"github.com/logfire-go/sdk/internal/exampletb"
	"github.com/logfire-go/sdk/internal/llmreplay"
	"github.com/logfire-go/sdk/logfire/logfireanthropic"
	"github.com/logfire-go/sdk/logfiretest"
)

// One option on the client records each call as a span with the model,
// the tokens and the messages. A streamed call's span ends with the
// stream, with everything it carried.
func ExampleMiddleware() {
	t := exampletb.New()
	defer t.Done()
	lf, capture := logfiretest.New(t)
	srv := llmreplay.Start() // a local stand-in for the API
	defer srv.Close()

	client := anthropic.NewClient(
		option.WithBaseURL(srv.AnthropicURL()), option.WithAPIKey("sk-ant-local"),
		logfireanthropic.Middleware(lf),
	)
	stream := client.Messages.NewStreaming(context.Background(), anthropic.MessageNewParams{
		Model:     anthropic.ModelClaudeHaiku4_5,
		MaxTokens: 1000,
		Messages:  []anthropic.MessageParam{anthropic.NewUserMessage(anthropic.NewTextBlock("What is four plus five?"))},
	})
	for stream.Next() {
	}
	if err := stream.Close(); err != nil {
		fmt.Println(err)
		return
	}

	span := capture.Span("Message with {request_data[model]!r}")
	fmt.Println(span.Message())
	fmt.Println(span.Value("gen_ai.usage.input_tokens"), span.Value("gen_ai.usage.output_tokens"))
	fmt.Println(span.Value("gen_ai.response.finish_reasons"))
	// Output:
	// Message with 'claude-haiku-4-5'
	// 19 9
	// ["end_turn"]
}
