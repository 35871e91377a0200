package logfirehttp_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	oteltrace "go.opentelemetry.io/otel/trace"

	"github.com/logfire-go/sdk/config"
	"github.com/logfire-go/sdk/console"
	"github.com/logfire-go/sdk/internal/capture"
	"github.com/logfire-go/sdk/internal/testhook"
	"github.com/logfire-go/sdk/logfire"
	"github.com/logfire-go/sdk/logfire/logfirehttp"
)

// TestClientURLIsRedacted: a client request to a URL with credentials and
// signed query parameters is a span whose url.full has neither, as the
// semantic conventions ask, through a Logfire instance (console and
// processors) and through a plain OpenTelemetry provider alike.
func TestClientURLIsRedacted(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {}))
	defer srv.Close()
	target := strings.Replace(srv.URL, "http://", "http://user:hunter2@", 1) +
		"/download?color=blue&sig=s3cr3t&X-Amz-Signature=a1b2&access_token=t0k3n"
	want := strings.Replace(srv.URL, "http://", "http://REDACTED:REDACTED@", 1) +
		"/download?color=blue&sig=REDACTED&X-Amz-Signature=REDACTED&access_token=REDACTED"

	var consoleOut capture.Buffer
	mem := tracetest.NewInMemoryExporter()
	ctx := testhook.With(context.Background(), testhook.Settings{NotDefault: true})
	lf, err := logfire.Configure(ctx,
		logfire.WithSendToLogfire(config.SendNever), logfire.WithConsole(&console.Options{Writer: &consoleOut, Verbose: true, Colors: config.ColorsNever}),
		logfire.WithSpanProcessor(trace.NewSimpleSpanProcessor(mem)))
	if err != nil {
		t.Fatal(err)
	}
	plain := tracetest.NewInMemoryExporter()
	tp := trace.NewTracerProvider(trace.WithSyncer(plain))
	defer func() { _ = tp.Shutdown(context.Background()) }()

	for name, client := range map[string]*http.Client{
		"logfire":             {Transport: logfirehttp.NewTransport(lf, nil)},
		"plain OpenTelemetry": {Transport: logfirehttp.NewTransport(nil, nil, otelhttpProvider(tp)...)},
	} {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
		resp, err := client.Do(req)
		cancel()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		resp.Body.Close()
	}
	for name, exp := range map[string]*tracetest.InMemoryExporter{"logfire": mem, "plain OpenTelemetry": plain} {
		found := false
		for _, s := range exp.GetSpans() {
			if s.SpanKind != oteltrace.SpanKindClient {
				continue
			}
			for _, kv := range s.Attributes {
				if kv.Key == "url.full" {
					found = true
					if got := kv.Value.AsString(); got != want {
						t.Errorf("%s: url.full = %s, want %s", name, got, want)
					}
				}
			}
		}
		if !found {
			t.Errorf("%s: no client span with url.full", name)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := lf.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	out := consoleOut.String()
	for _, secret := range []string{"hunter2", "s3cr3t", "a1b2", "t0k3n"} {
		if strings.Contains(out, secret) {
			t.Errorf("%q reached the console:\n%s", secret, out)
		}
	}
}

// TestNilArguments: the functions of the package take nil arguments
// without a panic.
func TestNilArguments(t *testing.T) {
	h := logfirehttp.NewHandler(nil, nil, "")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/nothing-here", nil))
	if rec.Code != http.StatusNotFound {
		t.Fatalf("a nil handler (DefaultServeMux) answered %d", rec.Code)
	}
	var nilMux *http.ServeMux
	rec = httptest.NewRecorder()
	logfirehttp.NewHandler(nil, nilMux, "").ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/nothing-here", nil))
	if rec.Code != http.StatusNotFound {
		t.Fatalf("a nil *ServeMux answered %d", rec.Code)
	}
	if _, err := logfirehttp.NewTransport(nil, nil).RoundTrip(&http.Request{Method: "GET"}); err == nil {
		t.Fatal("a request without a URL was sent")
	}
}

func otelhttpProvider(tp *trace.TracerProvider) []otelhttp.Option {
	return []otelhttp.Option{otelhttp.WithTracerProvider(tp)}
}
