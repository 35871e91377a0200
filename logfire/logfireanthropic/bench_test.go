package logfireanthropic_test

import (
	"context"
	"testing"
	"time"

	"github.com/anthropics/anthropic-sdk-go/v2"
	"github.com/anthropics/anthropic-sdk-go/v2/option"

	"github.com/logfire-go/sdk/config"
	"github.com/logfire-go/sdk/internal/llmreplay"
	"github.com/logfire-go/sdk/internal/testhook"
	"github.com/logfire-go/sdk/logfire"
	"github.com/logfire-go/sdk/logfire/logfireanthropic"
)

// BenchmarkMessage is a message call, plain and streamed, by the bare
// client (its own spans off, as Middleware turns them off) and by the
// client with Middleware, against the same local server in the same run.
// "interleaved" makes one call of each per iteration and reports each
// one's time (bare-ns/op, logfire-ns/op), so that both meet the same load.
// The instance exports nothing: this is the cost of recording. Run:
//
//	go test ./logfire/logfireanthropic -run '^$' -bench Message -benchmem -count 6
func BenchmarkMessage(b *testing.B) {
	srv := llmreplay.Start()
	b.Cleanup(srv.Close)
	ctx := testhook.With(context.Background(), testhook.Settings{NotDefault: true, CredentialsDir: b.TempDir()})
	lf, err := logfire.Configure(ctx, logfire.WithConsole(nil), logfire.WithSendToLogfire(config.SendNever))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = lf.Shutdown(context.Background()) })
	base := []option.RequestOption{option.WithBaseURL(srv.AnthropicURL()), option.WithAPIKey("sk-ant-test")}
	clients := []anthropic.Client{
		anthropic.NewClient(append(base, option.WithoutOpenTelemetry())...),
		anthropic.NewClient(append(base, logfireanthropic.Middleware(lf))...),
	}
	params := anthropic.MessageNewParams{
		Model:     model,
		MaxTokens: 1000,
		System:    []anthropic.TextBlockParam{{Text: "You are a helpful assistant."}},
		Messages:  []anthropic.MessageParam{anthropic.NewUserMessage(anthropic.NewTextBlock("What is four plus five?"))},
	}
	call := func(b *testing.B, client anthropic.Client, stream bool) {
		if !stream {
			if _, err := client.Messages.New(context.Background(), params); err != nil {
				b.Fatal(err)
			}
			return
		}
		s := client.Messages.NewStreaming(context.Background(), params)
		for s.Next() {
		}
		if err := s.Err(); err != nil {
			b.Fatal(err)
		}
		_ = s.Close()
	}
	for i, name := range []string{"bare", "logfire"} {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				call(b, clients[i], false)
			}
		})
		b.Run(name+"/stream", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				call(b, clients[i], true)
			}
		})
	}
	b.Run("interleaved", func(b *testing.B) {
		var took [2]time.Duration
		for b.Loop() {
			for i, client := range clients {
				start := time.Now()
				call(b, client, false)
				took[i] += time.Since(start)
			}
		}
		b.ReportMetric(float64(took[0].Nanoseconds())/float64(b.N), "bare-ns/op")
		b.ReportMetric(float64(took[1].Nanoseconds())/float64(b.N), "logfire-ns/op")
	})
}
