package otlptest

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"io"
	"net/http"
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

// Builders of requests, a client and the checks the tests share.

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
