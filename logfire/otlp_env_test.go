package logfire

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/pem"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	otellog "go.opentelemetry.io/otel/log"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/propagation"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	"google.golang.org/protobuf/proto"

	"github.com/logfire-go/sdk/config"

	"github.com/logfire-go/sdk/internal/otlptest"
)

// TestOTLPEndpointIsAnExtraBackend: with OTEL_EXPORTER_OTLP_ENDPOINT and
// _HEADERS set, spans (without pending spans), metrics and log records go
// to that endpoint as well as to Logfire; the endpoint gets its headers
// and never the token, Logfire gets its token and never those headers.
func TestOTLPEndpointIsAnExtraBackend(t *testing.T) {
	clearEnv(t)
	logfireRcv, extra := otlptest.New(t), otlptest.New(t)
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", extra.URL())
	t.Setenv("OTEL_EXPORTER_OTLP_HEADERS", "x-api-key=collector-secret")
	lf := deliveryInstance(t, logfireRcv.URL())
	ctx := context.Background()
	sctx, span := lf.Span(ctx, "outer")
	lf.Info(sctx, "inner")
	if err := lf.ForceFlush(ctx); err != nil { // the pending span of outer goes to Logfire
		t.Fatal(err)
	}
	span.End()
	counter, _ := lf.MeterProvider().Meter("t").Int64Counter("orders")
	counter.Add(ctx, 3)
	var rec otellog.Record
	rec.SetBody(attribute.StringValue("bridged"))
	lf.LoggerProvider().Logger("t").Emit(ctx, rec)
	if err := lf.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}

	names := func(r *otlptest.Receiver) (real, pending []string) {
		for _, s := range r.Spans() {
			if s.Attrs["logfire.span_type"] == "pending_span" {
				pending = append(pending, s.Name)
			} else {
				real = append(real, s.Name)
			}
		}
		slices.Sort(real)
		return real, pending
	}
	lr, lp := names(logfireRcv)
	er, ep := names(extra)
	if !slices.Equal(lr, []string{"inner", "outer"}) || len(lp) != 1 {
		t.Errorf("Logfire got %q and pending %q, want inner, outer and outer's pending span", lr, lp)
	}
	if !slices.Equal(er, []string{"inner", "outer"}) || len(ep) != 0 {
		t.Errorf("the extra backend got %q and pending %q, want inner and outer, no pending span", er, ep)
	}
	for name, r := range map[string]*otlptest.Receiver{"Logfire": logfireRcv, "extra": extra} {
		if r.Count(otlptest.Metrics) != 1 || r.Count(otlptest.Logs) != 1 {
			t.Errorf("%s: %d metric points and %d log records, want 1 and 1", name, r.Count(otlptest.Metrics), r.Count(otlptest.Logs))
		}
	}
	for _, h := range extra.Headers() {
		if h.Get("x-api-key") != "collector-secret" || strings.Contains(h.Get("Authorization"), "pylf_") {
			t.Errorf("extra backend request headers: x-api-key %q, Authorization %q", h.Get("x-api-key"), h.Get("Authorization"))
		}
	}
	for _, h := range logfireRcv.Headers() {
		if h.Get("x-api-key") != "" || h.Get("Authorization") != testToken {
			t.Errorf("Logfire request headers: x-api-key %q, Authorization %q", h.Get("x-api-key"), h.Get("Authorization"))
		}
	}
}

// TestOTLPEndpointPerSignal: a signal's own endpoint, and
// OTEL_<SIGNAL>_EXPORTER=none, choose what goes to the extra backend; an
// endpoint that is Logfire's own is not sent to twice.
func TestOTLPEndpointPerSignal(t *testing.T) {
	clearEnv(t)
	quietSelflog(t)
	logfireRcv, extra := otlptest.New(t), otlptest.New(t)
	t.Setenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", extra.URL()+"/v1/traces")
	lf := deliveryInstance(t, logfireRcv.URL())
	lf.Info(context.Background(), "only spans")
	counter, _ := lf.MeterProvider().Meter("t").Int64Counter("n")
	counter.Add(context.Background(), 1)
	if err := lf.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if extra.Count(otlptest.Traces) != 1 || extra.Count(otlptest.Metrics) != 0 {
		t.Errorf("extra: %d spans, %d points; want 1 and 0", extra.Count(otlptest.Traces), extra.Count(otlptest.Metrics))
	}

	clearEnv(t)
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", logfireRcv.URL())
	var h handlerErrors // the default handler would hold the line back when the test runs again within a minute
	lf = deliveryInstance(t, logfireRcv.URL(), WithErrorHandler(h.handle))
	lf.Info(context.Background(), "once")
	if err := lf.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := logfireRcv.Count(otlptest.Traces); n != 2 { // "only spans", then "once" a single time
		t.Errorf("Logfire received %d spans, want 2", n)
	}
	if got := h.all(); len(got) != 1 || !strings.Contains(got[0], "not sending everything there twice") {
		t.Errorf("want one line about the endpoint set twice, the handler got %q", got)
	}
}

// TestOTLPEndpointWithTailSampling: the extra backend sees kept traces
// only.
func TestOTLPEndpointWithTailSampling(t *testing.T) {
	clearEnv(t)
	logfireRcv, extra := otlptest.New(t), otlptest.New(t)
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", extra.URL())
	lf := deliveryInstance(t, logfireRcv.URL(), WithSampling(SamplingOptions{Tail: LevelOrDuration{}.SampleRate}))
	lf.Info(context.Background(), "routine")
	lf.Error(context.Background(), "failure")
	if err := lf.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	for name, r := range map[string]*otlptest.Receiver{"Logfire": logfireRcv, "extra": extra} {
		if s := r.Spans(); len(s) != 1 || s[0].Name != "failure" {
			t.Errorf("%s got %d spans, want only the failure", name, len(s))
		}
	}
}

// TestOTelTracesSampler: OTEL_TRACES_SAMPLER chooses the head sampler
// unless LOGFIRE_TRACE_SAMPLE_RATE or SamplingOptions.Head is given.
func TestOTelTracesSampler(t *testing.T) {
	count := func(env map[string]string, opts ...Option) int {
		t.Helper()
		clearEnv(t)
		for k, v := range env {
			t.Setenv(k, v)
		}
		lf, mem := newTestInstance(t, opts...)
		for range 20 {
			lf.Info(context.Background(), "x")
		}
		_ = lf
		return len(mem.GetSpans())
	}
	if n := count(map[string]string{"OTEL_TRACES_SAMPLER": "always_off"}); n != 0 {
		t.Errorf("always_off: %d spans", n)
	}
	if n := count(map[string]string{"OTEL_TRACES_SAMPLER": "traceidratio", "OTEL_TRACES_SAMPLER_ARG": "0"}); n != 0 {
		t.Errorf("traceidratio 0: %d spans", n)
	}
	if n := count(map[string]string{"OTEL_TRACES_SAMPLER": "parentbased_always_on"}); n != 20 {
		t.Errorf("parentbased_always_on: %d spans", n)
	}
	if n := count(map[string]string{"OTEL_TRACES_SAMPLER": "always_off", "LOGFIRE_TRACE_SAMPLE_RATE": "1"}); n != 20 {
		t.Errorf("LOGFIRE_TRACE_SAMPLE_RATE must win: %d spans", n)
	}
	if n := count(map[string]string{"OTEL_TRACES_SAMPLER": "always_off"}, withHeadRate(1)); n != 20 {
		t.Errorf("SamplingOptions.Head must win: %d spans", n)
	}
}

// TestOTelPropagators: OTEL_PROPAGATORS names the propagators (made by
// autoprop); WithPropagator wins; an unknown name is an error naming the
// variable.
func TestOTelPropagators(t *testing.T) {
	clearEnv(t)
	t.Setenv("OTEL_PROPAGATORS", "xray")
	lf, _ := newTestInstance(t)
	if f := lf.Propagator().Fields(); !slices.Equal(f, []string{"X-Amzn-Trace-Id"}) {
		t.Errorf("fields %q, want the X-Ray header", f)
	}
	lf, _ = newTestInstance(t, WithPropagator(propagation.TraceContext{}))
	if f := lf.Propagator().Fields(); !slices.Equal(f, []string{"traceparent", "tracestate"}) {
		t.Errorf("WithPropagator must win: fields %q", f)
	}
	t.Setenv("OTEL_PROPAGATORS", "tracecontext,carrier-pigeon")
	_, err := Configure(context.Background(), notDefault(), WithConsole(nil))
	var ce *config.Error
	if !errors.As(err, &ce) || ce.Setting != "OTEL_PROPAGATORS" || !strings.Contains(err.Error(), "accepted values are tracecontext, baggage") {
		t.Errorf("error %v, want one naming OTEL_PROPAGATORS and its values", err)
	}
}

// TestWithRuntimeMetrics: the option reports the Go runtime's metrics
// through the instance's meter provider; without it there are none.
func TestWithRuntimeMetrics(t *testing.T) {
	collect := func(opts ...Option) []string {
		t.Helper()
		clearEnv(t)
		r := sdkmetric.NewManualReader()
		newTestInstance(t, append(opts, withMetricReader(r))...)
		var rm metricdata.ResourceMetrics
		if err := r.Collect(context.Background(), &rm); err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, sm := range rm.ScopeMetrics {
			for _, m := range sm.Metrics {
				names = append(names, m.Name)
			}
		}
		return names
	}
	if got := collect(); len(got) != 0 {
		t.Errorf("runtime metrics without the option: %q", got)
	}
	got := collect(WithRuntimeMetrics())
	for _, want := range []string{"go.memory.used", "go.goroutine.count", "go.memory.allocated", "go.processor.limit"} {
		if !slices.Contains(got, want) {
			t.Errorf("%s missing from %q", want, got)
		}
	}
}

// BenchmarkRuntimeMetricsCollect is what WithRuntimeMetrics adds to each
// metric export: one collection of the runtime instruments.
func BenchmarkRuntimeMetricsCollect(b *testing.B) {
	for _, on := range []bool{false, true} {
		b.Run(map[bool]string{false: "off", true: "on"}[on], func(b *testing.B) {
			r := sdkmetric.NewManualReader()
			opts := []Option{notDefault(), WithConsole(nil), WithSendToLogfire(config.SendNever), withMetricReader(r)}
			if on {
				opts = append(opts, WithRuntimeMetrics())
			}
			lf, err := Configure(context.Background(), opts...)
			if err != nil {
				b.Fatal(err)
			}
			defer lf.Shutdown(context.Background())
			c, _ := lf.MeterProvider().Meter("app").Int64Counter("requests")
			c.Add(context.Background(), 1, metric.WithAttributes(attribute.String("route", "/")))
			var rm metricdata.ResourceMetrics
			b.ReportAllocs()
			for b.Loop() {
				if err := r.Collect(context.Background(), &rm); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestOTLPEndpointSettings: the extra backend's requests carry the
// headers (a signal's own winning over the general ones) and compression
// its variables name, and its records are counted in DeliveryStats like
// Logfire's: what it could not take is kept and reported.
func TestOTLPEndpointSettings(t *testing.T) {
	clearEnv(t)
	quietSelflog(t)
	logfireRcv, extra := otlptest.New(t), otlptest.New(t)
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", extra.URL())
	t.Setenv("OTEL_EXPORTER_OTLP_HEADERS", "x-team=all,x-both=general")
	t.Setenv("OTEL_EXPORTER_OTLP_TRACES_HEADERS", "x-both=traces%20only")
	t.Setenv("OTEL_EXPORTER_OTLP_COMPRESSION", "gzip")
	t.Setenv("OTEL_EXPORTER_OTLP_METRICS_COMPRESSION", "none")
	lf := deliveryInstance(t, logfireRcv.URL())
	ctx := context.Background()
	extra.SetFault(otlptest.Status(503, 0))
	first := emit(t, lf, 1)
	fctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	err := lf.ForceFlush(fctx)
	var de *deliveryError
	if !errors.As(err, &de) || de.buffered != (signalCounts{spans: 22, logs: 3, metricPoints: 2}) {
		t.Fatalf("ForceFlush with the extra backend failing: %v, want its records buffered", err)
	}
	if !strings.Contains(err.Error(), extra.URL()) {
		t.Errorf("the error does not name the extra backend: %v", err)
	}
	extra.SetFault(otlptest.OK)
	if err := lf.Shutdown(fctx); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	checkArrived(t, extra, first)
	st := lf.DeliveryStats()
	// Each record counts once per destination: Logfire's and the extra's.
	if st.Logs.Delivered != 2*3 || st.Metrics.Delivered != 2*2 || st.Spans.Buffered != 0 {
		t.Errorf("stats: %+v", st)
	}
	seen := map[string]bool{}
	for _, h := range extra.Headers() {
		// A signal's own headers replace the general ones, as in
		// OpenTelemetry's exporters.
		if (h.Get("x-both") == "traces only") != (h.Get("x-team") == "") {
			t.Errorf("headers %v", h)
		}
		seen[h.Get("x-both")+"|"+h.Get("Content-Encoding")] = true
	}
	if !seen["traces only|gzip"] || !seen["general|"] || !seen["general|gzip"] {
		t.Errorf("headers and compression seen by the extra backend: %v; want traces with their own header and gzip, logs gzip, metrics uncompressed", seen)
	}
}

// TestOTLPEndpointCertificate: an https extra backend whose certificate
// OTEL_EXPORTER_OTLP_CERTIFICATE names is trusted, and gets every span; a
// client certificate without its key is an error that names the variable.
func TestOTLPEndpointCertificate(t *testing.T) {
	clearEnv(t)
	quietSelflog(t)
	var mu sync.Mutex
	spans := 0
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err == nil && r.Header.Get("Content-Encoding") == "gzip" {
			var zr *gzip.Reader
			if zr, err = gzip.NewReader(bytes.NewReader(body)); err == nil {
				body, err = io.ReadAll(zr)
			}
		}
		var req coltracepb.ExportTraceServiceRequest
		if err == nil {
			err = proto.Unmarshal(body, &req)
		}
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		mu.Lock()
		for _, rs := range req.ResourceSpans {
			for _, ss := range rs.ScopeSpans {
				spans += len(ss.Spans)
			}
		}
		mu.Unlock()
	}))
	t.Cleanup(srv.Close)
	ca := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", srv.URL+"/v1/traces")
	t.Setenv("OTEL_EXPORTER_OTLP_CERTIFICATE", ca)
	lf := deliveryInstance(t, otlptest.New(t).URL())
	for i := range 3 {
		lf.Info(context.Background(), "over TLS {i}", "i", i)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := lf.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	mu.Lock()
	defer mu.Unlock()
	if spans != 3 {
		t.Errorf("the https backend received %d spans, want 3", spans)
	}

	t.Setenv("OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE", ca)
	_, err := Configure(context.Background(), notDefault(), WithConsole(nil))
	if err == nil || !strings.Contains(err.Error(), "OTEL_EXPORTER_OTLP_CLIENT_KEY") {
		t.Errorf("a client certificate without a key: %v", err)
	}
}
