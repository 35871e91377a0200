// Package logfirehttp connects net/http servers and clients to Logfire with
// OpenTelemetry's otelhttp instrumentation, so that a request which crosses
// services shows up in Logfire as one trace.
//
// A server wraps its handler; a client wraps its transport. Both report
// through a *logfire.Logfire (nil: the default instance) and propagate the
// trace context in the W3C traceparent, tracestate and baggage headers (or
// with the propagator given to logfire.WithPropagator):
//
//	lf, _ := logfire.Configure(ctx)
//	http.ListenAndServe(addr, logfirehttp.NewHandler(lf, mux, "orders"))
//
//	client := &http.Client{Transport: logfirehttp.NewTransport(lf, nil)}
//	req, _ := http.NewRequestWithContext(ctx, "GET", "http://inventory/items/42", nil)
//	resp, err := client.Do(req) // a client span; the server's span is its child
//
// Code that otelhttp does not instrument carries the trace context with
// the instance's propagator, lf.Propagator():
//
//	lf.Propagator().Inject(ctx, propagation.HeaderCarrier(req.Header))        // client
//	ctx := lf.Propagator().Extract(r.Context(), propagation.HeaderCarrier(r.Header)) // server
//
// The context of the request is what links the spans: a client request
// must carry the context of the span it belongs to (NewRequestWithContext),
// and a handler must start its spans from r.Context().
//
// # What the spans look like in Logfire
//
// The spans are otelhttp's, with the HTTP semantic-convention attributes
// (http.request.method, url.path, http.route, http.response.status_code,
// …); a server span that answered 5xx, and a client span whose request
// failed or got a 4xx or 5xx answer, have status Error. Their names stay short, as
// OpenTelemetry asks: "GET /items/{id}" for a server span when the route is
// known (net/http's ServeMux patterns), else the operation given to
// NewHandler, else the method; "GET" for a client span. Logfire shows a
// span's logfire.msg attribute as its message, and the name when it has
// none, so this package also sets logfire.msg to something a person can
// read: "GET /items/42" on a server span and "GET inventory/items/42" on a
// client span (path only: the query string, which may carry secrets, is
// left out). The client span's url.full has its user-info replaced by
// REDACTED:REDACTED and the values of the query parameters that carry
// secrets by REDACTED, as OpenTelemetry's semantic conventions ask. The pending span that Logfire shows while a request is in
// flight is made before logfire.msg is set, so it shows the name.
//
// Metrics (http.server.request.duration, http.client.request.duration and
// the body sizes) go to the instance's MeterProvider.
package logfirehttp

import (
	"errors"
	"net/http"
	"strings"

	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel/attribute"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	"go.opentelemetry.io/otel/trace"

	"github.com/logfire-go/sdk/internal/instance"
	"github.com/logfire-go/sdk/internal/keys"
	"github.com/logfire-go/sdk/internal/redact"
	"github.com/logfire-go/sdk/logfire"
)

// NewHandler wraps h so that every request it serves is a server span of
// lf, the child of the caller's span when the request carries a trace
// context. operation names the span until the route is known (it may be
// ""). With lf nil, the default instance is used, or the global
// OpenTelemetry providers if there is none.
//
// opts are passed to otelhttp after this package's own, so they win (for
// example otelhttp.WithFilter to leave health checks out, or
// otelhttp.WithPublicEndpointFn for an endpoint that untrusted clients
// call: its spans then start a new trace that links to the caller's).
// A nil h means http.DefaultServeMux, as for http.Server; so does a nil
// *http.ServeMux, which would otherwise panic on the first request.
func NewHandler(lf *logfire.Logfire, h http.Handler, operation string, opts ...otelhttp.Option) http.Handler {
	if m, isMux := h.(*http.ServeMux); h == nil || (isMux && m == nil) {
		h = http.DefaultServeMux // as http.Server does with a nil Handler
	}
	name := func(operation string, r *http.Request) string {
		return serverSpanName(operation, r.Method, r.Pattern)
	}
	if mux, ok := h.(*http.ServeMux); ok {
		// The route is known before the span starts, so the pending span
		// and the console show it too.
		name = func(operation string, r *http.Request) string {
			pattern := r.Pattern
			if pattern == "" {
				_, pattern = mux.Handler(r)
			}
			return serverSpanName(operation, r.Method, pattern)
		}
	}
	base := append(instanceOptions(lf), otelhttp.WithSpanNameFormatter(name))
	return otelhttp.NewHandler(serverMessage{next: h}, operation, append(base, opts...)...)
}

// NewTransport wraps base (http.DefaultTransport if nil) so that every
// request it sends is a client span of lf, child of the span in the
// request's context, and carries the trace context in its headers. With
// lf nil, the default instance is used, or the global OpenTelemetry
// providers if there is none. opts are passed to otelhttp after this
// package's own, so they win.
func NewTransport(lf *logfire.Logfire, base http.RoundTripper, opts ...otelhttp.Option) http.RoundTripper {
	if base == nil {
		base = http.DefaultTransport
	}
	o := append(instanceOptions(lf), otelhttp.WithSpanNameFormatter(clientSpanName))
	return otelhttp.NewTransport(clientMessage{next: base}, append(o, opts...)...)
}

// orDefault returns lf, or the default instance if lf is nil (nil if there
// is none).
func orDefault(lf *logfire.Logfire) *logfire.Logfire {
	if lf != nil {
		return lf
	}
	lf, _ = instance.Default().(*logfire.Logfire)
	return lf
}

// instanceOptions point otelhttp at lf's providers and propagator. Without
// an instance otelhttp uses the global ones, read at each request.
func instanceOptions(lf *logfire.Logfire) []otelhttp.Option {
	if lf = orDefault(lf); lf == nil {
		return nil
	}
	return []otelhttp.Option{
		otelhttp.WithTracerProvider(lf.TracerProvider()),
		otelhttp.WithMeterProvider(lf.MeterProvider()),
		otelhttp.WithPropagators(lf.Propagator()),
	}
}

// serverSpanName is "METHOD route" once the route of the ServeMux pattern
// is known (otelhttp renames the span after the handler has run if the
// request has a pattern; for a *http.ServeMux, NewHandler looks the route
// up before the span starts), else the operation, else the method.
func serverSpanName(operation, method, pattern string) string {
	method = methodOr(method)
	if route := routeOf(pattern); route != "" {
		return method + " " + route
	}
	if operation != "" {
		return operation
	}
	return method
}

// methodOr returns method, or GET for "" (what net/http sends then).
func methodOr(method string) string {
	if method == "" {
		return http.MethodGet
	}
	return method
}

// routeOf returns the path of a ServeMux pattern "[METHOD ][HOST]/PATH",
// or "" if there is none.
func routeOf(pattern string) string {
	if i := strings.IndexAny(pattern, " \t"); i >= 0 && !strings.Contains(pattern[:i], "/") {
		pattern = strings.TrimLeft(pattern[i:], " \t")
	}
	if i := strings.IndexByte(pattern, '/'); i >= 0 {
		return pattern[i:]
	}
	return ""
}

func clientSpanName(_ string, r *http.Request) string { return methodOr(r.Method) }

// serverMessage sets logfire.msg on the server span of the request, and
// http.route once a ServeMux has matched a pattern (otelhttp v0.70 only
// renames the span).
type serverMessage struct{ next http.Handler }

func (h serverMessage) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	span := trace.SpanFromContext(r.Context())
	if !span.IsRecording() {
		h.next.ServeHTTP(w, r)
		return
	}
	span.SetAttributes(attribute.String(keys.Msg, methodOr(r.Method)+" "+r.URL.Path))
	h.next.ServeHTTP(w, r)
	if route := routeOf(r.Pattern); route != "" {
		span.SetAttributes(semconv.HTTPRoute(route))
	}
}

// clientMessage sets logfire.msg on the client span of the request
// (otelhttp hands the request to its base transport with the span in the
// context), and url.full as the semantic conventions ask: otelhttp leaves
// the user-info out and the query as it is; here the user-info is
// REDACTED:REDACTED and the values of the query parameters that carry
// secrets (sig, X-Amz-Signature, access_token, api_key, …) are REDACTED,
// whatever provider the span reports to.
type clientMessage struct{ next http.RoundTripper }

func (t clientMessage) RoundTrip(r *http.Request) (*http.Response, error) {
	if r == nil {
		return nil, errors.New("logfirehttp: RoundTrip of a nil *http.Request")
	}
	if span := trace.SpanFromContext(r.Context()); span.IsRecording() && r.URL != nil {
		full, _ := redact.URL(r.URL.String(), nil)
		span.SetAttributes(
			attribute.String(keys.Msg, methodOr(r.Method)+" "+r.URL.Host+r.URL.EscapedPath()),
			semconv.URLFull(full),
		)
	}
	return t.next.RoundTrip(r)
}
