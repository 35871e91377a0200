package otellambdaflush_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambdacontext"
	"go.opentelemetry.io/otel/propagation"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/logfire-go/sdk/otellambdaflush"
)

func sqsMessage(id, traceparent, awsTraceHeader string) events.SQSMessage {
	m := events.SQSMessage{MessageId: id, EventSource: "aws:sqs", Body: "body of " + id}
	if traceparent != "" {
		m.MessageAttributes = map[string]events.SQSMessageAttribute{"traceparent": sqsAttr(traceparent)}
	}
	if awsTraceHeader != "" {
		m.Attributes = map[string]string{"AWSTraceHeader": awsTraceHeader}
	}
	return m
}

func snsRecord(id, traceparent string) events.SNSEventRecord {
	r := events.SNSEventRecord{EventSource: "aws:sns", SNS: events.SNSEntity{MessageID: id}}
	if traceparent != "" {
		r.SNS.MessageAttributes = map[string]any{"traceparent": snsAttr(traceparent)}
	}
	return r
}

// linkStrings writes links as "trace/span message-id".
func linkStrings(ls []trace.Link) []string {
	var out []string
	for _, l := range ls {
		s := l.SpanContext.TraceID().String() + "/" + l.SpanContext.SpanID().String()
		for _, a := range l.Attributes {
			if a.Key == "messaging.message.id" {
				s += " " + a.Value.AsString()
			}
		}
		out = append(out, s)
	}
	return out
}

func sdkLinks(ls []sdktrace.Link) []trace.Link {
	out := make([]trace.Link, len(ls))
	for i, l := range ls {
		out[i] = trace.Link{SpanContext: l.SpanContext, Attributes: l.Attributes}
	}
	return out
}

func TestEventLinks(t *testing.T) {
	const xrayLink = xrayTrace + "/" + xrayParent
	cases := []struct {
		name  string
		event []byte
		want  []string
	}{
		{"sqs batch of three contexts", mustJSON(t, events.SQSEvent{Records: []events.SQSMessage{
			sqsMessage("m1", tp1, ""), sqsMessage("m2", tp2, ""), sqsMessage("m3", tp3, ""),
		}}), []string{tid1 + "/" + sid1 + " m1", tid2 + "/" + sid2 + " m2", tid3 + "/" + sid3 + " m3"}},
		{"sqs batch, same context twice", mustJSON(t, events.SQSEvent{Records: []events.SQSMessage{
			sqsMessage("m1", tp1, ""), sqsMessage("m2", tp1, ""),
		}}), []string{tid1 + "/" + sid1 + " m1", tid1 + "/" + sid1 + " m2"}},
		{"sqs batch, records without context skipped", mustJSON(t, events.SQSEvent{Records: []events.SQSMessage{
			sqsMessage("m1", "", ""), sqsMessage("m2", tp2, ""), sqsMessage("m3", "garbage", ""),
		}}), []string{tid2 + "/" + sid2 + " m2"}},
		{"sqs batch, AWSTraceHeader when there is no W3C context", mustJSON(t, events.SQSEvent{Records: []events.SQSMessage{
			sqsMessage("m1", tp1, xraySampled), sqsMessage("m2", "", xrayNotSampled), sqsMessage("m3", "", "Root=bad"),
		}}), []string{tid1 + "/" + sid1 + " m1", xrayLink + " m2"}},
		{"sqs single record with context: it is the parent", mustJSON(t, events.SQSEvent{Records: []events.SQSMessage{
			sqsMessage("m1", tp1, xraySampled),
		}}), nil},
		{"sqs single record with AWSTraceHeader only", mustJSON(t, events.SQSEvent{Records: []events.SQSMessage{
			sqsMessage("m1", "", xraySampled),
		}}), []string{xrayLink + " m1"}},
		{"sqs single record without context", mustJSON(t, events.SQSEvent{Records: []events.SQSMessage{sqsMessage("m1", "", "")}}), nil},
		{"sns batch of two", mustJSON(t, events.SNSEvent{Records: []events.SNSEventRecord{snsRecord("s1", tp1), snsRecord("s2", tp2)}}),
			[]string{tid1 + "/" + sid1 + " s1", tid2 + "/" + sid2 + " s2"}},
		{"sns single record", mustJSON(t, events.SNSEvent{Records: []events.SNSEventRecord{snsRecord("s1", tp1)}}), nil},
		{"sqs batch, message id missing", []byte(`{"Records":[{"eventSource":"aws:sqs","messageAttributes":{"traceparent":{"stringValue":"` + tp1 + `","dataType":"String"}}},{"eventSource":"aws:sqs","messageAttributes":{"traceparent":{"stringValue":"` + tp2 + `","dataType":"String"}}}]}`),
			[]string{tid1 + "/" + sid1, tid2 + "/" + sid2}},
		{"api gateway", apigwEvent(t, map[string]string{"traceparent": tp1}), nil},
		{"eventbridge", mustJSON(t, events.EventBridgeEvent{DetailType: "x", Source: "y", Detail: []byte(`{"traceparent":"` + tp1 + `"}`)}), nil},
		{"malformed", []byte(`{"Records":[{"eventSource":"aws:sqs"`), nil},
		{"empty records", []byte(`{"Records":[]}`), nil},
		{"not JSON", []byte("\x00\xff"), nil},
	}
	p := propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{})
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := linkStrings(otellambdaflush.EventLinksWith(p, c.event)); !slices.Equal(got, c.want) {
				t.Errorf("links %v, want %v", got, c.want)
			}
		})
	}
}

// TestSQSBatchInvocationLinks is the unit version of the acceptance test of
// issue 6: an SQS batch of three records with three different trace
// contexts gives an invocation span with three links (and the X-Ray link
// in the default mode) and no parent.
func TestSQSBatchInvocationLinks(t *testing.T) {
	batch := mustJSON(t, events.SQSEvent{Records: []events.SQSMessage{
		sqsMessage("m1", tp1, ""), sqsMessage("m2", tp2, ""), sqsMessage("m3", tp3, ""),
	}})
	want := []string{tid1 + "/" + sid1 + " m1", tid2 + "/" + sid2 + " m2", tid3 + "/" + sid3 + " m3"}

	inv, _ := newInvoker(t, otellambdaflush.XRayOff).invoke(t, batch, xraySampled)
	if inv == nil {
		t.Fatal("no invocation span")
	}
	if inv.Parent.IsValid() {
		t.Errorf("a batch gave the invocation span parent %v", inv.Parent)
	}
	if got := linkStrings(sdkLinks(inv.Links)); !slices.Equal(got, want) {
		t.Errorf("links %v, want %v", got, want)
	}

	// The default mode: the records' contexts are the links; the X-Ray
	// context, which the event does not need, is not added.
	inv, _ = newInvoker(t, otellambdaflush.XRayAsLink).invoke(t, batch, xraySampled)
	if got := linkStrings(sdkLinks(inv.Links)); !slices.Equal(got, want) {
		t.Errorf("link mode: links %v, want %v", got, want)
	}
}

// TestLinkingTracerProvider: links apply to the span started from the
// extracted context only, not to its children.
func TestLinkingTracerProvider(t *testing.T) {
	iv := newInvoker(t, otellambdaflush.XRayAsLink)
	inv, child := iv.invoke(t, mustJSON(t, events.SQSEvent{Records: []events.SQSMessage{
		sqsMessage("m1", tp1, ""), sqsMessage("m2", tp2, ""),
	}}), "")
	if inv == nil || child == nil {
		t.Fatal("spans missing")
	}
	if len(inv.Links) != 2 || len(child.Links) != 0 {
		t.Errorf("invocation span has %d links, its child %d; want 2 and 0", len(inv.Links), len(child.Links))
	}

	if got := otellambdaflush.EventLinksWith(nil, []byte("{}")); got != nil {
		t.Errorf("EventLinksWith(nil, {}) = %v", got)
	}
}

// TestInvocationPropagatorWithOtherCarriers: with a carrier that is not
// EventToCarrier's, Extract takes the parent from it, and the X-Ray context
// becomes a link only when the carrier has none; Inject and Fields are the
// base propagator's.
func TestInvocationPropagatorWithOtherCarriers(t *testing.T) {
	base := propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{})
	p := otellambdaflush.InvocationPropagator(base, otellambdaflush.XRayAsLink, 1)
	if got, want := slices.Sorted(slices.Values(p.Fields())), slices.Sorted(slices.Values(base.Fields())); !slices.Equal(got, want) {
		t.Errorf("Fields %v, want the base's %v", p.Fields(), base.Fields())
	}
	mem := tracetest.NewInMemoryExporter()
	sdk := sdktrace.NewTracerProvider(sdktrace.WithSyncer(mem))
	t.Cleanup(func() { _ = sdk.Shutdown(context.Background()) })
	tracer := otellambdaflush.LinkingTracerProvider(sdk).Tracer("test")
	withXRay := context.WithValue(context.Background(), "x-amzn-trace-id", xraySampled) //nolint:staticcheck // aws-lambda-go's key

	for name, tc := range map[string]struct {
		carrier propagation.MapCarrier
		parent  string
		links   []string
	}{
		"traceparent":    {propagation.MapCarrier{"traceparent": tp1}, tid1 + "/" + sid1, nil},
		"no traceparent": {propagation.MapCarrier{}, "", []string{xrayTrace + "/" + xrayParent}},
	} {
		t.Run(name, func(t *testing.T) {
			mem.Reset()
			ctx := p.Extract(withXRay, tc.carrier)
			_, span := tracer.Start(ctx, "invocation")
			span.End()
			spans := mem.GetSpans()
			if len(spans) != 1 {
				t.Fatalf("%d spans", len(spans))
			}
			s := spans[0]
			parent := ""
			if s.Parent.IsValid() {
				parent = s.Parent.TraceID().String() + "/" + s.Parent.SpanID().String()
			}
			if parent != tc.parent {
				t.Errorf("parent %q, want %q", parent, tc.parent)
			}
			if got := links(&s); !slices.Equal(got, tc.links) {
				t.Errorf("links %v, want %v", got, tc.links)
			}
			h := propagation.MapCarrier{}
			p.Inject(ctx, h)
			if tc.parent != "" && !strings.Contains(h["traceparent"], tid1) {
				t.Errorf("Inject wrote %v, want the extracted trace", h)
			}
		})
	}
}

// invokeDirect invokes iv's handler as Lambda does for a direct Invoke
// whose client context's "custom" object is custom.
func (iv *invoker) invokeDirect(t *testing.T, event []byte, custom map[string]string, xray string) (inv, child *tracetest.SpanStub) {
	t.Helper()
	iv.mem.Reset()
	lc := &lambdacontext.LambdaContext{AwsRequestID: "req-2", InvokedFunctionArn: "arn:aws:lambda:us-east-1:123456789012:function:orders"}
	lc.ClientContext.Custom = custom
	ctx := lambdacontext.NewContext(context.Background(), lc)
	if xray != "" {
		ctx = context.WithValue(ctx, "x-amzn-trace-id", xray) //nolint:staticcheck // aws-lambda-go's key
	}
	if _, err := iv.h.Invoke(ctx, event); err != nil {
		t.Fatal(err)
	}
	for _, s := range iv.mem.GetSpans() {
		s := s
		if s.SpanKind == trace.SpanKindServer {
			inv = &s
		} else {
			child = &s
		}
	}
	return inv, child
}

// TestClientContextContinuesTheCallersTrace: a function reached through
// Lambda Invoke, whose caller put its context in the client context's
// "custom" object (logfireaws does), continues the caller's trace, when
// the event carries no context of its own; the event's context wins, and
// the X-Ray context is then not used.
func TestClientContextContinuesTheCallersTrace(t *testing.T) {
	iv := newInvoker(t, otellambdaflush.XRayAsLink)
	plain := []byte(`{"order_id": 42}`)

	inv, child := iv.invokeDirect(t, plain, map[string]string{"traceparent": tp1, "baggage": "tenant=acme"}, xraySampled)
	if inv == nil || child == nil {
		t.Fatal("spans not exported")
	}
	if inv.Parent.TraceID().String() != tid1 || inv.Parent.SpanID().String() != sid1 || !inv.Parent.IsRemote() {
		t.Errorf("invocation parent %s/%s remote=%v, want the caller's %s/%s", inv.Parent.TraceID(), inv.Parent.SpanID(), inv.Parent.IsRemote(), tid1, sid1)
	}
	if len(inv.Links) != 0 {
		t.Errorf("links %v: the X-Ray context must not be linked when the client context has one", links(inv))
	}

	// Keys are matched without regard to case.
	inv, _ = iv.invokeDirect(t, plain, map[string]string{"TraceParent": tp2}, "")
	if inv.Parent.TraceID().String() != tid2 {
		t.Errorf("mixed-case key: parent trace %s, want %s", inv.Parent.TraceID(), tid2)
	}

	// The event's own context wins over the client context.
	inv, _ = iv.invokeDirect(t, apigwEvent(t, map[string]string{"traceparent": tp2}), map[string]string{"traceparent": tp1}, "")
	if inv.Parent.TraceID().String() != tid2 {
		t.Errorf("event and client context: parent trace %s, want the event's %s", inv.Parent.TraceID(), tid2)
	}

	// A client context without a trace context: a new trace linked to
	// X-Ray, as before.
	inv, _ = iv.invokeDirect(t, plain, map[string]string{"app": "mobile"}, xraySampled)
	if inv.Parent.IsValid() || len(inv.Links) != 1 || inv.Links[0].SpanContext.TraceID().String() != xrayTrace {
		t.Errorf("no context in the client context: parent %v, links %v", inv.Parent, links(inv))
	}
}
