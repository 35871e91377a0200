package logfire

import (
	"context"
	"errors"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	otellog "go.opentelemetry.io/otel/log"
	metricpb "go.opentelemetry.io/proto/otlp/metrics/v1"

	"github.com/logfire-go/sdk/internal/testhook"
)

const testToken = "pylf_v1_us_testtoken0123456789"

func TestExportWireFormat(t *testing.T) {
	clearEnv(t)
	rcv := newTestReceiver(t)
	lf, err := Configure(context.Background(), notDefault(), WithConsole(nil),
		WithToken(testToken), WithBaseURL(rcv.URL()), WithServiceName("wire-test"))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	lf.Info(ctx, "Hello {name}", "name", "world")
	sctx, span := lf.Span(ctx, "outer {x}", "x", 1)
	lf.Warn(sctx, "inside")
	span.End()
	counter, _ := lf.MeterProvider().Meter("test").Int64Counter("requests")
	counter.Add(ctx, 3)
	var rec otellog.Record
	rec.SetBody(attribute.StringValue("bridged log"))
	lf.LoggerProvider().Logger("test").Emit(ctx, rec)

	if err := lf.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	reqs := rcv.requests()
	paths := map[string]int{}
	for _, r := range reqs {
		paths[r.Path]++
		// Small requests go uncompressed (see TestLargeRequestsAreGzipped).
		if r.Gzipped {
			t.Errorf("%s: a small request was gzip-compressed", r.Path)
		}
		if got := r.Header.Get("Authorization"); got != testToken {
			t.Errorf("%s: Authorization = %q, want the raw token", r.Path, got)
		}
		if got := r.Header.Get("User-Agent"); got != "logfire-go/"+Version {
			t.Errorf("%s: User-Agent = %q", r.Path, got)
		}
		if got := r.Header.Get("Content-Type"); got != "application/x-protobuf" {
			t.Errorf("%s: Content-Type = %q", r.Path, got)
		}
	}
	for _, p := range []string{"/v1/traces", "/v1/metrics", "/v1/logs"} {
		if paths[p] == 0 {
			t.Errorf("no request to %s (got %v)", p, paths)
		}
	}

	byName := map[string]map[string]any{}
	for _, s := range rcv.spans() {
		byName[s.Name] = attrMap(s.Attributes)
	}
	hello := byName["Hello {name}"]
	if hello["logfire.msg"] != "Hello world" || hello["logfire.level_num"] != int64(9) || hello["logfire.span_type"] != "log" ||
		hello["name"] != "world" || hello["logfire.json_schema"] != `{"type":"object","properties":{"name":{}}}` {
		t.Errorf("log attributes: %v", hello)
	}
	if !strings.HasSuffix(hello["code.filepath"].(string), "logfire/export_test.go") || hello["code.function"] != "logfire.TestExportWireFormat" {
		t.Errorf("code.* attributes: %v", hello)
	}
	if outer := byName["outer {x}"]; outer["logfire.span_type"] != "span" || outer["logfire.msg"] != "outer 1" || outer["x"] != int64(1) {
		t.Errorf("span attributes: %v", outer)
	}

	var sum *metricpb.Sum
	for _, r := range reqs {
		if r.Metrics == nil {
			continue
		}
		for _, rm := range r.Metrics.ResourceMetrics {
			for _, sm := range rm.ScopeMetrics {
				for _, m := range sm.Metrics {
					if m.Name == "requests" {
						sum = m.GetSum()
					}
				}
			}
		}
	}
	if sum == nil || sum.AggregationTemporality != metricpb.AggregationTemporality_AGGREGATION_TEMPORALITY_DELTA ||
		!sum.IsMonotonic || sum.DataPoints[0].GetAsInt() != 3 {
		t.Errorf("counter: %v", sum)
	}
}

func TestConfigureOpensNoConnectionAndEmptyFlushSendsNothing(t *testing.T) {
	clearEnv(t)
	rcv := newTestReceiver(t)
	lf, err := Configure(context.Background(), notDefault(), WithConsole(nil),
		WithToken(testToken), WithBaseURL(rcv.URL()))
	if err != nil {
		t.Fatal(err)
	}
	if n := rcv.connections(); n != 0 {
		t.Fatalf("Configure opened %d connections", n)
	}
	// An instrument with no measurements, so the metric reader has
	// something to collect but no data points.
	_, _ = lf.MeterProvider().Meter("test").Int64Counter("unused")
	if err := lf.ForceFlush(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := lf.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n, reqs := rcv.connections(), rcv.requests(); n != 0 || len(reqs) != 0 {
		t.Fatalf("flush with nothing to send made %d connections and %d requests", n, len(reqs))
	}
}

func TestMultiTokenReachesEachReceiver(t *testing.T) {
	clearEnv(t)
	a, b := newTestReceiver(t), newTestReceiver(t)
	lf, err := Configure(context.Background(), notDefault(), WithConsole(nil),
		withDestinations(
			testhook.Destination{Token: "pylf_v1_us_projecta", BaseURL: a.URL()},
			testhook.Destination{Token: "pylf_v1_eu_projectb", BaseURL: b.URL()},
		))
	if err != nil {
		t.Fatal(err)
	}
	lf.Info(context.Background(), "to both")
	if err := lf.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	for name, r := range map[string]*testReceiver{"pylf_v1_us_projecta": a, "pylf_v1_eu_projectb": b} {
		spans := r.spans()
		if len(spans) != 1 || spans[0].Name != "to both" {
			t.Errorf("%s: got %d spans", name, len(spans))
		}
		for _, req := range r.requests() {
			if req.Header.Get("Authorization") != name {
				t.Errorf("receiver for %s got token %q", name, req.Header.Get("Authorization"))
			}
		}
	}
}

func TestMultiTokenFromEnvironment(t *testing.T) {
	clearEnv(t)
	rcv := newTestReceiver(t)
	t.Setenv("LOGFIRE_TOKEN", "pylf_v1_us_first,pylf_v1_us_second")
	t.Setenv("LOGFIRE_BASE_URL", rcv.URL())
	t.Setenv("LOGFIRE_CONSOLE", "false")
	lf, err := Configure(context.Background(), notDefault())
	if err != nil {
		t.Fatal(err)
	}
	lf.Info(context.Background(), "twice")
	if err := lf.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	tokens := map[string]int{}
	for _, r := range rcv.requests() {
		if r.Path == "/v1/traces" {
			tokens[r.Header.Get("Authorization")]++
		}
	}
	if tokens["pylf_v1_us_first"] != 1 || tokens["pylf_v1_us_second"] != 1 {
		t.Fatalf("each token should send once: %v", tokens)
	}
}

// hangingEndpoint accepts connections and never answers.
func hangingEndpoint(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var conns []net.Conn
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	return "http://" + ln.Addr().String()
}

// within fails the test if f does not return within d; it bounds a call
// that must not hang, it does not measure speed.
func within(t *testing.T, d time.Duration, f func() error) error {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- f() }()
	select {
	case err := <-done:
		return err
	case <-time.After(d):
		t.Fatalf("call did not return within %v", d)
		return nil
	}
}

func TestForceFlushHonoursContext(t *testing.T) {
	clearEnv(t)
	lf, err := Configure(context.Background(), notDefault(), WithConsole(nil),
		WithToken(testToken), WithBaseURL(hangingEndpoint(t)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		defer cancel()
		_ = lf.Shutdown(ctx)
	})
	lf.Info(context.Background(), "stuck")

	t.Run("expired context", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		err := within(t, 5*time.Second, func() error { return lf.ForceFlush(ctx) })
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("got %v, want context.Canceled", err)
		}
	})
	t.Run("deadline during a hanging export", func(t *testing.T) {
		// The export gives up just before the deadline and keeps the span
		// for a later attempt.
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		defer cancel()
		err := within(t, 5*time.Second, func() error { return lf.ForceFlush(ctx) })
		if !errors.Is(err, ErrBuffered) || !strings.Contains(err.Error(), "no answer before the export's deadline") {
			t.Fatalf("got %v, want ErrBuffered naming the hang", err)
		}
	})
}

func TestShutdownTwiceAndConcurrently(t *testing.T) {
	clearEnv(t)
	rcv := newTestReceiver(t)
	lf, err := Configure(context.Background(), notDefault(), WithConsole(nil),
		WithToken(testToken), WithBaseURL(rcv.URL()))
	if err != nil {
		t.Fatal(err)
	}
	lf.Info(context.Background(), "before shutdown")
	var wg sync.WaitGroup
	errs := make([]error, 8)
	for i := range errs {
		wg.Go(func() { errs[i] = lf.Shutdown(context.Background()) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("shutdown %d: %v", i, err)
		}
	}
	if err := lf.Shutdown(context.Background()); err != nil {
		t.Fatalf("second shutdown: %v", err)
	}
	// After shutdown, the API is still safe to call and sends nothing more.
	lf.Info(context.Background(), "after shutdown")
	_, span := lf.Span(context.Background(), "after shutdown span")
	span.End()
	if n := len(rcv.spans()); n != 1 {
		t.Fatalf("got %d spans, want exactly the one logged before shutdown", n)
	}
}

func TestDefaultInstance(t *testing.T) {
	clearEnv(t)
	t.Cleanup(func() { setDefault(nil) })
	a, memA := newTestInstance(t)
	if current() == a {
		t.Fatal("notDefault() still set the default")
	}
	Info(context.Background(), "no default yet") // must not panic
	setDefault(a)
	b, memB := newTestInstance(t)
	Info(context.Background(), "to a")
	b.Info(context.Background(), "to b")
	if n := len(memA.GetSpans()); n != 1 {
		t.Fatalf("a got %d spans", n)
	}
	if s := memB.GetSpans(); len(s) != 1 || s[0].Name != "to b" {
		t.Fatalf("b got %v", s)
	}

	c, err := Configure(context.Background(), WithConsole(nil))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Shutdown(context.Background())
	if current() != c {
		t.Fatal("Configure did not set the default")
	}
}

// A Shutdown whose context is already done changes nothing, so that a
// later Shutdown with a live context still flushes and stops everything.
func TestShutdownWithExpiredContextCanBeRetried(t *testing.T) {
	clearEnv(t)
	rcv := newTestReceiver(t)
	lf, err := Configure(context.Background(), notDefault(), WithConsole(nil),
		WithToken(testToken), WithBaseURL(rcv.URL()))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err = within(t, 5*time.Second, func() error { return lf.Shutdown(ctx) })
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("shutdown with a cancelled context: got %v, want context.Canceled", err)
	}
	lf.Info(context.Background(), "logged between the two shutdowns")
	if err := lf.Shutdown(context.Background()); err != nil {
		t.Fatalf("shutdown with a live context: %v", err)
	}
	if s := rcv.spans(); len(s) != 1 || s[0].Name != "logged between the two shutdowns" {
		t.Fatalf("got %v, want the one log, exported by the second shutdown", s)
	}
	_, span := lf.Span(context.Background(), "after shutdown")
	span.End()
	if err := lf.ForceFlush(context.Background()); err != nil {
		t.Fatalf("flush after shutdown: %v", err)
	}
	if n := len(rcv.spans()); n != 1 {
		t.Fatalf("got %d spans after shutdown, want still 1", n)
	}
}

// TestLargeRequestsAreGzipped: a request of 16 KiB or more is sent
// gzip-compressed; smaller ones, whose bytes cost less to send than to
// compress, as they are.
func TestLargeRequestsAreGzipped(t *testing.T) {
	clearEnv(t)
	rcv := newTestReceiver(t)
	lf, err := Configure(context.Background(), notDefault(), WithConsole(nil),
		WithToken(testToken), WithBaseURL(rcv.URL()))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for i := range 200 {
		lf.Info(ctx, "record {i} of a large request", "i", i, "pad", strings.Repeat("p", 100))
	}
	if err := lf.ForceFlush(ctx); err != nil {
		t.Fatal(err)
	}
	lf.Info(ctx, "a small request")
	if err := lf.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	var gz, plain int
	for _, r := range rcv.requests() {
		if r.Path != "/v1/traces" {
			continue
		}
		if r.Gzipped {
			gz++
		} else {
			plain++
		}
	}
	if gz != 1 || plain != 1 {
		t.Errorf("%d gzip-compressed and %d plain trace requests, want 1 and 1", gz, plain)
	}
}
