//go:build linux

package e2e_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/logfire-go/sdk/e2e/collector"
	"github.com/logfire-go/sdk/e2e/rie"
)

// The tests of this file run Lambda functions under AWS's own Runtime
// Interface Emulator (package rie) against the collector. The emulator
// never freezes the function, so they cannot show what a freeze does to
// unsent spans (lambda_test.go does, under the freezing emulator); they
// show that the SDK works with the real Runtime API and Extensions API, in
// the classic mode and in the Lambda Managed Instances mode.

// startRIE runs bin under the emulator as the function lambdaFunction,
// exporting to the collector c, with opts added.
func startRIE(t *testing.T, bin string, c *collector.Collector, opts ...rie.Option) *rie.Emulator {
	t.Helper()
	opts = append([]rie.Option{
		rie.WithFunctionName(lambdaFunction),
		rie.WithTimeout(3 * time.Second),
		rie.WithEnv("LOGFIRE_TOKEN", lambdaToken),
		rie.WithEnv("LOGFIRE_BASE_URL", c.Endpoint()),
	}, opts...)
	return rie.Start(t, bin, opts...)
}

// rieContext is the bound of one test's invocations and shutdown.
func rieContext(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// exampleReply decodes examples/lambda's answer and checks it: status 200,
// no error, exactly the body exampleResponse gives for its request id.
func exampleReply(t *testing.T, i int, r *rie.Response, command string) (reqID string) {
	t.Helper()
	var got struct {
		ReqID string `json:"req_id"`
	}
	if err := json.Unmarshal(r.Body, &got); err != nil || r.StatusCode != 200 || r.ErrorType() != "" {
		t.Fatalf("invocation %d: status %d, Error-Type %q, body %s (%v)", i, r.StatusCode, r.ErrorType(), r.Body, err)
	}
	if want := exampleResponse(got.ReqID, command); string(r.Body) != want {
		t.Fatalf("invocation %d: body %s, want %s", i, r.Body, want)
	}
	return got.ReqID
}

// checkExampleTrace checks the spans of one examples/lambda invocation
// (request id id, command command): exactly the invocation span, the
// handler's span and its log, in a trace of their own, with the right
// parents, request id and cold start flag. It returns the invocation span.
func checkExampleTrace(t *testing.T, spans []collector.Span, id, command string, cold bool) collector.Span {
	t.Helper()
	root, real, pending, ok := invocationTrace(spans, id)
	if !ok {
		t.Errorf("invocation %s: no invocation span", id)
		return root
	}
	handler, hasHandler := collector.FindSpan(real, "handling command {command}")
	log, hasLog := collector.FindSpan(real, "received command {command}")
	switch {
	case len(real) != 3 || !hasHandler || !hasLog:
		t.Errorf("invocation %s: spans %q, want the invocation span, the handler span and its log", id, collector.SpanNames(real))
	case root.Kind != "server" || root.ParentSpanID != "" || root.Status.Code != collector.StatusUnset:
		t.Errorf("invocation %s: invocation span %s", id, root)
	case root.Attributes["faas.coldstart"] != cold:
		t.Errorf("invocation %s: faas.coldstart %#v, want %v", id, root.Attributes["faas.coldstart"], cold)
	case !handler.Parent(root) || handler.Attributes["command"] != command:
		t.Errorf("invocation %s: handler span %s", id, handler)
	case !log.Parent(handler) || log.Attributes["req_id"] != id:
		t.Errorf("invocation %s: log %s", id, log)
	}
	for _, s := range pending {
		if s.Name != "handling command {command}" && s.Name != lambdaFunction {
			t.Errorf("invocation %s: unexpected pending span %s", id, s)
		}
	}
	return root
}

// reportSpan is the name of the span the SDK makes of the platform's
// report of an invocation, where it has subscribed to the Telemetry API.
const reportSpan = "Lambda report: {aws.lambda.status}"

// sdkSubscribed reports whether the SDK's extension (logfire-platform)
// subscribed to the emulator's Telemetry API, as the emulator logs.
func sdkSubscribed(e *rie.Emulator) bool {
	return strings.Contains(e.Output(), `msg="Telemetry subscription created" agentName=logfire-platform`)
}

// waitRIESpans waits, after the emulator has stopped, until want spans
// other than pending spans and platform reports have arrived and, where the
// SDK subscribed to the Telemetry API, one report per invocation of
// statuses (request id → the report's aws.lambda.status). It checks the
// reports: exactly one per invocation with its status where the SDK
// subscribed, none where it did not. It returns the spans without the
// reports and checks that exactly want remain, pending spans left out.
func waitRIESpans(t *testing.T, ctx context.Context, c *collector.Collector, e *rie.Emulator, want int, statuses map[string]string) []collector.Span {
	t.Helper()
	subscribed := sdkSubscribed(e)
	split := func(s []collector.Span) (rest, reports []collector.Span) {
		for _, sp := range s {
			if sp.Name == reportSpan {
				reports = append(reports, sp)
			} else {
				rest = append(rest, sp)
			}
		}
		return rest, reports
	}
	wctx, wcancel := context.WithTimeout(ctx, 5*time.Second)
	defer wcancel()
	all, err := c.WaitForSpans(wctx, func(s []collector.Span) bool {
		rest, reports := split(s)
		return len(collector.WithoutPending(rest)) >= want && (!subscribed || len(reports) >= len(statuses))
	})
	rest, reports := split(all)
	if err != nil {
		t.Fatalf("%v; %d of %d spans and %d platform reports (the SDK subscribed: %v) arrived:\n%s",
			err, len(collector.WithoutPending(rest)), want, len(reports), subscribed, collector.FormatSpans(all))
	}
	if !subscribed && len(reports) != 0 {
		t.Errorf("%d platform reports arrived though the SDK did not subscribe", len(reports))
	}
	if subscribed {
		seen := map[string]bool{}
		for _, r := range reports {
			id, _ := r.Attributes["faas.invocation_id"].(string)
			wantStatus, known := statuses[id]
			if !known || seen[id] || r.Attributes["aws.lambda.status"] != wantStatus {
				t.Errorf("platform report %s: want one per invocation, with its status %q", r, wantStatus)
			}
			seen[id] = true
		}
		if len(reports) != len(statuses) {
			t.Errorf("%d platform reports for %d invocations", len(reports), len(statuses))
		}
	}
	if got := len(collector.WithoutPending(rest)); got != want {
		t.Errorf("%d spans arrived (pending spans and platform reports left out), want exactly %d:\n%s", got, want, collector.FormatSpans(rest))
	}
	return rest
}

// allSucceeded maps each of ids to the report status "success".
func allSucceeded(ids []string) map[string]string {
	m := map[string]string{}
	for _, id := range ids {
		m[id] = "success"
	}
	return m
}

// TestRIEClassicExample runs examples/lambda under the emulator's classic
// mode: a cold start and three more invocations, then one that fails,
// then SIGTERM. The invocations start 600 ms apart, so that the SDK's
// adaptive flush flushes after each (it spares the flush only while
// invocations come more often than every half second). The emulator
// answers the client only once every extension has asked for its next
// event, and the SDK's extension does so after the flush, so every span
// of an invocation has arrived before the client has its answer (under
// Lambda, before the freeze). Each invocation span carries the request id the emulator
// handed out; only the first is a cold start. The emulator passes SIGTERM
// on to the function, whose "Shutting down" arrives before the emulator
// exits. Exactly 3 spans per invocation, plus "Starting up" and
// "Shutting down", arrive.
func TestRIEClassicExample(t *testing.T) {
	const n, gap = 4, 600 * time.Millisecond
	c := collector.Start(t)
	e := startRIE(t, buildFunction(t, "./examples/lambda"), c)
	ctx := rieContext(t)

	var ids []string
	var answers []*rie.Response
	invoke := func(command string) *rie.Response {
		t.Helper()
		if len(answers) > 0 {
			time.Sleep(time.Until(answers[len(answers)-1].Sent.Add(gap)))
		}
		r, err := e.Invoke(ctx, commandEvent(command))
		if err != nil {
			t.Fatalf("%s: %v", command, err)
		}
		answers = append(answers, r)
		return r
	}
	for i := range n {
		command := fmt.Sprintf("cmd-%d", i)
		ids = append(ids, exampleReply(t, i, invoke(command), command))
	}
	failed := invoke("fail")
	// The classic mode answers a function error with 200 and the error
	// document, without an Error-Type header.
	if want := `{"errorMessage":"command \"fail\" failed on purpose","errorType":"errorString"}`; failed.StatusCode != 200 || string(failed.Body) != want {
		t.Errorf("fail: status %d, body %s, want 200 and %s", failed.StatusCode, failed.Body, want)
	}
	// Everything of an invocation is there when its answer is.
	spans := c.Spans()
	for i, id := range ids {
		checkExampleTrace(t, spans, id, fmt.Sprintf("cmd-%d", i), i == 0)
		_, real, _, _ := invocationTrace(spans, id)
		for _, s := range real {
			if !s.Arrived.Before(answers[i].Done) {
				t.Errorf("invocation %d: span %q arrived %v after the client had its answer", i, s.Name, s.Arrived.Sub(answers[i].Done))
			}
		}
	}

	exit, err := e.Stop(ctx)
	if err != nil || exit.Killed || exit.State != "exit status 0" {
		t.Fatalf("stop: %v %+v", err, exit)
	}
	handedOut := e.RequestIDs()
	if len(handedOut) != n+1 || !slices.Equal(handedOut[:n], ids) {
		t.Fatalf("the emulator handed out %q, the function answered %q", handedOut, ids)
	}
	failedID := handedOut[n]
	statuses := allSucceeded(ids)
	statuses[failedID] = "error"
	spans = waitRIESpans(t, ctx, c, e, 3*(n+1)+2, statuses)
	froot, freal, _, ok := invocationTrace(spans, failedID)
	if !ok || len(freal) != 3 || froot.Status.Code != collector.StatusError || froot.Attributes["faas.coldstart"] != false {
		t.Errorf("failed invocation %s: %v, %d spans, %s", failedID, ok, len(freal), froot)
	}
	down, _ := collector.FindSpan(spans, "Shutting down")
	if down.Arrived.Before(exit.SIGTERMSent) || !down.Arrived.Before(exit.Exited) {
		t.Errorf("Shutting down arrived %v after SIGTERM; the emulator exited %v after SIGTERM",
			down.Arrived.Sub(exit.SIGTERMSent), exit.Exited.Sub(exit.SIGTERMSent))
	}
	if _, ok := collector.FindSpan(spans, "Starting up"); !ok {
		t.Error("Starting up did not arrive")
	}
	if strings.Contains(e.Output(), lambdaToken) {
		t.Error("the output shows the token")
	}
	var slowest time.Duration
	for _, r := range answers {
		slowest = max(slowest, r.Done.Sub(r.Sent))
	}
	t.Logf("%d invocations, the slowest answered in %v; SIGTERM to exit %v",
		len(answers), slowest.Round(time.Millisecond), exit.Exited.Sub(exit.SIGTERMSent).Round(time.Millisecond))
}

// checkHandedOut checks, once e has stopped, that the request ids the
// emulator handed out are those the function answered with, whatever the
// order.
func checkHandedOut(t *testing.T, e *rie.Emulator, answered []string) {
	t.Helper()
	handedOut := slices.Sorted(slices.Values(e.RequestIDs()))
	if sorted := slices.Sorted(slices.Values(answered)); !slices.Equal(sorted, handedOut) {
		t.Fatalf("the emulator handed out %q, the function answered %q", handedOut, sorted)
	}
}

// invokeConcurrently invokes e with event(i) for i < n, all at once, and
// returns the answers in order. The emulator refuses an invocation while
// its workers are busy; Invoke tries again (Response.Refused).
func invokeConcurrently(t *testing.T, ctx context.Context, e *rie.Emulator, n int, event func(i int) []byte) []*rie.Response {
	t.Helper()
	answers := make([]*rie.Response, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { answers[i], errs[i] = e.Invoke(ctx, event(i)) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("invocation %d: %v", i, err)
		}
	}
	return answers
}

// maxOpen returns the largest number of spans among spans that were open
// at one instant.
func maxOpen(spans []collector.Span) int {
	type edge struct {
		at    time.Time
		delta int
	}
	var edges []edge
	for _, s := range spans {
		edges = append(edges, edge{s.StartTime, 1}, edge{s.EndTime, -1})
	}
	slices.SortFunc(edges, func(a, b edge) int {
		if c := a.at.Compare(b.at); c != 0 {
			return c
		}
		return a.delta - b.delta // an end before a start at the same instant
	})
	open, most := 0, 0
	for _, e := range edges {
		open += e.delta
		most = max(most, open)
	}
	return most
}

// TestRIEManagedInstances runs the SDK's test function
// (otellambdaflush/testdata/fn) under the emulator's Lambda Managed
// Instances mode with a concurrency of 8: 16 invocations sent at once, each
// making three spans and sleeping a second. At most 8 run at once in the
// one process, and 8 do (the invocation spans overlap 8 deep); each
// invocation's spans are in a trace of their own, under its invocation
// span, with the request id the emulator handed out; exactly one is a cold
// start. The emulator passes SIGTERM on to the function, and after it
// every span has arrived: 16 × 4 and "Shutting down", and, where the SDK
// subscribes to the emulator's Telemetry API, one platform report per
// invocation (waitRIESpans).
func TestRIEManagedInstances(t *testing.T) {
	const concurrency, n, workSpans = 8, 16, 3
	c := collector.Start(t)
	e := startRIE(t, buildFunction(t, "./otellambdaflush/testdata/fn"), c,
		rie.WithManagedInstances(concurrency), rie.WithEnv("FN_SPANS", fmt.Sprint(workSpans)),
		rie.WithEnv("LOGFIRE_CONSOLE", "false"))
	ctx := rieContext(t)

	start := time.Now()
	answers := invokeConcurrently(t, ctx, e, n, func(i int) []byte {
		return fmt.Appendf(nil, `{"action":"sleep","sleepMs":1000,"message":"m%d"}`, i)
	})
	took := time.Since(start)
	var ids []string
	refused := 0
	for i, r := range answers {
		var got struct {
			RequestID string `json:"requestId"`
			Message   string `json:"message"`
		}
		if err := json.Unmarshal(r.Body, &got); err != nil || r.StatusCode != 200 || r.ErrorType() != "" || got.Message != fmt.Sprintf("m%d", i) {
			t.Fatalf("invocation %d: status %d, Error-Type %q, body %s", i, r.StatusCode, r.ErrorType(), r.Body)
		}
		ids = append(ids, got.RequestID)
		refused += r.Refused
	}
	arrivedBefore := len(collector.WithoutPending(c.Spans()))

	exit, err := e.Stop(ctx)
	if err != nil || exit.Killed {
		t.Fatalf("stop: %v %+v", err, exit)
	}
	checkHandedOut(t, e, ids)
	want := n*(1+workSpans) + 1
	spans := waitRIESpans(t, ctx, c, e, want, allSucceeded(ids))
	if down, ok := collector.FindSpan(spans, "Shutting down"); !ok || down.Arrived.Before(exit.SIGTERMSent) {
		t.Errorf("Shutting down: found %v, arrived %v after SIGTERM", ok, down.Arrived.Sub(exit.SIGTERMSent))
	}

	traces := map[string]string{} // trace id → request id
	var roots []collector.Span
	cold := 0
	for _, id := range ids {
		root, real, _, ok := invocationTrace(spans, id)
		if !ok || len(real) != 1+workSpans {
			t.Fatalf("invocation %s: invocation span %v, spans %q, want it and %d work spans", id, ok, collector.SpanNames(real), workSpans)
		}
		if other, dup := traces[root.TraceID]; dup {
			t.Errorf("invocations %s and %s share trace %s", other, id, root.TraceID)
		}
		traces[root.TraceID] = id
		roots = append(roots, root)
		if root.Attributes["faas.coldstart"] == true {
			cold++
		}
		for _, s := range real {
			if s.SpanID != root.SpanID && (!s.Parent(root) || s.Attributes["req_id"] != id) {
				t.Errorf("invocation %s: work span %s", id, s)
			}
		}
	}
	if cold != 1 {
		t.Errorf("%d invocations are cold starts, want 1", cold)
	}
	if got := maxOpen(roots); got != concurrency {
		t.Errorf("the invocation spans overlap %d deep, want %d (the concurrency)", got, concurrency)
	}
	t.Logf("%d invocations, %d at once, in %v (%d refusals while every worker was busy); %d of %d spans had arrived before SIGTERM; SIGTERM to exit %v (%s); the SDK subscribed to the Telemetry API: %v",
		n, maxOpen(roots), took.Round(time.Millisecond), refused, arrivedBefore, want, exit.Exited.Sub(exit.SIGTERMSent).Round(time.Millisecond), exit.State, sdkSubscribed(e))
}

// TestRIEManagedInstancesExample runs examples/lambda under the
// emulator's Lambda Managed Instances mode with a concurrency of 8: 16
// invocations sent at once all answer exactly; each invocation's spans are
// in a trace of their own with its request id; after SIGTERM all of them
// have arrived, with "Starting up" and "Shutting down" (and the platform
// reports, see waitRIESpans).
func TestRIEManagedInstancesExample(t *testing.T) {
	const concurrency, n = 8, 16
	c := collector.Start(t)
	e := startRIE(t, buildFunction(t, "./examples/lambda"), c, rie.WithManagedInstances(concurrency))
	ctx := rieContext(t)

	answers := invokeConcurrently(t, ctx, e, n, func(i int) []byte { return commandEvent(fmt.Sprintf("cmd-%d", i)) })
	var ids []string
	for i, r := range answers {
		ids = append(ids, exampleReply(t, i, r, fmt.Sprintf("cmd-%d", i)))
	}
	exit, err := e.Stop(ctx)
	if err != nil || exit.Killed {
		t.Fatalf("stop: %v %+v", err, exit)
	}
	checkHandedOut(t, e, ids)
	spans := waitRIESpans(t, ctx, c, e, 3*n+2, allSucceeded(ids))
	traces := map[string]bool{}
	cold := 0
	for i, id := range ids {
		root, _, _, ok := invocationTrace(spans, id)
		if !ok {
			t.Fatalf("invocation %d (%s): no invocation span", i, id)
		}
		isCold := root.Attributes["faas.coldstart"] == true
		if isCold {
			cold++
		}
		checkExampleTrace(t, spans, id, fmt.Sprintf("cmd-%d", i), isCold)
		if traces[root.TraceID] {
			t.Errorf("invocation %s shares trace %s", id, root.TraceID)
		}
		traces[root.TraceID] = true
	}
	if cold != 1 {
		t.Errorf("%d invocations are cold starts, want 1", cold)
	}
	for _, name := range []string{"Starting up", "Shutting down"} {
		if _, ok := collector.FindSpan(spans, name); !ok {
			t.Errorf("%s did not arrive", name)
		}
	}
}

// functionURLPrelude is what precedes the body of a function URL's
// streamed response as the Runtime API receives it: the JSON prelude
// (status and headers) and eight zero bytes.
const functionURLPrelude = `{"statusCode":200,"headers":{"Content-Type":"text/plain"}}` + "\x00\x00\x00\x00\x00\x00\x00\x00"

// TestRIEStreamExample runs examples/lambdastream under the emulator, in
// the classic mode and in the Lambda Managed Instances mode. Both read
// the function's streamed response whole before answering (no first byte
// before the last, unlike Lambda; the freezing emulator shows the
// streaming): the body arrives whole, prelude included, and the
// invocation span, the handler's log and one span per line reach the
// collector. A stream that fails half-way is answered in the Managed
// Instances mode with Error-Type Runtime.Unknown and the error document
// (from Lambda's error trailers); the classic mode ignores the trailers
// and answers 200 with the lines written before the failure. Either way
// the invocation span records the error.
func TestRIEStreamExample(t *testing.T) {
	if _, err := os.Stat(filepath.Join(repoRoot(t), "examples", "lambdastream")); err != nil {
		t.Skipf("examples/lambdastream is not there yet: %v", err)
	}
	bin := buildFunction(t, "./examples/lambdastream")
	for _, mode := range []struct {
		name string
		opts []rie.Option
	}{
		{"classic", nil},
		{"managed-instances", []rie.Option{rie.WithManagedInstances(2)}},
	} {
		t.Run(mode.name, func(t *testing.T) {
			c := collector.Start(t)
			e := startRIE(t, bin, c, mode.opts...)
			ctx := rieContext(t)

			const lines = 6
			r, err := e.Invoke(ctx, fmt.Appendf(nil, `{"lines":%d,"delayMs":20}`, lines))
			if err != nil {
				t.Fatal(err)
			}
			var body strings.Builder
			body.WriteString(functionURLPrelude)
			for i := range lines {
				fmt.Fprintf(&body, "line %d\n", i)
			}
			if r.StatusCode != 200 || r.ErrorType() != "" || string(r.Body) != body.String() {
				t.Errorf("status %d, Error-Type %q, body %q, want 200 and %q", r.StatusCode, r.ErrorType(), r.Body, body.String())
			}
			failed, err := e.Invoke(ctx, []byte(`{"lines":6,"delayMs":10,"fail":true}`))
			if err != nil {
				t.Fatal(err)
			}
			switch mode.name {
			case "classic":
				if want := functionURLPrelude + "line 0\nline 1\nline 2\n"; failed.StatusCode != 200 || string(failed.Body) != want {
					t.Errorf("failed stream: status %d, body %q, want 200 and %q", failed.StatusCode, failed.Body, want)
				}
			default:
				if want := `{"errorMessage":"the stream failed half-way on purpose","errorType":"errorString"}`; failed.ErrorType() != "Runtime.Unknown" || string(failed.Body) != want {
					t.Errorf("failed stream: status %d, Error-Type %q, body %q, want Runtime.Unknown and %s", failed.StatusCode, failed.ErrorType(), failed.Body, want)
				}
			}
			exit, err := e.Stop(ctx)
			if err != nil || exit.Killed {
				t.Fatalf("stop: %v %+v", err, exit)
			}
			ids := e.RequestIDs()
			if len(ids) != 2 {
				t.Fatalf("the emulator handed out %q, want 2 invocations", ids)
			}
			// Each invocation: its span, the log and one span per line
			// written (the failed one stops at line 3 of 6).
			spans := waitRIESpans(t, ctx, c, e, (2+lines)+(2+4), map[string]string{ids[0]: "success", ids[1]: "error"})
			for i, id := range ids {
				root, real, _, ok := invocationTrace(spans, id)
				if !ok {
					t.Fatalf("invocation %s: no invocation span", id)
				}
				for _, s := range real {
					if s.SpanID != root.SpanID && !s.Parent(root) {
						t.Errorf("invocation %s: span %s is not a child of the invocation span", id, s)
					}
				}
				if failedOne := i == 1; failedOne != (root.Status.Code == collector.StatusError) {
					t.Errorf("invocation %d (%s): status %v", i, id, root.Status)
				}
			}
		})
	}
}
