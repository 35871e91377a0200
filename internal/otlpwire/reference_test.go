package otlpwire

// The reference of the differential test: what OpenTelemetry's own
// OTLP/HTTP exporters send, and the encoder under test.

import (
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/otel/exporters/otlp/otlplog/otlploghttp"
	"go.opentelemetry.io/otel/exporters/otlp/otlpmetric/otlpmetrichttp"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
)

// The reference: OpenTelemetry's exporters and a server that keeps what
// they post.

// otelReference holds OpenTelemetry's three OTLP/HTTP exporters, pointed at
// a local server that keeps every request body.
type otelReference struct {
	srv     *httptest.Server
	traces  *otlptrace.Exporter
	logs    *otlploghttp.Exporter
	metrics *otlpmetrichttp.Exporter

	mu     sync.Mutex
	bodies map[string][][]byte // by URL path
}

// The URL paths of the exporters' requests.
const (
	refTracesPath  = "/v1/traces"
	refLogsPath    = "/v1/logs"
	refMetricsPath = "/v1/metrics"
)

// refTimeout bounds every wait for the reference exporters.
const refTimeout = 30 * time.Second

// newOTelReference starts the server on 127.0.0.1 and the exporters, all
// stopped when tb ends.
func newOTelReference(tb testing.TB) *otelReference {
	tb.Helper()
	r := &otelReference{bodies: map[string][][]byte{}}
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	r.srv = &httptest.Server{Listener: ln, Config: &http.Server{Handler: r, ReadHeaderTimeout: refTimeout}}
	r.srv.Start()
	tb.Cleanup(r.srv.Close)

	ctx, cancel := context.WithTimeout(context.Background(), refTimeout)
	defer cancel()
	r.traces, err = otlptracehttp.New(ctx,
		otlptracehttp.WithEndpointURL(r.srv.URL+refTracesPath),
		otlptracehttp.WithCompression(otlptracehttp.NoCompression),
		otlptracehttp.WithRetry(otlptracehttp.RetryConfig{Enabled: false}),
		otlptracehttp.WithTimeout(refTimeout))
	if err != nil {
		tb.Fatal(err)
	}
	r.logs, err = otlploghttp.New(ctx,
		otlploghttp.WithEndpointURL(r.srv.URL+refLogsPath),
		otlploghttp.WithCompression(otlploghttp.NoCompression),
		otlploghttp.WithRetry(otlploghttp.RetryConfig{Enabled: false}),
		otlploghttp.WithTimeout(refTimeout))
	if err != nil {
		tb.Fatal(err)
	}
	r.metrics, err = otlpmetrichttp.New(ctx,
		otlpmetrichttp.WithEndpointURL(r.srv.URL+refMetricsPath),
		otlpmetrichttp.WithCompression(otlpmetrichttp.NoCompression),
		otlpmetrichttp.WithRetry(otlpmetrichttp.RetryConfig{Enabled: false}),
		otlpmetrichttp.WithTimeout(refTimeout))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), refTimeout)
		defer cancel()
		for _, err := range []error{r.traces.Shutdown(ctx), r.logs.Shutdown(ctx), r.metrics.Shutdown(ctx)} {
			if err != nil {
				tb.Errorf("shutting down a reference exporter: %v", err)
			}
		}
	})
	return r
}

// ServeHTTP keeps the (gunzipped) body and answers 200 with no body.
func (r *otelReference) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	var body io.Reader = http.MaxBytesReader(w, req.Body, 512<<20)
	if req.Header.Get("Content-Encoding") == "gzip" {
		zr, err := gzip.NewReader(body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		body = zr
	}
	b, err := io.ReadAll(body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	r.mu.Lock()
	r.bodies[req.URL.Path] = append(r.bodies[req.URL.Path], b)
	r.mu.Unlock()
	w.Header().Set("Content-Type", "application/x-protobuf")
	w.WriteHeader(http.StatusOK)
}

// take returns and forgets the bodies posted to path.
func (r *otelReference) take(path string) [][]byte {
	r.mu.Lock()
	defer r.mu.Unlock()
	b := r.bodies[path]
	delete(r.bodies, path)
	return b
}

// export has OpenTelemetry's exporter of sig send in, and returns the
// request it sent (nil for none) and, for metrics, the error of the
// metrics it could not transform.
func (r *otelReference) export(tb testing.TB, sig genSignal, in genInput) (body []byte, transformErr error) {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), refTimeout)
	defer cancel()
	var path string
	switch sig {
	case genSpans:
		path = refTracesPath
		if err := r.traces.ExportSpans(ctx, in.spans); err != nil {
			tb.Fatalf("reference trace exporter: %v", err)
		}
	case genLogs:
		path = refLogsPath
		if err := r.logs.Export(ctx, in.logs); err != nil {
			tb.Fatalf("reference log exporter: %v", err)
		}
	case genMetrics:
		path = refMetricsPath
		transformErr = r.metrics.Export(ctx, in.metrics)
	}
	bodies := r.take(path)
	switch {
	case len(bodies) > 1:
		tb.Fatalf("reference %s exporter sent %d requests", sig, len(bodies))
	case sig == genMetrics && len(bodies) == 0:
		tb.Fatalf("reference metric exporter sent no request: %v", transformErr)
	case len(bodies) == 1:
		body = bodies[0]
	}
	return body, transformErr
}

// The encoder under test.

// encoded is what the encoder emitted for one input.
type encoded struct {
	bodies  [][]byte // copies
	records []int    // the record count emitted with each body
	dropped int      // metrics only
	err     error    // metrics only
}

// encode has enc encode in.
func encode(enc *Encoder, sig genSignal, in genInput) encoded {
	var out encoded
	emit := func(body []byte, records int) {
		out.bodies = append(out.bodies, bytes.Clone(body))
		out.records = append(out.records, records)
	}
	switch sig {
	case genSpans:
		enc.Spans(in.spans, emit)
	case genLogs:
		enc.Logs(in.logs, emit)
	case genMetrics:
		out.dropped, out.err = enc.Metrics(in.metrics, emit)
	}
	return out
}
