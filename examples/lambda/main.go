// Command lambda is the AWS Lambda example of the Logfire Go SDK: a
// function that takes {"command": "..."} and answers
// {"req_id": "<request id>", "msg": "Command <command>."}, with its own span
// inside the invocation span, and every span and log flushed before Lambda
// freezes the process.
//
// Build it for Lambda's provided.al2023 runtime:
//
//	GOOS=linux GOARCH=amd64 go build -tags lambda.norpc -o bootstrap ./examples/lambda
package main

import (
	"context"
	"fmt"
	"os"

	"github.com/aws/aws-lambda-go/lambdacontext"

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

func handler(ctx context.Context, req Request) (Response, error) {
	ctx, span := logfire.Span(ctx, "handling command {command}", "command", req.Command)
	defer span.End()

	lc, _ := lambdacontext.FromContext(ctx)
	reqID := ""
	if lc != nil {
		reqID = lc.AwsRequestID
	}
	logfire.Info(ctx, "received command {command}", "command", req.Command, "req_id", reqID)
	return Response{ReqID: reqID, Msg: fmt.Sprintf("Command %s.", req.Command)}, nil
}

func main() {
	ctx := context.Background()
	lf, err := logfire.Configure(ctx, logfire.WithConsole(true))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	logfire.Info(ctx, "Starting up")

	otellambdaflush.Start(handler, lf,
		otellambdaflush.WithShutdownHook(func(ctx context.Context) {
			logfire.Info(ctx, "Shutting down")
		}),
	)
}
