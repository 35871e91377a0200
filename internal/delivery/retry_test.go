package delivery

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"testing"
	"testing/synctest"
	"time"

	statuspb "google.golang.org/genproto/googleapis/rpc/status"
	"google.golang.org/protobuf/proto"
)

// The tests of retries run under testing/synctest, against the fake
// backend: time.Now and the timers are the bubble's, which moves only
// when every goroutine in it waits, so the waits below are measured
// exactly, however loaded the machine.

func TestRetryAfter(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for v, want := range map[string]time.Duration{
		"":                              0,
		"3":                             3 * time.Second,
		"-1":                            0,
		"nonsense":                      0,
		"99999999999999":                maxRetryAfter,
		"Thu, 01 Jan 2026 00:00:07 GMT": 7 * time.Second,
	} {
		if got := retryAfter(v, now); got != want {
			t.Errorf("retryAfter(%q) = %v, want %v", v, got, want)
		}
	}
	for n := 1; n < 40; n++ {
		if d := backoff(n); d <= 0 || d > maxBackoff {
			t.Errorf("backoff(%d) = %v", n, d)
		}
	}
}

// TestRetryAfterIsHonoured: after a 503 with Retry-After, nothing is sent
// to the backend before the time it gave, not even by a flush; Shutdown
// still tries.
func TestRetryAfterIsHonoured(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		be := &fakeBackend{}
		be.set(answer{status: 503, retryAfter: "30"})
		tr := newFakeSender(t, be, Config{})
		post(tr, context.Background(), Background, traceRequest(t, 4), 4)
		if n := be.requests(); n != 1 {
			t.Fatalf("%d requests, want 1", n)
		}
		be.set(accept)
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		post(tr, ctx, Flush, traceRequest(t, 2), 2)
		tr.Drain(ctx, Flush)
		if n := be.requests(); n != 1 {
			t.Errorf("%d requests before the Retry-After passed, want 1", n)
		}
		if got := tr.Buffered()[Spans]; got != 6 {
			t.Errorf("buffered %d", got)
		}
		tr.Shutdown(ctx)
		if got := be.accepted(); got != 6 {
			t.Errorf("Shutdown delivered %d of 6", got)
		}
	})
}

// TestRetryLoopWaitsForRetryAfter: what a 503 with Retry-After: 30 left in
// the buffer is sent by the retry loop once the 30 s have passed, not
// before, and at most 15 s (half of it, the jitter) and a tick of the loop
// after.
func TestRetryLoopWaitsForRetryAfter(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		be := &fakeBackend{}
		be.set(answer{status: 503, retryAfter: "30"})
		tr := newFakeSender(t, be, Config{})
		start := time.Now()
		post(tr, context.Background(), Background, traceRequest(t, 4), 4)
		be.set(accept)
		time.Sleep(30*time.Second - time.Millisecond)
		synctest.Wait()
		if n := be.requests(); n != 1 {
			t.Fatalf("%d requests before the Retry-After passed, want 1", n)
		}
		time.Sleep(15*time.Second + time.Millisecond + retryInterval)
		synctest.Wait()
		at := be.arrivals()
		if len(at) != 2 || be.accepted() != 4 || tr.Buffered()[Spans] != 0 {
			t.Fatalf("%d requests, %d spans accepted, %d buffered; want the retry loop to have sent the 4 spans",
				len(at), be.accepted(), tr.Buffered()[Spans])
		}
		if got := at[1].Sub(start); got < 30*time.Second || got > 45*time.Second+retryInterval {
			t.Errorf("the retry loop sent the buffer %v after the 503, want between 30 s and 45 s and a tick", got)
		}
	})
}

// TestShutdownRetriesWithBackoff: Shutdown retries a request the backend
// failed, after a back-off that doubles from initialBackoff, with jitter
// (between half and all of it).
func TestShutdownRetriesWithBackoff(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		be := &fakeBackend{decide: func(n int) answer {
			if n <= 3 {
				return answer{status: 503}
			}
			return accept
		}}
		tr := newFakeSender(t, be, Config{})
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		post(tr, ctx, Final, traceRequest(t, 3), 3)
		at := be.arrivals()
		if len(at) != 4 || be.accepted() != 3 {
			t.Fatalf("%d requests, %d spans accepted; want 4 and 3", len(at), be.accepted())
		}
		for i, d := range []time.Duration{initialBackoff, 2 * initialBackoff, 4 * initialBackoff} {
			if gap := at[i+1].Sub(at[i]); gap < d/2 || gap > d {
				t.Errorf("retry %d came %v after the failure, want between %v and %v", i+1, gap, d/2, d)
			}
		}
		if s := tr.Counters().Snapshot(); s.Delivered[Spans] != 3 || s.Buffered[Spans] != 0 {
			t.Errorf("delivered %d, buffered %d", s.Delivered[Spans], s.Buffered[Spans])
		}
	})
}

// TestShutdownWaitsForRetryAfter: a Retry-After longer than the back-off
// is the least wait before Shutdown's retry, which comes up to half of it
// later (jitter, so that a fleet told the same does not come back at
// once); one that would outlast Shutdown's
// context is not waited for at all: the records are kept at once.
func TestShutdownWaitsForRetryAfter(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		be := &fakeBackend{decide: func(n int) answer {
			if n == 1 {
				return answer{status: 429, retryAfter: "2"}
			}
			return accept
		}}
		tr := newFakeSender(t, be, Config{})
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		post(tr, ctx, Final, traceRequest(t, 3), 3)
		at := be.arrivals()
		if len(at) != 2 || be.accepted() != 3 {
			t.Fatalf("%d requests, %d spans accepted; want 2 and 3", len(at), be.accepted())
		}
		if gap := at[1].Sub(at[0]); gap < 2*time.Second || gap > 3*time.Second {
			t.Errorf("the retry came %v after a Retry-After of 2 s, want between 2 and 3 s", gap)
		}
	})
	synctest.Test(t, func(t *testing.T) {
		be := &fakeBackend{}
		be.set(answer{status: 503, retryAfter: "30"})
		tr := newFakeSender(t, be, Config{})
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		start := time.Now()
		post(tr, ctx, Final, traceRequest(t, 3), 3)
		if took := time.Since(start); took != 0 || be.requests() != 1 {
			t.Errorf("Shutdown spent %v and %d requests; want one request and no wait for a Retry-After past its deadline", took, be.requests())
		}
		if got := tr.Buffered()[Spans]; got != 3 {
			t.Errorf("buffered %d, want 3", got)
		}
	})
}

// TestFlushRetriesWithinItsBudget: against a backend that fails at once
// (a 503, a refused connection), a flush with all the time in the world
// retries only within the probe timeout (250 ms by default) from its
// start, then keeps the records and opens the breaker. With back-offs of
// 50–100 ms and 100–200 ms, that is two or three requests; the 10 s of
// its context would have allowed up to nine.
func TestFlushRetriesWithinItsBudget(t *testing.T) {
	for name, fail := range map[string]answer{"503": {status: 503}, "refused": {refuse: true}} {
		t.Run(name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				be := &fakeBackend{}
				be.set(fail)
				tr := newFakeSender(t, be, Config{})
				ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				defer cancel()
				end := tr.BeginFlush()
				start := time.Now()
				post(tr, ctx, Flush, traceRequest(t, 3), 3)
				took := time.Since(start)
				end()
				if took > DefaultProbeTimeout {
					t.Errorf("the flush retried for %v, want at most the probe timeout, %v", took, DefaultProbeTimeout)
				}
				if n := be.requests(); n < 2 || n > 3 {
					t.Errorf("the flush made %d requests, want 2 or 3", n)
				}
				if open, _ := tr.Outage(); !open {
					t.Error("the breaker is not open after the flush gave up")
				}
				if got := tr.Buffered()[Spans]; got != 3 {
					t.Errorf("buffered %d, want 3", got)
				}
			})
		})
	}
}

// TestProtobufErrorAnswerIsQuotedByItsMessage: an OTLP/HTTP error answer
// in protobuf (a google.rpc.Status, as the OpenTelemetry Collector sends)
// is quoted by its message, not as bytes.
func TestProtobufErrorAnswerIsQuotedByItsMessage(t *testing.T) {
	st, err := proto.Marshal(&statuspb.Status{Code: 14, Message: "no more queue space"})
	if err != nil {
		t.Fatal(err)
	}
	resp := &http.Response{StatusCode: 503, Header: http.Header{"Content-Type": {"application/x-protobuf"}},
		Body: io.NopCloser(bytes.NewReader(st))}
	a := classify(resp, nil, "http://collector/v1/traces")
	if want := "http://collector/v1/traces answered HTTP 503 Service Unavailable: no more queue space"; a.cause != want {
		t.Errorf("cause %q, want %q", a.cause, want)
	}
	if statusMessage([]byte{0xff, 0xff}) != "" {
		t.Error("a body that is not a Status has a message")
	}
}
