package otlptest

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	collogspb "go.opentelemetry.io/proto/otlp/collector/logs/v1"
	colmetricpb "go.opentelemetry.io/proto/otlp/collector/metrics/v1"
	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	logspb "go.opentelemetry.io/proto/otlp/logs/v1"
	metricspb "go.opentelemetry.io/proto/otlp/metrics/v1"
	resourcepb "go.opentelemetry.io/proto/otlp/resource/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/protobuf/proto"
)

func str(k, v string) *commonpb.KeyValue {
	return &commonpb.KeyValue{Key: k, Value: &commonpb.AnyValue{Value: &commonpb.AnyValue_StringValue{StringValue: v}}}
}

func num(k string, v int64) *commonpb.KeyValue {
	return &commonpb.KeyValue{Key: k, Value: &commonpb.AnyValue{Value: &commonpb.AnyValue_IntValue{IntValue: v}}}
}

var testResource = &resourcepb.Resource{Attributes: []*commonpb.KeyValue{str("service.name", "svc")}}

// traces is a request of n spans of trace id tid: a root and its children.
func traces(tid byte, n int) *coltracepb.ExportTraceServiceRequest {
	trace := bytes.Repeat([]byte{tid}, 16)
	var spans []*tracepb.Span
	for i := range n {
		s := &tracepb.Span{
			TraceId:    trace,
			SpanId:     []byte{0, 0, 0, 0, 0, 0, tid, byte(i + 1)},
			Name:       "span" + string(rune('a'+i)),
			Attributes: []*commonpb.KeyValue{str("k", "v"), num("i", int64(i))},
		}
		if i > 0 {
			s.ParentSpanId = spans[0].SpanId
		}
		spans = append(spans, s)
	}
	return &coltracepb.ExportTraceServiceRequest{ResourceSpans: []*tracepb.ResourceSpans{{
		Resource:   testResource,
		ScopeSpans: []*tracepb.ScopeSpans{{Scope: &commonpb.InstrumentationScope{Name: "scope"}, Spans: spans}},
	}}}
}

// logs is a request of n log records whose timestamps start at ts.
func logs(ts uint64, n int) *collogspb.ExportLogsServiceRequest {
	var recs []*logspb.LogRecord
	for i := range n {
		recs = append(recs, &logspb.LogRecord{
			TimeUnixNano:   ts + uint64(i),
			SeverityNumber: logspb.SeverityNumber_SEVERITY_NUMBER_WARN,
			SeverityText:   "WARN",
			Body:           &commonpb.AnyValue{Value: &commonpb.AnyValue_StringValue{StringValue: "hello"}},
			Attributes:     []*commonpb.KeyValue{num("i", int64(i))},
		})
	}
	return &collogspb.ExportLogsServiceRequest{ResourceLogs: []*logspb.ResourceLogs{{
		Resource:  testResource,
		ScopeLogs: []*logspb.ScopeLogs{{Scope: &commonpb.InstrumentationScope{Name: "scope"}, LogRecords: recs}},
	}}}
}

// metrics is a request of four points: an int sum, a double gauge, a
// histogram and an exponential histogram.
func metrics(ts uint64) *colmetricpb.ExportMetricsServiceRequest {
	attrs := []*commonpb.KeyValue{str("a", "1"), str("b", "2")}
	sum := 2.5
	ms := []*metricspb.Metric{
		{Name: "requests", Data: &metricspb.Metric_Sum{Sum: &metricspb.Sum{DataPoints: []*metricspb.NumberDataPoint{
			{Attributes: attrs, StartTimeUnixNano: 1, TimeUnixNano: ts, Value: &metricspb.NumberDataPoint_AsInt{AsInt: 7}}}}}},
		{Name: "temp", Data: &metricspb.Metric_Gauge{Gauge: &metricspb.Gauge{DataPoints: []*metricspb.NumberDataPoint{
			{TimeUnixNano: ts, Value: &metricspb.NumberDataPoint_AsDouble{AsDouble: 21.5}}}}}},
		{Name: "latency", Data: &metricspb.Metric_Histogram{Histogram: &metricspb.Histogram{DataPoints: []*metricspb.HistogramDataPoint{
			{StartTimeUnixNano: 1, TimeUnixNano: ts, Count: 3, Sum: &sum}}}}},
		{Name: "size", Data: &metricspb.Metric_ExponentialHistogram{ExponentialHistogram: &metricspb.ExponentialHistogram{DataPoints: []*metricspb.ExponentialHistogramDataPoint{
			{StartTimeUnixNano: 1, TimeUnixNano: ts, Count: 5}}}}},
	}
	return &colmetricpb.ExportMetricsServiceRequest{ResourceMetrics: []*metricspb.ResourceMetrics{{
		Resource:     testResource,
		ScopeMetrics: []*metricspb.ScopeMetrics{{Scope: &commonpb.InstrumentationScope{Name: "scope"}, Metrics: ms}},
	}}}
}

// reply is what a client saw of one request.
type reply struct {
	status  int
	header  http.Header
	body    []byte
	err     error // sending the request or reading the answer's head
	readErr error // reading the answer's body
}

// guard bounds the waits for what must happen (an answer, a handler
// released, a request arriving): a guard against a hang, far longer than
// any of them takes on a loaded machine, not a speed target.
const guard = 30 * time.Second

// newClient is a client without keep-alive (so that the transport never
// retries a request on a reused connection) with a timeout.
func newClient(t *testing.T, timeout time.Duration) *http.Client {
	tr := &http.Transport{DisableKeepAlives: true}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr, Timeout: timeout}
}

// send posts msg as sig's request, gzip-compressed if gz. It takes no
// testing.TB so that goroutines can outlive the test they started in.
func send(c *http.Client, base string, sig Signal, msg proto.Message, gz bool, header http.Header) reply {
	body, err := proto.Marshal(msg)
	if err != nil {
		return reply{err: err}
	}
	if gz {
		var buf bytes.Buffer
		zw := gzip.NewWriter(&buf)
		_, _ = zw.Write(body)
		_ = zw.Close()
		body = buf.Bytes()
	}
	req, err := http.NewRequest(http.MethodPost, base+sig.Path(), bytes.NewReader(body))
	if err != nil {
		return reply{err: err}
	}
	for k, v := range header {
		req.Header[k] = v
	}
	req.Header.Set("Content-Type", "application/x-protobuf")
	if gz {
		req.Header.Set("Content-Encoding", "gzip")
	}
	resp, err := c.Do(req)
	if err != nil {
		return reply{err: err}
	}
	defer resp.Body.Close()
	out := reply{status: resp.StatusCode, header: resp.Header}
	out.body, out.readErr = io.ReadAll(resp.Body)
	return out
}

func sendTraces(t *testing.T, r *Receiver, n int) reply {
	t.Helper()
	return send(newClient(t, guard), r.URL(), Traces, traces(1, n), true, nil)
}

func wantOK(t *testing.T, got reply) {
	t.Helper()
	if got.err != nil || got.readErr != nil || got.status != http.StatusOK {
		t.Fatalf("got status %d, err %v, read err %v; want 200", got.status, got.err, got.readErr)
	}
	if ct := got.header.Get("Content-Type"); ct != "application/x-protobuf" {
		t.Errorf("Content-Type %q", ct)
	}
}

func wantCounts(t *testing.T, r *Receiver, sig Signal, count, requests int) {
	t.Helper()
	if got := r.Count(sig); got != count {
		t.Errorf("Count(%v) = %d, want %d", sig, got, count)
	}
	if got := r.Requests(sig); got != requests {
		t.Errorf("Requests(%v) = %d, want %d", sig, got, requests)
	}
}

// isReset tells whether err is what a client sees of a connection reset
// before an answer.
func isReset(err error) bool {
	return errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) || errors.Is(err, io.EOF)
}

func ctxTimeout(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

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

// TestConcurrentFlapping checks, under the race detector, that what is
// recorded is exactly what clients saw accepted while the faults change.
func TestConcurrentFlapping(t *testing.T) {
	r := New(t)
	stop := make(chan struct{})
	var flapper sync.WaitGroup
	flapper.Go(func() {
		faults := []Fault{OK, Refuse, Status(503, 0), OK, ResetMidBody, Refuse, Truncated200, PartialSuccess(0)}
		for i := 0; ; i++ {
			select {
			case <-stop:
				r.SetFault(OK)
				return
			case <-time.After(3 * time.Millisecond):
			}
			r.SetFault(faults[i%len(faults)])
		}
	})
	var mu sync.Mutex
	accepted := 0
	var clients sync.WaitGroup
	for g := range 4 {
		c := newClient(t, guard)
		clients.Go(func() {
			for i := range 15 {
				got := send(c, r.URL(), Traces, traces(byte(16*g+i), 2), true, nil)
				if got.err == nil && got.readErr == nil && got.status == 200 {
					mu.Lock()
					accepted += 2
					mu.Unlock()
				}
			}
		})
	}
	clients.Wait()
	close(stop)
	flapper.Wait()
	if err := r.WaitIdle(ctxTimeout(t, guard)); err != nil {
		t.Fatal(err)
	}
	if got := r.Count(Traces); got != accepted {
		t.Errorf("recorded %d spans, clients saw %d accepted", got, accepted)
	}
	if d := r.Duplicates(Traces); d != 0 {
		t.Errorf("%d duplicates", d)
	}
	t.Logf("%d of 120 spans accepted, %d requests seen", accepted, r.Requests(Traces))
}

// TestNothingOutlivesCleanup runs every fault with requests in flight and
// checks that no goroutine of a receiver remains after its test.
func TestNothingOutlivesCleanup(t *testing.T) {
	t.Run("faults", func(t *testing.T) {
		r := New(t, WithDecide(func(req Request) Fault {
			return []Fault{Hang, Slow(time.Minute), OK}[req.N%3]
		}))
		tr := &http.Transport{}
		c := &http.Client{Transport: tr}
		url := r.URL()
		for i := range 3 {
			go func() { _ = send(c, url, Traces, traces(byte(i), 1), true, nil) }()
		}
		if err := r.WaitRequests(ctxTimeout(t, guard), Traces, 3); err != nil {
			t.Fatal(err)
		}
		r.SetFault(Refuse)
		r.SetFault(ResetMidBody)
		_ = send(c, url, Traces, traces(9, 1), true, nil)
		r.SetFault(Hang)
		go func() { _ = send(c, url, Logs, logs(1, 1), true, nil) }()
		if err := r.WaitRequests(ctxTimeout(t, guard), Logs, 1); err != nil {
			t.Fatal(err)
		}
	})
	var leaked string
	// A goroutine may still be returning from its last frame: look again
	// until the guard.
	for deadline := time.Now().Add(guard); time.Now().Before(deadline); {
		buf := make([]byte, 1<<20)
		stacks := string(buf[:runtime.Stack(buf, true)])
		leaked = ""
		for g := range strings.SplitSeq(stacks, "\n\n") {
			if strings.Contains(g, "otlptest.(*Receiver)") || strings.Contains(g, "net/http.(*conn).serve") ||
				strings.Contains(g, "net/http.(*Server).Serve") {
				leaked += g + "\n\n"
			}
		}
		if leaked == "" {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Errorf("goroutines outlive the receiver:\n%s", leaked)
}
