package otlptest

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	"google.golang.org/protobuf/proto"
)

// What the receiver records of the requests it accepts, and its waits.

func TestOKRecordsEverySignal(t *testing.T) {
	r := New(t)
	if !strings.HasPrefix(r.URL(), "http://127.0.0.1:") {
		t.Fatalf("URL %q", r.URL())
	}
	c := newClient(t, guard)

	got := send(c, r.URL(), Traces, traces(1, 3), true, http.Header{"Authorization": {"tok"}})
	wantOK(t, got)
	var tresp coltracepb.ExportTraceServiceResponse
	if err := proto.Unmarshal(got.body, &tresp); err != nil || tresp.PartialSuccess != nil {
		t.Errorf("trace response %v, err %v; want empty", &tresp, err)
	}
	spans := r.Spans()
	if len(spans) != 3 {
		t.Fatalf("%d spans, want 3", len(spans))
	}
	s := spans[1]
	if s.TraceID != strings.Repeat("01", 16) || s.SpanID != "0000000000000102" || s.ParentSpanID != "0000000000000101" ||
		s.Name != "spanb" || s.Attrs["k"] != "v" || s.Attrs["i"] != int64(1) || s.Resource["service.name"] != "svc" ||
		s.Scope != "scope" || s.Request != 1 {
		t.Errorf("span %+v", s)
	}
	if spans[0].ParentSpanID != "" {
		t.Errorf("root's parent %q", spans[0].ParentSpanID)
	}

	wantOK(t, send(c, r.URL(), Logs, logs(1000, 2), false, nil)) // identity
	ls := r.Logs()
	if len(ls) != 2 || ls[1].Body != "hello" || ls[1].Severity != 13 || ls[1].SeverityText != "WARN" ||
		ls[1].Attrs["i"] != int64(1) || ls[1].Time != time.Unix(0, 1001) || !ls[1].ObservedTime.IsZero() {
		t.Errorf("logs %+v", ls)
	}

	wantOK(t, send(c, r.URL(), Metrics, metrics(50), true, nil))
	ps := r.Points()
	if len(ps) != 4 {
		t.Fatalf("%d points, want 4", len(ps))
	}
	if p := ps[0]; p.Metric != "requests" || p.Type != Sum || p.Value != int64(7) || p.Attrs["b"] != "2" || p.Start != time.Unix(0, 1) {
		t.Errorf("sum %+v", p)
	}
	if p := ps[1]; p.Metric != "temp" || p.Type != Gauge || p.Value != 21.5 || !p.Start.IsZero() {
		t.Errorf("gauge %+v", p)
	}
	if p := ps[2]; p.Type != Histogram || p.Count != 3 || p.Sum != 2.5 || p.Value != nil {
		t.Errorf("histogram %+v", p)
	}
	if p := ps[3]; p.Type != ExponentialHistogram || p.Count != 5 {
		t.Errorf("exponential histogram %+v", p)
	}

	wantCounts(t, r, Traces, 3, 1)
	wantCounts(t, r, Logs, 2, 1)
	wantCounts(t, r, Metrics, 4, 1)
	for _, sig := range []Signal{Traces, Metrics, Logs} {
		if d := r.Duplicates(sig); d != 0 {
			t.Errorf("Duplicates(%v) = %d", sig, d)
		}
	}
	if h := r.Headers(); len(h) != 3 || h[0].Get("Authorization") != "tok" || h[0].Get("Content-Encoding") != "gzip" {
		t.Errorf("headers %v", h)
	}
}

func TestDuplicates(t *testing.T) {
	r := New(t)
	c := newClient(t, guard)
	for range 2 {
		wantOK(t, send(c, r.URL(), Traces, traces(1, 3), true, nil))
		wantOK(t, send(c, r.URL(), Logs, logs(1, 2), true, nil))
		wantOK(t, send(c, r.URL(), Metrics, metrics(5), true, nil))
	}
	// Other records: another trace, other timestamps.
	wantOK(t, send(c, r.URL(), Traces, traces(2, 3), true, nil))
	wantOK(t, send(c, r.URL(), Logs, logs(100, 2), true, nil))
	wantOK(t, send(c, r.URL(), Metrics, metrics(6), true, nil))
	for sig, want := range map[Signal]int{Traces: 3, Logs: 2, Metrics: 4} {
		if d := r.Duplicates(sig); d != want {
			t.Errorf("Duplicates(%v) = %d, want %d", sig, d, want)
		}
	}
}

func TestWaitCount(t *testing.T) {
	r := New(t)
	c := newClient(t, guard)
	go func() {
		time.Sleep(20 * time.Millisecond)
		_ = send(c, r.URL(), Traces, traces(1, 3), true, nil)
	}()
	if err := r.WaitCount(ctxTimeout(t, guard), Traces, 3); err != nil {
		t.Fatal(err)
	}
	err := r.WaitCount(ctxTimeout(t, 30*time.Millisecond), Traces, 4)
	if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "3 of 4 traces") {
		t.Errorf("WaitCount past the deadline: %v", err)
	}
}

func TestOtherAnswers(t *testing.T) {
	r := New(t)
	c := newClient(t, guard)
	for _, tc := range []struct {
		method, path, ctype, enc, body string
		code                           int
	}{
		{"POST", "/v1/nope", "application/x-protobuf", "", "", 404},
		{"GET", "/v1/traces", "", "", "", 405},
		{"POST", "/v1/traces", "application/json", "", "{}", 415},
		{"POST", "/v1/traces", "application/x-protobuf", "br", "x", 415},
		{"POST", "/v1/traces", "application/x-protobuf", "gzip", "not gzip", 400},
		{"POST", "/v1/traces", "application/x-protobuf", "", "\xff\xff", 400},
	} {
		req, _ := http.NewRequest(tc.method, r.URL()+tc.path, strings.NewReader(tc.body))
		if tc.ctype != "" {
			req.Header.Set("Content-Type", tc.ctype)
		}
		if tc.enc != "" {
			req.Header.Set("Content-Encoding", tc.enc)
		}
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		_ = resp.Body.Close()
		if resp.StatusCode != tc.code {
			t.Errorf("%+v: %d", tc, resp.StatusCode)
		}
	}
	wantCounts(t, r, Traces, 0, 4) // 404 and 405 are no trace requests
}
