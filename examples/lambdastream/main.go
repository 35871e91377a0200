// Command lambdastream is the AWS Lambda example of a streamed response: a
// function behind a function URL (invoke mode RESPONSE_STREAM) that answers
// {"lines": n, "delayMs": d} with n lines of text, one every d
// milliseconds, sent to the client as they are written.
//
// The handler returns a *events.LambdaFunctionURLStreamingResponse whose
// body is the read end of a pipe. otellambdaflush.Start keeps the response
// streamed, and the invocation span covers the whole stream: it ends when
// the body has been sent (or failed, or was abandoned), the spans made
// while writing it are its children, and the flush runs after the last
// byte, before Lambda freezes the process. An error while writing, here
// {"fail": true}, ends the stream with Lambda's error trailers and is
// recorded on the invocation span.
//
// Build it for Lambda's provided.al2023 runtime:
//
//	GOOS=linux GOARCH=amd64 go build -tags lambda.norpc -o bootstrap ./examples/lambdastream
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/logfire-go/sdk/console"
	"github.com/logfire-go/sdk/logfire"
	"github.com/logfire-go/sdk/otellambdaflush"
)

// Request is the event the function takes. A function URL delivers the
// HTTP request as an events.LambdaFunctionURLRequest; for brevity this
// example reads its parameters from the JSON body of a direct invocation.
type Request struct {
	Lines   int  `json:"lines"`
	DelayMs int  `json:"delayMs"`
	Fail    bool `json:"fail"`
}

// errMidStream is what {"fail": true} fails the stream with, half-way.
var errMidStream = errors.New("the stream failed half-way on purpose")

func main() {
	ctx := context.Background()
	lf, err := logfire.Configure(ctx, logfire.WithConsole(&console.Options{}))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	otellambdaflush.Start(lf, handler)
}

func handler(ctx context.Context, req Request) (*events.LambdaFunctionURLStreamingResponse, error) {
	lines := min(max(req.Lines, 1), 1000)
	delay := time.Duration(min(max(req.DelayMs, 0), 1000)) * time.Millisecond
	logfire.Info(ctx, "streaming {lines} lines", "lines", lines)

	pr, pw := io.Pipe()
	go func() {
		// ctx carries the invocation span: the spans made here, while the
		// body is being sent, are its children.
		for i := range lines {
			_, span := logfire.Span(ctx, "line {i}", "i", i)
			time.Sleep(delay)
			if req.Fail && i == lines/2 {
				span.End()
				pw.CloseWithError(errMidStream)
				return
			}
			_, err := fmt.Fprintf(pw, "line %d\n", i)
			span.End()
			if err != nil {
				return // the body was abandoned: the invocation is over
			}
		}
		pw.Close()
	}()
	return &events.LambdaFunctionURLStreamingResponse{
		StatusCode: 200,
		Headers:    map[string]string{"Content-Type": "text/plain"},
		Body:       pr,
	}, nil
}
