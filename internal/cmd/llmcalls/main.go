// Command llmcalls makes the LLM calls that e2e/llm_test.go checks at the
// OpenTelemetry Collector: the real openai-go and anthropic-sdk-go clients,
// instrumented by logfireopenai and logfireanthropic, against the local
// stand-in of package llmreplay, with its faults (a 429 with Retry-After,
// a stream cut in the middle). Each scenario runs under a span of its own,
// "scenario {name}", so that the test finds its calls by their parent.
// Logfire is configured from the environment (LOGFIRE_TOKEN,
// LOGFIRE_BASE_URL, …); the instance is shut down, which sends everything,
// before the command exits.
//
//	go run ./internal/cmd/llmcalls
package main

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/anthropics/anthropic-sdk-go/v2"
	anthropicoption "github.com/anthropics/anthropic-sdk-go/v2/option"
	"github.com/openai/openai-go/v3"
	openaioption "github.com/openai/openai-go/v3/option"
	"github.com/openai/openai-go/v3/responses"

	"github.com/logfire-go/sdk/internal/llmreplay"
	"github.com/logfire-go/sdk/logfire"
	"github.com/logfire-go/sdk/logfire/logfireanthropic"
	"github.com/logfire-go/sdk/logfire/logfireopenai"
)

func main() {
	if err := run(context.Background()); err != nil {
		fmt.Fprintln(os.Stderr, "llmcalls:", err)
		os.Exit(1)
	}
}

// scenario is one named set of calls.
type scenario struct {
	name string
	run  func(ctx context.Context) error
}

func run(ctx context.Context) error {
	lf, err := logfire.Configure(ctx)
	if err != nil {
		return err
	}
	srv := llmreplay.Start()
	defer srv.Close()
	oa := openai.NewClient(openaioption.WithBaseURL(srv.OpenAIURL()), openaioption.WithAPIKey("sk-local"), logfireopenai.Middleware(lf))
	an := anthropic.NewClient(anthropicoption.WithBaseURL(srv.AnthropicURL()), anthropicoption.WithAPIKey("sk-ant-local"), logfireanthropic.Middleware(lf))

	chat := openai.ChatCompletionNewParams{
		Model:    openai.ChatModelGPT4o,
		Messages: []openai.ChatCompletionMessageParamUnion{openai.UserMessage("What is four plus five?")},
	}
	toolChat := chat
	toolChat.Messages = []openai.ChatCompletionMessageParamUnion{openai.UserMessage("Weather in Paris?")}
	toolChat.Tools = []openai.ChatCompletionToolUnionParam{openai.ChatCompletionFunctionTool(openai.FunctionDefinitionParam{
		Name:       "get_weather",
		Parameters: openai.FunctionParameters{"type": "object", "properties": map[string]any{"city": map[string]any{"type": "string"}}},
	})}
	message := anthropic.MessageNewParams{
		Model:     "claude-sonnet-4-20250514",
		MaxTokens: 1000,
		Messages:  []anthropic.MessageParam{anthropic.NewUserMessage(anthropic.NewTextBlock("What is four plus five?"))},
	}
	toolMessage := message
	toolMessage.Messages = []anthropic.MessageParam{anthropic.NewUserMessage(anthropic.NewTextBlock("Weather in Paris?"))}
	toolMessage.Tools = []anthropic.ToolUnionParam{{OfTool: &anthropic.ToolParam{
		Name:        "get_weather",
		InputSchema: anthropic.ToolInputSchemaParam{Properties: map[string]any{"city": map[string]any{"type": "string"}}},
	}}}

	scenarios := []scenario{
		{"openai tool call", func(ctx context.Context) error {
			_, err := oa.Chat.Completions.New(ctx, toolChat)
			return err
		}},
		{"openai stream", func(ctx context.Context) error {
			return drain(oa.Chat.Completions.NewStreaming(ctx, chat))
		}},
		{"openai retry", func(ctx context.Context) error {
			srv.FailNext(1)
			_, err := oa.Chat.Completions.New(ctx, chat)
			return err
		}},
		{"openai cut", func(ctx context.Context) error {
			srv.CutNextStream()
			return wantErr(drain(oa.Chat.Completions.NewStreaming(ctx, chat)))
		}},
		{"openai responses stream", func(ctx context.Context) error {
			return drain(oa.Responses.NewStreaming(ctx, responses.ResponseNewParams{
				Model: openai.ChatModelGPT4o,
				Input: responses.ResponseNewParamsInputUnion{OfString: openai.String("What is four plus five?")},
			}))
		}},
		{"openai embeddings", func(ctx context.Context) error {
			_, err := oa.Embeddings.New(ctx, openai.EmbeddingNewParams{
				Model: openai.EmbeddingModelTextEmbedding3Small,
				Input: openai.EmbeddingNewParamsInputUnion{OfString: openai.String("four plus five")},
			})
			return err
		}},
		{"anthropic tool stream", func(ctx context.Context) error {
			return drain(an.Messages.NewStreaming(ctx, toolMessage))
		}},
		{"anthropic retry cut", func(ctx context.Context) error {
			srv.FailNext(1)
			srv.CutNextStream()
			return wantErr(drain(an.Messages.NewStreaming(ctx, message)))
		}},
	}
	var errs []error
	for _, s := range scenarios {
		sctx, span := lf.Span(ctx, "scenario {name}", "name", s.name)
		if err := s.run(sctx); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", s.name, err))
		}
		span.End()
	}
	return errors.Join(append(errs, lf.Shutdown(context.Background()))...)
}

// stream is what both clients' streams have.
type stream interface {
	Next() bool
	Err() error
	Close() error
}

// drain reads s to its end and closes it.
func drain(s stream) error {
	for s.Next() {
	}
	return errors.Join(s.Err(), s.Close())
}

// wantErr turns the error of a call that must fail into nil, and its
// success into an error.
func wantErr(err error) error {
	if err == nil {
		return errors.New("the cut stream was read without an error")
	}
	return nil
}
