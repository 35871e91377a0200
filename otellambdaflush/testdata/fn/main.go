// Command fn is the Lambda function that the otellambdaflush tests (and the
// e2e benchmark) run under lambdatest. It configures Logfire from the
// environment (LOGFIRE_TOKEN, LOGFIRE_BASE_URL, LOGFIRE_CONSOLE, ...).
//
// How it starts is chosen with environment variables:
//
//	FN_ENTRY=start          otellambdaflush.Start (default)
//	FN_ENTRY=new            the path of docs/lambda.md for functions that call lambda.Start
//	                        themselves (examples/adopting/lambdafn): otellambdaflush.New with
//	                        WithTraceAttributes (event.bytes), then
//	                        lambda.StartWithOptions(r.Handler(handler), lambda.WithEnableSIGTERM(…))
//	                        with the callback calling r.Shutdown and exiting; prints
//	                        "mode=<flush mode>" once it is ready
//	FN_ENTRY=new-nosigterm  otellambdaflush.New, then lambda.Start(r.Handler(handler)):
//	                        no SIGTERM handling
//	FN_MODE=m               otellambdaflush.WithMode: auto (default), in-handler, post-response, none
//	FN_SPANS=n              spans the handler makes per invocation (default 1)
//	FN_HANDLER=stream       the handler streams its response (see streamHandler) instead of
//	                        answering with JSON
//	FN_LAMBDA_OPTS=a,b      aws-lambda-go options given to Start with otellambdaflush.WithLambdaOptions:
//	                        context (WithContextValue(contextKey, "from-lambda-options")),
//	                        sigterm (WithEnableSIGTERM with a callback printing "user SIGTERM callback"),
//	                        escape (WithSetEscapeHTML(true))
//
// The shutdown hook logs "Shutting down" through Logfire.
//
// An invocation does what the event's "action" says: "ok" (default),
// "error" (returns an error with the event's message), "panic" (after
// sleeping sleepMs), "sleep"
// (sleeps sleepMs, then answers), "alloc" (allocates allocMB megabytes
// and keeps them, then sleeps sleepMs: past the memory size, Lambda kills
// the process), or "exit" (the process exits with status 3, as os.Exit in
// a handler or a fatal runtime error ends it).
package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"
	"go.opentelemetry.io/otel/attribute"

	"github.com/logfire-go/sdk/logfire"
	"github.com/logfire-go/sdk/otellambdaflush"
	"github.com/logfire-go/sdk/otellambdaflush/internal/memhog"
)

type event struct {
	Action  string `json:"action"`
	Message string `json:"message"`
	SleepMs int    `json:"sleepMs"`
	// Chunks and ChunkMs shape a streamed response: Chunks chunks, one
	// every ChunkMs.
	Chunks  int `json:"chunks"`
	ChunkMs int `json:"chunkMs"`
	AllocMB int `json:"allocMB"`
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
		time.Sleep(time.Duration(ev.SleepMs) * time.Millisecond)
		panic(ev.Message)
	case "sleep":
		time.Sleep(time.Duration(ev.SleepMs) * time.Millisecond)
	case "alloc":
		memhog.Allocate(ev.AllocMB)
		time.Sleep(time.Duration(ev.SleepMs) * time.Millisecond)
	case "exit":
		os.Exit(3)
	}
	return r, nil
}

// streamHandler answers with a function URL streaming response: ev.Chunks
// lines "chunk <i>", one every ev.ChunkMs, each after a span "chunk {i}"
// made while the body is being sent. Action "stream-error" fails the body
// after half the chunks with ev.Message; "stream-panic" panics there.
func streamHandler(ctx context.Context, ev event) (*events.LambdaFunctionURLStreamingResponse, error) {
	pr, pw := io.Pipe()
	go func() {
		for i := range ev.Chunks {
			time.Sleep(time.Duration(ev.ChunkMs) * time.Millisecond)
			_, span := logfire.Span(ctx, "chunk {i}", "i", i)
			span.End()
			if i == ev.Chunks/2 && ev.Action == "stream-error" {
				pw.CloseWithError(errors.New(ev.Message))
				return
			}
			if _, err := fmt.Fprintf(pw, "chunk %d\n", i); err != nil {
				return
			}
		}
		pw.Close()
	}()
	var body io.Reader = pr
	if ev.Action == "stream-panic" {
		body = &panicAfter{r: pr, n: ev.Chunks / 2, msg: ev.Message}
	}
	return &events.LambdaFunctionURLStreamingResponse{
		StatusCode: 200,
		Headers:    map[string]string{"Content-Type": "text/plain"},
		Body:       body,
	}, nil
}

// panicAfter panics in the Read that follows its n-th line.
type panicAfter struct {
	r   io.Reader
	n   int
	msg string
}

func (p *panicAfter) Read(b []byte) (int, error) {
	if p.n <= 0 {
		panic(p.msg)
	}
	n, err := p.r.Read(b)
	p.n -= bytes.Count(b[:n], []byte("\n"))
	return n, err
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

	var h any = handler
	if os.Getenv("FN_HANDLER") == "stream" {
		h = streamHandler
	}
	entry := os.Getenv("FN_ENTRY")
	opts := []otellambdaflush.Option{
		otellambdaflush.WithShutdownHook(func(ctx context.Context) {
			logfire.Info(ctx, "Shutting down")
		}),
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
	switch entry {
	case "new":
		startNew(lf, h, opts)
		return
	case "new-nosigterm":
		r, err := otellambdaflush.New(lf, opts...)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		lambda.Start(r.Handler(h))
		return
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
	otellambdaflush.Start(lf, h, opts...)
}

// startNew is the path of docs/lambda.md for functions that call
// lambda.Start themselves, as written there, with the options of the
// environment.
func startNew(lf *logfire.Logfire, handler any, opts []otellambdaflush.Option) {
	myAttributes := func(event []byte) []attribute.KeyValue {
		return []attribute.KeyValue{attribute.Int("event.bytes", len(event))}
	}
	r, err := otellambdaflush.New(lf, append(opts, otellambdaflush.WithTraceAttributes(myAttributes))...)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	fmt.Println("mode=" + r.Mode().String())
	lambda.StartWithOptions(r.Handler(handler),
		lambda.WithEnableSIGTERM(func() {
			r.Shutdown()
			os.Exit(0) // aws-lambda-go does not exit after the callbacks
		}))
}
