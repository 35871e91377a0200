//go:build linux

package main

import (
	"bytes"
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/logfire-go/sdk/internal/otlptest"
	"github.com/logfire-go/sdk/otellambdaflush/lambdatest"
)

// TestStreams runs the function under the freezing emulator: the body is
// streamed (its first byte arrives as long before its last as the function
// takes to write it), every span reaches the backend before the
// invocation completes, and a failure half-way arrives as Lambda's error
// trailer after the lines written before it.
func TestStreams(t *testing.T) {
	backend := otlptest.New(t)
	ctx := context.Background()
	e := lambdatest.Start(t, lambdatest.Build(t, "."),
		lambdatest.WithEnv("LOGFIRE_TOKEN", "test-token"),
		lambdatest.WithEnv("LOGFIRE_BASE_URL", backend.URL()))

	inv, err := e.Invoke(ctx, []byte(`{"lines":6,"delayMs":60}`))
	if err != nil {
		t.Fatal(err)
	}
	if !inv.Streamed || inv.ErrorPayload != nil {
		t.Fatalf("streamed=%v error=%+v", inv.Streamed, inv.ErrorPayload)
	}
	if early := inv.Responded.Sub(inv.FirstByte); early < 250*time.Millisecond {
		t.Errorf("the first byte came %v before the last: the body was not streamed", early)
	}
	for i := range 6 {
		if line := fmt.Sprintf("line %d\n", i); !bytes.Contains(inv.Response, []byte(line)) {
			t.Errorf("%q missing from %q", line, inv.Response)
		}
	}
	// The invocation span, the log and the six line spans were all
	// received before the process was frozen: Invoke returns once it is,
	// and a frozen process sends nothing.
	if got := finished(backend.Spans()); got != 8 {
		t.Errorf("%d spans had arrived when the process was frozen, want 8", got)
	}

	failed, err := e.Invoke(ctx, []byte(`{"lines":6,"delayMs":10,"fail":true}`))
	if err != nil {
		t.Fatal(err)
	}
	if failed.ErrorPayload == nil || failed.ErrorPayload.Message != errMidStream.Error() {
		t.Fatalf("error %+v, want %q in the trailers", failed.ErrorPayload, errMidStream)
	}
	if !bytes.Contains(failed.Response, []byte("line 2\n")) || bytes.Contains(failed.Response, []byte("line 3\n")) {
		t.Errorf("body before the failure %q, want lines 0-2", failed.Response)
	}
}

// finished counts the spans that are not pending spans (the SDK sends a
// pending span when a span starts).
func finished(spans []otlptest.Span) int {
	n := 0
	for _, s := range spans {
		if s.Attrs["logfire.span_type"] != "pending_span" {
			n++
		}
	}
	return n
}
