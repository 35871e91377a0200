package logfireopenai_test

import (
	"context"
	"testing"

	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"

	"github.com/logfire-go/sdk/config"
	"github.com/logfire-go/sdk/internal/llmreplay"
	"github.com/logfire-go/sdk/internal/testhook"
	"github.com/logfire-go/sdk/logfire"
	"github.com/logfire-go/sdk/logfire/logfireopenai"
)

// BenchmarkChatCompletion is a chat completion, plain and streamed, by
// the bare client and by the client with Middleware, against the same
// local server in the same run: the difference is the span, its
// attributes and the metrics. The instance exports nothing, so this is
// the cost of recording, not of sending. Run:
//
//	go test ./logfire/logfireopenai -run '^$' -bench ChatCompletion -benchmem -count 5
func BenchmarkChatCompletion(b *testing.B) {
	srv := llmreplay.Start()
	b.Cleanup(srv.Close)
	ctx := testhook.With(context.Background(), testhook.Settings{NotDefault: true, CredentialsDir: b.TempDir()})
	lf, err := logfire.Configure(ctx, logfire.WithConsole(nil), logfire.WithSendToLogfire(config.SendNever))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = lf.Shutdown(context.Background()) })
	params := openai.ChatCompletionNewParams{Model: "gpt-4o", Messages: chatMessages}
	// The bare stream asks for the usage too, as Middleware makes the
	// other ask: both get the same answer.
	streamParams := params
	streamParams.StreamOptions.IncludeUsage = openai.Bool(true)
	for _, c := range []struct {
		name string
		opts []option.RequestOption
	}{
		{"bare", nil},
		{"logfire", []option.RequestOption{logfireopenai.Middleware(lf)}},
	} {
		client := openai.NewClient(append([]option.RequestOption{
			option.WithBaseURL(srv.OpenAIURL()), option.WithAPIKey("sk-test"),
		}, c.opts...)...)
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := client.Chat.Completions.New(context.Background(), params); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(c.name+"/stream", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				stream := client.Chat.Completions.NewStreaming(context.Background(), streamParams)
				for stream.Next() {
				}
				if err := stream.Err(); err != nil {
					b.Fatal(err)
				}
				_ = stream.Close()
			}
		})
	}
}
