package logfireaws_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	lambdaruntime "github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"go.opentelemetry.io/otel/propagation"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"

	"github.com/logfire-go/sdk/logfiretest"
	"github.com/logfire-go/sdk/otellambdaflush"
)

// The tests of this file send with the real clients, turn what the
// endpoint received into the event Lambda would deliver, and read it back
// with otellambdaflush, the consumer side.

// sqsRecord is the SQS record Lambda delivers for a sent message.
func sqsRecord(m sentMessage) events.SQSMessage {
	attrs := map[string]events.SQSMessageAttribute{}
	for k, v := range m.Attributes {
		attrs[k] = events.SQSMessageAttribute{StringValue: aws.String(v), DataType: "String"}
	}
	return events.SQSMessage{MessageId: m.ID, Body: m.Body, MessageAttributes: attrs, EventSource: "aws:sqs",
		EventSourceARN: "arn:aws:sqs:us-east-1:000000000000:orders", AWSRegion: "us-east-1"}
}

// snsEntity is the SNS message Lambda (or an SQS subscriber without raw
// delivery) receives for a published message.
func snsEntity(m sentMessage) events.SNSEntity {
	attrs := map[string]any{}
	for k, v := range m.Attributes {
		attrs[k] = map[string]any{"Type": "String", "Value": v}
	}
	return events.SNSEntity{Type: "Notification", MessageID: m.ID, TopicArn: "arn:aws:sns:us-east-1:000000000000:order-events",
		Message: m.Body, MessageAttributes: attrs}
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// consume runs event through a handler that otellambdaflush wraps, as
// the consuming function's would be, and returns the parent and the links
// of its invocation span.
func consume(t *testing.T, event []byte) (parent trace.SpanContext, links []sdktrace.Link) {
	t.Helper()
	lf, _ := logfiretest.New(t)
	r, err := otellambdaflush.New(lf, otellambdaflush.WithMode(otellambdaflush.ModeNone), otellambdaflush.WithXRay(otellambdaflush.XRayOff))
	if err != nil {
		t.Fatal(err)
	}
	h := r.Handler(func(ctx context.Context) error {
		if s, ok := trace.SpanFromContext(ctx).(sdktrace.ReadOnlySpan); ok {
			parent, links = s.Parent(), s.Links()
		}
		return nil
	})
	ctx := lambdacontext.NewContext(context.Background(), &lambdacontext.LambdaContext{AwsRequestID: "consumer"})
	if _, err := lambdaruntime.NewHandler(h).Invoke(ctx, event); err != nil {
		t.Fatal(err)
	}
	return parent, links
}

// consumed is the parent that the consuming function's invocation span
// gets from event.
func consumed(t *testing.T, event []byte) trace.SpanContext {
	t.Helper()
	parent, _ := consume(t, event)
	return parent
}

// sameSpan fails the test unless got is the call span's context.
func sameSpan(t *testing.T, what string, got trace.SpanContext, call trace.SpanContext) {
	t.Helper()
	if !got.IsValid() || got.TraceID() != call.TraceID() || got.SpanID() != call.SpanID() || !got.IsSampled() {
		t.Errorf("%s: the consumer extracted %s/%s (valid %v), want the call span %s/%s", what, got.TraceID(), got.SpanID(), got.IsValid(), call.TraceID(), call.SpanID())
	}
}

func TestRoundTripSQSOneRecord(t *testing.T) {
	s := newSetup(t)
	_, call := s.call(t, "SQS.SendMessage", func(ctx context.Context) error {
		_, err := sqs.NewFromConfig(s.cfg).SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: aws.String("http://127.0.0.1/q/orders"), MessageBody: aws.String("order 42")})
		return err
	})
	m := s.ep.only(t).Messages[0]
	event := mustJSON(t, events.SQSEvent{Records: []events.SQSMessage{sqsRecord(m)}})
	sameSpan(t, "SQS event", consumed(t, event), call.SpanContext)
	sameSpan(t, "SQSMessageCarrier", trace.SpanContextFromContext(s.lf.Propagator().Extract(context.Background(), otellambdaflush.SQSMessageCarrier(sqsRecord(m)))), call.SpanContext)
	if _, links := consume(t, event); len(links) != 0 {
		t.Errorf("one record with a context gave links: %v", links)
	}
}

// TestRoundTripSQSBatch: three messages sent from three traces, delivered
// as one batch: no parent, one link per record, to each sender's call span.
func TestRoundTripSQSBatch(t *testing.T) {
	s := newSetup(t)
	client := sqs.NewFromConfig(s.cfg)
	for i := range 3 {
		ctx, span := s.lf.Span(context.Background(), "order {i}", "i", i)
		if _, err := client.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: aws.String("http://127.0.0.1/q/orders"), MessageBody: aws.String(fmt.Sprint(i))}); err != nil {
			t.Fatal(err)
		}
		span.End()
	}
	var calls []logfiretest.Span
	for _, sp := range s.capture.Spans() {
		if sp.Name == "SQS.SendMessage" {
			calls = append(calls, sp)
		}
	}
	var records []events.SQSMessage
	for i, r := range s.ep.requests() {
		m := r.Messages[0]
		m.ID = fmt.Sprintf("m-%d", i+1)
		records = append(records, sqsRecord(m))
	}
	event := mustJSON(t, events.SQSEvent{Records: records})
	if sc := consumed(t, event); sc.IsValid() {
		t.Errorf("a batch gave a parent: %v", sc)
	}
	_, links := consume(t, event)
	var got, want []string
	for _, l := range links {
		id := ""
		for _, kv := range l.Attributes {
			if kv.Key == "messaging.message.id" {
				id = kv.Value.AsString()
			}
		}
		got = append(got, fmt.Sprintf("%s/%s %s", l.SpanContext.TraceID(), l.SpanContext.SpanID(), id))
	}
	for i, c := range calls {
		want = append(want, fmt.Sprintf("%s/%s m-%d", c.SpanContext.TraceID(), c.SpanContext.SpanID(), i+1))
	}
	if !slices.Equal(got, want) {
		t.Errorf("links\n %q\nwant\n %q", got, want)
	}
}

// TestRoundTripSNS: a published message read as an SNS event, and as an
// SQS record with and without raw message delivery.
func TestRoundTripSNS(t *testing.T) {
	s := newSetup(t)
	_, call := s.call(t, "SNS.Publish", func(ctx context.Context) error {
		_, err := sns.NewFromConfig(s.cfg).Publish(ctx, &sns.PublishInput{TopicArn: aws.String("arn:aws:sns:us-east-1:000000000000:order-events"), Message: aws.String("shipped")})
		return err
	})
	m := s.ep.only(t).Messages[0]
	entity := snsEntity(m)
	sameSpan(t, "SNS event", consumed(t, mustJSON(t, events.SNSEvent{Records: []events.SNSEventRecord{{EventSource: "aws:sns", SNS: entity}}})), call.SpanContext)
	sameSpan(t, "SNS to SQS, raw delivery", consumed(t, mustJSON(t, events.SQSEvent{Records: []events.SQSMessage{sqsRecord(m)}})), call.SpanContext)
	notification := m
	notification.Attributes, notification.Body = nil, string(mustJSON(t, entity))
	sameSpan(t, "SNS to SQS, notification body", consumed(t, mustJSON(t, events.SQSEvent{Records: []events.SQSMessage{sqsRecord(notification)}})), call.SpanContext)
}

// TestRoundTripEventBridge: an event read as an EventBridge event, and as
// the body of an SQS record (EventBridge to SQS).
func TestRoundTripEventBridge(t *testing.T) {
	s := newSetup(t)
	_, call := s.call(t, "EventBridge.PutEvents", func(ctx context.Context) error {
		_, err := eventbridge.NewFromConfig(s.cfg).PutEvents(ctx, &eventbridge.PutEventsInput{Entries: []ebtypes.PutEventsRequestEntry{
			{Source: aws.String("shop"), DetailType: aws.String("OrderPlaced"), Detail: aws.String(`{"order_id":42}`)},
		}})
		return err
	})
	ev := events.EventBridgeEvent{Version: "0", ID: "e-1", DetailType: "OrderPlaced", Source: "shop", Region: "us-east-1",
		Detail: json.RawMessage(s.ep.only(t).Messages[0].Detail)}
	sameSpan(t, "EventBridge event", consumed(t, mustJSON(t, ev)), call.SpanContext)
	body := sentMessage{ID: "m-1", Body: string(mustJSON(t, ev))}
	sameSpan(t, "EventBridge to SQS", consumed(t, mustJSON(t, events.SQSEvent{Records: []events.SQSMessage{sqsRecord(body)}})), call.SpanContext)
}

// TestRoundTripInvokeClientContext: the client context reaches the
// function as aws-lambda-go decodes it (lambdacontext.ClientContext), and
// its Custom map holds the call span's context.
func TestRoundTripInvokeClientContext(t *testing.T) {
	s := newSetup(t)
	_, call := s.call(t, "Lambda.Invoke", func(ctx context.Context) error {
		_, err := lambda.NewFromConfig(s.cfg).Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String("order-processor")})
		return err
	})
	var cc lambdacontext.ClientContext
	if err := json.Unmarshal([]byte(s.ep.only(t).Messages[0].ClientContext), &cc); err != nil {
		t.Fatal(err)
	}
	sameSpan(t, "client context", trace.SpanContextFromContext(s.lf.Propagator().Extract(context.Background(), propagation.MapCarrier(cc.Custom))), call.SpanContext)
}

// TestRoundTripChain: the other direction, a consumer that produces. A
// function handling an SQS record continues its trace and publishes to
// SNS; the function after it continues the same trace, under the publish.
func TestRoundTripChain(t *testing.T) {
	s := newSetup(t)
	_, first := s.call(t, "SQS.SendMessage", func(ctx context.Context) error {
		_, err := sqs.NewFromConfig(s.cfg).SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: aws.String("http://127.0.0.1/q/orders"), MessageBody: aws.String("order 42")})
		return err
	})
	record := sqsRecord(s.ep.only(t).Messages[0])
	// The consumer: its span continues the record's context.
	ctx := s.lf.Propagator().Extract(context.Background(), otellambdaflush.SQSMessageCarrier(record))
	ctx, handling := s.lf.Span(ctx, "fulfilling order")
	if _, err := sns.NewFromConfig(s.cfg).Publish(ctx, &sns.PublishInput{TopicArn: aws.String("arn:aws:sns:us-east-1:000000000000:order-events"), Message: aws.String("shipped")}); err != nil {
		t.Fatal(err)
	}
	handling.End()
	publish := s.capture.Span("SNS.Publish")
	if handling.SpanContext().TraceID() != first.SpanContext.TraceID() || publish.Parent.SpanID() != handling.SpanContext().SpanID() {
		t.Errorf("the consumer's spans left the producer's trace: handling %s, publish parent %s", handling.SpanContext().TraceID(), publish.Parent.SpanID())
	}
	reqs := s.ep.requests()
	next := snsEntity(reqs[len(reqs)-1].Messages[0])
	sameSpan(t, "second hop", consumed(t, mustJSON(t, events.SNSEvent{Records: []events.SNSEventRecord{{EventSource: "aws:sns", SNS: next}}})), publish.SpanContext)
}
