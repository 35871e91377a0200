//go:build linux

package e2e_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/logfire-go/sdk/e2e/collector"
	"github.com/logfire-go/sdk/otellambdaflush/lambdatest"
)

// The test of this file runs examples/pipeline end to end: the orders
// HTTP service (a process of its own) queues an order on SQS, the
// fulfilment function (under the freezing Lambda emulator) is invoked with
// the SQS event and publishes to SNS, goaws fans the topic out to a queue,
// and the notification function is invoked with that queue's SQS event.
// The AWS SDK clients are the real ones; what connects the trace from one
// service to the next is only what logfireaws wrote into the messages.

const (
	// pipelineToken is shaped like a Logfire write token, so that the
	// test can check that it appears nowhere (it must not, see
	// docs/reliability.md).
	pipelineToken    = "pylf_v1_us_pipelinesecret0123456789"
	pipelineQueue    = "orders"
	pipelineTopic    = "order-events"
	pipelineNotified = "order-notifications"
	pipelineFulfil   = "order-fulfilment"
	pipelineNotify   = "order-notifier"
)

// awsEnv is the AWS part of a pipeline program's environment: the region,
// dummy static credentials, and the local endpoint of service.
func awsEnv(service, endpoint string) []string {
	return []string{
		"AWS_REGION=" + pipelineRegion,
		"AWS_ACCESS_KEY_ID=AKIDPIPELINETEST",
		"AWS_SECRET_ACCESS_KEY=pipeline-test-secret",
		"AWS_ENDPOINT_URL_" + service + "=" + endpoint,
	}
}

// ordersService is the orders service's process.
type ordersService struct {
	cmd    *exec.Cmd
	url    string
	stderr bytes.Buffer // read only once the process has exited
	stdout chan string  // all it printed, once it has exited
	exited chan error
	err    error // how it exited, once exited is closed
}

// startOrders starts the orders service with env and waits (bounded) for
// it to say where it listens.
func startOrders(t *testing.T, bin string, env ...string) *ordersService {
	t.Helper()
	s := &ordersService{stdout: make(chan string, 1), exited: make(chan error)}
	s.cmd = exec.Command(bin)
	s.cmd.Dir = t.TempDir()
	s.cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME")}, env...)
	s.cmd.Stderr = &s.stderr
	out, err := s.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	found := make(chan string, 1)
	go func() {
		var all strings.Builder
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			all.WriteString(sc.Text() + "\n")
			if u, ok := strings.CutPrefix(sc.Text(), "listening on "); ok {
				select {
				case found <- u:
				default:
				}
			}
		}
		s.stdout <- all.String()
		s.err = s.cmd.Wait() // after the pipe is drained, as os/exec asks
		close(s.exited)
	}()
	t.Cleanup(func() {
		_ = s.cmd.Process.Kill()
		<-s.exited
	})
	select {
	case s.url = <-found:
	case <-s.exited:
		t.Fatalf("the orders service exited: %v\n%s%s", s.err, <-s.stdout, &s.stderr)
	case <-time.After(30 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.exited
		t.Fatalf("the orders service did not say where it listens:\n%s%s", <-s.stdout, &s.stderr)
	}
	return s
}

// stop sends SIGTERM, waits (bounded) for the service to exit, having sent
// what it still held, and returns what it printed.
func (s *ordersService) stop(t *testing.T) string {
	t.Helper()
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-s.exited:
	case <-time.After(20 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.exited
		t.Errorf("the orders service did not exit after SIGTERM")
	}
	stdout := <-s.stdout
	if s.err != nil {
		t.Errorf("the orders service exited with %v:\n%s", s.err, &s.stderr)
	}
	return stdout
}

// startPipelineFunction runs a pipeline function under the emulator,
// exporting to c, with env (key=value).
func startPipelineFunction(t *testing.T, bin, name string, c *collector.Collector, env ...string) *lambdatest.Emulator {
	t.Helper()
	opts := []lambdatest.Option{
		lambdatest.WithFunctionName(name),
		lambdatest.WithTimeout(30 * time.Second),
		lambdatest.WithRegion(pipelineRegion),
		lambdatest.WithEnv("LOGFIRE_TOKEN", pipelineToken),
		lambdatest.WithEnv("LOGFIRE_BASE_URL", c.Endpoint()),
		emulatorLog(t),
	}
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		opts = append(opts, lambdatest.WithEnv(k, v))
	}
	return lambdatest.Start(t, bin, opts...)
}

// invokeRecords invokes e with an SQS event of records and requires a
// frozen, successful invocation.
func invokeRecords(t *testing.T, e *lambdatest.Emulator, records []events.SQSMessage) *lambdatest.Invocation {
	t.Helper()
	event, err := json.Marshal(events.SQSEvent{Records: records})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	inv, err := e.Invoke(ctx, event)
	if err != nil {
		t.Fatal(err)
	}
	requireFrozenOK(t, 0, inv)
	return inv
}

// TestPipelineOneTrace: an order placed over HTTP crosses SQS, a function,
// SNS (fanned out to SQS by goaws) and a second function, and every span
// of it, from the three services, has one trace id with the right parents
// and arrived before its process could be frozen.
func TestPipelineOneTrace(t *testing.T) {
	c := collector.Start(t)
	g := startGoaws(t, []string{pipelineQueue}, pipelineTopic, pipelineNotified)
	var sent atomic.Int64
	sqsJSON := startSQSJSON(t, g, &sent)

	ordersBin := buildRepoPackage(t, "./examples/pipeline/orders")
	fulfilBin := buildFunction(t, "./examples/pipeline/fulfil")
	notifyBin := buildFunction(t, "./examples/pipeline/notify")

	orders := startOrders(t, ordersBin, append(awsEnv("SQS", sqsJSON),
		"LOGFIRE_TOKEN="+pipelineToken, "LOGFIRE_BASE_URL="+c.Endpoint(), "LOGFIRE_CONSOLE=true",
		"ORDERS_ADDR=127.0.0.1:0", "ORDERS_QUEUE_URL="+g.queueURL(pipelineQueue))...)
	fulfil := startPipelineFunction(t, fulfilBin, pipelineFulfil, c,
		append(awsEnv("SNS", g.URL), "ORDER_EVENTS_TOPIC_ARN="+g.topicARN(pipelineTopic))...)
	notify := startPipelineFunction(t, notifyBin, pipelineNotify, c)

	// A customer's request, with no trace context: the orders service's
	// request span is the root.
	client := &http.Client{Timeout: 30 * time.Second}
	resp, err := client.Post(orders.url+"/orders", "application/json", strings.NewReader(`{"item":"widget","quantity":2}`))
	if err != nil {
		t.Fatal(err)
	}
	var placed struct {
		OrderID   int64  `json:"order_id"`
		MessageID string `json:"message_id"`
		TraceID   string `json:"trace_id"`
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted || json.Unmarshal(body, &placed) != nil || len(placed.TraceID) != 32 {
		t.Fatalf("POST /orders: %s %s", resp.Status, body)
	}
	if sent.Load() != 1 {
		t.Fatalf("%d messages sent to SQS, want 1", sent.Load())
	}

	// Lambda's event source mapping: the queue's messages, as an SQS event.
	orderRecords := g.receive(t, pipelineQueue, 1, 15*time.Second)
	if orderRecords[0].MessageId != placed.MessageID {
		t.Errorf("queue message %s, the service sent %s", orderRecords[0].MessageId, placed.MessageID)
	}
	fulfilled := invokeRecords(t, fulfil, orderRecords)
	// goaws delivered the SNS notification to the subscribed queue.
	notification := g.receive(t, pipelineNotified, 1, 15*time.Second)
	notified := invokeRecords(t, notify, notification)
	ordersConsole := orders.stop(t)

	wantReal := 10
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	spans, err := c.WaitForSpans(ctx, func(s []collector.Span) bool {
		return len(pipelineTrace(s, placed.TraceID)) >= wantReal
	})
	defer func() {
		if t.Failed() {
			t.Logf("spans that arrived:\n%s", collector.FormatSpans(c.Spans()))
		}
	}()
	if err != nil {
		t.Fatalf("%v: %d of the %d spans of the trace arrived", err, len(pipelineTrace(spans, placed.TraceID)), wantReal)
	}
	trace := pipelineTrace(spans, placed.TraceID)
	if len(trace) != wantReal {
		t.Errorf("%d spans in the trace, want %d:\n%s", len(trace), wantReal, collector.FormatSpans(trace))
	}

	// orders-api
	root := msFind(t, trace, "orders-api", "POST /orders")
	placing := msFind(t, trace, "orders-api", "placing order {order_id}")
	send := msFind(t, trace, "orders-api", "SQS.SendMessage")
	queued := msFind(t, trace, "orders-api", "order {order_id} queued as message {message_id}")
	// order-fulfilment
	fulfilInv := msFind(t, trace, pipelineFulfil, pipelineFulfil)
	fulfilling := msFind(t, trace, pipelineFulfil, "fulfilling order {order_id}")
	publish := msFind(t, trace, pipelineFulfil, "SNS.Publish")
	shipped := msFind(t, trace, pipelineFulfil, "order {order_id} shipped as parcel {parcel}")
	// order-notifier
	notifyInv := msFind(t, trace, pipelineNotify, pipelineNotify)
	telling := msFind(t, trace, pipelineNotify, "telling the customer that order {order_id} is on its way in parcel {parcel}")

	for _, e := range []struct{ child, parent collector.Span }{
		{placing, root}, {send, placing}, {queued, placing},
		{fulfilInv, send}, {fulfilling, fulfilInv}, {publish, fulfilling}, {shipped, fulfilling},
		{notifyInv, publish}, {telling, notifyInv},
	} {
		if !e.child.Parent(e.parent) {
			t.Errorf("%q (%s) is not the child of %q (%s): parent %s, want %s", e.child.Name, msService(e.child), e.parent.Name, msService(e.parent), e.child.ParentSpanID, e.parent.SpanID)
		}
	}
	if root.ParentSpanID != "" || root.Kind != "server" || send.Kind != "client" || publish.Kind != "client" {
		t.Errorf("root parent %q; kinds: root %s, SendMessage %s, Publish %s", root.ParentSpanID, root.Kind, send.Kind, publish.Kind)
	}
	for _, s := range []struct {
		span collector.Span
		msg  string
	}{{send, "SQS.SendMessage " + pipelineQueue}, {publish, "SNS.Publish " + pipelineTopic}} {
		if s.span.Attributes["logfire.msg"] != s.msg || s.span.Attributes["logfire.level_num"] != int64(9) || s.span.Status.Code != collector.StatusUnset {
			t.Errorf("%s: logfire.msg %v, level %v, status %s", s.span.Name, s.span.Attributes["logfire.msg"], s.span.Attributes["logfire.level_num"], s.span.Status.Code)
		}
	}
	if len(fulfilInv.Links) != 0 || len(notifyInv.Links) != 0 {
		t.Errorf("invocation links: fulfilment %v, notifier %v; a one-record event continues its trace", fulfilInv.Links, notifyInv.Links)
	}

	// Nothing late: each function's spans arrived before its invocation
	// was complete, the moment after which Lambda may freeze it.
	for _, f := range []struct {
		service string
		inv     *lambdatest.Invocation
	}{{pipelineFulfil, fulfilled}, {pipelineNotify, notified}} {
		for _, s := range trace {
			if msService(s) == f.service && !s.Arrived.Before(f.inv.Completed) {
				t.Errorf("%s span %q arrived %v after its invocation was complete", f.service, s.Name, s.Arrived.Sub(f.inv.Completed))
			}
		}
	}

	// The console of each service shows its part of the order.
	for _, out := range []struct{ who, got, want string }{
		{"orders-api", ordersConsole, fmt.Sprintf("order %d queued as message %s", placed.OrderID, placed.MessageID)},
		{pipelineFulfil, fulfil.Stdout(), fmt.Sprintf("order %d shipped as parcel P-%d", placed.OrderID, placed.OrderID)},
		{pipelineNotify, notify.Stdout(), fmt.Sprintf("telling the customer that order %d is on its way in parcel P-%d", placed.OrderID, placed.OrderID)},
	} {
		if !strings.Contains(out.got, out.want) {
			t.Errorf("%s console lacks %q:\n%s", out.who, out.want, out.got)
		}
	}
	// The token leaves no process: not on a console, on stderr, or in
	// anything the collector received.
	for who, out := range map[string]string{
		"orders-api console": ordersConsole, pipelineFulfil + " stdout": fulfil.Stdout(), pipelineFulfil + " stderr": fulfil.Stderr(),
		pipelineNotify + " stdout": notify.Stdout(), pipelineNotify + " stderr": notify.Stderr(),
		"the collector": collector.FormatSpans(c.Spans()),
	} {
		if strings.Contains(out, pipelineToken) {
			t.Errorf("%s shows the token", who)
		}
	}
	t.Logf("trace %s, %d spans:\n%s", placed.TraceID, len(trace), collector.FormatSpans(trace))
	t.Logf("consoles:\n--- orders-api ---\n%s--- %s ---\n%s--- %s ---\n%s", ordersConsole, pipelineFulfil, fulfil.Stdout(), pipelineNotify, notify.Stdout())
}

// pipelineTrace returns the real spans (pending spans apart) of trace id.
func pipelineTrace(spans []collector.Span, id string) []collector.Span {
	var out []collector.Span
	for _, s := range collector.WithoutPending(spans) {
		if s.TraceID == id {
			out = append(out, s)
		}
	}
	return out
}
