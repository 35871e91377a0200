package logfire

import (
	"bytes"
	"compress/gzip"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	collogspb "go.opentelemetry.io/proto/otlp/collector/logs/v1"
	colmetricpb "go.opentelemetry.io/proto/otlp/collector/metrics/v1"
	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/protobuf/proto"

	"github.com/logfire-go/sdk/internal/otlptest"
)

// otlpRequest is one request seen by testReceiver, decoded with the official
// OTLP protobuf types.
type otlpRequest struct {
	Path    string
	Header  http.Header
	Gzipped bool
	Traces  *coltracepb.ExportTraceServiceRequest
	Metrics *colmetricpb.ExportMetricsServiceRequest
	Logs    *collogspb.ExportLogsServiceRequest
}

// testReceiver is an OTLP/HTTP protobuf endpoint on 127.0.0.1 that records
// every request and counts every connection.
type testReceiver struct {
	srv   *httptest.Server
	mu    sync.Mutex
	reqs  []otlpRequest
	conns int
}

func newTestReceiver(t *testing.T) *testReceiver {
	t.Helper()
	r := &testReceiver{}
	r.srv = httptest.NewUnstartedServer(http.HandlerFunc(r.handle))
	r.srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			r.mu.Lock()
			r.conns++
			r.mu.Unlock()
		}
	}
	r.srv.Start()
	t.Cleanup(r.srv.Close)
	return r
}

func (r *testReceiver) URL() string { return r.srv.URL }

func (r *testReceiver) handle(w http.ResponseWriter, req *http.Request) {
	body, err := io.ReadAll(req.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	gz := req.Header.Get("Content-Encoding") == "gzip"
	if gz {
		zr, err := gzip.NewReader(bytes.NewReader(body))
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		if body, err = io.ReadAll(zr); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
	}
	rec := otlpRequest{Path: req.URL.Path, Header: req.Header.Clone(), Gzipped: gz}
	var msg, resp proto.Message
	switch req.URL.Path {
	case "/v1/traces":
		rec.Traces = &coltracepb.ExportTraceServiceRequest{}
		msg, resp = rec.Traces, &coltracepb.ExportTraceServiceResponse{}
	case "/v1/metrics":
		rec.Metrics = &colmetricpb.ExportMetricsServiceRequest{}
		msg, resp = rec.Metrics, &colmetricpb.ExportMetricsServiceResponse{}
	case "/v1/logs":
		rec.Logs = &collogspb.ExportLogsServiceRequest{}
		msg, resp = rec.Logs, &collogspb.ExportLogsServiceResponse{}
	default:
		http.NotFound(w, req)
		return
	}
	if err := proto.Unmarshal(body, msg); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	r.mu.Lock()
	r.reqs = append(r.reqs, rec)
	r.mu.Unlock()
	out, _ := proto.Marshal(resp)
	w.Header().Set("Content-Type", "application/x-protobuf")
	_, _ = w.Write(out)
}

func (r *testReceiver) requests() []otlpRequest {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]otlpRequest(nil), r.reqs...)
}

func (r *testReceiver) connections() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.conns
}

// spans returns every span received, in arrival order.
func (r *testReceiver) spans() []*tracepb.Span {
	var out []*tracepb.Span
	for _, req := range r.requests() {
		if req.Traces == nil {
			continue
		}
		for _, rs := range req.Traces.ResourceSpans {
			for _, ss := range rs.ScopeSpans {
				out = append(out, ss.Spans...)
			}
		}
	}
	return out
}

// attrMap and anyValue flatten OTLP attributes and values to Go values.
var (
	attrMap  = otlptest.AttrMap
	anyValue = otlptest.AnyValue
)
