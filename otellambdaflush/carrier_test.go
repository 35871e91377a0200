package otellambdaflush_test

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"
	"go.opentelemetry.io/otel/baggage"
	"go.opentelemetry.io/otel/propagation"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/logfire-go/sdk/config"
	"github.com/logfire-go/sdk/internal/testhook"
	"github.com/logfire-go/sdk/logfire"
	"github.com/logfire-go/sdk/otellambdaflush"
)

// Trace contexts used by the tests.
const (
	tid1 = "4bf92f3577b34da6a3ce929d0e0e4736"
	sid1 = "00f067aa0ba902b7"
	tp1  = "00-" + tid1 + "-" + sid1 + "-01"
	tid2 = "0af7651916cd43dd8448eb211c80319c"
	sid2 = "b7ad6b7169203331"
	tp2  = "00-" + tid2 + "-" + sid2 + "-01"
	tid3 = "5759e988bd862e3fe1be46a994272793"
	sid3 = "53995c3f42cd8ad8"
	tp3  = "00-" + tid3 + "-" + sid3 + "-00" // not sampled upstream

	tracestate = "congo=t61rcWkgMzE,rojo=00f067aa0ba902b7"
	bag        = "tenant=acme,user=42"
	// An X-Ray header of the same trace as tp3 (X-Ray id = epoch + unique id).
	xray3 = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1"
)

func mustJSON(t testing.TB, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func str(s string) *string { return &s }

func sqsAttr(v string) events.SQSMessageAttribute {
	return events.SQSMessageAttribute{StringValue: str(v), DataType: "String"}
}

func snsAttr(v string) map[string]any { return map[string]any{"Type": "String", "Value": v} }

// carrierCase is one event and the parent it must give the invocation span
// (wantTrace/wantSpan "" for a new trace).
type carrierCase struct {
	name      string
	event     []byte
	wantTrace string
	wantSpan  string
	wantState string
	wantBag   string
}

func carrierCases(t testing.TB) []carrierCase {
	restCtx := events.APIGatewayProxyRequestContext{RequestID: "r", Stage: "prod", HTTPMethod: "GET"}
	return []carrierCase{
		// API Gateway REST API: headers and multiValueHeaders both present.
		{"apigw rest", mustJSON(t, events.APIGatewayProxyRequest{
			Resource: "/items/{id}", Path: "/items/42", HTTPMethod: "GET",
			Headers:           map[string]string{"Host": "x", "Traceparent": tp1, "Tracestate": tracestate, "Baggage": bag},
			MultiValueHeaders: map[string][]string{"Host": {"x"}, "Traceparent": {tp1}, "Tracestate": {tracestate}, "Baggage": {bag}},
			RequestContext:    restCtx,
		}), tid1, sid1, tracestate, bag},
		{"apigw rest, headers only, upper case", mustJSON(t, events.APIGatewayProxyRequest{
			HTTPMethod: "POST", Headers: map[string]string{"TRACEPARENT": tp2}, RequestContext: restCtx,
		}), tid2, sid2, "", ""},
		{"apigw rest, no trace headers", mustJSON(t, events.APIGatewayProxyRequest{
			HTTPMethod: "GET", Headers: map[string]string{"Host": "x"}, RequestContext: restCtx,
		}), "", "", "", ""},
		{"apigw rest, null headers", mustJSON(t, events.APIGatewayProxyRequest{HTTPMethod: "GET", RequestContext: restCtx}), "", "", "", ""},
		{"apigw rest, malformed traceparent", mustJSON(t, events.APIGatewayProxyRequest{
			HTTPMethod: "GET", Headers: map[string]string{"traceparent": "00-zz-yy-01", "baggage": bag}, RequestContext: restCtx,
		}), "", "", "", bag},
		{"apigw rest, all-zero trace id", mustJSON(t, events.APIGatewayProxyRequest{
			HTTPMethod: "GET", Headers: map[string]string{"traceparent": "00-00000000000000000000000000000000-" + sid1 + "-01"}, RequestContext: restCtx,
		}), "", "", "", ""},
		// HTTP API (payload 2.0): lower-case headers, no multiValueHeaders.
		{"apigw http api", mustJSON(t, events.APIGatewayV2HTTPRequest{
			Version: "2.0", RouteKey: "GET /items/{id}", RawPath: "/items/42",
			Headers: map[string]string{"traceparent": tp1, "tracestate": tracestate, "baggage": bag},
			RequestContext: events.APIGatewayV2HTTPRequestContext{
				HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{Method: "GET", Path: "/items/42"},
			},
		}), tid1, sid1, tracestate, bag},
		{"apigw http api, not sampled upstream", mustJSON(t, events.APIGatewayV2HTTPRequest{
			Version: "2.0", Headers: map[string]string{"traceparent": tp3},
			RequestContext: events.APIGatewayV2HTTPRequestContext{HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{Method: "GET"}},
		}), tid3, sid3, "", ""},
		{"apigw websocket", mustJSON(t, events.APIGatewayWebsocketProxyRequest{
			Headers:        map[string]string{"traceparent": tp2},
			RequestContext: events.APIGatewayWebsocketProxyRequestContext{RouteKey: "$connect", EventType: "CONNECT"},
		}), tid2, sid2, "", ""},
		// Function URL.
		{"function url", mustJSON(t, events.LambdaFunctionURLRequest{
			Version: "2.0", RawPath: "/", Headers: map[string]string{"traceparent": tp2, "baggage": bag},
			RequestContext: events.LambdaFunctionURLRequestContext{HTTP: events.LambdaFunctionURLRequestContextHTTPDescription{Method: "POST"}},
		}), tid2, sid2, "", bag},
		{"function url, no headers", mustJSON(t, events.LambdaFunctionURLRequest{
			Version: "2.0", RequestContext: events.LambdaFunctionURLRequestContext{HTTP: events.LambdaFunctionURLRequestContextHTTPDescription{Method: "GET"}},
		}), "", "", "", ""},
		// ALB: headers, or multi-value headers when the target group has
		// them on; a repeated header.
		{"alb headers", mustJSON(t, events.ALBTargetGroupRequest{
			HTTPMethod: "GET", Path: "/",
			Headers:        map[string]string{"traceparent": tp1, "x-amzn-trace-id": "Root=1-5c34e7d4-00ca239424b68028d4c56d68"},
			RequestContext: events.ALBTargetGroupRequestContext{ELB: events.ELBContext{TargetGroupArn: "arn:aws:elasticloadbalancing:…"}},
		}), tid1, sid1, "", ""},
		{"alb multi-value headers, repeated", mustJSON(t, events.ALBTargetGroupRequest{
			HTTPMethod: "GET", Path: "/",
			MultiValueHeaders: map[string][]string{
				"traceparent": {tp2, tp1},
				"tracestate":  {"congo=t61rcWkgMzE", "rojo=00f067aa0ba902b7"},
				"baggage":     {"tenant=acme", "user=42"},
			},
			RequestContext: events.ALBTargetGroupRequestContext{ELB: events.ELBContext{TargetGroupArn: "arn"}},
		}), tid2, sid2, tracestate, bag},
		{"alb, ALB's own X-Ray header only", mustJSON(t, events.ALBTargetGroupRequest{
			HTTPMethod: "GET", Headers: map[string]string{"x-amzn-trace-id": "Root=1-5c34e7d4-00ca239424b68028d4c56d68"},
			RequestContext: events.ALBTargetGroupRequestContext{ELB: events.ELBContext{TargetGroupArn: "arn"}},
		}), "", "", "", ""},
		// SQS.
		{"sqs one record", mustJSON(t, events.SQSEvent{Records: []events.SQSMessage{{
			MessageId: "m1", EventSource: "aws:sqs", Body: "hello",
			MessageAttributes: map[string]events.SQSMessageAttribute{"traceparent": sqsAttr(tp1), "tracestate": sqsAttr(tracestate), "baggage": sqsAttr(bag)},
		}}}), tid1, sid1, tracestate, bag},
		{"sqs one record, attribute names in another case", mustJSON(t, events.SQSEvent{Records: []events.SQSMessage{{
			MessageId: "m1", EventSource: "aws:sqs",
			MessageAttributes: map[string]events.SQSMessageAttribute{"TraceParent": sqsAttr(tp2)},
		}}}), tid2, sid2, "", ""},
		{"sqs one record, binary traceparent ignored", mustJSON(t, events.SQSEvent{Records: []events.SQSMessage{{
			MessageId: "m1", EventSource: "aws:sqs",
			MessageAttributes: map[string]events.SQSMessageAttribute{"traceparent": {BinaryValue: []byte(tp1), DataType: "Binary"}},
		}}}), "", "", "", ""},
		{"sqs one record, only AWSTraceHeader (a link, not the parent)", mustJSON(t, events.SQSEvent{Records: []events.SQSMessage{{
			MessageId: "m1", EventSource: "aws:sqs", Attributes: map[string]string{"AWSTraceHeader": xray3},
		}}}), "", "", "", ""},
		{"sqs one record, SNS envelope in the body", mustJSON(t, events.SQSEvent{Records: []events.SQSMessage{{
			MessageId: "m1", EventSource: "aws:sqs",
			Body: string(mustJSON(t, map[string]any{
				"Type": "Notification", "MessageId": "sns-1", "Message": "hi",
				"MessageAttributes": map[string]any{"traceparent": snsAttr(tp2), "baggage": snsAttr(bag)},
			})),
		}}}), tid2, sid2, "", bag},
		{"sqs one record, EventBridge envelope in the body", mustJSON(t, events.SQSEvent{Records: []events.SQSMessage{{
			MessageId: "m1", EventSource: "aws:sqs",
			Body: `{"version":"0","detail-type":"OrderPlaced","source":"shop","detail":{"_otel":{"traceparent":"` + tp1 + `"}}}`,
		}}}), tid1, sid1, "", ""},
		{"sqs one record, body not JSON", mustJSON(t, events.SQSEvent{Records: []events.SQSMessage{{
			MessageId: "m1", EventSource: "aws:sqs", Body: "{not json",
		}}}), "", "", "", ""},
		{"sqs batch of two: no parent", mustJSON(t, events.SQSEvent{Records: []events.SQSMessage{
			{MessageId: "m1", EventSource: "aws:sqs", MessageAttributes: map[string]events.SQSMessageAttribute{"traceparent": sqsAttr(tp1)}},
			{MessageId: "m2", EventSource: "aws:sqs", MessageAttributes: map[string]events.SQSMessageAttribute{"traceparent": sqsAttr(tp2)}},
		}}), "", "", "", ""},
		// SNS.
		{"sns one record", mustJSON(t, events.SNSEvent{Records: []events.SNSEventRecord{{
			EventSource: "aws:sns", EventVersion: "1.0",
			SNS: events.SNSEntity{MessageID: "s1", Type: "Notification", MessageAttributes: map[string]any{
				"traceparent": snsAttr(tp1), "tracestate": snsAttr(tracestate), "baggage": snsAttr(bag),
			}},
		}}}), tid1, sid1, tracestate, bag},
		{"sns one record, Number attribute ignored", mustJSON(t, events.SNSEvent{Records: []events.SNSEventRecord{{
			EventSource: "aws:sns",
			SNS:         events.SNSEntity{MessageID: "s1", MessageAttributes: map[string]any{"traceparent": map[string]any{"Type": "Number", "Value": tp1}}},
		}}}), "", "", "", ""},
		{"sns one record, no attributes", mustJSON(t, events.SNSEvent{Records: []events.SNSEventRecord{{
			EventSource: "aws:sns", SNS: events.SNSEntity{MessageID: "s1"},
		}}}), "", "", "", ""},
		// EventBridge.
		{"eventbridge detail._otel", mustJSON(t, events.EventBridgeEvent{
			Version: "0", ID: "e1", DetailType: "OrderPlaced", Source: "shop",
			Detail: json.RawMessage(`{"order":42,"_otel":{"traceparent":"` + tp1 + `","tracestate":"` + tracestate + `","baggage":"` + bag + `"}}`),
		}), tid1, sid1, tracestate, bag},
		{"eventbridge detail.traceparent", mustJSON(t, events.EventBridgeEvent{
			DetailType: "OrderPlaced", Source: "shop",
			Detail: json.RawMessage(`{"order":42,"TraceParent":"` + tp2 + `"}`),
		}), tid2, sid2, "", ""},
		{"eventbridge _otel wins over detail fields", mustJSON(t, events.EventBridgeEvent{
			DetailType: "OrderPlaced", Source: "shop",
			Detail: json.RawMessage(`{"traceparent":"` + tp2 + `","_otel":{"traceparent":"` + tp1 + `"}}`),
		}), tid1, sid1, "", ""},
		{"eventbridge scheduled event", mustJSON(t, events.EventBridgeEvent{
			DetailType: "Scheduled Event", Source: "aws.events", Detail: json.RawMessage(`{}`),
		}), "", "", "", ""},
		{"eventbridge detail not an object", []byte(`{"detail-type":"x","source":"y","detail":"traceparent"}`), "", "", "", ""},
		{"eventbridge _otel not an object", []byte(`{"detail-type":"x","source":"y","detail":{"_otel":["` + tp1 + `"]}}`), "", "", "", ""},
		// Other events and malformed input: a new trace, no panic.
		{"direct invocation", []byte(`{"command":"hi"}`), "", "", "", ""},
		{"s3 records", []byte(`{"Records":[{"eventSource":"aws:s3","s3":{}}]}`), "", "", "", ""},
		{"empty", nil, "", "", "", ""},
		{"whitespace", []byte("  \n"), "", "", "", ""},
		{"null", []byte("null"), "", "", "", ""},
		{"array", []byte(`[{"headers":{"traceparent":"` + tp1 + `"}}]`), "", "", "", ""},
		{"string", []byte(`"traceparent"`), "", "", "", ""},
		{"truncated", []byte(`{"headers":{"traceparent":"` + tp1), "", "", "", ""},
		{"headers not an object", []byte(`{"headers":"traceparent: ` + tp1 + `"}`), "", "", "", ""},
		{"header value not a string", []byte(`{"headers":{"traceparent":5,"baggage":"` + bag + `"}}`), "", "", "", bag},
		{"multi-value header not a list", []byte(`{"multiValueHeaders":{"traceparent":"` + tp1 + `"}}`), "", "", "", ""},
		{"multi-value header with non-strings", []byte(`{"multiValueHeaders":{"traceparent":[null,5,"` + tp1 + `"]}}`), tid1, sid1, "", ""},
		{"Records not a list", []byte(`{"Records":{"eventSource":"aws:sqs"}}`), "", "", "", ""},
		{"Records with junk", []byte(`{"Records":[1,null,"x",[],{"eventSource":"aws:sqs","messageId":7,"messageAttributes":{"traceparent":{"stringValue":5},"tracestate":"x"},"attributes":[]}]}`), "", "", "", ""},
		{"sqs record with null attributes", []byte(`{"Records":[{"eventSource":"aws:sqs","messageAttributes":null,"attributes":null,"body":null}]}`), "", "", "", ""},
		{"sns record without Sns", []byte(`{"Records":[{"EventSource":"aws:sns"}]}`), "", "", "", ""},
		{"sns attributes not objects", []byte(`{"Records":[{"EventSource":"aws:sns","Sns":{"MessageAttributes":{"traceparent":"` + tp1 + `"}}}]}`), "", "", "", ""},
		{"deeply nested", []byte(`{"headers":` + strings.Repeat("[", 5000) + strings.Repeat("]", 5000) + `}`), "", "", "", ""},
	}
}

// baggageString returns the baggage of ctx as "k=v" joined by commas, in
// key order.
func baggageString(ctx context.Context) string {
	var kv []string
	for _, m := range baggage.FromContext(ctx).Members() {
		kv = append(kv, m.Key()+"="+m.Value())
	}
	slices.Sort(kv)
	return strings.Join(kv, ",")
}

// TestEventToCarrier checks what the propagator extracts from the carrier
// of every event type.
func TestEventToCarrier(t *testing.T) {
	p := propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{})
	for _, c := range carrierCases(t) {
		t.Run(c.name, func(t *testing.T) {
			ctx := p.Extract(context.Background(), otellambdaflush.EventToCarrier(c.event))
			sc := trace.SpanContextFromContext(ctx)
			if c.wantTrace == "" {
				if sc.IsValid() {
					t.Errorf("got parent %s/%s, want none", sc.TraceID(), sc.SpanID())
				}
			} else if sc.TraceID().String() != c.wantTrace || sc.SpanID().String() != c.wantSpan || !sc.IsRemote() {
				t.Errorf("got parent %s/%s (remote %v), want %s/%s", sc.TraceID(), sc.SpanID(), sc.IsRemote(), c.wantTrace, c.wantSpan)
			}
			if got := sc.TraceState().String(); got != c.wantState {
				t.Errorf("tracestate %q, want %q", got, c.wantState)
			}
			if got := baggageString(ctx); got != c.wantBag {
				t.Errorf("baggage %q, want %q", got, c.wantBag)
			}
		})
	}
}

// TestEventToCarrierKeys: the carrier holds HTTP headers under lower-case
// names, so other propagators (B3, X-Ray, …) find theirs too.
func TestEventToCarrierKeys(t *testing.T) {
	ev := mustJSON(t, events.APIGatewayProxyRequest{HTTPMethod: "GET",
		Headers:        map[string]string{"X-B3-TraceId": "abc", "Traceparent": tp1},
		RequestContext: events.APIGatewayProxyRequestContext{Stage: "prod"}})
	c := otellambdaflush.EventToCarrier(ev)
	if got := c.Get("x-b3-traceid"); got != "abc" {
		t.Errorf("Get(x-b3-traceid) = %q", got)
	}
	if got := c.Get("X-B3-TRACEID"); got != "abc" {
		t.Errorf("Get(X-B3-TRACEID) = %q", got)
	}
	if len(c.Keys()) != 2 {
		t.Errorf("Keys() = %v", c.Keys())
	}
	c.Set("Foo", "bar")
	if c.Get("foo") != "bar" {
		t.Errorf("Set/Get are not case-insensitive")
	}
}

func TestSQSMessageCarrier(t *testing.T) {
	p := propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{})
	m := events.SQSMessage{MessageId: "m", MessageAttributes: map[string]events.SQSMessageAttribute{"Traceparent": sqsAttr(tp1), "baggage": sqsAttr(bag)}}
	ctx := p.Extract(context.Background(), otellambdaflush.SQSMessageCarrier(m))
	if sc := trace.SpanContextFromContext(ctx); sc.TraceID().String() != tid1 || baggageString(ctx) != bag {
		t.Errorf("SQS message: %v, baggage %q", sc, baggageString(ctx))
	}
	env := events.SQSMessage{Body: `{"Type":"Notification","MessageAttributes":{"traceparent":{"Type":"String","Value":"` + tp2 + `"}}}`}
	if sc := trace.SpanContextFromContext(p.Extract(context.Background(), otellambdaflush.SQSMessageCarrier(env))); sc.TraceID().String() != tid2 {
		t.Errorf("SQS message with SNS envelope: %v", sc)
	}
	if sc := trace.SpanContextFromContext(p.Extract(context.Background(), otellambdaflush.SQSMessageCarrier(events.SQSMessage{}))); sc.IsValid() {
		t.Errorf("empty SQS message: %v", sc)
	}
}

// TestSNSRecordSkipsAttributesThatAreNotObjects: a message attribute of an
// SNS record that is not a {"Type", "Value"} object is skipped, and the
// others still give the context.
func TestSNSRecordSkipsAttributesThatAreNotObjects(t *testing.T) {
	p := propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{})
	n := events.SNSEntity{MessageID: "s1", MessageAttributes: map[string]any{"traceparent": snsAttr(tp2), "junk": 5}}
	ev := mustJSON(t, events.SNSEvent{Records: []events.SNSEventRecord{{EventSource: "aws:sns", SNS: n}}})
	if sc := trace.SpanContextFromContext(p.Extract(context.Background(), otellambdaflush.EventToCarrier(ev))); sc.TraceID().String() != tid2 {
		t.Errorf("SNS record: %v", sc)
	}
}

// invoker runs events through the handler of a Runtime in ModeNone, as
// otellambdaflush.Start does (without the flush), and records the spans.
type invoker struct {
	lf  *logfire.Logfire
	mem *tracetest.InMemoryExporter
	h   lambda.Handler
}

func newInvoker(t *testing.T, mode otellambdaflush.XRayMode, opts ...logfire.Option) *invoker {
	t.Helper()
	return buildInvoker(t, mode, opts...)
}

// newInvokerWithPropagator gives the instance the propagator p, with
// which the invocation span's context is extracted, and X-Ray off.
func newInvokerWithPropagator(t *testing.T, p propagation.TextMapPropagator) *invoker {
	t.Helper()
	return buildInvoker(t, otellambdaflush.XRayOff, logfire.WithPropagator(p))
}

func buildInvoker(t *testing.T, mode otellambdaflush.XRayMode, opts ...logfire.Option) *invoker {
	t.Helper()
	t.Setenv("AWS_LAMBDA_FUNCTION_NAME", "orders")
	t.Setenv("AWS_LAMBDA_RUNTIME_API", "")
	t.Setenv("LOGFIRE_CREDENTIALS_DIR", t.TempDir())
	mem := tracetest.NewInMemoryExporter()
	base := []logfire.Option{
		logfire.WithConsole(nil), logfire.WithSendToLogfire(config.SendNever),
		logfire.WithServiceName("orders"),
		logfire.WithSpanProcessor(sdktrace.NewSimpleSpanProcessor(mem)),
	}
	lf, err := logfire.Configure(testhook.With(context.Background(), testhook.Settings{NotDefault: true}), append(base, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = lf.Shutdown(context.Background()) })
	inner := handlerFunc(func(ctx context.Context, payload []byte) ([]byte, error) {
		_, s := lf.Span(ctx, "handling")
		s.End()
		return []byte(`"ok"`), nil
	})
	r, err := otellambdaflush.New(lf, otellambdaflush.WithMode(otellambdaflush.ModeNone), otellambdaflush.WithXRay(mode))
	if err != nil {
		t.Fatal(err)
	}
	return &invoker{lf: lf, mem: mem, h: lambda.NewHandler(r.Handler(inner))}
}

type handlerFunc func(ctx context.Context, payload []byte) ([]byte, error)

func (f handlerFunc) Invoke(ctx context.Context, payload []byte) ([]byte, error) {
	return f(ctx, payload)
}

// invoke runs one invocation with the X-Ray header xray (none if "") and
// returns the invocation span and the handler's span, if exported.
func (iv *invoker) invoke(t *testing.T, event []byte, xray string) (inv, child *tracetest.SpanStub) {
	t.Helper()
	iv.mem.Reset()
	ctx := lambdacontext.NewContext(context.Background(), &lambdacontext.LambdaContext{
		AwsRequestID: "req-1", InvokedFunctionArn: "arn:aws:lambda:us-east-1:123456789012:function:orders",
	})
	if xray != "" {
		ctx = context.WithValue(ctx, "x-amzn-trace-id", xray) //nolint:staticcheck // aws-lambda-go's key
	}
	if _, err := iv.h.Invoke(ctx, event); err != nil {
		t.Fatal(err)
	}
	spans := iv.mem.GetSpans()
	for i := range spans {
		switch spans[i].SpanKind {
		case trace.SpanKindServer:
			inv = &spans[i]
		default:
			child = &spans[i]
		}
	}
	if inv != nil && child != nil && (child.Parent.SpanID() != inv.SpanContext.SpanID() || child.SpanContext.TraceID() != inv.SpanContext.TraceID()) {
		t.Errorf("the handler's span is not the child of the invocation span")
	}
	return inv, child
}

// TestInvocationParentFromEvent runs every event through otellambda: the
// invocation span continues the event's trace, or starts a new one (a
// fresh root) when the event has no usable context.
func TestInvocationParentFromEvent(t *testing.T) {
	iv := newInvoker(t, otellambdaflush.XRayOff)
	for _, c := range carrierCases(t) {
		t.Run(c.name, func(t *testing.T) {
			if !json.Valid(c.event) {
				// Lambda hands the runtime JSON only (an Invoke without a
				// payload arrives as {}), and aws-lambda-go fails an
				// invocation whose event does not decode before any
				// handler runs. FuzzEvent feeds such bytes to the event
				// readers themselves.
				if _, err := iv.h.Invoke(context.Background(), c.event); err == nil {
					t.Errorf("an event that is not JSON was accepted")
				}
				return
			}
			inv, _ := iv.invoke(t, c.event, "")
			if c.wantTrace == tid3 {
				// The upstream service did not sample this trace:
				// OpenTelemetry's parent-based sampling is honoured for
				// W3C contexts, so nothing is exported.
				if inv != nil {
					t.Errorf("an unsampled upstream trace was exported")
				}
				return
			}
			if inv == nil {
				t.Fatal("no invocation span exported")
			}
			if c.wantTrace == "" {
				if inv.Parent.IsValid() {
					t.Errorf("parent %v, want a new trace", inv.Parent)
				}
				if inv.SpanContext.TraceID().String() == tid1 || inv.SpanContext.TraceID().String() == tid2 {
					t.Errorf("a new trace reused an event's trace id")
				}
				return
			}
			if inv.SpanContext.TraceID().String() != c.wantTrace || inv.Parent.SpanID().String() != c.wantSpan || !inv.Parent.IsRemote() {
				t.Errorf("trace %s parent %s, want %s/%s", inv.SpanContext.TraceID(), inv.Parent.SpanID(), c.wantTrace, c.wantSpan)
			}
		})
	}
}

// FuzzEvent feeds arbitrary bytes to everything that reads events and X-Ray
// headers: none may panic.
func FuzzEvent(f *testing.F) {
	for _, c := range carrierCases(f) {
		f.Add(c.event)
	}
	for _, s := range []string{xray3, "Root=1-;Parent=;Sampled=", ";;==;", "Root=1-5759e988-bd862e3fe1be46a99427279\xff"} {
		f.Add([]byte(s))
	}
	p := propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{})
	f.Fuzz(func(t *testing.T, b []byte) {
		c := otellambdaflush.EventToCarrier(b)
		_ = p.Extract(context.Background(), c)
		_ = c.Keys()
		_ = otellambdaflush.EventLinksWith(p, b)
		_, _ = otellambdaflush.ParseXRayTraceHeader(string(b))
	})
}
