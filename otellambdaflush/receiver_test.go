package otellambdaflush_test

import (
	"compress/gzip"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/protobuf/proto"
)

// gotSpan is a span that reached the receiver.
type gotSpan struct {
	Name    string
	TraceID string
	Attrs   map[string]string // values rendered with fmt
	Status  tracepb.Status_StatusCode
	Events  []string
	// Links are the span's links, as "trace id/span id".
	Links []string
	// Arrived is when the request carrying it had been read.
	Arrived time.Time
	// SpanID and ParentSpanID are hex; ParentSpanID is "" for a root.
	SpanID, ParentSpanID string
	// Start and End are the span's own times.
	Start, End time.Time
}

func (s gotSpan) String() string {
	return fmt.Sprintf("%q trace=%s status=%v events=%v attrs=%v", s.Name, s.TraceID, s.Status, s.Events, s.Attrs)
}

// receiver is a minimal OTLP/HTTP receiver on 127.0.0.1 that decodes the
// spans it gets and answers every request with 200. Trace requests can be
// made to wait before the answer.
type receiver struct {
	srv        *httptest.Server
	traceDelay time.Duration
	gate       chan struct{} // when non-nil, trace requests are answered once it is closed (hold)

	mu       sync.Mutex
	spans    []gotSpan
	requests map[string]int // by path
	changed  chan struct{}
}

func startReceiver(t *testing.T, traceDelay time.Duration) *receiver {
	t.Helper()
	r := &receiver{traceDelay: traceDelay, requests: map[string]int{}, changed: make(chan struct{})}
	r.srv = httptest.NewServer(http.HandlerFunc(r.serve))
	t.Cleanup(r.srv.Close)
	return r
}

// hold makes trace requests wait for their answer until release is
// called; release returns when it was called.
func (r *receiver) hold() (release func() time.Time) {
	gate := make(chan struct{})
	r.mu.Lock()
	r.gate = gate
	r.mu.Unlock()
	return func() time.Time {
		r.mu.Lock()
		r.gate = nil
		r.mu.Unlock()
		at := time.Now()
		close(gate)
		return at
	}
}

// URL is the base URL for LOGFIRE_BASE_URL.
func (r *receiver) URL() string { return r.srv.URL }

func (r *receiver) serve(w http.ResponseWriter, req *http.Request) {
	var body io.Reader = req.Body
	if req.Header.Get("Content-Encoding") == "gzip" {
		zr, err := gzip.NewReader(req.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		body = zr
	}
	data, err := io.ReadAll(io.LimitReader(body, 32<<20))
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	arrived := time.Now()
	var got []gotSpan
	if req.URL.Path == "/v1/traces" {
		var msg coltracepb.ExportTraceServiceRequest
		if err := proto.Unmarshal(data, &msg); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		got = flatten(&msg, arrived)
	}
	r.mu.Lock()
	r.requests[req.URL.Path]++
	r.spans = append(r.spans, got...)
	close(r.changed)
	r.changed = make(chan struct{})
	r.mu.Unlock()
	r.mu.Lock()
	gate := r.gate
	r.mu.Unlock()
	if req.URL.Path == "/v1/traces" && gate != nil {
		select {
		case <-gate:
		case <-req.Context().Done():
			return
		}
	}
	if req.URL.Path == "/v1/traces" && r.traceDelay > 0 {
		select {
		case <-time.After(r.traceDelay):
		case <-req.Context().Done():
			return
		}
	}
	w.Header().Set("Content-Type", "application/x-protobuf")
	w.WriteHeader(http.StatusOK) // an empty body is an empty Export*ServiceResponse
}

func flatten(msg *coltracepb.ExportTraceServiceRequest, arrived time.Time) []gotSpan {
	var out []gotSpan
	for _, rs := range msg.GetResourceSpans() {
		for _, ss := range rs.GetScopeSpans() {
			for _, s := range ss.GetSpans() {
				g := gotSpan{
					Name:    s.GetName(),
					TraceID: hex.EncodeToString(s.GetTraceId()),
					Attrs:   map[string]string{},
					Status:  s.GetStatus().GetCode(),
					Arrived: arrived,
					SpanID:  hex.EncodeToString(s.GetSpanId()),
					Start:   time.Unix(0, int64(s.GetStartTimeUnixNano())),
					End:     time.Unix(0, int64(s.GetEndTimeUnixNano())),
				}
				if p := s.GetParentSpanId(); len(p) > 0 {
					g.ParentSpanID = hex.EncodeToString(p)
				}
				for _, kv := range s.GetAttributes() {
					g.Attrs[kv.GetKey()] = render(kv.GetValue())
				}
				for _, ev := range s.GetEvents() {
					g.Events = append(g.Events, ev.GetName())
				}
				for _, l := range s.GetLinks() {
					g.Links = append(g.Links, hex.EncodeToString(l.GetTraceId())+"/"+hex.EncodeToString(l.GetSpanId()))
				}
				out = append(out, g)
			}
		}
	}
	return out
}

func render(v *commonpb.AnyValue) string {
	switch x := v.GetValue().(type) {
	case *commonpb.AnyValue_StringValue:
		return x.StringValue
	case *commonpb.AnyValue_IntValue:
		return fmt.Sprint(x.IntValue)
	case *commonpb.AnyValue_BoolValue:
		return fmt.Sprint(x.BoolValue)
	case *commonpb.AnyValue_DoubleValue:
		return fmt.Sprint(x.DoubleValue)
	}
	return v.String()
}

// Spans returns the spans received so far, pending spans left out.
func (r *receiver) Spans() []gotSpan {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []gotSpan
	for _, s := range r.spans {
		if s.Attrs["logfire.span_type"] != "pending_span" {
			out = append(out, s)
		}
	}
	return out
}

// waitSpans waits up to d until done is true for the received spans
// (pending spans left out) and returns them.
func (r *receiver) waitSpans(t *testing.T, d time.Duration, done func([]gotSpan) bool) []gotSpan {
	t.Helper()
	deadline := time.NewTimer(d)
	defer deadline.Stop()
	for {
		r.mu.Lock()
		ch := r.changed
		r.mu.Unlock()
		spans := r.Spans()
		if done(spans) {
			return spans
		}
		select {
		case <-ch:
		case <-deadline.C:
			t.Fatalf("spans did not arrive within %v; got:\n%s", d, formatSpans(spans))
			return nil
		}
	}
}

// forRequest returns the spans of the invocation with request id id: its
// invocation span (faas.invocation_id, with faas.trigger, which the span of
// its platform report lacks) and every span of the same trace.
func forRequest(spans []gotSpan, id string) []gotSpan {
	trace := ""
	for _, s := range spans {
		if s.Attrs["faas.invocation_id"] == id && s.Attrs["faas.trigger"] != "" {
			trace = s.TraceID
		}
	}
	if trace == "" {
		return nil
	}
	var out []gotSpan
	for _, s := range spans {
		if s.TraceID == trace {
			out = append(out, s)
		}
	}
	return out
}

func named(spans []gotSpan, name string) (gotSpan, bool) {
	for _, s := range spans {
		if s.Name == name {
			return s, true
		}
	}
	return gotSpan{}, false
}

func formatSpans(spans []gotSpan) string {
	if len(spans) == 0 {
		return "  (none)"
	}
	var b strings.Builder
	for _, s := range spans {
		b.WriteString("  " + s.String() + "\n")
	}
	return b.String()
}
