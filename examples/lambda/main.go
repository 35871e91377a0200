// Command lambda is the AWS Lambda example of the Logfire Go SDK, the Go
// version of the Rust SDK's Lambda guide: a function that takes
// {"command": "..."} and answers
// {"req_id": "<request id>", "msg": "Command <command>."}, with its own span
// inside the invocation span, and every span and log flushed before Lambda
// freezes the process.
//
// Logfire is configured from the environment (LOGFIRE_TOKEN, ...; see
// docs/configuration.md) with the console on, so the lines also reach
// CloudWatch Logs. On shutdown (SIGTERM) the hook logs "Shutting down",
// then Logfire is shut down, which sends that line too.
//
// Two commands exist to show how failures are recorded: "fail" makes the
// handler return an error and "panic" makes it panic (aws-lambda-go then
// reports the error and ends the process). Both mark the invocation span
// as an error (status Error, an exception event, level error). Any other
// command succeeds.
//
// Without a line of code for it, Lambda's report of each invocation (its
// billed duration, memory used, cold start) becomes the FaaS metrics and a
// span "Lambda report: {aws.lambda.status}" under the invocation span,
// sent with the next invocation's telemetry or at shutdown (see
// docs/lambda.md).
//
// Build it for Lambda's provided.al2023 runtime:
//
//	GOOS=linux GOARCH=amd64 go build -tags lambda.norpc -o bootstrap ./examples/lambda
package main

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/aws/aws-lambda-go/lambdacontext"

	"github.com/logfire-go/sdk/console"
	"github.com/logfire-go/sdk/logfire"
	"github.com/logfire-go/sdk/otellambdaflush"
)

// Request is the event the function takes.
type Request struct {
	Command string `json:"command"`
}

// Response is what the function answers.
type Response struct {
	ReqID string `json:"req_id"`
	Msg   string `json:"msg"`
}

// errFailed is what the "fail" command returns.
var errFailed = errors.New(`command "fail" failed on purpose`)

func main() {
	ctx := context.Background()
	lf, err := logfire.Configure(ctx, logfire.WithConsole(&console.Options{}))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	logfire.Info(ctx, "Starting up")

	// Start wraps the handler in the invocation span, flushes after the
	// response before each freeze that needs it, records the platform's
	// report of each invocation and, on SIGTERM, runs the hook and then
	// shuts Logfire down within Lambda's grace period. It never returns.
	otellambdaflush.Start(lf, handler,
		otellambdaflush.WithShutdownHook(func(ctx context.Context) {
			logfire.Info(ctx, "Shutting down")
		}),
	)
}

func handler(ctx context.Context, req Request) (Response, error) {
	ctx, span := logfire.Span(ctx, "handling command {command}", "command", req.Command)
	defer span.End()

	reqID := ""
	if lc, ok := lambdacontext.FromContext(ctx); ok {
		reqID = lc.AwsRequestID
	}
	logfire.Info(ctx, "received command {command}", "command", req.Command, "req_id", reqID)
	switch req.Command {
	case "fail":
		span.RecordError(errFailed)
		return Response{}, errFailed
	case "panic":
		panic(`command "panic" panicked on purpose`)
	}
	return Response{ReqID: reqID, Msg: fmt.Sprintf("Command %s.", req.Command)}, nil
}
