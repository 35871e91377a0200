package logfireaws

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	snstypes "github.com/aws/aws-sdk-go-v2/service/sns/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"go.opentelemetry.io/otel/propagation"
)

// SQS and SNS carry the trace context in String message attributes, the
// same way: one attribute per field of the propagator (traceparent,
// tracestate, baggage).

func sqsString(v string) sqstypes.MessageAttributeValue {
	return sqstypes.MessageAttributeValue{DataType: aws.String("String"), StringValue: aws.String(v)}
}

func snsString(v string) snstypes.MessageAttributeValue {
	return snstypes.MessageAttributeValue{DataType: aws.String("String"), StringValue: aws.String(v)}
}

// Where the messages and their attributes are in each input.

func sqsMessage(in *sqs.SendMessageInput) *map[string]sqstypes.MessageAttributeValue {
	return &in.MessageAttributes
}

func sqsEntries(in *sqs.SendMessageBatchInput) *[]sqstypes.SendMessageBatchRequestEntry {
	return &in.Entries
}

func sqsEntry(e *sqstypes.SendMessageBatchRequestEntry) *map[string]sqstypes.MessageAttributeValue {
	return &e.MessageAttributes
}

func snsMessage(in *sns.PublishInput) *map[string]snstypes.MessageAttributeValue {
	return &in.MessageAttributes
}

func snsEntries(in *sns.PublishBatchInput) *[]snstypes.PublishBatchRequestEntry {
	return &in.PublishBatchRequestEntries
}

func snsEntry(e *snstypes.PublishBatchRequestEntry) *map[string]snstypes.MessageAttributeValue {
	return &e.MessageAttributes
}

// injectInto returns a copy of in whose message attributes (attrs points
// at them) carry c.
func injectInto[T, V any](in *T, attrs func(*T) *map[string]V, c propagation.MapCarrier, value func(string) V) (any, int, string) {
	out := *in
	a := attrs(&out)
	var skipped int
	var why string
	*a, skipped, why = injectMessage(*a, c, value)
	return &out, skipped, why
}

// injectBatch returns a copy of in whose messages (entries points at them)
// have attributes (attrs points at them) that carry c, with the number of
// messages that could not take c and why the last one could not.
func injectBatch[T, E, V any](in *T, entries func(*T) *[]E, attrs func(*E) *map[string]V, c propagation.MapCarrier, value func(string) V) (any, int, string) {
	out := *in
	es := entries(&out)
	*es = slices.Clone(*es)
	skipped, why := 0, ""
	for i := range *es {
		a := attrs(&(*es)[i])
		var n int
		var reason string
		*a, n, reason = injectMessage(*a, c, value)
		if n > 0 {
			skipped, why = skipped+n, reason
		}
	}
	return &out, skipped, why
}

// maxAttributes is the most message attributes an SQS or an SNS message
// may have.
const maxAttributes = 10

// injectMessage returns attrs with the entries of c added as String
// attributes (made by value), in a new map; attrs itself is not changed.
// When the message cannot take them, because it has an attribute of the
// same name as one of c's or would have more than maxAttributes, it
// returns attrs, skipped 1 and the reason. A message that has its own
// traceparent is returned as it is.
func injectMessage[V any](attrs map[string]V, c propagation.MapCarrier, value func(string) V) (out map[string]V, skipped int, why string) {
	for name := range attrs {
		if strings.EqualFold(name, "traceparent") {
			return attrs, 0, ""
		}
	}
	for name := range attrs {
		for k := range c {
			if strings.EqualFold(name, k) {
				return attrs, 1, "the message already has a " + name + " attribute"
			}
		}
	}
	if len(attrs)+len(c) > maxAttributes {
		return attrs, 1, fmt.Sprintf("the message has %d message attributes, the trace context needs %d more and the limit is %d",
			len(attrs), len(c), maxAttributes)
	}
	out = make(map[string]V, len(attrs)+len(c))
	maps.Copy(out, attrs)
	for k, v := range c {
		out[k] = value(v)
	}
	return out, 0, ""
}
