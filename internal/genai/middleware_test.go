package genai

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"go.opentelemetry.io/otel/propagation"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
)

// testRecorder records to an in-memory exporter, for a provider whose one
// endpoint is any POST.
func testRecorder(t *testing.T) (*recorder, *tracetest.InMemoryExporter) {
	t.Helper()
	exp := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp))
	t.Cleanup(func() { _ = tp.Shutdown(t.Context()) })
	ep := &Endpoint{
		Operation: "chat", Template: "Call with {request_data[model]!r}", Message: "Call with ",
		Request: func(body []byte, r *Request) []byte { r.Model = Parse(body).Get("model").String(); return nil },
	}
	p := &Provider{Name: "test", Scope: "test", ErrorType: "*test.Error", Endpoint: func(string, string) *Endpoint { return ep }}
	return &recorder{p: p, tracer: tp.Tracer("test"), propagator: propagation.TraceContext{}, metrics: newInstruments(nil)}, exp
}

// TestOddAnswers: a doer that returns neither an answer nor an error, or
// an answer without a body, or an error answer that is not JSON, gets a
// span and no panic.
func TestOddAnswers(t *testing.T) {
	for name, c := range map[string]struct {
		res    *http.Response
		status string // the span's status description
	}{
		"no answer":       {nil, ""},
		"no body":         {&http.Response{StatusCode: 200}, ""},
		"HTML error page": {&http.Response{StatusCode: 502, Body: io.NopCloser(strings.NewReader("<html>bad gateway</html>"))}, "502 Bad Gateway"},
	} {
		t.Run(name, func(t *testing.T) {
			r, exp := testRecorder(t)
			req, _ := http.NewRequest(http.MethodPost, "http://127.0.0.1:1/v1/call", strings.NewReader(`{"model":"m"}`))
			res, err := r.handle(req, func(*http.Request) (*http.Response, error) { return c.res, nil })
			if err != nil || res != c.res {
				t.Fatalf("handle returned %v, %v", res, err)
			}
			if res != nil {
				if _, err := io.ReadAll(res.Body); err != nil {
					t.Errorf("reading the body: %v", err)
				}
			}
			spans := exp.GetSpans()
			if len(spans) != 1 || spans[0].Name != "Call with {request_data[model]!r}" || spans[0].Status.Description != c.status {
				t.Fatalf("spans %+v", spans)
			}
		})
	}
}
