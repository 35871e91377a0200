package collector_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"io"
	"net/http"
	"reflect"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/plog/plogotlp"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/pdata/pmetric/pmetricotlp"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/pdata/ptrace/ptraceotlp"

	"github.com/logfire-go/sdk/e2e/collector"
)

var (
	traceID = pcommon.TraceID{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}
	spanID  = pcommon.SpanID{0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7, 0xa8}
	parent  = pcommon.SpanID{0xb1, 0xb2, 0xb3, 0xb4, 0xb5, 0xb6, 0xb7, 0xb8}
)

// post sends body to url the way an OTLP/HTTP exporter does and returns the
// response (its body drained). It may run on any goroutine: a failure to
// send is reported with t.Errorf and gives a response with status 0.
func post(t *testing.T, url string, body []byte, contentType string, gz bool, headers map[string]string) *http.Response {
	t.Helper()
	if gz {
		var buf bytes.Buffer
		w := gzip.NewWriter(&buf)
		_, _ = w.Write(body) // writing to a bytes.Buffer cannot fail
		_ = w.Close()
		body = buf.Bytes()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		t.Errorf("new request: %v", err)
		return &http.Response{}
	}
	req.Header.Set("Content-Type", contentType)
	if gz {
		req.Header.Set("Content-Encoding", "gzip")
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Errorf("POST %s: %v", url, err)
		return &http.Response{}
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp
}

func sampleTraces() ptrace.Traces {
	td := ptrace.NewTraces()
	rs := td.ResourceSpans().AppendEmpty()
	rs.Resource().Attributes().PutStr("service.name", "svc")
	ss := rs.ScopeSpans().AppendEmpty()
	ss.Scope().SetName("scope")
	ss.Scope().SetVersion("v9")
	sp := ss.Spans().AppendEmpty()
	sp.SetTraceID(traceID)
	sp.SetSpanID(spanID)
	sp.SetParentSpanID(parent)
	sp.SetName("hello {name}")
	sp.SetKind(ptrace.SpanKindServer)
	start := time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC)
	sp.SetStartTimestamp(pcommon.NewTimestampFromTime(start))
	sp.SetEndTimestamp(pcommon.NewTimestampFromTime(start.Add(time.Second)))
	sp.Status().SetCode(ptrace.StatusCodeError)
	sp.Status().SetMessage("boom")
	a := sp.Attributes()
	a.PutStr("s", "x")
	a.PutInt("i", 42)
	a.PutDouble("f", 1.5)
	a.PutBool("b", true)
	arr := a.PutEmptySlice("arr")
	arr.AppendEmpty().SetStr("p")
	arr.AppendEmpty().SetInt(7)
	ev := sp.Events().AppendEmpty()
	ev.SetName("exception")
	ev.Attributes().PutStr("exception.message", "card declined")
	l := sp.Links().AppendEmpty()
	l.SetTraceID(traceID)
	l.SetSpanID(parent)

	pending := ss.Spans().AppendEmpty()
	pending.SetTraceID(traceID)
	pending.SetSpanID(pcommon.SpanID{9, 9, 9, 9, 9, 9, 9, 9})
	pending.SetParentSpanID(spanID)
	pending.SetName("hello {name}")
	pending.Attributes().PutStr(collector.SpanTypeKey, collector.PendingSpanType)
	return td
}

func TestTracesGzipProtobuf(t *testing.T) {
	c := collector.Start(t)
	if !strings.HasPrefix(c.Endpoint(), "http://127.0.0.1:") {
		t.Fatalf("Endpoint() = %q, want http://127.0.0.1:PORT", c.Endpoint())
	}
	body, err := ptraceotlp.NewExportRequestFromTraces(sampleTraces()).MarshalProto()
	if err != nil {
		t.Fatal(err)
	}
	before := time.Now()
	resp := post(t, c.Endpoint()+"/v1/traces", body, "application/x-protobuf", true, map[string]string{
		"Authorization": "pylf_v1_us_token",
		"User-Agent":    "logfire-go/0.0.1",
	})
	after := time.Now()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d, want 200", resp.StatusCode)
	}

	spans := c.Spans()
	if len(spans) != 2 {
		t.Fatalf("got %d spans, want 2:\n%s", len(spans), collector.FormatSpans(spans))
	}
	kept := collector.WithoutPending(spans)
	if len(kept) != 1 {
		t.Fatalf("WithoutPending kept %d spans, want 1:\n%s", len(kept), collector.FormatSpans(kept))
	}
	s := kept[0]
	if s.TraceID != "0102030405060708090a0b0c0d0e0f10" || s.SpanID != "a1a2a3a4a5a6a7a8" || s.ParentSpanID != "b1b2b3b4b5b6b7b8" {
		t.Errorf("ids: trace=%s span=%s parent=%s", s.TraceID, s.SpanID, s.ParentSpanID)
	}
	if s.Name != "hello {name}" || s.Kind != "server" {
		t.Errorf("name=%q kind=%q", s.Name, s.Kind)
	}
	if s.Status != (collector.Status{Code: collector.StatusError, Message: "boom"}) {
		t.Errorf("status = %+v", s.Status)
	}
	if got := s.EndTime.Sub(s.StartTime); got != time.Second {
		t.Errorf("duration = %v, want 1s", got)
	}
	wantAttrs := map[string]any{"s": "x", "i": int64(42), "f": 1.5, "b": true, "arr": []any{"p", int64(7)}}
	if !reflect.DeepEqual(s.Attributes, wantAttrs) {
		t.Errorf("attributes = %s, want %s", collector.FormatAttributes(s.Attributes), collector.FormatAttributes(wantAttrs))
	}
	if ev, ok := s.Event("exception"); !ok || ev.Attributes["exception.message"] != "card declined" {
		t.Errorf("exception event = %+v, %v", ev, ok)
	}
	if len(s.Links) != 1 || s.Links[0].SpanID != "b1b2b3b4b5b6b7b8" {
		t.Errorf("links = %+v", s.Links)
	}
	if s.Resource["service.name"] != "svc" || s.ScopeName != "scope" || s.ScopeVersion != "v9" {
		t.Errorf("resource=%v scope=%q %q", s.Resource, s.ScopeName, s.ScopeVersion)
	}
	if s.Arrived.Before(before) || s.Arrived.After(after) {
		t.Errorf("arrived %v, not within the request [%v, %v]", s.Arrived, before, after)
	}
	if got := s.Headers.Get("authorization"); got != "pylf_v1_us_token" {
		t.Errorf("Authorization header = %q", got)
	}
	if got := s.Headers["User-Agent"]; len(got) != 1 || got[0] != "logfire-go/0.0.1" {
		t.Errorf("User-Agent header = %q (headers %v)", got, s.Headers)
	}
	if p, ok := collector.FindSpan(spans, "hello {name}"); !ok || p.SpanID != s.SpanID {
		t.Errorf("FindSpan gave %v, %v", p, ok)
	}
	if !spans[1].Parent(s) {
		t.Errorf("pending span is not a child of the real one")
	}
	if got := c.Requests(); got != (collector.RequestCounts{Traces: 1}) {
		t.Errorf("Requests() = %+v", got)
	}
}

func TestMetricsAndLogs(t *testing.T) {
	c := collector.Start(t)

	md := pmetric.NewMetrics()
	rm := md.ResourceMetrics().AppendEmpty()
	rm.Resource().Attributes().PutStr("service.name", "svc")
	ms := rm.ScopeMetrics().AppendEmpty().Metrics()
	sum := ms.AppendEmpty()
	sum.SetName("orders_processed")
	sum.SetEmptySum().SetIsMonotonic(true)
	sum.Sum().SetAggregationTemporality(pmetric.AggregationTemporalityDelta)
	dp := sum.Sum().DataPoints().AppendEmpty()
	dp.SetIntValue(1)
	dp.Attributes().PutStr("k", "v")
	g := ms.AppendEmpty()
	g.SetName("temp")
	g.SetEmptyGauge().DataPoints().AppendEmpty().SetDoubleValue(21.5)
	h := ms.AppendEmpty()
	h.SetName("latency")
	h.SetEmptyExponentialHistogram().SetAggregationTemporality(pmetric.AggregationTemporalityDelta)
	hp := h.ExponentialHistogram().DataPoints().AppendEmpty()
	hp.SetCount(3)
	hp.SetSum(6)
	hp.SetScale(2)
	hp.Positive().SetOffset(1)
	hp.Positive().BucketCounts().FromRaw([]uint64{1, 2})
	body, err := pmetricotlp.NewExportRequestFromMetrics(md).MarshalProto()
	if err != nil {
		t.Fatal(err)
	}
	if resp := post(t, c.Endpoint()+"/v1/metrics", body, "application/x-protobuf", true, nil); resp.StatusCode != http.StatusOK {
		t.Fatalf("metrics status %d", resp.StatusCode)
	}

	ld := plog.NewLogs()
	lr := ld.ResourceLogs().AppendEmpty().ScopeLogs().AppendEmpty().LogRecords().AppendEmpty()
	lr.Body().SetStr("hello")
	lr.SetSeverityNumber(plog.SeverityNumberWarn)
	lr.SetSeverityText("WARN")
	lr.SetTraceID(traceID)
	lr.SetSpanID(spanID)
	lr.Attributes().PutInt("left", 3)
	// JSON and no compression, the other path of the receiver.
	body, err = plogotlp.NewExportRequestFromLogs(ld).MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	if resp := post(t, c.Endpoint()+"/v1/logs", body, "application/json", false, nil); resp.StatusCode != http.StatusOK {
		t.Fatalf("logs status %d", resp.StatusCode)
	}

	metrics := c.Metrics()
	m, ok := collector.FindMetric(metrics, "orders_processed")
	if !ok || m.Type != collector.TypeSum || m.Temporality != collector.TemporalityDelta || !m.Monotonic ||
		len(m.DataPoints) != 1 || m.DataPoints[0].Value != int64(1) || m.DataPoints[0].Attributes["k"] != "v" ||
		m.Resource["service.name"] != "svc" {
		t.Errorf("orders_processed: got\n%s", collector.FormatMetrics(metrics))
	}
	if m, _ := collector.FindMetric(metrics, "temp"); m.Type != collector.TypeGauge || len(m.DataPoints) != 1 || m.DataPoints[0].Float() != 21.5 {
		t.Errorf("temp: %v", m)
	}
	if m, _ := collector.FindMetric(metrics, "latency"); m.Type != collector.TypeExponentialHistogram ||
		len(m.DataPoints) != 1 || m.DataPoints[0].Count != 3 || m.DataPoints[0].Scale != 2 ||
		!reflect.DeepEqual(m.DataPoints[0].PositiveCounts, []uint64{1, 2}) {
		t.Errorf("latency: %+v", m)
	}

	logs := c.Logs()
	if len(logs) != 1 {
		t.Fatalf("got %d logs, want 1", len(logs))
	}
	l := logs[0]
	if l.Body != "hello" || l.SeverityNumber != 13 || l.SeverityText != "WARN" || l.Attributes["left"] != int64(3) ||
		l.TraceID != "0102030405060708090a0b0c0d0e0f10" || l.SpanID != "a1a2a3a4a5a6a7a8" {
		t.Errorf("log = %v", l)
	}
	if got := c.Requests(); got != (collector.RequestCounts{Metrics: 1, Logs: 1}) {
		t.Errorf("Requests() = %+v", got)
	}
}

func TestReject(t *testing.T) {
	c := collector.Start(t, collector.WithReject(func(_ context.Context, r collector.Request) error {
		if r.Signal == collector.Traces && r.N == 1 {
			return collector.Reject(http.StatusTooManyRequests, 2*time.Second)
		}
		return nil
	}))
	body, err := ptraceotlp.NewExportRequestFromTraces(sampleTraces()).MarshalProto()
	if err != nil {
		t.Fatal(err)
	}
	resp := post(t, c.Endpoint()+"/v1/traces", body, "application/x-protobuf", true, nil)
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") != "2" {
		t.Fatalf("first request: status %d Retry-After %q, want 429 and 2", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	if n := len(c.Spans()); n != 0 {
		t.Fatalf("a rejected request recorded %d spans", n)
	}
	resp = post(t, c.Endpoint()+"/v1/traces", body, "application/x-protobuf", true, nil)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("second request: status %d, want 200", resp.StatusCode)
	}
	if n := len(c.Spans()); n != 2 {
		t.Fatalf("after the accepted request: %d spans, want 2", n)
	}
	if got := c.Requests(); got.Traces != 2 {
		t.Errorf("Requests().Traces = %d, want 2", got.Traces)
	}
	if got := c.Rejected(); got != (collector.RequestCounts{Traces: 1}) {
		t.Errorf("Rejected() = %+v", got)
	}

	for _, code := range []int{400, 401, 403, 404, 500, 503} {
		c := collector.Start(t, collector.WithReject(func(context.Context, collector.Request) error {
			return collector.Reject(code, 0)
		}))
		if resp := post(t, c.Endpoint()+"/v1/traces", body, "application/x-protobuf", false, nil); resp.StatusCode != code {
			t.Errorf("Reject(%d): status %d", code, resp.StatusCode)
		}
	}
}

func TestWait(t *testing.T) {
	c := collector.Start(t)
	body, err := ptraceotlp.NewExportRequestFromTraces(sampleTraces()).MarshalProto()
	if err != nil {
		t.Fatal(err)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := c.WaitForSpans(ctx, func(s []collector.Span) bool { return len(s) > 0 }); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("waiting with nothing sent: err = %v, want deadline exceeded", err)
	}

	go func() {
		time.Sleep(20 * time.Millisecond)
		post(t, c.Endpoint()+"/v1/traces", body, "application/x-protobuf", false, nil)
	}()
	ctx, cancel = context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	spans, err := c.WaitForSpans(ctx, func(s []collector.Span) bool { return len(s) == 2 })
	if err != nil || len(spans) != 2 {
		t.Fatalf("WaitForSpans: %d spans, %v", len(spans), err)
	}
	if _, err := c.WaitForRequests(ctx, func(r collector.RequestCounts) bool { return r.Traces == 1 }); err != nil {
		t.Fatal(err)
	}
	c.Reset()
	if len(c.Spans()) != 0 || c.Requests() != (collector.RequestCounts{}) {
		t.Fatal("Reset left data behind")
	}
}

// TestConcurrent sends and reads at the same time; run it with -race.
func TestConcurrent(t *testing.T) {
	c := collector.Start(t)
	body, err := ptraceotlp.NewExportRequestFromTraces(sampleTraces()).MarshalProto()
	if err != nil {
		t.Fatal(err)
	}
	const senders, each = 4, 5
	var wg sync.WaitGroup
	for range senders {
		wg.Go(func() {
			for range each {
				post(t, c.Endpoint()+"/v1/traces", body, "application/x-protobuf", true, nil)
			}
		})
	}
	wg.Go(func() {
		for len(c.Spans()) < 2*senders*each {
			_ = c.Requests()
			_ = collector.WithoutPending(c.Spans())
			time.Sleep(time.Millisecond)
		}
	})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if _, err := c.WaitForSpans(ctx, func(s []collector.Span) bool { return len(s) == 2*senders*each }); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	if got := c.Requests().Traces; got != senders*each {
		t.Errorf("Requests().Traces = %d, want %d", got, senders*each)
	}
}

func TestHangingAndRefused(t *testing.T) {
	hanging := collector.StartHanging(t)
	client := &http.Client{Timeout: 200 * time.Millisecond}
	start := time.Now()
	resp, err := client.Post(hanging+"/v1/traces", "application/x-protobuf", strings.NewReader("x"))
	if err == nil {
		resp.Body.Close()
		t.Fatalf("hanging endpoint answered with %d", resp.StatusCode)
	}
	var ne interface{ Timeout() bool }
	if !errors.As(err, &ne) || !ne.Timeout() {
		t.Errorf("hanging endpoint: err = %v, want a timeout", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("timeout took %v", d)
	}

	refused := collector.RefusedEndpoint(t)
	resp, err = client.Post(refused+"/v1/traces", "application/x-protobuf", strings.NewReader("x"))
	if err == nil {
		resp.Body.Close()
		t.Fatalf("refused endpoint answered with %d", resp.StatusCode)
	}
	if !errors.Is(err, syscall.ECONNREFUSED) {
		t.Errorf("refused endpoint: err = %v, want connection refused", err)
	}
}
