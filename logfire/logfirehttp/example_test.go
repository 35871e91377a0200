package logfirehttp_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"

	"go.opentelemetry.io/otel/propagation"

	"github.com/logfire-go/sdk/internal/exampletb"
	"github.com/logfire-go/sdk/logfire/logfirehttp"
	"github.com/logfire-go/sdk/logfiretest"
)

// A server wraps its mux: every request is a server span, named by its
// route, the child of the caller's span when the request carries a
// traceparent header.
func ExampleNewHandler() {
	t := exampletb.New()
	defer t.Done()
	lf, capture := logfiretest.New(t)

	mux := http.NewServeMux()
	mux.HandleFunc("GET /items/{id}", func(w http.ResponseWriter, r *http.Request) {
		lf.Info(r.Context(), "loading item {id}", "id", r.PathValue("id"))
	})
	srv := httptest.NewServer(logfirehttp.NewHandler(lf, mux, "inventory"))
	resp, err := http.Get(srv.URL + "/items/42")
	if err != nil {
		fmt.Println(err)
		return
	}
	resp.Body.Close()
	srv.Close() // waits for the handler: the server span has ended

	server := capture.Span("GET /items/{id}")
	fmt.Println(server.Message(), server.Value("http.route"))
	fmt.Println(capture.Log("loading item {id}").Parent.SpanID() == server.SpanContext.SpanID())
	// Output:
	// GET /items/42 /items/{id}
	// true
}

// A client's transport makes each request a client span, child of the span
// in the request's context, and sends the trace context in its headers.
func ExampleNewTransport() {
	t := exampletb.New()
	defer t.Done()
	lf, capture := logfiretest.New(t)

	var received string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		received = r.Header.Get("traceparent")
		_, _ = io.WriteString(w, "ok")
	}))
	defer srv.Close()

	client := &http.Client{Transport: logfirehttp.NewTransport(lf, nil)}
	ctx, span := lf.Span(context.Background(), "checkout")
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+"/stock", nil)
	resp, err := client.Do(req)
	if err != nil {
		fmt.Println(err)
		return
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	span.End()

	sent := capture.Span("GET")
	fmt.Println(sent.Parent.SpanID() == span.SpanContext().SpanID())
	fmt.Println(received == "00-"+sent.SpanContext.TraceID().String()+"-"+sent.SpanContext.SpanID().String()+"-01")
	// Output:
	// true
	// true
}

// Code that otelhttp does not instrument carries the context with the
// instance's propagator.
func Example_byHand() {
	t := exampletb.New()
	defer t.Done()
	lf, _ := logfiretest.New(t)

	ctx, span := lf.Span(context.Background(), "calling billing")
	defer span.End()
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, "http://billing.internal/charge", nil)
	lf.Propagator().Inject(ctx, propagation.HeaderCarrier(req.Header)) // client: before sending
	fmt.Println(req.Header.Get("traceparent"))

	// On the server, before starting spans:
	sctx := lf.Propagator().Extract(context.Background(), propagation.HeaderCarrier(req.Header))
	_, child := lf.Span(sctx, "charging")
	defer child.End()
	fmt.Println(child.SpanContext().TraceID() == span.SpanContext().TraceID())
	// Output:
	// 00-00000000000000000000000000000001-0000000000000001-01
	// true
}
