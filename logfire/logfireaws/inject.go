package logfireaws

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"go.opentelemetry.io/otel/propagation"
)

// inject returns the input to send in place of params: a copy with the
// trace context of ctx in each message, or params itself for an operation
// that sends no message or when there is no context to send. skipped is
// the number of messages that could not take the context, and reason says
// why (for the last one).
func inject(ctx context.Context, p propagation.TextMapPropagator, params any) (out any, skipped int, reason string) {
	c := propagation.MapCarrier{}
	p.Inject(ctx, c)
	if len(c) == 0 {
		return params, 0, ""
	}
	switch in := params.(type) {
	case *sqs.SendMessageInput:
		if in != nil {
			return injectSendMessage(in, c)
		}
	case *sqs.SendMessageBatchInput:
		if in != nil {
			return injectSendMessageBatch(in, c)
		}
	case *sns.PublishInput:
		if in != nil {
			return injectPublish(in, c)
		}
	case *sns.PublishBatchInput:
		if in != nil {
			return injectPublishBatch(in, c)
		}
	case *eventbridge.PutEventsInput:
		if in != nil {
			return injectPutEvents(in, c)
		}
	case *lambda.InvokeInput:
		if in != nil {
			return injectInvoke(in, c)
		}
	}
	return params, 0, ""
}
