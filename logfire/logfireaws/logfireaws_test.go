package logfireaws_test

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	snstypes "github.com/aws/aws-sdk-go-v2/service/sns/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/aws/smithy-go/middleware"
	"go.opentelemetry.io/contrib/instrumentation/github.com/aws/aws-sdk-go-v2/otelaws"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/baggage"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"

	"github.com/logfire-go/sdk/logfire"
	"github.com/logfire-go/sdk/logfire/logfireaws"
	"github.com/logfire-go/sdk/logfiretest"
)

// setup is one test's instance, endpoint and instrumented config.
type setup struct {
	lf      *logfire.Logfire
	capture *logfiretest.Capture
	ep      *endpoint
	cfg     aws.Config
	// logged holds what the middleware reported to the instance's error
	// handler about skipped messages (the tests report fewer than its
	// capacity).
	logged chan string
}

func newSetup(t *testing.T) *setup {
	t.Helper()
	logged := make(chan string, 16)
	lf, capture := logfiretest.New(t, logfire.WithServiceName("producer"),
		logfire.WithErrorHandler(func(err error) { logged <- err.Error() }))
	s := &setup{lf: lf, capture: capture, ep: newEndpoint(t), logged: logged}
	s.cfg = s.ep.config()
	logfireaws.AppendMiddlewares(lf, &s.cfg.APIOptions)
	return s
}

// lines returns the reports about skipped messages since the last call.
func (s *setup) lines() []string {
	var got []string
	for {
		select {
		case l := <-s.logged:
			got = append(got, l)
		default:
			return got
		}
	}
}

// call runs fn inside a span of the instance, as the caller's code would,
// fails the test if fn fails, and returns that span's context and the
// call's span (the otelaws span called name).
func (s *setup) call(t *testing.T, name string, fn func(ctx context.Context) error) (parent trace.SpanContext, call logfiretest.Span) {
	t.Helper()
	parent, call, err := s.callErr(t, name, fn)
	if err != nil {
		t.Fatal(err)
	}
	return parent, call
}

// callErr is call for a call that may fail: it returns fn's error.
func (s *setup) callErr(t *testing.T, name string, fn func(ctx context.Context) error) (parent trace.SpanContext, call logfiretest.Span, err error) {
	t.Helper()
	ctx, span := s.lf.Span(context.Background(), "placing order {id}", "id", 42)
	err = fn(ctx)
	span.End()
	return span.SpanContext(), s.capture.Span(name), err
}

// traceparent is the W3C traceparent of sc.
func traceparent(sc trace.SpanContext) string {
	return fmt.Sprintf("00-%s-%s-%s", sc.TraceID(), sc.SpanID(), sc.TraceFlags())
}

// checkCallSpan checks the span of a call that succeeded: the child of
// the caller's span, kind client, with Logfire's message and level info.
func checkCallSpan(t *testing.T, call logfiretest.Span, parent trace.SpanContext, msg string) {
	t.Helper()
	if call.Parent.SpanID() != parent.SpanID() || call.SpanContext.TraceID() != parent.TraceID() {
		t.Errorf("the call's span %s is not the child of the caller's span %s", call.Parent.SpanID(), parent.SpanID())
	}
	if call.Kind != trace.SpanKindClient || call.Message() != msg || call.Level() != logfire.LevelInfo || call.Status.Code != codes.Unset {
		t.Errorf("call span: kind %v, message %q (want %q), level %d, status %v", call.Kind, call.Message(), msg, call.Level(), call.Status)
	}
}

func sqsAttrs(kv ...string) map[string]sqstypes.MessageAttributeValue {
	m := map[string]sqstypes.MessageAttributeValue{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = sqstypes.MessageAttributeValue{DataType: aws.String("String"), StringValue: aws.String(kv[i+1])}
	}
	return m
}

func snsAttrs(kv ...string) map[string]snstypes.MessageAttributeValue {
	m := map[string]snstypes.MessageAttributeValue{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = snstypes.MessageAttributeValue{DataType: aws.String("String"), StringValue: aws.String(kv[i+1])}
	}
	return m
}

// nAttrs returns n attribute names and values a1 … an.
func nAttrs(n int) []string {
	var kv []string
	for i := 1; i <= n; i++ {
		kv = append(kv, fmt.Sprintf("a%d", i), fmt.Sprint(i))
	}
	return kv
}

// unchanged fails the test if in differs from a fresh input made by make.
func unchanged[T any](t *testing.T, in *T, make func() *T) {
	t.Helper()
	if want := make(); !reflect.DeepEqual(in, want) {
		t.Errorf("the caller's input was modified:\n got %+v\nwant %+v", *in, *want)
	}
}

// wantAttributes checks a sent message's attributes: exactly want, plus
// traceparent = tp unless tp is "".
func wantAttributes(t *testing.T, got map[string]string, tp string, want ...string) {
	t.Helper()
	w := map[string]string{}
	for i := 0; i+1 < len(want); i += 2 {
		w[want[i]] = want[i+1]
	}
	if tp != "" {
		w["traceparent"] = tp
	}
	if !reflect.DeepEqual(got, w) {
		t.Errorf("sent attributes %v, want %v", got, w)
	}
}

func TestSQSSendMessage(t *testing.T) {
	s := newSetup(t)
	client := sqs.NewFromConfig(s.cfg)
	newInput := func() *sqs.SendMessageInput {
		return &sqs.SendMessageInput{
			QueueUrl:          aws.String("http://127.0.0.1/000000000000/orders"),
			MessageBody:       aws.String(`{"order_id":42}`),
			MessageAttributes: sqsAttrs("kind", "order"),
		}
	}
	in := newInput()
	before := logfireaws.Skipped()
	parent, call := s.call(t, "SQS.SendMessage", func(ctx context.Context) error {
		_, err := client.SendMessage(ctx, in)
		return err
	})
	checkCallSpan(t, call, parent, "SQS.SendMessage orders")
	req := s.ep.only(t)
	if req.Operation != "SQS.SendMessage" || len(req.Messages) != 1 || req.Messages[0].Body != `{"order_id":42}` {
		t.Fatalf("sent %+v", req)
	}
	wantAttributes(t, req.Messages[0].Attributes, traceparent(call.SpanContext), "kind", "order")
	unchanged(t, in, newInput)
	if n := logfireaws.Skipped() - before; n != 0 {
		t.Errorf("Skipped grew by %d", n)
	}
	// otelaws puts the same context in the HTTP request's header.
	if got := req.Header.Get("Traceparent"); got != traceparent(call.SpanContext) {
		t.Errorf("traceparent header %q", got)
	}
}

func TestSQSSendMessageBatch(t *testing.T) {
	s := newSetup(t)
	client := sqs.NewFromConfig(s.cfg)
	newInput := func() *sqs.SendMessageBatchInput {
		return &sqs.SendMessageBatchInput{
			QueueUrl: aws.String("http://127.0.0.1/000000000000/orders"),
			Entries: []sqstypes.SendMessageBatchRequestEntry{
				{Id: aws.String("1"), MessageBody: aws.String("one")},
				{Id: aws.String("2"), MessageBody: aws.String("two"), MessageAttributes: sqsAttrs("kind", "order")},
				{Id: aws.String("3"), MessageBody: aws.String("three"), MessageAttributes: sqsAttrs(nAttrs(10)...)},
				{Id: aws.String("4"), MessageBody: aws.String("four"), MessageAttributes: sqsAttrs(nAttrs(9)...)},
			},
		}
	}
	in := newInput()
	before := logfireaws.Skipped()
	parent, call := s.call(t, "SQS.SendMessageBatch", func(ctx context.Context) error {
		_, err := client.SendMessageBatch(ctx, in)
		return err
	})
	checkCallSpan(t, call, parent, "SQS.SendMessageBatch orders")
	req := s.ep.only(t)
	if len(req.Messages) != 4 {
		t.Fatalf("sent %d messages, want 4", len(req.Messages))
	}
	tp := traceparent(call.SpanContext)
	wantAttributes(t, req.Messages[0].Attributes, tp)
	wantAttributes(t, req.Messages[1].Attributes, tp, "kind", "order")
	wantAttributes(t, req.Messages[2].Attributes, "", nAttrs(10)...) // full: sent as it was
	wantAttributes(t, req.Messages[3].Attributes, tp, nAttrs(9)...)  // exactly at the limit
	unchanged(t, in, newInput)
	if n := logfireaws.Skipped() - before; n != 1 {
		t.Errorf("Skipped grew by %d, want 1 (the message with 10 attributes)", n)
	}
	if got := s.lines(); len(got) != 1 || !strings.Contains(got[0], "SQS.SendMessageBatch") || !strings.Contains(got[0], "10 message attributes") {
		t.Errorf("lines about skipped messages: %q", got)
	}
}

// TestSQSLimitCountsBaggage: the context takes one attribute per field the
// propagator writes, so with baggage a message with 9 attributes is full.
func TestSQSLimitCountsBaggage(t *testing.T) {
	s := newSetup(t)
	client := sqs.NewFromConfig(s.cfg)
	newInput := func() *sqs.SendMessageInput {
		return &sqs.SendMessageInput{QueueUrl: aws.String("http://127.0.0.1/000000000000/orders"), MessageBody: aws.String("x"), MessageAttributes: sqsAttrs(nAttrs(9)...)}
	}
	in := newInput()
	before := logfireaws.Skipped()
	m, _ := baggage.NewMember("tenant", "acme")
	b, _ := baggage.New(m)
	s.call(t, "SQS.SendMessage", func(ctx context.Context) error {
		_, err := client.SendMessage(baggage.ContextWithBaggage(ctx, b), in)
		return err
	})
	wantAttributes(t, s.ep.only(t).Messages[0].Attributes, "", nAttrs(9)...)
	unchanged(t, in, newInput)
	if n := logfireaws.Skipped() - before; n != 1 {
		t.Errorf("Skipped grew by %d, want 1", n)
	}
	// At most one line a minute: a second skipped message writes none.
	if _, err := client.SendMessage(context.Background(), newInput()); err != nil {
		t.Fatal(err)
	}
	if got := s.lines(); len(got) != 1 {
		t.Errorf("%d lines about skipped messages, want 1: %q", len(got), got)
	}
}

// TestSQSOwnContextKept: a message that carries its own traceparent is
// sent as it is, and not counted as skipped.
func TestSQSOwnContextKept(t *testing.T) {
	s := newSetup(t)
	client := sqs.NewFromConfig(s.cfg)
	const own = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
	before := logfireaws.Skipped()
	s.call(t, "SQS.SendMessage", func(ctx context.Context) error {
		_, err := client.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: aws.String("http://127.0.0.1/q/orders"), MessageBody: aws.String("x"), MessageAttributes: sqsAttrs("TraceParent", own)})
		return err
	})
	wantAttributes(t, s.ep.only(t).Messages[0].Attributes, "", "TraceParent", own)
	if n := logfireaws.Skipped() - before; n != 0 {
		t.Errorf("Skipped grew by %d", n)
	}
}

// TestSQSOwnBaggageWithoutTraceparentSkipped: a message with an attribute
// of its own named like one the context writes (baggage, when the trace
// carries some) but no traceparent is sent as it is, and counted as
// skipped: its attribute is not overwritten.
func TestSQSOwnBaggageWithoutTraceparentSkipped(t *testing.T) {
	s := newSetup(t)
	client := sqs.NewFromConfig(s.cfg)
	newInput := func() *sqs.SendMessageInput {
		return &sqs.SendMessageInput{QueueUrl: aws.String("http://127.0.0.1/q/orders"), MessageBody: aws.String("x"), MessageAttributes: sqsAttrs("baggage", "tenant=own")}
	}
	in := newInput()
	before := logfireaws.Skipped()
	m, _ := baggage.NewMember("tenant", "acme")
	b, _ := baggage.New(m)
	s.call(t, "SQS.SendMessage", func(ctx context.Context) error {
		_, err := client.SendMessage(baggage.ContextWithBaggage(ctx, b), in)
		return err
	})
	wantAttributes(t, s.ep.only(t).Messages[0].Attributes, "", "baggage", "tenant=own")
	unchanged(t, in, newInput)
	if n := logfireaws.Skipped() - before; n != 1 {
		t.Errorf("Skipped grew by %d, want 1", n)
	}
}

// TestEventBridgeOwnOtelWithoutTraceparentSkipped: an entry whose detail
// already has an "_otel" object without a traceparent is sent as it is,
// and counted as skipped.
func TestEventBridgeOwnOtelWithoutTraceparentSkipped(t *testing.T) {
	s := newSetup(t)
	client := eventbridge.NewFromConfig(s.cfg)
	const detail = `{"_otel":{"baggage":"tenant=own"},"order_id":7}`
	before := logfireaws.Skipped()
	s.call(t, "EventBridge.PutEvents", func(ctx context.Context) error {
		_, err := client.PutEvents(ctx, &eventbridge.PutEventsInput{Entries: []ebtypes.PutEventsRequestEntry{
			{EventBusName: aws.String("orders-bus"), Source: aws.String("shop"), DetailType: aws.String("Own"), Detail: aws.String(detail)},
		}})
		return err
	})
	if got := s.ep.only(t).Messages[0].Detail; got != detail {
		t.Errorf("detail %s, want it sent as written: %s", got, detail)
	}
	if n := logfireaws.Skipped() - before; n != 1 {
		t.Errorf("Skipped grew by %d, want 1", n)
	}
}

func TestSNSPublish(t *testing.T) {
	s := newSetup(t)
	client := sns.NewFromConfig(s.cfg)
	newInput := func() *sns.PublishInput {
		return &sns.PublishInput{
			TopicArn:          aws.String("arn:aws:sns:us-east-1:000000000000:order-events"),
			Message:           aws.String("shipped"),
			MessageAttributes: snsAttrs("kind", "shipped"),
		}
	}
	in := newInput()
	parent, call := s.call(t, "SNS.Publish", func(ctx context.Context) error {
		_, err := client.Publish(ctx, in)
		return err
	})
	checkCallSpan(t, call, parent, "SNS.Publish order-events")
	req := s.ep.only(t)
	if req.Operation != "SNS.Publish" || len(req.Messages) != 1 || req.Messages[0].Body != "shipped" {
		t.Fatalf("sent %+v", req)
	}
	wantAttributes(t, req.Messages[0].Attributes, traceparent(call.SpanContext), "kind", "shipped")
	unchanged(t, in, newInput)
}

func TestSNSPublishLimit(t *testing.T) {
	s := newSetup(t)
	client := sns.NewFromConfig(s.cfg)
	newInput := func() *sns.PublishInput {
		return &sns.PublishInput{TopicArn: aws.String("arn:aws:sns:us-east-1:000000000000:order-events"), Message: aws.String("m"), MessageAttributes: snsAttrs(nAttrs(10)...)}
	}
	in := newInput()
	before := logfireaws.Skipped()
	s.call(t, "SNS.Publish", func(ctx context.Context) error {
		_, err := client.Publish(ctx, in)
		return err
	})
	wantAttributes(t, s.ep.only(t).Messages[0].Attributes, "", nAttrs(10)...)
	unchanged(t, in, newInput)
	if n := logfireaws.Skipped() - before; n != 1 {
		t.Errorf("Skipped grew by %d, want 1", n)
	}
	if got := s.lines(); len(got) != 1 || !strings.Contains(got[0], "SNS.Publish") {
		t.Errorf("lines: %q", got)
	}
}

func TestSNSPublishBatch(t *testing.T) {
	s := newSetup(t)
	client := sns.NewFromConfig(s.cfg)
	newInput := func() *sns.PublishBatchInput {
		return &sns.PublishBatchInput{
			TopicArn: aws.String("arn:aws:sns:us-east-1:000000000000:order-events"),
			PublishBatchRequestEntries: []snstypes.PublishBatchRequestEntry{
				{Id: aws.String("a"), Message: aws.String("one")},
				{Id: aws.String("b"), Message: aws.String("two"), MessageAttributes: snsAttrs(nAttrs(10)...)},
				{Id: aws.String("c"), Message: aws.String("three"), MessageAttributes: snsAttrs("kind", "x")},
			},
		}
	}
	in := newInput()
	before := logfireaws.Skipped()
	parent, call := s.call(t, "SNS.PublishBatch", func(ctx context.Context) error {
		_, err := client.PublishBatch(ctx, in)
		return err
	})
	checkCallSpan(t, call, parent, "SNS.PublishBatch order-events")
	req := s.ep.only(t)
	if len(req.Messages) != 3 {
		t.Fatalf("sent %d messages, want 3", len(req.Messages))
	}
	tp := traceparent(call.SpanContext)
	wantAttributes(t, req.Messages[0].Attributes, tp)
	wantAttributes(t, req.Messages[1].Attributes, "", nAttrs(10)...)
	wantAttributes(t, req.Messages[2].Attributes, tp, "kind", "x")
	unchanged(t, in, newInput)
	if n := logfireaws.Skipped() - before; n != 1 {
		t.Errorf("Skipped grew by %d, want 1", n)
	}
}

// TestFailedCall: a call that fails is an error span: status Error,
// level error, an exception event; the error reaches the caller.
func TestFailedCall(t *testing.T) {
	s := newSetup(t)
	client := sqs.NewFromConfig(s.cfg)
	_, call, err := s.callErr(t, "SQS.SendMessage", func(ctx context.Context) error {
		_, err := client.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: aws.String("http://127.0.0.1/000000000000/missing"), MessageBody: aws.String("x")})
		return err
	})
	var missing *sqstypes.QueueDoesNotExist
	if !errors.As(err, &missing) {
		t.Fatalf("error %v, want QueueDoesNotExist", err)
	}
	if call.Status.Code != codes.Error || call.Level() != logfire.LevelError || call.Message() != "SQS.SendMessage missing" {
		t.Errorf("failed call span: status %v, level %d, message %q", call.Status, call.Level(), call.Message())
	}
	ev, ok := call.Event("exception")
	if !ok {
		t.Fatalf("no exception event: %v", call)
	}
	got := map[string]string{}
	for _, kv := range ev.Attributes {
		got[string(kv.Key)] = kv.Value.AsString()
	}
	// The error as the middlewares see it, before the client wraps it in
	// an *smithy.OperationError.
	if got["exception.type"] != "*http.ResponseError" || !strings.Contains(got["exception.message"], "The specified queue does not exist.") ||
		call.Status.Description != got["exception.message"] {
		t.Errorf("exception event %v, status %q", got, call.Status.Description)
	}
}

// TestNilInputs: a nil apiOptions does nothing; a nil input is the AWS
// SDK's validation error, with no span and nothing sent.
func TestNilInputs(t *testing.T) {
	logfireaws.AppendMiddlewares(nil, nil)
	s := newSetup(t)
	_, err := sqs.NewFromConfig(s.cfg).SendMessage(context.Background(), nil)
	if err == nil || !strings.Contains(err.Error(), "QueueUrl") {
		t.Errorf("error %v, want the missing QueueUrl", err)
	}
	if n := len(s.ep.requests()); n != 0 {
		t.Errorf("%d requests sent", n)
	}
}

// TestOptions: the instance's propagator decides what is injected (an
// empty composite injects nothing, and nothing is counted as skipped), and
// WithOTelAWSOptions reaches otelaws.
func TestOptions(t *testing.T) {
	lf, capture := logfiretest.New(t, logfire.WithPropagator(propagation.NewCompositeTextMapPropagator()))
	ep := newEndpoint(t)
	cfg := ep.config()
	logfireaws.AppendMiddlewares(lf, &cfg.APIOptions,
		logfireaws.WithOTelAWSOptions(otelaws.WithAttributeBuilder(func(context.Context, middleware.InitializeInput, middleware.InitializeOutput) []attribute.KeyValue {
			return []attribute.KeyValue{attribute.String("team", "orders")}
		})))
	before := logfireaws.Skipped()
	ctx, span := lf.Span(context.Background(), "sending")
	_, err := sqs.NewFromConfig(cfg).SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: aws.String("http://127.0.0.1/q/orders"), MessageBody: aws.String("x")})
	span.End()
	if err != nil {
		t.Fatal(err)
	}
	req := ep.only(t)
	wantAttributes(t, req.Messages[0].Attributes, "")
	if h := req.Header.Get("Traceparent"); h != "" {
		t.Errorf("traceparent header %q with an empty propagator", h)
	}
	if n := logfireaws.Skipped() - before; n != 0 {
		t.Errorf("Skipped grew by %d", n)
	}
	if got := capture.Span("SQS.SendMessage").Value("team"); got != "orders" {
		t.Errorf("the attribute builder's attribute: %v", got)
	}
}

// TestConcurrentCalls: one config's middlewares serve concurrent calls,
// each message carrying its own caller's context.
func TestConcurrentCalls(t *testing.T) {
	s := newSetup(t)
	client := sqs.NewFromConfig(s.cfg)
	const n = 16
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			ctx, span := s.lf.Span(context.Background(), "order {i}", "i", i)
			defer span.End()
			if _, err := client.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: aws.String("http://127.0.0.1/q/orders"), MessageBody: aws.String(span.SpanContext().TraceID().String())}); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	reqs := s.ep.requests()
	if len(reqs) != n {
		t.Fatalf("%d requests, want %d", len(reqs), n)
	}
	for _, r := range reqs {
		m := r.Messages[0]
		if !strings.HasPrefix(m.Attributes["traceparent"], "00-"+m.Body+"-") {
			t.Errorf("message of trace %s has traceparent %q", m.Body, m.Attributes["traceparent"])
		}
	}
}
