package logfireopenai_test

import (
	"context"
	"testing"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/openai/openai-go/v3"

	"github.com/logfire-go/sdk/otellambdaflush"
)

type handlerFunc func(ctx context.Context, payload []byte) ([]byte, error)

func (f handlerFunc) Invoke(ctx context.Context, payload []byte) ([]byte, error) {
	return f(ctx, payload)
}

// TestInLambda: in a Lambda handler wrapped by otellambdaflush, the call's
// span is the child of the invocation's span and ends inside it, so the
// invocation's flush sends it.
func TestInLambda(t *testing.T) {
	_, lf, capture, client := setup(t)
	handler := handlerFunc(func(ctx context.Context, _ []byte) ([]byte, error) {
		_, err := client.Chat.Completions.New(ctx, openai.ChatCompletionNewParams{Model: "gpt-4o", Messages: chatMessages})
		return []byte(`"ok"`), err
	})
	r, err := otellambdaflush.New(lf, otellambdaflush.WithMode(otellambdaflush.ModeInHandler), otellambdaflush.WithXRay(otellambdaflush.XRayOff))
	if err != nil {
		t.Fatal(err)
	}
	ctx := lambdacontext.NewContext(context.Background(), &lambdacontext.LambdaContext{
		AwsRequestID: "req-1", InvokedFunctionArn: "arn:aws:lambda:us-east-1:123456789012:function:answers",
	})
	if _, err := lambda.NewHandler(r.Handler(handler)).Invoke(ctx, []byte(`{}`)); err != nil {
		t.Fatal(err)
	}
	spans := capture.Spans()
	if len(spans) != 2 {
		t.Fatalf("%d spans, want the call's and the invocation's:\n%s", len(spans), capture.Dump())
	}
	call, invocation := spans[0], spans[1]
	if call.Name != "Chat Completion with {request_data[model]!r}" || call.Parent.SpanID() != invocation.SpanContext.SpanID() {
		t.Errorf("the call's span %q has parent %v, want the invocation's %v (%q)", call.Name, call.Parent.SpanID(), invocation.SpanContext.SpanID(), invocation.Name)
	}
	if call.ReadOnly.EndTime().After(invocation.ReadOnly.EndTime()) {
		t.Error("the call's span ended after the invocation's")
	}
}
