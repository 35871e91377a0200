package logfire_test

import (
	"context"
	"fmt"

	"go.opentelemetry.io/otel/attribute"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/logfire-go/sdk/config"
	"github.com/logfire-go/sdk/logfire"
)

// Scrubbing refined with patterns of one's own and a callback, as
// docs/scrubbing.md shows it.
func Example_changingScrubbing() {
	ctx := context.Background()
	mem := tracetest.NewInMemoryExporter()
	lf, err := logfire.Configure(ctx,
		logfire.WithScrubbing(&logfire.ScrubbingOptions{
			// More patterns (RE2 syntax, case-insensitive); a bad one fails Configure.
			ExtraPatterns: []string{`customer[-_]?id`, `^internal:`},
			// Decide per match: keep, replace, or let it be redacted.
			Callback: func(m logfire.ScrubMatch) (attribute.Value, bool) {
				if m.Path[len(m.Path)-1] == "session_count" {
					return m.Value, true // a number, not a session: keep it
				}
				return attribute.Value{}, false // redact
			},
		}),
		logfire.WithSendToLogfire(config.SendNever), logfire.WithConsole(nil),
		logfire.WithSpanProcessor(sdktrace.NewSimpleSpanProcessor(mem)),
	)
	if err != nil {
		panic(err)
	}
	defer lf.Shutdown(ctx)

	lf.Info(ctx, "visit", "customer_id", 42, "session_count", 3, "session_id", "s-1")
	for _, kv := range mem.GetSpans()[0].Attributes {
		switch kv.Key {
		case "customer_id", "session_count", "session_id":
			fmt.Println(kv.Key, kv.Value.Emit())
		}
	}
	// Output:
	// customer_id [Scrubbed due to 'customer_id']
	// session_count 3
	// session_id [Scrubbed due to 'session']
}

// The SDK's own token never leaves the process, whatever scrubbing says:
// here scrubbing is off, and the token an error message quotes, in a safe
// key, is still replaced.
func Example_tokenIsAlwaysRedacted() {
	ctx := context.Background()
	lf, c := captured(logfire.WithToken("pylf_v1_eu_0123456789abcdef"), logfire.WithScrubbing(nil))
	defer lf.Shutdown(ctx)

	lf.Error(ctx, "login failed: {err}", "err", fmt.Errorf("token pylf_v1_eu_0123456789abcdef was refused"))
	log := c.Log("login failed: {err}")
	fmt.Println(log.Value("logfire.msg"))
	for _, kv := range log.Events[0].Attributes {
		if kv.Key == "exception.message" {
			fmt.Println(kv.Value.AsString())
		}
	}
	// Output:
	// login failed: token [REDACTED] was refused
	// token [REDACTED] was refused
}
