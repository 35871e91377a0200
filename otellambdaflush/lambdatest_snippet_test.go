//go:build linux

package otellambdaflush_test

import (
	"context"
	"testing"
	"time"

	"github.com/logfire-go/sdk/internal/otlptest"
	"github.com/logfire-go/sdk/otellambdaflush/lambdatest"
)

// TestLambdatestSnippet runs the test that docs/lambda.md shows for
// lambdatest, with examples/lambda as the function and a local OTLP
// receiver as the backend, then checks what the snippet leaves to the
// reader: the function's spans reached the backend.
func TestLambdatestSnippet(t *testing.T) {
	backend := otlptest.New(t)
	backendURL := backend.URL()

	// From docs/lambda.md, with "./cmd/myfunction" standing for this
	// repository's examples/lambda.
	ctx := context.Background()
	bin := lambdatest.Build(t, "../examples/lambda")
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

	// The invocation span, the handler's span and its log, and the
	// shutdown hook's log.
	wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := backend.WaitCount(wctx, otlptest.Traces, 4); err != nil {
		t.Fatalf("%v; got %d spans", err, backend.Count(otlptest.Traces))
	}
	if string(inv.Response) == "" || inv.ErrorPayload != nil {
		t.Errorf("response %s, error %+v", inv.Response, inv.ErrorPayload)
	}
}
