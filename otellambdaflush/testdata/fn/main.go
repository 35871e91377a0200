// Command fn is the Lambda function that the otellambdaflush tests (and the
// e2e benchmark) run under lambdatest. It configures Logfire from the
// environment (LOGFIRE_TOKEN, LOGFIRE_BASE_URL, LOGFIRE_CONSOLE, ...).
//
// How it starts is chosen with environment variables:
//
//	FN_ENTRY=start        otellambdaflush.Start (default)
//	FN_ENTRY=runtime      otellambdaflush.New, then lambda.StartWithOptions(r.Handler(handler), r.StartOptions(…)...);
//	                      prints "mode=<flush mode>" once it is ready
//	FN_ENTRY=options      lambda.Start(otellambda.InstrumentHandler(handler, otellambdaflush.Options(lf)...))
//	FN_ENTRY=options-own  the drop-in path of docs/lambda.md (examples/adopting/lambdafn):
//	                      otellambdaflush.Options(lf, WithTraceAttributes(…)),
//	                      lambda.StartWithOptions with WithEnableSIGTERM shutting Logfire
//	                      down and exiting
//	FN_MODE=m             otellambdaflush.WithMode: auto (default), in-handler, post-response, none
//	FN_SPANS=n            spans the handler makes per invocation (default 1)
//	FN_BATCHED=d          otellambdaflush.WithBatchedFlush(d), d a time.Duration
//	FN_LAMBDA_OPTS=a,b    aws-lambda-go options given with otellambdaflush.WithLambdaOptions:
//	                      context (WithContextValue(contextKey, "from-lambda-options")),
//	                      sigterm (WithEnableSIGTERM with a callback printing "user SIGTERM callback"),
//	                      escape (WithSetEscapeHTML(true))
//
// The shutdown hook logs "Shutting down" through Logfire.
//
// An invocation does what the event's "action" says: "ok" (default),
// "error" (returns an error with the event's message), "panic", or "sleep"
// (sleeps sleepMs, then answers).
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"
	"go.opentelemetry.io/contrib/instrumentation/github.com/aws/aws-lambda-go/otellambda"
	"go.opentelemetry.io/otel/attribute"

	"github.com/logfire-go/sdk/logfire"
	"github.com/logfire-go/sdk/otellambdaflush"
)

type event struct {
	Action  string `json:"action"`
	Message string `json:"message"`
	SleepMs int    `json:"sleepMs"`
}

type reply struct {
	RequestID    string `json:"requestId"`
	Message      string `json:"message"`
	ContextValue string `json:"contextValue"`
}

type contextKey struct{}

var spans = 1

func handler(ctx context.Context, ev event) (reply, error) {
	var r reply
	if lc, ok := lambdacontext.FromContext(ctx); ok {
		r.RequestID = lc.AwsRequestID
	}
	r.Message = ev.Message
	r.ContextValue, _ = ctx.Value(contextKey{}).(string)
	for i := range spans {
		_, span := logfire.Span(ctx, "work {i}", "i", i, "req_id", r.RequestID)
		span.End()
	}
	switch ev.Action {
	case "error":
		return reply{}, errors.New(ev.Message)
	case "panic":
		panic(ev.Message)
	case "sleep":
		time.Sleep(time.Duration(ev.SleepMs) * time.Millisecond)
	}
	return r, nil
}

func main() {
	ctx := context.Background()
	lf, err := logfire.Configure(ctx)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if n, err := strconv.Atoi(os.Getenv("FN_SPANS")); err == nil {
		spans = n
	}

	entry := os.Getenv("FN_ENTRY")
	switch entry {
	case "options":
		lambda.Start(otellambda.InstrumentHandler(handler, otellambdaflush.Options(lf)...))
		return
	case "options-own":
		startOptionsOwn(lf)
		return
	}

	opts := []otellambdaflush.Option{
		otellambdaflush.WithShutdownHook(func(ctx context.Context) {
			logfire.Info(ctx, "Shutting down")
		}),
	}
	if d, err := time.ParseDuration(os.Getenv("FN_BATCHED")); err == nil {
		opts = append(opts, otellambdaflush.WithBatchedFlush(d))
	}
	switch m := os.Getenv("FN_MODE"); m {
	case "", "auto":
	case "in-handler":
		opts = append(opts, otellambdaflush.WithMode(otellambdaflush.ModeInHandler))
	case "post-response":
		opts = append(opts, otellambdaflush.WithMode(otellambdaflush.ModePostResponse))
	case "none":
		opts = append(opts, otellambdaflush.WithMode(otellambdaflush.ModeNone))
	default:
		fmt.Fprintln(os.Stderr, "unknown FN_MODE", m)
		os.Exit(2)
	}
	for _, o := range strings.Split(os.Getenv("FN_LAMBDA_OPTS"), ",") {
		switch o {
		case "context":
			opts = append(opts, otellambdaflush.WithLambdaOptions(lambda.WithContextValue(contextKey{}, "from-lambda-options")))
		case "sigterm":
			opts = append(opts, otellambdaflush.WithLambdaOptions(lambda.WithEnableSIGTERM(func() {
				fmt.Println("user SIGTERM callback")
			})))
		case "escape":
			opts = append(opts, otellambdaflush.WithLambdaOptions(lambda.WithSetEscapeHTML(true)))
		}
	}

	if entry == "runtime" {
		r := otellambdaflush.New(lf, opts...)
		fmt.Println("mode=" + r.Mode().String())
		lambda.StartWithOptions(r.Handler(handler), r.StartOptions(func() { os.Exit(0) })...)
		return
	}
	otellambdaflush.Start(handler, lf, opts...)
}

// startOptionsOwn is the drop-in path of docs/lambda.md, as written there.
func startOptionsOwn(lf *logfire.Logfire) {
	myAttributes := func(event []byte) []attribute.KeyValue {
		return []attribute.KeyValue{attribute.Int("event.bytes", len(event))}
	}
	opts := otellambdaflush.Options(lf, otellambdaflush.WithTraceAttributes(myAttributes))
	lambda.StartWithOptions(otellambda.InstrumentHandler(handler, opts...),
		lambda.WithEnableSIGTERM(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 400*time.Millisecond)
			defer cancel()
			_ = lf.Shutdown(ctx)
			os.Exit(0) // aws-lambda-go does not exit after the callbacks
		}))
}
