package main

import (
	"context"
	"testing"
	"time"

	"github.com/logfire-go/sdk/internal/otlptest"
	"github.com/logfire-go/sdk/otellambdaflush/lambdatest"
)

// TestFunction is the test docs/lambda.md shows for a Lambda function:
// it builds this package as Lambda runs it, runs it under the freezing
// emulator with a token and a local OTLP backend, invokes it once and shuts
// it down. Then it checks what the docs leave to the reader: everything
// the function recorded reached the backend.
func TestFunction(t *testing.T) {
	backend := otlptest.New(t)
	backendURL := backend.URL()

	ctx := context.Background()
	bin := lambdatest.Build(t, ".") // the package of this test: the function
	e := lambdatest.Start(t, bin,
		lambdatest.WithEnv("LOGFIRE_TOKEN", "test-token"),
		lambdatest.WithEnv("LOGFIRE_BASE_URL", backendURL))
	inv, err := e.Invoke(ctx, []byte(`{"command":"hi"}`))
	if err != nil {
		t.Fatal(err)
	}
	// inv.Response, inv.HandedOut, inv.Responded, inv.Completed, inv.FreezeSent
	rep, err := e.Shutdown(ctx)
	if err != nil || !rep.ExitedWithinGrace {
		t.Fatalf("shutdown: %v %+v", err, rep)
	}

	if want := `{"req_id":"` + inv.RequestID + `","msg":"Command hi."}`; string(inv.Response) != want {
		t.Errorf("response %s, want %s", inv.Response, want)
	}
	// "Starting up", the invocation span, the handler's span and its log,
	// and "Shutting down"; and the span of Lambda's report of the
	// invocation, which arrives at the shutdown.
	wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := backend.WaitCount(wctx, otlptest.Traces, 6); err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for _, s := range backend.Spans() {
		if s.Attrs["logfire.span_type"] != "pending_span" {
			names[s.Name] = true
		}
	}
	for _, n := range []string{"Starting up", "handling command {command}", "received command {command}", "Shutting down",
		"Lambda report: {aws.lambda.status}"} {
		if !names[n] {
			t.Errorf("no %q span reached the backend (got %v)", n, names)
		}
	}
	// The FaaS metrics of the report: one invocation, a cold start.
	counts := map[string]int64{}
	for _, p := range backend.Points() {
		if v, ok := p.Value.(int64); ok {
			counts[p.Metric] += v
		}
	}
	if counts["faas.invocations"] != 1 || counts["faas.coldstarts"] != 1 {
		t.Errorf("faas.invocations %d, faas.coldstarts %d; want 1 and 1", counts["faas.invocations"], counts["faas.coldstarts"])
	}
}
