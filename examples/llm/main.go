// Command llm shows LLM calls in Logfire: a plain and a streamed call to
// OpenAI's chat completions and to Anthropic's messages, one of them with
// a tool, each recorded as a span with the model, the tokens and the
// messages, which Logfire's LLMs view shows.
//
// By default it calls a local stand-in for both APIs, started on
// 127.0.0.1, so it runs without keys or network:
//
//	go run ./examples/llm
//
// With OPENAI_API_KEY (or ANTHROPIC_API_KEY) set, that provider's calls go
// to the real client's defaults instead: its API, or the server that
// OPENAI_BASE_URL (ANTHROPIC_BASE_URL) names, which the clients read.
// OPENAI_MODEL and ANTHROPIC_MODEL choose the models. With LOGFIRE_TOKEN
// set the spans are sent to Logfire; without it they are printed.
package main

import (
	"context"
	"fmt"
	"os"

	"github.com/anthropics/anthropic-sdk-go/v2"
	anthropicoption "github.com/anthropics/anthropic-sdk-go/v2/option"
	"github.com/openai/openai-go/v3"
	openaioption "github.com/openai/openai-go/v3/option"

	"github.com/logfire-go/sdk/internal/llmreplay"
	"github.com/logfire-go/sdk/logfire"
	"github.com/logfire-go/sdk/logfire/logfireanthropic"
	"github.com/logfire-go/sdk/logfire/logfireopenai"
)

func main() {
	if err := run(context.Background()); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

func run(ctx context.Context) error {
	lf, err := logfire.Configure(ctx)
	if err != nil {
		return err
	}
	defer func() { _ = lf.Shutdown(context.Background()) }()

	var local *llmreplay.Server
	stand := func() *llmreplay.Server {
		if local == nil {
			local = llmreplay.Start()
		}
		return local
	}
	defer func() {
		if local != nil {
			local.Close()
		}
	}()

	// One option on each client records its calls.
	oaOpts := []openaioption.RequestOption{logfireopenai.Middleware(lf)}
	if os.Getenv("OPENAI_API_KEY") == "" {
		oaOpts = append(oaOpts, openaioption.WithBaseURL(stand().OpenAIURL()), openaioption.WithAPIKey("sk-local"))
	}
	anOpts := []anthropicoption.RequestOption{logfireanthropic.Middleware(lf)}
	if os.Getenv("ANTHROPIC_API_KEY") == "" {
		anOpts = append(anOpts, anthropicoption.WithBaseURL(stand().AnthropicURL()), anthropicoption.WithAPIKey("sk-ant-local"))
	}
	oa := openai.NewClient(oaOpts...)
	an := anthropic.NewClient(anOpts...)

	ctx, span := lf.Span(ctx, "answering questions")
	defer span.End()
	if err := openAI(ctx, oa, envOr("OPENAI_MODEL", openai.ChatModelGPT4_1Mini)); err != nil {
		span.RecordError(err)
		return err
	}
	if err := claude(ctx, an, envOr("ANTHROPIC_MODEL", anthropic.ModelClaudeHaiku4_5)); err != nil {
		span.RecordError(err)
		return err
	}
	return nil
}

// openAI asks a question plainly, then streamed.
func openAI(ctx context.Context, client openai.Client, model string) error {
	params := openai.ChatCompletionNewParams{
		Model: model,
		Messages: []openai.ChatCompletionMessageParamUnion{
			openai.SystemMessage("You are a helpful assistant."),
			openai.UserMessage("What is four plus five?"),
		},
		MaxCompletionTokens: openai.Int(100),
	}
	resp, err := client.Chat.Completions.New(ctx, params)
	if err != nil {
		return fmt.Errorf("OpenAI chat completion: %w", err)
	}
	fmt.Println("OpenAI:", resp.Choices[0].Message.Content)

	stream := client.Chat.Completions.NewStreaming(ctx, params)
	defer stream.Close()
	fmt.Print("OpenAI, streamed: ")
	for stream.Next() {
		// The last chunk has the usage and no choices.
		if chunk := stream.Current(); len(chunk.Choices) > 0 {
			fmt.Print(chunk.Choices[0].Delta.Content)
		}
	}
	fmt.Println()
	if err := stream.Err(); err != nil {
		return fmt.Errorf("OpenAI streamed chat completion: %w", err)
	}
	return nil
}

// claude asks about the weather with a tool, answers the tool call, and
// gets the answer streamed.
func claude(ctx context.Context, client anthropic.Client, model string) error {
	params := anthropic.MessageNewParams{
		Model:     model,
		MaxTokens: 1000,
		System:    []anthropic.TextBlockParam{{Text: "You are a helpful assistant."}},
		Messages:  []anthropic.MessageParam{anthropic.NewUserMessage(anthropic.NewTextBlock("What is the weather in Paris?"))},
		Tools: []anthropic.ToolUnionParam{{OfTool: &anthropic.ToolParam{
			Name:        "get_weather",
			Description: anthropic.String("The current weather in a city."),
			InputSchema: anthropic.ToolInputSchemaParam{Properties: map[string]any{"city": map[string]any{"type": "string"}}, Required: []string{"city"}},
		}}},
	}
	msg, err := client.Messages.New(ctx, params)
	if err != nil {
		return fmt.Errorf("Anthropic message: %w", err)
	}
	params.Messages = append(params.Messages, msg.ToParam())
	var results []anthropic.ContentBlockParamUnion
	for _, block := range msg.Content {
		if block.Type == "tool_use" {
			fmt.Printf("Anthropic asks for %s(%s)\n", block.Name, block.Input)
			results = append(results, anthropic.NewToolResultBlock(block.ID, `{"temperature_c": 21, "sky": "clear"}`, false))
		}
	}
	if len(results) == 0 {
		fmt.Println("Anthropic:", msg.Content[0].Text)
		return nil
	}
	params.Messages = append(params.Messages, anthropic.NewUserMessage(results...))

	stream := client.Messages.NewStreaming(ctx, params)
	defer stream.Close()
	fmt.Print("Anthropic, streamed: ")
	for stream.Next() {
		if delta, ok := stream.Current().AsAny().(anthropic.ContentBlockDeltaEvent); ok {
			fmt.Print(delta.Delta.Text)
		}
	}
	fmt.Println()
	if err := stream.Err(); err != nil {
		return fmt.Errorf("Anthropic streamed message: %w", err)
	}
	return nil
}

func envOr[T ~string](name string, def T) T {
	if v := os.Getenv(name); v != "" {
		return T(v)
	}
	return def
}
