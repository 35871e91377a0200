package logfireopenai_test

import (
	"context"
	"testing"
	"time"

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
	srv, lf := benchSetup(b)
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

// benchSetup starts the stand-in and an instance that exports nothing.
func benchSetup(b *testing.B) (*llmreplay.Server, *logfire.Logfire) {
	b.Helper()
	srv := llmreplay.Start()
	b.Cleanup(srv.Close)
	ctx := testhook.With(context.Background(), testhook.Settings{NotDefault: true, CredentialsDir: b.TempDir()})
	lf, err := logfire.Configure(ctx, logfire.WithConsole(nil), logfire.WithSendToLogfire(config.SendNever))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = lf.Shutdown(context.Background()) })
	return srv, lf
}

// BenchmarkChatCompletionInterleaved makes a bare call and an instrumented
// one in each iteration, and reports the time of each (bare-ns/op,
// logfire-ns/op): on a shared machine whose load changes during the run,
// the two are measured under the same load.
func BenchmarkChatCompletionInterleaved(b *testing.B) {
	srv, lf := benchSetup(b)
	base := []option.RequestOption{option.WithBaseURL(srv.OpenAIURL()), option.WithAPIKey("sk-test")}
	bare := openai.NewClient(base...)
	instrumented := openai.NewClient(append(base, logfireopenai.Middleware(lf))...)
	params := openai.ChatCompletionNewParams{Model: "gpt-4o", Messages: chatMessages}
	var bareTime, lfTime time.Duration
	for b.Loop() {
		for i, client := range []openai.Client{bare, instrumented} {
			start := time.Now()
			if _, err := client.Chat.Completions.New(context.Background(), params); err != nil {
				b.Fatal(err)
			}
			if i == 0 {
				bareTime += time.Since(start)
			} else {
				lfTime += time.Since(start)
			}
		}
	}
	b.ReportMetric(float64(bareTime.Nanoseconds())/float64(b.N), "bare-ns/op")
	b.ReportMetric(float64(lfTime.Nanoseconds())/float64(b.N), "logfire-ns/op")
}
