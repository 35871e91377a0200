package logfireaws

import (
	"context"
	"reflect"

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
	switch params.(type) {
	case *sqs.SendMessageInput, *sqs.SendMessageBatchInput, *sns.PublishInput, *sns.PublishBatchInput,
		*eventbridge.PutEventsInput, *lambda.InvokeInput:
	default:
		return params, 0, "" // no message (S3, DynamoDB, ...): nothing to do
	}
	if reflect.ValueOf(params).IsNil() {
		return params, 0, ""
	}
	c := propagation.MapCarrier{}
	p.Inject(ctx, c)
	if len(c) == 0 {
		return params, 0, ""
	}
	switch in := params.(type) {
	case *sqs.SendMessageInput:
		return injectInto(in, sqsMessage, c, sqsString)
	case *sqs.SendMessageBatchInput:
		return injectBatch(in, sqsEntries, sqsEntry, c, sqsString)
	case *sns.PublishInput:
		return injectInto(in, snsMessage, c, snsString)
	case *sns.PublishBatchInput:
		return injectBatch(in, snsEntries, snsEntry, c, snsString)
	case *eventbridge.PutEventsInput:
		return injectPutEvents(in, c)
	case *lambda.InvokeInput:
		return injectInvoke(in, c)
	}
	return params, 0, ""
}
