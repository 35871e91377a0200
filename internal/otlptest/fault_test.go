package otlptest

import (
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	collogspb "go.opentelemetry.io/proto/otlp/collector/logs/v1"
	colmetricpb "go.opentelemetry.io/proto/otlp/collector/metrics/v1"
	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	"google.golang.org/protobuf/proto"
)

// One test per Fault: what the client sees on the wire and what is
// recorded.

func TestRefuseAndRecoverOnTheSamePort(t *testing.T) {
	r := New(t)
	url := r.URL()
	wantOK(t, sendTraces(t, r, 3))

	// An open connection is closed too.
	conn, err := net.Dial("tcp", strings.TrimPrefix(url, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	r.SetFault(Refuse)
	_ = conn.SetReadDeadline(time.Now().Add(guard))
	if _, err := conn.Read(make([]byte, 1)); !isReset(err) {
		t.Errorf("reading an open connection after Refuse: %v, want EOF or reset", err)
	}

	got := sendTraces(t, r, 3)
	if !errors.Is(got.err, syscall.ECONNREFUSED) {
		t.Errorf("while refusing: %+v, want connection refused", got)
	}
	r.SetSignalFault(Logs, Refuse) // still every signal refused: still down
	if got := sendTraces(t, r, 3); !errors.Is(got.err, syscall.ECONNREFUSED) {
		t.Errorf("while refusing: %+v, want connection refused", got)
	}

	r.SetFault(OK)
	if r.URL() != url {
		t.Errorf("URL %q after recovery, was %q", r.URL(), url)
	}
	wantOK(t, sendTraces(t, r, 3))
	wantCounts(t, r, Traces, 6, 2)
	if d := r.Duplicates(Traces); d != 3 {
		t.Errorf("Duplicates = %d, want 3 (the same spans twice)", d)
	}
}

func TestRefuseOneSignalResets(t *testing.T) {
	r := New(t)
	r.SetSignalFault(Traces, Refuse)
	if got := sendTraces(t, r, 3); !isReset(got.err) {
		t.Errorf("traces: %+v, want a reset", got)
	}
	wantOK(t, send(newClient(t, guard), r.URL(), Logs, logs(1, 2), true, nil))
	wantCounts(t, r, Traces, 0, 1)
	wantCounts(t, r, Logs, 2, 1)
}

func TestStatus(t *testing.T) {
	for _, tc := range []struct {
		fault      Fault
		code       int
		retryAfter string
		body       string
	}{
		{Status(503, 1500*time.Millisecond), 503, "2", "otlptest: 503 Service Unavailable\n"},
		{Status(429, 0), 429, "", "otlptest: 429 Too Many Requests\n"},
		{Status(400, 0), 400, "", "otlptest: 400 Bad Request\n"},
		{StatusBody(401, time.Second, func(r *http.Request) string { return "auth " + r.Header.Get("Authorization") }), 401, "1", "auth secret"},
	} {
		t.Run(tc.fault.String(), func(t *testing.T) {
			r := New(t)
			r.SetFault(tc.fault)
			got := send(newClient(t, guard), r.URL(), Traces, traces(1, 3), true, http.Header{"Authorization": {"secret"}})
			if got.err != nil || got.status != tc.code || got.header.Get("Retry-After") != tc.retryAfter || string(got.body) != tc.body {
				t.Errorf("got %d Retry-After %q body %q err %v; want %d %q %q",
					got.status, got.header.Get("Retry-After"), got.body, got.err, tc.code, tc.retryAfter, tc.body)
			}
			wantCounts(t, r, Traces, 0, 1)
		})
	}
}

func TestHangUntilTheClientGoesAway(t *testing.T) {
	r := New(t)
	r.SetFault(Hang)
	got := send(newClient(t, 150*time.Millisecond), r.URL(), Traces, traces(1, 3), true, nil)
	var ne net.Error
	if !errors.As(got.err, &ne) || !ne.Timeout() {
		t.Errorf("got %+v, want a client timeout", got)
	}
	if err := r.WaitIdle(ctxTimeout(t, guard)); err != nil {
		t.Errorf("the hung handler is not released when its client goes away: %v", err)
	}
	wantCounts(t, r, Traces, 0, 1)
}

func TestHangReleasedAtCleanup(t *testing.T) {
	done := make(chan reply, 1)
	t.Run("hang", func(t *testing.T) {
		r := New(t)
		r.SetFault(Hang)
		tr := &http.Transport{DisableKeepAlives: true}
		c := &http.Client{Transport: tr} // no timeout: only cleanup ends the request
		url := r.URL()
		go func() { done <- send(c, url, Traces, traces(1, 3), true, nil) }()
		if err := r.WaitRequests(ctxTimeout(t, guard), Traces, 1); err != nil {
			t.Fatal(err)
		}
	})
	select {
	case got := <-done:
		if !isReset(got.err) {
			t.Errorf("after cleanup the client got %+v, want a reset", got)
		}
	case <-time.After(guard):
		t.Fatal("the hung request outlived the test")
	}
}

func TestResetMidBody(t *testing.T) {
	r := New(t)
	r.SetFault(ResetMidBody)
	if got := sendTraces(t, r, 3); !isReset(got.err) {
		t.Errorf("got %+v, want ECONNRESET or EOF", got)
	}
	wantCounts(t, r, Traces, 0, 1)
}

func TestTruncated200(t *testing.T) {
	r := New(t)
	r.SetFault(Truncated200)
	got := sendTraces(t, r, 3)
	if got.err != nil || got.status != 200 || !errors.Is(got.readErr, io.ErrUnexpectedEOF) {
		t.Errorf("got %+v, want 200 and an unexpected EOF reading the body", got)
	}
	wantCounts(t, r, Traces, 0, 1)
}

func TestSlow(t *testing.T) {
	r := New(t)
	r.SetFault(Slow(100 * time.Millisecond))
	start := time.Now()
	wantOK(t, sendTraces(t, r, 3))
	if d := time.Since(start); d < 100*time.Millisecond {
		t.Errorf("answered after %v, want >= 100ms", d)
	}
	wantCounts(t, r, Traces, 3, 1)

	// A client that gives up first gets nothing recorded, and the handler
	// is released at once (long before the 10s).
	r.SetFault(Slow(10 * time.Second))
	if got := send(newClient(t, 100*time.Millisecond), r.URL(), Traces, traces(2, 3), true, nil); got.err == nil {
		t.Errorf("got %+v, want a client timeout", got)
	}
	if err := r.WaitIdle(ctxTimeout(t, guard)); err != nil {
		t.Fatal(err)
	}
	wantCounts(t, r, Traces, 3, 2)
}

func TestPartialSuccess(t *testing.T) {
	r := New(t)
	r.SetFault(PartialSuccess(1))
	c := newClient(t, guard)

	got := send(c, r.URL(), Traces, traces(1, 3), true, nil)
	wantOK(t, got)
	var tr coltracepb.ExportTraceServiceResponse
	if err := proto.Unmarshal(got.body, &tr); err != nil || tr.GetPartialSuccess().GetRejectedSpans() != 1 {
		t.Errorf("traces: %v %v", &tr, err)
	}
	got = send(c, r.URL(), Logs, logs(1, 2), true, nil)
	var lr collogspb.ExportLogsServiceResponse
	if err := proto.Unmarshal(got.body, &lr); err != nil || lr.GetPartialSuccess().GetRejectedLogRecords() != 1 {
		t.Errorf("logs: %v %v", &lr, err)
	}
	got = send(c, r.URL(), Metrics, metrics(5), true, nil)
	var mr colmetricpb.ExportMetricsServiceResponse
	if err := proto.Unmarshal(got.body, &mr); err != nil || mr.GetPartialSuccess().GetRejectedDataPoints() != 1 {
		t.Errorf("metrics: %v %v", &mr, err)
	}
	wantCounts(t, r, Traces, 3, 1)
	wantCounts(t, r, Logs, 2, 1)
	wantCounts(t, r, Metrics, 4, 1)
	for _, sig := range []Signal{Traces, Metrics, Logs} {
		if n := r.Rejected(sig); n != 1 {
			t.Errorf("Rejected(%v) = %d, want 1", sig, n)
		}
	}
}

func TestMaxBodyBytes(t *testing.T) {
	small, _ := proto.Marshal(traces(1, 1))
	r := New(t, WithMaxBodyBytes(int64(len(small))))
	c := newClient(t, guard)
	// 50 spans gzip to far fewer bytes than the limit is, but not once
	// decompressed.
	if got := send(c, r.URL(), Traces, traces(2, 50), true, nil); got.err != nil || got.status != 413 {
		t.Errorf("big: %+v, want 413", got)
	}
	wantOK(t, send(c, r.URL(), Traces, traces(1, 1), true, nil))
	wantCounts(t, r, Traces, 1, 2)
}

func TestDecideFlaps(t *testing.T) {
	var mu sync.Mutex
	var seen []Request
	r := New(t, WithDecide(func(req Request) Fault {
		mu.Lock()
		seen = append(seen, req)
		mu.Unlock()
		if req.N%2 == 1 {
			return Status(503, time.Second)
		}
		return OK
	}))
	if got := sendTraces(t, r, 3); got.status != 503 {
		t.Errorf("request 1: %+v, want 503", got)
	}
	wantOK(t, sendTraces(t, r, 3))
	// A set fault wins over the hook.
	r.SetSignalFault(Traces, Status(500, 0))
	if got := sendTraces(t, r, 3); got.status != 500 {
		t.Errorf("request 3: %+v, want 500", got)
	}
	wantCounts(t, r, Traces, 3, 3)
	mu.Lock()
	defer mu.Unlock()
	if len(seen) != 2 || seen[0].N != 1 || seen[1].N != 2 || seen[1].Items != 3 || seen[1].Signal != Traces || seen[1].Size == 0 ||
		seen[1].Header.Get("Content-Encoding") != "gzip" {
		t.Errorf("the hook saw %+v", seen)
	}
}
