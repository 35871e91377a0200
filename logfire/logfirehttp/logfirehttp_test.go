package logfirehttp_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/baggage"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/logfire-go/sdk/config"
	"github.com/logfire-go/sdk/logfire"
	"github.com/logfire-go/sdk/logfire/logfirehttp"
	"github.com/logfire-go/sdk/logfiretest"
)

// newInstance configures an instance of the service for the test, whose
// records and metrics land in the returned capture.
func newInstance(t *testing.T, service string, opts ...logfire.Option) (*logfire.Logfire, *logfiretest.Capture) {
	t.Helper()
	return logfiretest.New(t, append([]logfire.Option{logfire.WithServiceName(service)}, opts...)...)
}

func one(t *testing.T, spans []logfiretest.Span, kind trace.SpanKind) logfiretest.Span {
	t.Helper()
	var found []logfiretest.Span
	for _, s := range spans {
		if s.Kind == kind {
			found = append(found, s)
		}
	}
	if len(found) != 1 {
		t.Fatalf("%d %v spans, want 1: %v", len(found), kind, spans)
	}
	return found[0]
}

// ended returns the ended spans of c, failing t when there are fewer
// than n. A client span ends when the response body is closed; a server
// span after the handler returns, which httptest.Server.Close waits for:
// the tests close the body and the server before they look.
func ended(t *testing.T, c *logfiretest.Capture, n int) []logfiretest.Span {
	t.Helper()
	spans := c.Spans()
	if len(spans) < n {
		t.Fatalf("%d ended spans, want at least %d:\n%s", len(spans), n, c.Dump())
	}
	return spans
}

// TestClientServerOneTrace: a client of one instance calls a server of
// another; the server span is the child of the client span, which is the
// child of the caller's span, and baggage crosses too.
func TestClientServerOneTrace(t *testing.T) {
	// The two instances of the test count their ids together (see
	// logfiretest), so that their ids never match by accident.
	front, frontCapture := newInstance(t, "front")
	back, backCapture := newInstance(t, "inventory", logfire.WithBaggageAttributes(true))

	mux := http.NewServeMux()
	var handlerCtx trace.SpanContext
	mux.HandleFunc("GET /items/{id}", func(w http.ResponseWriter, r *http.Request) {
		handlerCtx = trace.SpanContextFromContext(r.Context())
		_, s := back.Span(r.Context(), "looking up item {id}", "id", r.PathValue("id"))
		s.End()
		_, _ = io.WriteString(w, "ok")
	})
	srv := httptest.NewServer(logfirehttp.NewHandler(back, mux, "inventory"))
	defer srv.Close()

	m, _ := baggage.NewMember("tenant", "acme")
	bag, _ := baggage.New(m)
	ctx := baggage.ContextWithBaggage(context.Background(), bag)
	ctx, parent := front.Span(ctx, "checkout")
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+"/items/42?secret=x", nil)
	resp, err := (&http.Client{Transport: logfirehttp.NewTransport(front, nil)}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	srv.Close() // waits for the handler: the server span has ended
	parent.End()

	client := one(t, ended(t, frontCapture, 2), trace.SpanKindClient)
	server := one(t, ended(t, backCapture, 2), trace.SpanKindServer)

	if client.Parent.SpanID() != parent.SpanContext().SpanID() {
		t.Errorf("client span's parent %v, want the checkout span %v", client.Parent.SpanID(), parent.SpanContext().SpanID())
	}
	if server.SpanContext.TraceID() != parent.SpanContext().TraceID() {
		t.Errorf("server trace %v, want %v", server.SpanContext.TraceID(), parent.SpanContext().TraceID())
	}
	if server.Parent.SpanID() != client.SpanContext.SpanID() || !server.Parent.IsRemote() {
		t.Errorf("server span's parent %v (remote %v), want the client span %v", server.Parent.SpanID(), server.Parent.IsRemote(), client.SpanContext.SpanID())
	}
	if handlerCtx.SpanID() != server.SpanContext.SpanID() {
		t.Errorf("the handler's context holds span %v, want the server span %v", handlerCtx.SpanID(), server.SpanContext.SpanID())
	}
	if got, want := server.Name, "GET /items/{id}"; got != want {
		t.Errorf("server span name %q, want %q", got, want)
	}
	if got, want := client.Name, "GET"; got != want {
		t.Errorf("client span name %q, want %q", got, want)
	}
	if got := server.Message(); got != "GET /items/42" {
		t.Errorf("server logfire.msg = %q", got)
	}
	host := req.URL.Host
	if got := client.Message(); got != "GET "+host+"/items/42" {
		t.Errorf("client logfire.msg = %q, want %q", got, "GET "+host+"/items/42")
	}
	if server.Value("tenant") != "acme" {
		t.Errorf("server span lacks the caller's baggage tenant=acme: %v", server.Attributes)
	}
	if got := server.Value("http.route"); got != "/items/{id}" {
		t.Errorf("http.route = %v", got)
	}

	// Each instance's MeterProvider got the request durations.
	for _, c := range []struct {
		capture *logfiretest.Capture
		name    string
	}{{frontCapture, "http.client.request.duration"}, {backCapture, "http.server.request.duration"}} {
		if _, ok := c.capture.Metrics()[c.name]; !ok {
			t.Errorf("metric %s not recorded", c.name)
		}
	}
}

func TestServerSpanNames(t *testing.T) {
	lf, capture := newInstance(t, "svc")
	mux := http.NewServeMux()
	mux.HandleFunc("/plain/", func(w http.ResponseWriter, r *http.Request) {})
	mux.HandleFunc("POST /fail", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusInternalServerError) })
	cases := []struct {
		handler   http.Handler
		operation string
		method    string
		path      string
		name      string
		msg       string
		status    codes.Code
	}{
		{mux, "op", http.MethodGet, "/plain/x", "GET /plain/", "GET /plain/x", codes.Unset},
		{mux, "op", http.MethodPost, "/fail", "POST /fail", "POST /fail", codes.Error},
		{http.NotFoundHandler(), "op", http.MethodGet, "/nothing", "op", "GET /nothing", codes.Unset},
		{http.NotFoundHandler(), "", http.MethodDelete, "/nothing", "DELETE", "DELETE /nothing", codes.Unset},
	}
	for _, c := range cases {
		capture.Reset()
		srv := httptest.NewServer(logfirehttp.NewHandler(lf, c.handler, c.operation))
		req, _ := http.NewRequest(c.method, srv.URL+c.path, nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			srv.Close()
			t.Fatal(err)
		}
		resp.Body.Close()
		srv.Close() // waits for the handler, so the span has ended
		s := one(t, ended(t, capture, 1), trace.SpanKindServer)
		if s.Name != c.name {
			t.Errorf("%s %s: name %q, want %q", c.method, c.path, s.Name, c.name)
		}
		if got := s.Message(); got != c.msg {
			t.Errorf("%s %s: logfire.msg %q, want %q", c.method, c.path, got, c.msg)
		}
		if s.Status.Code != c.status {
			t.Errorf("%s %s: status %v, want %v", c.method, c.path, s.Status.Code, c.status)
		}
		if s.Parent.IsValid() {
			t.Errorf("%s %s: a request without traceparent got parent %v", c.method, c.path, s.Parent.SpanID())
		}
	}
}

// TestClientErrorStatus: a failed request and a 4xx answer make the client
// span an error.
func TestClientErrorStatus(t *testing.T) {
	lf, c := newInstance(t, "svc")
	srv := httptest.NewServer(http.NotFoundHandler())
	defer srv.Close()
	client := &http.Client{Transport: logfirehttp.NewTransport(lf, nil)}
	resp, err := client.Get(srv.URL + "/missing")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if s := one(t, ended(t, c, 1), trace.SpanKindClient); s.Status.Code != codes.Error {
		t.Errorf("404: status %v, want Error", s.Status.Code)
	}

	c.Reset()
	closed := httptest.NewServer(http.NotFoundHandler())
	url := closed.URL
	closed.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if _, err := client.Do(req); err == nil {
		t.Fatal("request to a closed server succeeded")
	}
	if s := one(t, ended(t, c, 1), trace.SpanKindClient); s.Status.Code != codes.Error {
		t.Errorf("refused: status %v, want Error", s.Status.Code)
	}
}

// TestNewTransportBase: the base transport is used and sees the trace
// headers.
func TestNewTransportBase(t *testing.T) {
	lf, c := newInstance(t, "svc")
	var seen http.Header
	base := roundTripFunc(func(r *http.Request) (*http.Response, error) {
		seen = r.Header.Clone()
		return &http.Response{StatusCode: http.StatusOK, Body: http.NoBody, Request: r}, nil
	})
	ctx, parent := lf.Span(context.Background(), "outer")
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://127.0.0.1:1/x", nil)
	resp, err := (&http.Client{Transport: logfirehttp.NewTransport(lf, base)}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	parent.End()
	client := one(t, ended(t, c, 2), trace.SpanKindClient)
	want := "00-" + client.SpanContext.TraceID().String() + "-" + client.SpanContext.SpanID().String() + "-01"
	if got := seen.Get("traceparent"); got != want {
		t.Errorf("traceparent %q, want %q", got, want)
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// TestPropagatorInjectExtract: code that otelhttp does not instrument
// carries the context with the instance's propagator, as the package
// documentation shows.
func TestPropagatorInjectExtract(t *testing.T) {
	lf, _ := newInstance(t, "svc")
	ctx, span := lf.Span(context.Background(), "outer")
	defer span.End()
	m, _ := baggage.NewMember("k", "v")
	bag, _ := baggage.New(m)
	ctx = baggage.ContextWithBaggage(ctx, bag)

	h := http.Header{}
	lf.Propagator().Inject(ctx, propagation.HeaderCarrier(h))
	if h.Get("traceparent") == "" || h.Get("baggage") != "k=v" {
		t.Fatalf("headers %v", h)
	}
	got := lf.Propagator().Extract(context.Background(), propagation.HeaderCarrier(h))
	sc := trace.SpanContextFromContext(got)
	if sc.TraceID() != span.SpanContext().TraceID() || sc.SpanID() != span.SpanContext().SpanID() || !sc.IsRemote() {
		t.Errorf("extracted %v, want remote %v", sc, span.SpanContext())
	}
	if baggage.FromContext(got).Member("k").Value() != "v" {
		t.Errorf("baggage not extracted")
	}

	// Missing or malformed headers give a context without a parent.
	for _, bad := range []http.Header{{}, {"Traceparent": {"garbage"}}, {"Traceparent": {"00-00000000000000000000000000000000-0000000000000000-01"}}} {
		if sc := trace.SpanContextFromContext(lf.Propagator().Extract(context.Background(), propagation.HeaderCarrier(bad))); sc.IsValid() {
			t.Errorf("%v: extracted %v", bad, sc)
		}
	}
}

// TestNilInstanceUsesDefault: with lf nil the handler and the transport
// use the default instance's providers (the one the last Configure made).
func TestNilInstanceUsesDefault(t *testing.T) {
	oldTP, oldProp := otel.GetTracerProvider(), otel.GetTextMapPropagator()
	t.Cleanup(func() {
		otel.SetTracerProvider(oldTP)
		otel.SetTextMapPropagator(oldProp)
	})
	mem := tracetest.NewInMemoryExporter()
	lf, err := logfire.Configure(context.Background(), logfire.WithConsole(nil),
		logfire.WithSendToLogfire(config.SendNever), logfire.WithSpanProcessor(sdktrace.NewSimpleSpanProcessor(mem)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = lf.Shutdown(context.Background()) })
	srv := httptest.NewServer(logfirehttp.NewHandler(nil, http.NotFoundHandler(), "op"))
	resp, err := (&http.Client{Transport: logfirehttp.NewTransport(nil, nil)}).Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	srv.Close() // waits for the handler, so the server span has ended
	var client, server tracetest.SpanStub
	for _, s := range mem.GetSpans() {
		switch s.SpanKind {
		case trace.SpanKindClient:
			client = s
		case trace.SpanKindServer:
			server = s
		}
	}
	if !client.SpanContext.IsValid() || server.Parent.SpanID() != client.SpanContext.SpanID() {
		t.Errorf("server parent %v, want client %v", server.Parent.SpanID(), client.SpanContext.SpanID())
	}
}

func TestServerSpanNameHostPattern(t *testing.T) {
	lf, c := newInstance(t, "svc")
	mux := http.NewServeMux()
	mux.HandleFunc("GET 127.0.0.1/host/{x}", func(w http.ResponseWriter, r *http.Request) {})
	srv := httptest.NewServer(logfirehttp.NewHandler(lf, mux, "op"))
	resp, err := http.Get(srv.URL + "/host/1")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	srv.Close()
	s := one(t, ended(t, c, 1), trace.SpanKindServer)
	if s.Name != "GET /host/{x}" {
		t.Errorf("name %q", s.Name)
	}
	if got := s.Value("http.route"); got != "/host/{x}" {
		t.Errorf("http.route %v", got)
	}
}

// TestServerSpanNamedAtStart: with a ServeMux, the span has the route's
// name from the start, so the pending span and the console show it.
func TestServerSpanNamedAtStart(t *testing.T) {
	lf, c := newInstance(t, "svc")
	mux := http.NewServeMux()
	mux.HandleFunc("POST /orders/{id}", func(w http.ResponseWriter, r *http.Request) {})
	srv := httptest.NewServer(logfirehttp.NewHandler(lf, mux, "op"))
	resp, err := http.Post(srv.URL+"/orders/7", "text/plain", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	resp, err = http.Get(srv.URL + "/unknown")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	srv.Close()
	// A pending span is a copy of its span as it starts.
	var names []string
	for _, p := range c.All() {
		if p.SpanType() == "pending_span" {
			names = append(names, p.Name)
		}
	}
	if want := []string{"POST /orders/{id}", "op"}; !slices.Equal(names, want) {
		t.Errorf("names at start %q, want %q", names, want)
	}
}
