package e2e_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	otellog "go.opentelemetry.io/otel/log"
	"go.opentelemetry.io/otel/metric"

	"github.com/logfire-go/sdk/e2e/collector"
	"github.com/logfire-go/sdk/e2e/collectordist"
	"github.com/logfire-go/sdk/internal/capture"
	"github.com/logfire-go/sdk/internal/selflog"
	"github.com/logfire-go/sdk/internal/testhook"
	"github.com/logfire-go/sdk/logfire"
)

// The tests of docs/collector.md: the SDK sending through a real
// OpenTelemetry Collector (package collectordist: the Collector's own
// otlpreceiver, batch processor and otlphttpexporter, run in this process
// from the YAML files of testdata/collector that the page shows) to a
// final OTLP receiver (package collector) that stands in for Logfire.
//
// "Unchanged" is checked against the same requests sent directly: a tee in
// front of the collector posts every request the SDK makes both to the
// collector and to a second receiver, and what reaches the final receiver
// through the collector must equal what reached the direct one, record by
// record, every field but arrival time and headers.

// Tokens of the tests. They are not Logfire tokens and go only to
// receivers on 127.0.0.1.
const (
	collectorToken = "pylf_v1_us_collectorsecret0000000000000000000000"
	appTokenA      = "pylf_v1_us_appAsecret000000000000000000000000000"
	appTokenB      = "pylf_v1_us_appBsecret000000000000000000000000000"
	// placeholderToken is what an application sends to an agent that adds
	// the real token: it is not a secret, and the agent drops it.
	placeholderToken = "added-by-collector"
)

func collectorConfig(name string) string {
	return filepath.Join("testdata", "collector", name)
}

// tee is a reverse proxy on 127.0.0.1 that sends each request both to a
// direct receiver and to the collector, and answers with the collector's
// answer. It records the Authorization headers it was sent.
type tee struct {
	URL            string
	direct, target string

	mu    sync.Mutex
	auths []string
}

func startTee(t *testing.T, direct, target string) *tee {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	tp := &tee{URL: "http://" + ln.Addr().String(), direct: direct, target: target}
	client := &http.Client{Timeout: 10 * time.Second}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(io.LimitReader(r.Body, 32<<20))
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		tp.mu.Lock()
		tp.auths = append(tp.auths, r.Header.Get("Authorization"))
		tp.mu.Unlock()
		post := func(base string) (*http.Response, error) {
			req, err := http.NewRequestWithContext(r.Context(), http.MethodPost, base+r.URL.Path, bytes.NewReader(body))
			if err != nil {
				return nil, err
			}
			for _, h := range []string{"Content-Type", "Content-Encoding", "Authorization", "User-Agent"} {
				if v := r.Header.Get(h); v != "" {
					req.Header.Set(h, v)
				}
			}
			return client.Do(req)
		}
		if resp, err := post(tp.direct); err != nil || resp.StatusCode != http.StatusOK {
			http.Error(w, fmt.Sprintf("tee: the direct receiver failed: %v", err), http.StatusBadGateway)
			return
		} else {
			resp.Body.Close()
		}
		resp, err := post(tp.target)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		defer resp.Body.Close()
		for _, h := range []string{"Content-Type", "Retry-After"} {
			if v := resp.Header.Get(h); v != "" {
				w.Header().Set(h, v)
			}
		}
		w.WriteHeader(resp.StatusCode)
		io.Copy(w, resp.Body)
	})}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return tp
}

func (tp *tee) Auths() []string {
	tp.mu.Lock()
	defer tp.mu.Unlock()
	return append([]string(nil), tp.auths...)
}

// appConfig says how a test application is configured.
type appConfig struct {
	service string
	// baseURL and token configure the Logfire destination (none when
	// baseURL is "").
	baseURL, token string
	// otlpEndpoint sets OTEL_EXPORTER_OTLP_ENDPOINT.
	otlpEndpoint string
	hook         testhook.Settings
}

// startApp configures an SDK instance (not the default one) as an
// application would be, in an environment with no LOGFIRE_*, OTEL_* or
// AWS_LAMBDA_* variable but those of cfg. The SDK's own stderr lines go to
// the returned buffer.
func startApp(t *testing.T, cfg appConfig) (*logfire.Logfire, *capture.Buffer) {
	t.Helper()
	clearSDKEnv(t)
	if cfg.otlpEndpoint != "" {
		t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", cfg.otlpEndpoint)
	}
	out := &capture.Buffer{}
	t.Cleanup(selflog.SetOutput(out))
	hook := cfg.hook
	hook.NotDefault = true
	hook.CredentialsDir = t.TempDir()
	opts := []logfire.Option{logfire.WithConsole(nil), logfire.WithServiceName(cfg.service), logfire.WithServiceVersion("1.2.3"), logfire.WithEnvironment("e2e")}
	if cfg.baseURL != "" {
		opts = append(opts, logfire.WithBaseURL(cfg.baseURL), logfire.WithToken(cfg.token))
	}
	lf, err := logfire.Configure(testhook.With(context.Background(), hook), opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		lf.Shutdown(ctx)
	})
	return lf, out
}

// workload is what each test application records: per round, n Logfire
// logs (spans), a span with a child, n OpenTelemetry log records and a
// counter and histogram each with a data point; and a span that is open
// across a flush, so that a pending span is sent. Every record carries
// the attributes tag and seq, unique per record of a kind.
type workload struct {
	lf      *logfire.Logfire
	tag     string
	n       int
	counter metric.Int64Counter
	hist    metric.Float64Histogram
	logger  otellog.Logger
	round   int
}

func newWorkload(t *testing.T, lf *logfire.Logfire, tag string, n int) *workload {
	t.Helper()
	m := lf.MeterProvider().Meter("collector-e2e")
	c, err := m.Int64Counter("orders_placed", metric.WithUnit("{order}"), metric.WithDescription("orders placed"))
	if err != nil {
		t.Fatal(err)
	}
	h, err := m.Float64Histogram("order_value", metric.WithUnit("EUR"))
	if err != nil {
		t.Fatal(err)
	}
	return &workload{lf: lf, tag: tag, n: n, counter: c, hist: h, logger: lf.LoggerProvider().Logger("collector-e2e")}
}

// record records one round and returns the span that is left open; the
// caller flushes, then ends it.
func (w *workload) record(ctx context.Context) *logfire.SpanHandle {
	w.round++
	for i := range w.n {
		seq := fmt.Sprintf("%s-%d-%d", w.tag, w.round, i)
		w.lf.Info(ctx, "order {seq} placed for {customer}", "seq", seq, "tag", w.tag, "customer", map[string]any{"id": i, "vip": i%2 == 0}, "items", []string{"book", "pen"})
		var r otellog.Record
		r.SetSeverity(otellog.SeverityWarn)
		r.SetSeverityText("WARN")
		r.SetBody(attribute.StringValue("stock low for " + seq))
		r.AddAttributes(attribute.String("seq", seq), attribute.String("tag", w.tag))
		w.logger.Emit(ctx, r)
	}
	seq := fmt.Sprintf("%s-%d", w.tag, w.round)
	pctx, parent := w.lf.Span(ctx, "checkout {seq}", "seq", seq+"-parent", "tag", w.tag, logfire.Tags("checkout", "e2e"))
	w.lf.Warn(pctx, "payment retried {seq}", "seq", seq+"-child", "tag", w.tag, "attempt", 2)
	parent.End()
	attrs := metric.WithAttributes(attribute.String("tag", w.tag))
	w.counter.Add(ctx, int64(w.n), attrs)
	w.hist.Record(ctx, 12.5*float64(w.round), attrs)
	_, open := w.lf.Span(ctx, "long job {seq}", "seq", seq+"-open", "tag", w.tag)
	return open
}

// run records rounds rounds, each flushed with its open span still open
// (a pending span) and then once more after the span ended, and fails the
// test if a flush does not deliver.
func (w *workload) run(t *testing.T, rounds int) {
	t.Helper()
	ctx := context.Background()
	for range rounds {
		open := w.record(ctx)
		flush(t, w.lf)
		open.End()
		flush(t, w.lf)
	}
}

func flush(t *testing.T, lf *logfire.Logfire) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := lf.ForceFlush(ctx); err != nil {
		t.Fatalf("ForceFlush: %v", err)
	}
}

// canonical forms of the received records: every field but Arrived and
// Headers, deterministic (maps are printed sorted by fmt).

func spanKey(s collector.Span) string {
	return fmt.Sprintf("span %s/%s<-%s ts=%q fl=%d %q kind=%s %s..%s status=%v attrs=%v events=%v links=%v res=%v scope=%s@%s",
		s.TraceID, s.SpanID, s.ParentSpanID, s.TraceState, s.Flags, s.Name, s.Kind,
		s.StartTime.UTC().Format(time.RFC3339Nano), s.EndTime.UTC().Format(time.RFC3339Nano), s.Status,
		s.Attributes, s.Events, s.Links, s.Resource, s.ScopeName, s.ScopeVersion)
}

func logKey(l collector.LogRecord) string {
	return fmt.Sprintf("log %s %s sev=%d/%q ev=%q body=%v attrs=%v trace=%s span=%s fl=%d res=%v scope=%s@%s",
		l.Time.UTC().Format(time.RFC3339Nano), l.ObservedTime.UTC().Format(time.RFC3339Nano), l.SeverityNumber, l.SeverityText,
		l.EventName, l.Body, l.Attributes, l.TraceID, l.SpanID, l.Flags, l.Resource, l.ScopeName, l.ScopeVersion)
}

// pointKeys returns one key per data point of m.
func pointKeys(m collector.Metric) []string { return pointKeysOf(m, true) }

// pointKeysOf returns one key per data point of m, with the points' start
// and end times or without.
func pointKeysOf(m collector.Metric, times bool) []string {
	head := fmt.Sprintf("metric %q desc=%q unit=%q %s/%s mono=%t res=%v scope=%s@%s",
		m.Name, m.Description, m.Unit, m.Type, m.Temporality, m.Monotonic, m.Resource, m.ScopeName, m.ScopeVersion)
	var keys []string
	for _, p := range m.DataPoints {
		f := func(v *float64) string {
			if v == nil {
				return "-"
			}
			return fmt.Sprint(*v)
		}
		start, end := p.StartTime.UTC().Format(time.RFC3339Nano), p.Time.UTC().Format(time.RFC3339Nano)
		if !times {
			start, end = "", ""
		}
		keys = append(keys, fmt.Sprintf("%s point attrs=%v %s..%s value=%v count=%d sum=%g min=%s max=%s bounds=%v buckets=%v exp=%d/%d/%d%v/%d%v",
			head, p.Attributes, start, end, p.Value,
			p.Count, p.Sum, f(p.Min), f(p.Max), p.ExplicitBounds, p.BucketCounts,
			p.Scale, p.ZeroCount, p.PositiveOffset, p.PositiveCounts, p.NegativeOffset, p.NegativeCounts))
	}
	return keys
}

// received is everything a receiver holds, as sorted canonical keys.
type received struct {
	spans, logs, points []string
	pending             int
}

func receivedBy(c *collector.Collector) received {
	var r received
	for _, s := range c.Spans() {
		r.spans = append(r.spans, spanKey(s))
		if s.IsPending() {
			r.pending++
		}
	}
	for _, l := range c.Logs() {
		r.logs = append(r.logs, logKey(l))
	}
	for _, m := range c.Metrics() {
		r.points = append(r.points, pointKeys(m)...)
	}
	sort.Strings(r.spans)
	sort.Strings(r.logs)
	sort.Strings(r.points)
	return r
}

func (r received) String() string {
	return fmt.Sprintf("%d spans (%d pending), %d log records, %d metric data points", len(r.spans), r.pending, len(r.logs), len(r.points))
}

// waitSame waits until final holds as many records of each signal as
// direct (at most 20 s), then checks they are the same records.
func waitSame(t *testing.T, direct, final *collector.Collector) received {
	t.Helper()
	want := receivedBy(direct)
	err := waitCounts(final, int64(len(want.spans)), int64(len(want.logs)), int64(len(want.points)))
	got := receivedBy(final)
	if err != nil {
		t.Fatalf("through the collector: %v; direct: %v; final: %v", err, want, got)
	}
	sameKeys(t, "spans", want.spans, got.spans)
	sameKeys(t, "log records", want.logs, got.logs)
	sameKeys(t, "metric data points", want.points, got.points)
	return got
}

// waitCounts waits (at most 20 s in all) until c holds at least spans
// spans, logs log records and points metric data points.
func waitCounts(c *collector.Collector, spans, logs, points int64) error {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if _, err := c.WaitForSpans(ctx, func(s []collector.Span) bool { return int64(len(s)) >= spans }); err != nil {
		return err
	}
	if _, err := c.WaitForLogs(ctx, func(l []collector.LogRecord) bool { return int64(len(l)) >= logs }); err != nil {
		return err
	}
	_, err := c.WaitForMetrics(ctx, func(ms []collector.Metric) bool {
		n := int64(0)
		for _, m := range ms {
			n += int64(len(m.DataPoints))
		}
		return n >= points
	})
	return err
}

func sameKeys(t *testing.T, what string, want, got []string) {
	t.Helper()
	sameKeysAs(t, what, "directly", "through the collector", want, got)
}

// sameKeysAs is sameKeys with the names of the two paths compared.
func sameKeysAs(t *testing.T, what, wantPath, gotPath string, want, got []string) {
	t.Helper()
	if len(want) == 0 {
		t.Errorf("%s: none %s: the test asserts nothing", what, wantPath)
	}
	if len(want) != len(got) {
		t.Errorf("%s: %d %s, %d %s", what, len(want), wantPath, len(got), gotPath)
	}
	for i := range min(len(want), len(got)) {
		if want[i] != got[i] {
			t.Errorf("%s differ: first difference, %s:\n  %s\n%s:\n  %s", what, wantPath, want[i], gotPath, got[i])
			return
		}
	}
}

// checkLogfireShape checks that the records at c carry what the
// comparisons are about, so that "unchanged" is not said of nothing: the
// Logfire attributes on the spans of Info and Warn, on spans and on
// pending spans, and the resource attributes the application set, on all
// three signals.
func checkLogfireShape(t *testing.T, c *collector.Collector, wantPending bool) {
	t.Helper()
	seen := map[string]bool{}
	for _, s := range c.Spans() {
		for _, k := range []string{"logfire.span_type", "logfire.msg_template", "logfire.msg", "logfire.json_schema", "logfire.level_num", "logfire.pending_parent_id", "logfire.tags"} {
			if _, ok := s.Attributes[k]; ok {
				seen[fmt.Sprintf("%s=%v", k, map[bool]any{true: s.Attributes[k], false: "…"}[k == "logfire.span_type"])] = true
			}
		}
		if s.Attributes["logfire.level_num"] == int64(13) {
			seen["warn level"] = true
		}
	}
	want := []string{"logfire.span_type=log", "logfire.span_type=span", "logfire.msg_template=…", "logfire.msg=…", "logfire.json_schema=…", "logfire.level_num=…", "logfire.tags=…", "warn level"}
	if wantPending {
		want = append(want, "logfire.span_type=pending_span", "logfire.pending_parent_id=…")
	}
	for _, w := range want {
		if !seen[w] {
			t.Errorf("no span with %s arrived", w)
		}
	}
	res := func(what string, r map[string]any) {
		if r["service.name"] == nil || r["service.version"] != "1.2.3" || r["deployment.environment.name"] != "e2e" || r["telemetry.sdk.language"] != "go" {
			t.Errorf("%s: resource %v", what, r)
		}
	}
	for _, s := range c.Spans() {
		res("span "+s.Name, s.Resource)
	}
	for _, l := range c.Logs() {
		res("log record", l.Resource)
	}
	for _, m := range c.Metrics() {
		res("metric "+m.Name, m.Resource)
	}
}

// authsAtFinal returns the Authorization header of every record the final
// receiver holds, counted.
func authsAtFinal(c *collector.Collector) map[string]int {
	n := map[string]int{}
	for _, s := range c.Spans() {
		n["span "+s.Headers.Get("Authorization")]++
	}
	for _, l := range c.Logs() {
		n["log "+l.Headers.Get("Authorization")]++
	}
	for _, m := range c.Metrics() {
		n["metric "+m.Headers.Get("Authorization")]++
	}
	return n
}

// checkOnlyAuth checks that every record at the final receiver came with
// the Authorization header want.
func checkOnlyAuth(t *testing.T, c *collector.Collector, want string) {
	t.Helper()
	for k, n := range authsAtFinal(c) {
		_, auth, _ := strings.Cut(k, " ")
		if auth != want {
			t.Errorf("%d records (%s) arrived with Authorization %q, want the collector's token", n, k, redactToken(auth))
		}
	}
}

// redactToken shows a token's prefix only.
func redactToken(s string) string {
	if len(s) > 12 {
		return s[:12] + "…"
	}
	return s
}

// TestCollectorAgentTokenInCollector: agent.yaml, the application on the
// same host sending to the agent without Logfire's token, in each of the
// two ways docs/collector.md gives: OTEL_EXPORTER_OTLP_ENDPOINT (no token
// at all; no pending spans, as for any plain OTLP endpoint), and
// LOGFIRE_BASE_URL with a placeholder token (pending spans too). Every
// record arrives at the final receiver as it was sent, with the agent's
// token and never the application's placeholder.
func TestCollectorAgentTokenInCollector(t *testing.T) {
	for _, mode := range []string{"otlp-endpoint", "base-url"} {
		t.Run(mode, func(t *testing.T) {
			final := collector.Start(t)
			direct := collector.Start(t)
			agent := collectordist.Start(t, collectordist.Config{
				Files:    []string{collectorConfig("agent.yaml")},
				Env:      map[string]string{"LOGFIRE_TOKEN": collectorToken},
				Exporter: final.Endpoint(),
			})
			tp := startTee(t, direct.Endpoint(), agent.Endpoint)
			cfg := appConfig{service: "shop"}
			if mode == "otlp-endpoint" {
				cfg.otlpEndpoint = tp.URL
			} else {
				cfg.baseURL, cfg.token = tp.URL, placeholderToken
			}
			lf, stderr := startApp(t, cfg)
			newWorkload(t, lf, "agent", 5).run(t, 2)
			if out := stderr.String(); out != "" {
				t.Errorf("the SDK wrote on stderr (a placeholder token must not need a warning):\n%s", out)
			}

			got := waitSame(t, direct, final)
			t.Logf("through the agent, unchanged: %v", got)
			checkLogfireShape(t, final, mode == "base-url")
			checkOnlyAuth(t, final, collectorToken)
			for _, a := range tp.Auths() {
				if want := map[string]string{"otlp-endpoint": "", "base-url": placeholderToken}[mode]; a != want {
					t.Errorf("the application sent Authorization %q to the agent, want %q", redactToken(a), want)
				}
			}
			if mode == "base-url" && got.pending == 0 {
				t.Error("no pending span arrived through the agent")
			}
			if mode == "otlp-endpoint" && got.pending != 0 {
				t.Errorf("%d pending spans arrived from the OTLP endpoint path, which sends none", got.pending)
			}
			checkStats(t, lf, final, "")
		})
	}
}

// checkStats checks that lf's DeliveryStats count as delivered exactly
// what the final receiver holds from it (service), no more: nothing
// queued, buffered or dropped.
func checkStats(t *testing.T, lf *logfire.Logfire, final *collector.Collector, service string) {
	t.Helper()
	var spans, logs, points int64
	mine := func(res map[string]any) bool { return service == "" || res["service.name"] == service }
	for _, s := range final.Spans() {
		if mine(s.Resource) {
			spans++
		}
	}
	for _, l := range final.Logs() {
		if mine(l.Resource) {
			logs++
		}
	}
	for _, m := range final.Metrics() {
		if mine(m.Resource) {
			points += int64(len(m.DataPoints))
		}
	}
	st := lf.DeliveryStats()
	for _, c := range []struct {
		what string
		s    logfire.SignalStats
		got  int64
	}{{"spans", st.Spans, spans}, {"logs", st.Logs, logs}, {"metric data points", st.Metrics, points}} {
		if c.s.Delivered != c.got || c.s.Queued != 0 || c.s.Buffered != 0 || len(c.s.Dropped) != 0 {
			t.Errorf("%s: DeliveryStats %+v, the final receiver holds %d", c.what, c.s, c.got)
		}
	}
}

// TestCollectorGateway: gateway.yaml, shared by two applications (two SDK
// instances, different services, recording at the same time), neither
// with a token: both arrive unchanged, each record once, with the
// gateway's token.
func TestCollectorGateway(t *testing.T) {
	final := collector.Start(t)
	direct := collector.Start(t)
	gw := collectordist.Start(t, collectordist.Config{
		Files:    []string{collectorConfig("gateway.yaml")},
		Env:      map[string]string{"LOGFIRE_TOKEN": collectorToken},
		Exporter: final.Endpoint(),
	})
	tp := startTee(t, direct.Endpoint(), gw.Endpoint)
	apps := map[string]*logfire.Logfire{}
	for _, svc := range []string{"checkout", "billing"} {
		apps[svc], _ = startApp(t, appConfig{service: svc, baseURL: tp.URL, token: placeholderToken})
	}
	runApps(t, apps)
	got := waitSame(t, direct, final)
	t.Logf("through the gateway, unchanged: %v", got)
	checkLogfireShape(t, final, true)
	checkOnlyAuth(t, final, collectorToken)
	for svc, lf := range apps {
		checkStats(t, lf, final, svc)
	}
}

// TestCollectorAgentToGateway: an agent that adds the token (agent.yaml)
// forwarding to a pass-through gateway (passthrough.yaml): the records
// arrive unchanged after two collectors, with the agent's token.
func TestCollectorAgentToGateway(t *testing.T) {
	final := collector.Start(t)
	direct := collector.Start(t)
	gw := collectordist.Start(t, collectordist.Config{
		Files:    []string{collectorConfig("passthrough.yaml")},
		Exporter: final.Endpoint(),
	})
	agent := collectordist.Start(t, collectordist.Config{
		Files:    []string{collectorConfig("agent.yaml")},
		Env:      map[string]string{"LOGFIRE_TOKEN": collectorToken},
		Exporter: gw.Endpoint,
	})
	tp := startTee(t, direct.Endpoint(), agent.Endpoint)
	lf, _ := startApp(t, appConfig{service: "shop", baseURL: tp.URL, token: placeholderToken})
	newWorkload(t, lf, "chain", 5).run(t, 2)
	got := waitSame(t, direct, final)
	t.Logf("through agent and gateway, unchanged: %v", got)
	checkLogfireShape(t, final, true)
	checkOnlyAuth(t, final, collectorToken)
	checkStats(t, lf, final, "")
}

// TestCollectorPassthrough: passthrough.yaml, two applications with their
// own tokens sending through one collector: each record reaches the final
// receiver with its own application's token (the batch processor keeps
// the tokens' batches apart), unchanged.
func TestCollectorPassthrough(t *testing.T) {
	final := collector.Start(t)
	direct := collector.Start(t)
	gw := collectordist.Start(t, collectordist.Config{
		Files:    []string{collectorConfig("passthrough.yaml")},
		Exporter: final.Endpoint(),
	})
	tp := startTee(t, direct.Endpoint(), gw.Endpoint)
	tokens := map[string]string{"checkout": appTokenA, "billing": appTokenB}
	apps := map[string]*logfire.Logfire{}
	for svc, tok := range tokens {
		apps[svc], _ = startApp(t, appConfig{service: svc, baseURL: tp.URL, token: tok})
	}
	runApps(t, apps)
	got := waitSame(t, direct, final)
	t.Logf("through the pass-through collector, unchanged: %v", got)
	checkLogfireShape(t, final, true)
	wrong := 0
	check := func(res map[string]any, h http.Header) {
		if svc, _ := res["service.name"].(string); h.Get("Authorization") != tokens[svc] {
			wrong++
		}
	}
	for _, s := range final.Spans() {
		check(s.Resource, s.Headers)
	}
	for _, l := range final.Logs() {
		check(l.Resource, l.Headers)
	}
	for _, m := range final.Metrics() {
		check(m.Resource, m.Headers)
	}
	if wrong > 0 {
		t.Errorf("%d records arrived without their own application's token", wrong)
	}
	for svc, lf := range apps {
		checkStats(t, lf, final, svc)
	}
}

// runApps records a workload of 20 in each application of apps (by
// service name) at the same time, twice, each time flushing with a span
// still open, and then flushes them all.
func runApps(t *testing.T, apps map[string]*logfire.Logfire) {
	t.Helper()
	var wg sync.WaitGroup
	for svc, lf := range apps {
		wl := newWorkload(t, lf, svc, 20)
		wg.Go(func() {
			for range 2 {
				open := wl.record(context.Background())
				lf.ForceFlush(context.Background())
				open.End()
			}
		})
	}
	wg.Wait()
	for _, lf := range apps {
		flush(t, lf)
	}
}

// faultMode is what the collector (the application's first hop) does
// during a fault.
type faultMode int

const (
	faultDown   faultMode = iota // not listening: connection refused
	fault503                     // Logfire answers 503, the collector passes it back
	faultSlow                    // Logfire answers after the SDK's flush gave up
	faultQueued                  // Logfire answers 503, the collector's own queue holds on
)

// TestCollectorFaults: the SDK's guarantees when its first hop is the
// collector and the collector is down, answers 503 or is slow. With
// synchronous.yaml (the collector answers only once Logfire has), a flush
// during the fault returns ErrBuffered; the records are kept and resent
// once the collector is back, and at the end every record is at the final
// receiver exactly once and DeliveryStats counts each once. With the
// collector's own queue (agent.yaml alone), the collector accepts at once:
// the SDK counts the records delivered there, and the collector's retries
// deliver them later.
func TestCollectorFaults(t *testing.T) {
	for _, tc := range []struct {
		name  string
		mode  faultMode
		files []string
	}{
		{"down", faultDown, []string{"agent.yaml", "synchronous.yaml"}},
		{"503", fault503, []string{"agent.yaml", "synchronous.yaml"}},
		{"slow", faultSlow, []string{"agent.yaml", "synchronous.yaml"}},
		{"queued-in-collector", faultQueued, []string{"agent.yaml"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var (
				mu      sync.Mutex
				failing = tc.mode != faultDown
			)
			isFailing := func() bool { mu.Lock(); defer mu.Unlock(); return failing }
			final := collector.Start(t, collector.WithReject(func(ctx context.Context, r collector.Request) error {
				if !isFailing() {
					return nil
				}
				if tc.mode == faultSlow {
					select {
					case <-time.After(3 * time.Second):
						return nil
					case <-ctx.Done():
						return ctx.Err()
					}
				}
				return collector.Reject(http.StatusServiceUnavailable, 0)
			}))
			listen := freeAddr(t)
			var files []string
			for _, f := range tc.files {
				files = append(files, collectorConfig(f))
			}
			start := func() *collectordist.Running {
				return collectordist.Start(t, collectordist.Config{
					Files:    files,
					Env:      map[string]string{"LOGFIRE_TOKEN": collectorToken},
					Listen:   listen,
					Exporter: final.Endpoint(),
					// The collector's own retries, for the queued case:
					// soon, so that the test is short.
					Set: map[string]string{
						"exporters::otlphttp::retry_on_failure::initial_interval": "100ms",
						"exporters::otlphttp::retry_on_failure::max_interval":     "200ms",
					},
				})
			}
			if tc.mode != faultDown {
				start()
			}
			lf, stderr := startApp(t, appConfig{service: "shop", baseURL: "http://" + listen, token: placeholderToken})
			wl := newWorkload(t, lf, tc.name, 10)
			ctx := context.Background()

			// The fault: a round recorded and flushed with the span open.
			open := wl.record(ctx)
			fctx, cancel := context.WithTimeout(ctx, 1500*time.Millisecond)
			err := lf.ForceFlush(fctx)
			cancel()
			st := lf.DeliveryStats()
			if tc.mode == faultQueued {
				if err != nil {
					t.Fatalf("ForceFlush with the collector queueing: %v", err)
				}
				// The collector has tried the final receiver, which refused.
				wctx, wcancel := context.WithTimeout(ctx, 10*time.Second)
				_, werr := final.WaitForRejected(wctx, func(r collector.RequestCounts) bool { return r.Traces > 0 })
				wcancel()
				if werr != nil || len(final.Spans()) != 0 || final.Rejected().Traces == 0 {
					t.Fatalf("the collector's first export: %v; %d spans accepted, %+v refused", werr, len(final.Spans()), final.Rejected())
				}
				t.Logf("the collector accepted and queued: the SDK counts %d spans delivered, the final receiver refused them (%+v requests)", st.Spans.Delivered, final.Rejected())
			} else {
				if !errors.Is(err, logfire.ErrBuffered) {
					t.Fatalf("ForceFlush during the fault: %v, want ErrBuffered", err)
				}
				if st.Spans.Buffered == 0 || st.Logs.Buffered == 0 || st.Metrics.Buffered == 0 {
					t.Fatalf("nothing kept during the fault: %+v", st)
				}
				t.Logf("during the fault: ForceFlush: %v; outage: %q; buffered: %d spans, %d logs, %d points",
					err, st.Outage, st.Spans.Buffered, st.Logs.Buffered, st.Metrics.Buffered)
			}
			if want := map[faultMode]string{faultDown: "connection refused", fault503: "503", faultSlow: "no answer"}[tc.mode]; want != "" && !strings.Contains(err.Error(), want) {
				t.Errorf("ForceFlush's error does not say %q: %v", want, err)
			}
			if tc.mode == fault503 {
				if r := final.Rejected(); r.Traces == 0 {
					t.Errorf("the collector never forwarded to the final receiver: %+v", r)
				}
			}

			// Recovery.
			if tc.mode == faultDown {
				start()
			} else {
				mu.Lock()
				failing = false
				mu.Unlock()
			}
			open.End()
			open = wl.record(ctx)
			flush(t, lf)
			open.End()
			flush(t, lf)
			sctx, cancel := context.WithTimeout(ctx, 10*time.Second)
			defer cancel()
			if err := lf.Shutdown(sctx); err != nil {
				t.Fatalf("Shutdown: %v", err)
			}
			checkExactlyOnce(t, lf, final, wl, tc.mode == faultQueued)
			if strings.Contains(stderr.String(), collectorToken) || strings.Contains(stderr.String(), placeholderToken) {
				t.Error("a token is in the SDK's own output")
			}
		})
	}
}

func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// checkExactlyOnce checks, after the workload's rounds and a Shutdown of
// lf, that every span and log record of wl reached final exactly once
// (by its seq attribute; pending spans and metric points by their whole
// content), and that lf's DeliveryStats count each record delivered once.
// With wait, it first waits (at most 20 s) for the collector's own
// retries to bring the records to final.
func checkExactlyOnce(t *testing.T, lf *logfire.Logfire, final *collector.Collector, wl *workload, wait bool) {
	t.Helper()
	wantSpans, wantLogs := map[string]bool{}, map[string]bool{}
	for r := 1; r <= wl.round; r++ {
		for i := range wl.n {
			seq := fmt.Sprintf("%s-%d-%d", wl.tag, r, i)
			wantSpans[seq], wantLogs[seq] = true, true
		}
		for _, s := range []string{"parent", "child", "open"} {
			wantSpans[fmt.Sprintf("%s-%d-%s", wl.tag, r, s)] = true
		}
	}
	st := lf.DeliveryStats()
	if wait {
		if err := waitCounts(final, st.Spans.Delivered, st.Logs.Delivered, st.Metrics.Delivered); err != nil {
			t.Fatalf("the collector's retries: %v; the final receiver holds %v", err, receivedBy(final))
		}
	}
	realSeen := map[string]int{}
	for _, s := range final.Spans() {
		if !s.IsPending() {
			seq, _ := s.Attributes["seq"].(string)
			realSeen[seq]++
		}
	}
	logSeen := map[string]int{}
	for _, l := range final.Logs() {
		seq, _ := l.Attributes["seq"].(string)
		logSeen[seq]++
	}
	compare := func(what string, want map[string]bool, seen map[string]int) {
		for seq := range want {
			if seen[seq] != 1 {
				t.Errorf("%s %s arrived %d times", what, seq, seen[seq])
			}
		}
		for seq, n := range seen {
			if !want[seq] {
				t.Errorf("%s %q (%d times) was not recorded", what, seq, n)
			}
		}
	}
	compare("span", wantSpans, realSeen)
	compare("log record", wantLogs, logSeen)

	got := receivedBy(final)
	distinct := func(keys []string) int64 {
		n := 0
		for i, k := range keys {
			if i == 0 || keys[i-1] != k {
				n++
			}
		}
		return int64(n)
	}
	for _, c := range []struct {
		what string
		s    logfire.SignalStats
		keys []string
	}{{"spans", st.Spans, got.spans}, {"logs", st.Logs, got.logs}, {"metric data points", st.Metrics, got.points}} {
		d := distinct(c.keys)
		if dup := int64(len(c.keys)) - d; dup > 0 {
			t.Errorf("%s: %d arrived twice (at-least-once: a request the collector took was sent again)", c.what, dup)
		}
		if c.s.Delivered != d || c.s.Buffered != 0 || c.s.Queued != 0 || len(c.s.Dropped) != 0 {
			t.Errorf("%s: DeliveryStats %+v; the final receiver holds %d distinct", c.what, c.s, d)
		}
	}
	t.Logf("at the end: %v, each once; DeliveryStats agree", got)
}

// TestCollectorBothAppPathsSendTheSame: the two ways an application can
// send to an agent that adds the token (docs/collector.md) send the same
// records: one application with both a Logfire destination
// (LOGFIRE_BASE_URL) and OTEL_EXPORTER_OTLP_ENDPOINT sends every span, log
// record and metric data point identically to each, Logfire attributes
// and resource included; the OTLP endpoint just gets no pending spans.
func TestCollectorBothAppPathsSendTheSame(t *testing.T) {
	viaBaseURL := collector.Start(t)
	viaOTLP := collector.Start(t)
	lf, _ := startApp(t, appConfig{service: "shop", baseURL: viaBaseURL.Endpoint(), token: placeholderToken, otlpEndpoint: viaOTLP.Endpoint()})
	newWorkload(t, lf, "paths", 5).run(t, 2)
	a, b := receivedBy(viaBaseURL), receivedBy(viaOTLP)
	if a.pending == 0 || b.pending != 0 {
		t.Errorf("pending spans: %d via LOGFIRE_BASE_URL (want some), %d via OTEL_EXPORTER_OTLP_ENDPOINT (want none)", a.pending, b.pending)
	}
	var real []string
	for _, s := range viaBaseURL.Spans() {
		if !s.IsPending() {
			real = append(real, spanKey(s))
		}
	}
	sort.Strings(real)
	const pa, pb = "via LOGFIRE_BASE_URL", "via OTEL_EXPORTER_OTLP_ENDPOINT"
	sameKeysAs(t, "spans but pending ones", pa, pb, real, b.spans)
	sameKeysAs(t, "log records", pa, pb, a.logs, b.logs)
	// Each destination has its own metric reader, which collects at its
	// own moments: the points' times differ, nothing else.
	points := func(c *collector.Collector) []string {
		var keys []string
		for _, m := range c.Metrics() {
			keys = append(keys, pointKeysOf(m, false)...)
		}
		sort.Strings(keys)
		return keys
	}
	sameKeysAs(t, "metric data points (but their times)", pa, pb, points(viaBaseURL), points(viaOTLP))
	t.Logf("via LOGFIRE_BASE_URL: %v; via OTEL_EXPORTER_OTLP_ENDPOINT: %v", a, b)
}

// TestCollectorDocsShowTestedConfigs: docs/collector.md shows each
// collector configuration that these tests run, verbatim, in a yaml block
// under its file name.
func TestCollectorDocsShowTestedConfigs(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join(repoRoot(t), "docs", "collector.md"))
	if err != nil {
		t.Fatal(err)
	}
	files, err := filepath.Glob(collectorConfig("*.yaml"))
	if err != nil || len(files) < 4 {
		t.Fatalf("collector configurations: %v, %v", files, err)
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		block := "`" + filepath.Base(f) + "`:\n\n```yaml\n" + string(b) + "```\n"
		if !strings.Contains(string(doc), block) {
			t.Errorf("docs/collector.md does not show %s verbatim (as \"`%s`:\" then a yaml block)", f, filepath.Base(f))
		}
	}
}
