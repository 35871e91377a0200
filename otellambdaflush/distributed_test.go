package otellambdaflush_test

import (
	"context"
	"slices"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/logfire-go/sdk/logfire"
	"github.com/logfire-go/sdk/otellambdaflush"
)

// TestDistributedTracingOffInLambda: with logfire.WithDistributedTracing
// (false), no event's context becomes the invocation span's parent: an
// HTTP event and a single SQS record give a new trace linked to the
// caller's span, an SQS batch its links as before, and a message read
// with SQSMessageCarrier a root span linked to the producer's.
func TestDistributedTracingOffInLambda(t *testing.T) {
	iv := newInvoker(t, otellambdaflush.XRayOff, logfire.WithDistributedTracing(false))
	cases := []struct {
		name  string
		event []byte
		want  []string
	}{
		{"apigw rest", mustJSON(t, events.APIGatewayProxyRequest{
			HTTPMethod: "GET", Path: "/orders", Headers: map[string]string{"traceparent": tp1},
		}), []string{tid1 + "/" + sid1}},
		{"one sqs record", mustJSON(t, events.SQSEvent{Records: []events.SQSMessage{sqsMessage("m1", tp1, "")}}),
			[]string{tid1 + "/" + sid1}},
		{"sqs batch", mustJSON(t, events.SQSEvent{Records: []events.SQSMessage{sqsMessage("m1", tp1, ""), sqsMessage("m2", tp2, "")}}),
			[]string{tid1 + "/" + sid1 + " m1", tid2 + "/" + sid2 + " m2"}},
	}
	for _, c := range cases {
		inv, child := iv.invoke(t, c.event, "")
		if inv == nil || child == nil {
			t.Fatalf("%s: invocation span %v, handler span %v", c.name, inv, child)
		}
		if inv.Parent.IsValid() || inv.SpanContext.TraceID().String() == tid1 {
			t.Errorf("%s: the invocation span continued the caller's trace (parent %v)", c.name, inv.Parent)
		}
		if got := linkStrings(sdkLinks(inv.Links)); !slices.Equal(got, c.want) {
			t.Errorf("%s: links %v, want %v", c.name, got, c.want)
		}
		if len(child.Links) != 0 {
			t.Errorf("%s: the handler's span has links %v; only the root should", c.name, child.Links)
		}
	}

	ctx := iv.lf.Propagator().Extract(context.Background(), otellambdaflush.SQSMessageCarrier(sqsMessage("m1", tp1, "")))
	_, span := iv.lf.Span(ctx, "processing {id}", "id", "m1")
	span.End()
	spans := iv.mem.GetSpans()
	s := spans[len(spans)-1]
	if s.Parent.IsValid() || len(s.Links) != 1 || s.Links[0].SpanContext.TraceID().String() != tid1 {
		t.Errorf("a message read with SQSMessageCarrier: parent %v, links %v; want a root linked to the producer", s.Parent, s.Links)
	}
}
