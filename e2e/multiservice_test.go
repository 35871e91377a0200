//go:build linux

package e2e_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/logfire-go/sdk/e2e/collector"
	"github.com/logfire-go/sdk/otellambdaflush/lambdatest"
)

// The tests of this file check trace correlation across processes (issue
// 6) against the real collector: examples/multiservice (two HTTP services
// and a Lambda function under the emulator) as one trace, an SQS batch as
// links, and an X-Ray header with Sampled=0 that must not drop spans.

const (
	msToken    = "pylf_v1_us_e2emultiservicetoken"
	msFunction = "order-processor" // examples/multiservice's function name
)

func msService(s collector.Span) string {
	name, _ := s.Resource["service.name"].(string)
	return name
}

// msFind returns the one span of trace named name from service, failing
// the test if there is not exactly one.
func msFind(t *testing.T, spans []collector.Span, service, name string) collector.Span {
	t.Helper()
	var found []collector.Span
	for _, s := range spans {
		if msService(s) == service && s.Name == name {
			found = append(found, s)
		}
	}
	if len(found) != 1 {
		t.Fatalf("%d spans %q of %s, want 1; the trace:\n%s", len(found), name, service, collector.FormatSpans(spans))
	}
	return found[0]
}

// TestMultiserviceOneTrace runs examples/multiservice against the
// collector: every span of the request, from the three services, has the
// trace id of the front's request span, with the right parents.
func TestMultiserviceOneTrace(t *testing.T) {
	c := collector.Start(t)
	fn := buildFunction(t, "./examples/lambda")
	bin := buildExample(t, "multiservice")

	run := runExample(t, bin, 2*time.Minute,
		"LOGFIRE_TOKEN="+msToken,
		"LOGFIRE_BASE_URL="+c.Endpoint(),
		"LOGFIRE_CONSOLE=false",
		"MULTISERVICE_LAMBDA_BINARY="+fn,
	)
	if run.err != nil {
		t.Fatalf("examples/multiservice failed: %v", run)
	}
	_, after, ok := strings.Cut(run.stdout, "trace id: ")
	traceID := strings.TrimSpace(strings.SplitN(after, "\n", 2)[0])
	if !ok || len(traceID) != 32 {
		t.Fatalf("no trace id in the output: %v", run)
	}

	// Everything was flushed before the example exited (the function on
	// SHUTDOWN at the latest); the wait only covers a slow receiver.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	want := []string{"POST /checkout/{item}", "checkout of {item}", "GET", "GET /stock/{item}", "checking stock for {item}",
		"invoking {function}", msFunction, "handling command {command}", "received command {command}"}
	spans, err := c.WaitForSpans(ctx, func(s []collector.Span) bool {
		return len(collector.WithoutPending(s)) >= len(want)+2 // the function's Starting up and Shutting down
	})
	if err != nil {
		t.Fatalf("%v; arrived:\n%s\nexample output: %v", err, collector.FormatSpans(spans), run)
	}
	defer func() {
		if t.Failed() {
			t.Logf("spans that arrived:\n%s\nexample output: %v", collector.FormatSpans(c.Spans()), run)
		}
	}()
	var trace []collector.Span
	for _, s := range collector.WithoutPending(spans) {
		if s.TraceID == traceID {
			trace = append(trace, s)
		}
	}

	root := msFind(t, trace, "shop-front", "POST /checkout/{item}")
	checkout := msFind(t, trace, "shop-front", "checkout of {item}")
	client := msFind(t, trace, "shop-front", "GET")
	invServer := msFind(t, trace, "inventory", "GET /stock/{item}")
	stock := msFind(t, trace, "inventory", "checking stock for {item}")
	invoking := msFind(t, trace, "shop-front", "invoking {function}")
	for _, c := range []struct {
		child, parent collector.Span
	}{{checkout, root}, {client, checkout}, {invServer, client}, {stock, invServer}, {invoking, checkout}} {
		if !c.child.Parent(c.parent) {
			t.Errorf("%q (%s) is not the child of %q (%s)", c.child.Name, msService(c.child), c.parent.Name, msService(c.parent))
		}
	}
	if root.ParentSpanID != "" || root.Kind != "server" || client.Kind != "client" || invServer.Kind != "server" {
		t.Errorf("root parent %q, kinds: root %s, client %s, inventory %s", root.ParentSpanID, root.Kind, client.Kind, invServer.Kind)
	}
	if got := client.Attributes["logfire.msg"]; !strings.HasPrefix(fmt.Sprint(got), "GET 127.0.0.1:") || !strings.HasSuffix(fmt.Sprint(got), "/stock/widget") {
		t.Errorf("client logfire.msg = %v", got)
	}
	if got := invServer.Attributes["logfire.msg"]; got != "GET /stock/widget" {
		t.Errorf("inventory logfire.msg = %v", got)
	}

	inv := msFind(t, trace, msFunction, msFunction)
	handling := msFind(t, trace, msFunction, "handling command {command}")
	received := msFind(t, trace, msFunction, "received command {command}")
	if !inv.Parent(invoking) || inv.Kind != "server" {
		t.Errorf("the invocation span (kind %s, parent %s) is not the child of the front's invoking span %s", inv.Kind, inv.ParentSpanID, invoking.SpanID)
	}
	if !handling.Parent(inv) || !received.Parent(handling) {
		t.Errorf("the function's spans are not under its invocation span")
	}
	services := map[string]bool{}
	for _, s := range trace {
		services[msService(s)] = true
	}
	if len(services) != 3 {
		t.Errorf("services in the trace: %v, want shop-front, inventory and %s", services, msFunction)
	}
}

// msLambda runs examples/lambda under the emulator, exporting to c.
func msLambda(t *testing.T, c *collector.Collector) *lambdatest.Emulator {
	t.Helper()
	return lambdatest.Start(t, buildFunction(t, "./examples/lambda"),
		lambdatest.WithFunctionName(msFunction),
		lambdatest.WithTimeout(10*time.Second),
		lambdatest.WithEnv("LOGFIRE_TOKEN", msToken),
		lambdatest.WithEnv("LOGFIRE_BASE_URL", c.Endpoint()),
		lambdatest.WithEnv("LOGFIRE_CONSOLE", "false"),
	)
}

// msInvocation waits for the invocation span of request id and its
// handler span.
func msInvocation(t *testing.T, c *collector.Collector, id string) (inv, handling collector.Span) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	find := func(spans []collector.Span) (inv, handling collector.Span, ok bool) {
		for _, s := range collector.WithoutPending(spans) {
			if s.Name == msFunction && s.Attributes["faas.invocation_id"] == id {
				inv = s
			}
		}
		for _, s := range collector.WithoutPending(spans) {
			if inv.SpanID != "" && s.Name == "handling command {command}" && s.Parent(inv) {
				return inv, s, true
			}
		}
		return inv, handling, false
	}
	spans, err := c.WaitForSpans(ctx, func(s []collector.Span) bool { _, _, ok := find(s); return ok })
	if err != nil {
		t.Fatalf("the spans of invocation %s did not arrive: %v; arrived:\n%s", id, err, collector.FormatSpans(spans))
	}
	inv, handling, _ = find(spans)
	return inv, handling
}

func msRequireOK(t *testing.T, inv *lambdatest.Invocation) {
	t.Helper()
	if inv.TimedOut || inv.Crashed || inv.ErrorPayload != nil {
		t.Fatalf("invocation %s: timedOut=%v crashed=%v (%s) error=%+v", inv.RequestID, inv.TimedOut, inv.Crashed, inv.ExitState, inv.ErrorPayload)
	}
}

// TestLambdaSQSBatchLinks: an SQS batch of three records with three
// different trace contexts gives an invocation span with no parent and
// three links, one per record, with the message ids.
func TestLambdaSQSBatchLinks(t *testing.T) {
	c := collector.Start(t)
	e := msLambda(t, c)
	records := []struct{ id, trace, span string }{
		{"m1", "4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7"},
		{"m2", "0af7651916cd43dd8448eb211c80319c", "b7ad6b7169203331"},
		{"m3", "11111111111111111111111111111111", "2222222222222222"},
	}
	var rs []string
	for _, r := range records {
		rs = append(rs, fmt.Sprintf(`{"messageId":%q,"receiptHandle":"h","body":"order","attributes":{"ApproximateReceiveCount":"1"},`+
			`"messageAttributes":{"traceparent":{"stringValue":"00-%s-%s-01","stringListValues":[],"binaryListValues":[],"dataType":"String"}},`+
			`"md5OfBody":"x","eventSource":"aws:sqs","eventSourceARN":"arn:aws:sqs:us-east-1:123456789012:orders","awsRegion":"us-east-1"}`, r.id, r.trace, r.span))
	}
	event := []byte(`{"Records":[` + strings.Join(rs, ",") + `]}`)
	const xray = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1"

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	res, err := e.Invoke(ctx, event, lambdatest.WithTraceID(xray))
	if err != nil {
		t.Fatal(err)
	}
	msRequireOK(t, res)
	inv, _ := msInvocation(t, c, res.RequestID)

	if inv.ParentSpanID != "" {
		t.Errorf("a batch gave the invocation span a parent: %s", inv.ParentSpanID)
	}
	var got []string
	for _, l := range inv.Links {
		got = append(got, fmt.Sprintf("%s/%s %v", l.TraceID, l.SpanID, l.Attributes["messaging.message.id"]))
	}
	var want []string
	for _, r := range records {
		want = append(want, r.trace+"/"+r.span+" "+r.id)
		if inv.TraceID == r.trace {
			t.Errorf("the invocation span took record %s's trace", r.id)
		}
	}
	// Exactly the three records: the invocation's X-Ray context is not
	// linked when the event brings trace contexts of its own.
	if !slices.Equal(got, want) {
		t.Errorf("links:\n %v\nwant\n %v", got, want)
	}
}

// TestLambdaXRaySampledZeroExported: Lambda's passive-tracing header
// (Sampled=0) does not stop the function's spans from being exported.
func TestLambdaXRaySampledZeroExported(t *testing.T) {
	c := collector.Start(t)
	e := msLambda(t, c)
	const xray = "Root=1-6759e988-cd862e3fe1be46a994272793;Parent=63995c3f42cd8ad8;Sampled=0"
	event := []byte(`{"resource":"/orders","path":"/orders","httpMethod":"POST","headers":{"Host":"x"},` +
		`"multiValueHeaders":{"Host":["x"]},"requestContext":{"stage":"prod","httpMethod":"POST"},"body":"{}","command":"xray"}`)

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	res, err := e.Invoke(ctx, event, lambdatest.WithTraceID(xray))
	if err != nil {
		t.Fatal(err)
	}
	msRequireOK(t, res)
	inv, handling := msInvocation(t, c, res.RequestID) // fails the test if they never arrive
	if inv.TraceID == "6759e988cd862e3fe1be46a994272793" || handling.TraceID != inv.TraceID {
		t.Errorf("invocation trace %s, handler trace %s", inv.TraceID, handling.TraceID)
	}
	if len(inv.Links) != 1 || inv.Links[0].TraceID != "6759e988cd862e3fe1be46a994272793" || inv.Links[0].SpanID != "63995c3f42cd8ad8" {
		t.Errorf("links %+v, want the X-Ray context", inv.Links)
	}
}
