//go:build linux

package otellambdaflush_test

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"

	"github.com/logfire-go/sdk/otellambdaflush/lambdatest"
)

// streamEvent streams 8 chunks 50 ms apart: the body takes at least 400 ms.
const (
	streamChunks = 8
	streamEvent  = `{"chunks":8,"chunkMs":50}`
	streamFor    = 8 * 50 * time.Millisecond
)

// streamedSpans waits for the invocation span and its chunk spans, and
// checks that the chunk spans are children of the invocation span, which
// ends after the last of them.
func streamedSpans(t *testing.T, rcv *receiver, inv *lambdatest.Invocation, chunks int) (invocation gotSpan, all []gotSpan) {
	t.Helper()
	all = invocationSpans(t, rcv, inv, 1+chunks)
	invocation, ok := named(all, "fn")
	if !ok {
		t.Fatalf("no invocation span:\n%s", formatSpans(all))
	}
	for _, s := range all {
		if s.Name == "fn" {
			continue
		}
		if !strings.HasPrefix(s.Name, "chunk ") || s.ParentSpanID != invocation.SpanID {
			t.Errorf("span %q (parent %s) is not a chunk span under the invocation span %s", s.Name, s.ParentSpanID, invocation.SpanID)
		}
		if s.End.After(invocation.End) {
			t.Errorf("span %q ended %v after the invocation span", s.Name, s.End.Sub(invocation.End))
		}
	}
	return invocation, all
}

// TestStreamedResponse: a handler that returns a function URL streaming
// response is streamed (the first byte reaches the emulator as long
// before the last as the body takes), the invocation span covers the
// whole stream, the spans made while the body is sent are its children,
// and every span arrives before the invocation completes (so before the
// freeze), in each flush mode and through both entry points.
func TestStreamedResponse(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ name, entry, mode string }{
		{"start/auto", "start", "auto"},
		{"start/in-handler", "start", "in-handler"},
		{"new/auto", "new", "auto"},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			rcv := startReceiver(t, 0)
			e := startFn(t, rcv, lambdatest.WithEnv("FN_HANDLER", "stream"),
				lambdatest.WithEnv("FN_ENTRY", c.entry), lambdatest.WithEnv("FN_MODE", c.mode))
			ctx := testContext(t)
			for i := range 2 {
				inv := invokeFn(t, ctx, e, streamEvent)
				if inv.TimedOut || inv.Crashed || inv.ErrorPayload != nil || inv.FreezeSent.IsZero() {
					t.Fatalf("invocation %d: %+v", i, inv)
				}
				if !inv.Streamed {
					t.Errorf("invocation %d: the response was not streamed", i)
				}
				if early := inv.Responded.Sub(inv.FirstByte); early < streamFor*3/4 {
					t.Errorf("invocation %d: the first byte came %v before the last, want about %v: the body was buffered", i, early, streamFor)
				}
				for k := range streamChunks {
					if line := fmt.Sprintf("chunk %d\n", k); !bytes.Contains(inv.Response, []byte(line)) {
						t.Errorf("invocation %d: %q missing from the body %q", i, line, inv.Response)
					}
				}
				if ct := inv.ResponseContentType; ct != "application/vnd.awslambda.http-integration-response" {
					t.Errorf("invocation %d: content type %q", i, ct)
				}
				span, all := streamedSpans(t, rcv, inv, streamChunks)
				if d := span.End.Sub(span.Start); d < streamFor {
					t.Errorf("invocation %d: the invocation span lasted %v, less than the %v stream", i, d, streamFor)
				}
				if span.Status == tracepb.Status_STATUS_CODE_ERROR {
					t.Errorf("invocation %d: the invocation span is marked failed: %v", i, span)
				}
				requireArrivedBefore(t, all, inv.Completed, "the invocation completed")
			}
			if s := e.Stderr(); strings.Contains(s, "otellambdaflush:") {
				t.Errorf("the SDK complained:\n%s", s)
			}
		})
	}
}

// TestStreamedResponseFails: an error while the body is read reaches
// Lambda in the error trailers (not as a separate /error post), after the
// chunks sent before it, and is recorded on the invocation span as the
// handler's errors are; the spans still arrive before the freeze.
func TestStreamedResponseFails(t *testing.T) {
	t.Parallel()
	rcv := startReceiver(t, 0)
	e := startFn(t, rcv, lambdatest.WithEnv("FN_HANDLER", "stream"))
	ctx := testContext(t)
	inv := invokeFn(t, ctx, e, `{"action":"stream-error","message":"disk on fire","chunks":8,"chunkMs":20}`)
	if inv.TimedOut || inv.Crashed || inv.FreezeSent.IsZero() {
		t.Fatalf("invocation: %+v", inv)
	}
	if !inv.Streamed || inv.ErrorPayload == nil || inv.ErrorPayload.Message != "disk on fire" {
		t.Fatalf("streamed=%v error=%+v, want the error in the trailers", inv.Streamed, inv.ErrorPayload)
	}
	if !bytes.Contains(inv.Response, []byte("chunk 3\n")) || bytes.Contains(inv.Response, []byte("chunk 4\n")) {
		t.Errorf("body before the error %q, want chunks 0-3", inv.Response)
	}
	// Chunks 0-4 have their spans; the error comes after the span of 4.
	span, all := streamedSpans(t, rcv, inv, 5)
	if span.Status != tracepb.Status_STATUS_CODE_ERROR || span.Attrs["logfire.level_num"] != "17" ||
		len(span.Events) != 1 || span.Events[0] != "exception" {
		t.Errorf("the invocation span does not record the failure: %v", span)
	}
	requireArrivedBefore(t, all, inv.Completed, "the invocation completed")
}

// TestStreamedResponsePanics: a panic while the body is read ends the
// process (aws-lambda-go does not recover it there); the invocation span
// records it and is flushed first.
func TestStreamedResponsePanics(t *testing.T) {
	t.Parallel()
	rcv := startReceiver(t, 0)
	e := startFn(t, rcv, lambdatest.WithEnv("FN_HANDLER", "stream"))
	ctx := testContext(t)
	inv := invokeFn(t, ctx, e, `{"action":"stream-panic","message":"nil map","chunks":8,"chunkMs":20}`)
	if !inv.Crashed {
		t.Fatalf("the process did not crash: %+v", inv)
	}
	spans := rcv.waitSpans(t, 5*time.Second, func(s []gotSpan) bool {
		_, ok := named(forRequest(s, inv.RequestID), "fn")
		return ok
	})
	span, _ := named(forRequest(spans, inv.RequestID), "fn")
	if span.Status != tracepb.Status_STATUS_CODE_ERROR || span.Attrs["logfire.level_num"] != "17" ||
		len(span.Events) != 1 || span.Events[0] != "exception" {
		t.Errorf("the invocation span does not record the panic: %v", span)
	}
}
