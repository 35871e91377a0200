package logfire_test

// Examples for the rest of the public API. Most record into a logfiretest
// capture, whose ids and times are deterministic, or print through the
// console with timestamps and colours off.

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	otellog "go.opentelemetry.io/otel/log"
	"go.opentelemetry.io/otel/metric"
	sdklog "go.opentelemetry.io/otel/sdk/log"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/sdk/resource"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/logfire-go/sdk/config"
	"github.com/logfire-go/sdk/console"
	"github.com/logfire-go/sdk/internal/exampletb"
	"github.com/logfire-go/sdk/internal/instance"
	"github.com/logfire-go/sdk/internal/testhook"
	"github.com/logfire-go/sdk/logfire"
	"github.com/logfire-go/sdk/logfiretest"
)

// exampleTBs stand in for the *testing.T that logfiretest.New wants, one
// per captured instance (so that each counts its ids from 1); TestMain
// cleans them up.
var exampleTBs []*exampletb.TB

// captured returns an instance whose records land in a capture.
func captured(opts ...logfire.Option) (*logfire.Logfire, *logfiretest.Capture) {
	t := exampletb.New()
	exampleTBs = append(exampleTBs, t)
	return logfiretest.New(t, opts...)
}

func TestMain(m *testing.M) {
	code := m.Run()
	for _, t := range exampleTBs {
		t.Done()
	}
	os.Exit(code)
}

// asDefault makes lf, a test instance, the default instance (as Configure
// makes its own) until the returned function runs, so that the examples
// of the package-level functions can show what they record.
func asDefault(lf *logfire.Logfire) (restore func()) {
	old := instance.Default()
	testhook.SetDefault(lf)
	return func() { testhook.SetDefault(old) }
}

// show prints the logs and ended spans of c: type, message and level.
func show(c *logfiretest.Capture) {
	for _, s := range c.All() {
		if s.SpanType() != "pending_span" {
			fmt.Printf("%s: %s (level %d)\n", s.SpanType(), s.Message(), s.Level())
		}
	}
}

// printing returns an instance that prints to standard output, without
// timestamps or colours, and sends nothing. A WithConsole in opts applies
// over those settings.
func printing(opts ...logfire.Option) *logfire.Logfire {
	base := []logfire.Option{
		logfire.WithSendToLogfire(config.SendNever),
		logfire.WithConsole(&console.Options{Writer: os.Stdout, HideTimestamps: true, Colors: config.ColorsNever}),
	}
	ctx := testhook.With(context.Background(), testhook.Settings{NotDefault: true})
	lf, err := logfire.Configure(ctx, append(base, opts...)...)
	if err != nil {
		panic(err)
	}
	return lf
}

// counterValue collects c's metrics and returns the int64 sum of name.
func counterValue(c *logfiretest.Capture, name string) int64 {
	m := c.Metrics()[name]
	if s, ok := m.Data.(metricdata.Sum[int64]); ok && len(s.DataPoints) > 0 {
		return s.DataPoints[0].Value
	}
	return 0
}

// --- package-level functions, which use the default instance ---

func ExampleLog() {
	lf, c := captured()
	defer lf.Shutdown(context.Background())
	defer asDefault(lf)()

	logfire.Log(context.Background(), logfire.Level(11), "between notice and warn")
	show(c)
	// Output: log: between notice and warn (level 11)
}

func ExampleTrace() {
	lf, c := captured()
	defer lf.Shutdown(context.Background())
	defer asDefault(lf)()

	logfire.Trace(context.Background(), "entering {fn}", "fn", "parse")
	show(c)
	// Output: log: entering parse (level 1)
}

func ExampleDebug() {
	lf, c := captured()
	defer lf.Shutdown(context.Background())
	defer asDefault(lf)()

	logfire.Debug(context.Background(), "cache {result}", "result", "miss")
	show(c)
	// Output: log: cache miss (level 5)
}

func ExampleInfo() {
	lf, c := captured()
	defer lf.Shutdown(context.Background())
	defer asDefault(lf)()

	logfire.Info(context.Background(), "Hello {name}!", "name", "world")
	show(c)
	// Output: log: Hello world! (level 9)
}

func ExampleNotice() {
	lf, c := captured()
	defer lf.Shutdown(context.Background())
	defer asDefault(lf)()

	logfire.Notice(context.Background(), "config reloaded")
	show(c)
	// Output: log: config reloaded (level 10)
}

func ExampleWarn() {
	lf, c := captured()
	defer lf.Shutdown(context.Background())
	defer asDefault(lf)()

	logfire.Warn(context.Background(), "retrying {url} in {delay}", "url", "/pay", "delay", 2*time.Second)
	show(c)
	// Output: log: retrying /pay in 2s (level 13)
}

// An error among the attributes is recorded as an exception and, at level
// error, fails the log.
func ExampleError() {
	lf, c := captured()
	defer lf.Shutdown(context.Background())
	defer asDefault(lf)()

	logfire.Error(context.Background(), "saving {id} failed", "id", 7, errors.New("disk full"))
	show(c)
	fmt.Println(c.Log("saving {id} failed").Status.Description)
	// Output:
	// log: saving 7 failed (level 17)
	// *errors.errorString: disk full
}

// Fatal records a log at level fatal; unlike log.Fatal it does not exit.
func ExampleFatal() {
	lf, c := captured()
	defer lf.Shutdown(context.Background())
	defer asDefault(lf)()

	logfire.Fatal(context.Background(), "cannot continue")
	show(c)
	fmt.Println("still running")
	// Output:
	// log: cannot continue (level 21)
	// still running
}

func ExampleSpan() {
	lf, c := captured()
	defer lf.Shutdown(context.Background())
	defer asDefault(lf)()

	ctx, span := logfire.Span(context.Background(), "handling {path}", "path", "/users")
	logfire.Info(ctx, "found {n} users", "n", 3)
	span.End()
	show(c)
	fmt.Println(c.Log("found {n} users").Parent.SpanID() == span.SpanContext().SpanID())
	// Output:
	// log: found 3 users (level 9)
	// span: handling /users (level 9)
	// true
}

func ExampleDo() {
	lf, c := captured()
	defer lf.Shutdown(context.Background())
	defer asDefault(lf)()

	err := logfire.Do(context.Background(), "sending {n} emails", func(ctx context.Context) error {
		logfire.Info(ctx, "sent")
		return nil
	}, "n", 2)
	fmt.Println(err)
	show(c)
	// Output:
	// <nil>
	// log: sent (level 9)
	// span: sending 2 emails (level 9)
}

// A panic inside Do is recorded on the span, which is ended, and then
// continues.
func ExampleDo_panic() {
	lf, c := captured()
	defer lf.Shutdown(context.Background())
	defer asDefault(lf)()

	func() {
		defer func() { fmt.Println("recovered:", recover()) }()
		_ = logfire.Do(context.Background(), "risky", func(context.Context) error { panic("boom") })
	}()
	s := c.Span("risky")
	fmt.Println(s.Level(), s.Status.Code, s.Events[0].Value("exception.message"))
	// Output:
	// recovered: boom
	// error Error boom
}

// slog levels map to Logfire levels: a level between two of slog's goes
// to the Logfire level of the one below.
func ExampleLogfire_SlogHandler_levels() {
	lf, c := captured()
	defer lf.Shutdown(context.Background())

	logger := slog.New(lf.SlogHandler())
	levels := []slog.Level{slog.LevelDebug - 4, slog.LevelDebug, slog.LevelInfo, slog.LevelInfo + 2, slog.LevelWarn, slog.LevelError, slog.LevelError + 4}
	for _, l := range levels {
		logger.Log(context.Background(), l, l.String())
	}
	for _, l := range levels {
		fmt.Println(l, "→", c.Log(l.String()).Level())
	}
	// Output:
	// DEBUG-4 → trace
	// DEBUG → debug
	// INFO → info
	// INFO+2 → notice
	// WARN → warn
	// ERROR → error
	// ERROR+4 → fatal
}

// AtLevel gives a span a level; a span below the minimum level is not
// recorded at all.
func ExampleAtLevel() {
	lf, c := captured(logfire.WithMinLevel(logfire.LevelInfo))
	defer lf.Shutdown(context.Background())

	_, noisy := lf.Span(context.Background(), "polling", logfire.AtLevel(logfire.LevelDebug))
	noisy.End() // a nil handle: does nothing
	_, slow := lf.Span(context.Background(), "slow query", logfire.AtLevel(logfire.LevelWarn))
	slow.End()
	show(c)
	// Output: span: slow query (level 13)
}

// --- methods of *Logfire ---

func ExampleLogfire_Log() {
	lf, c := captured()
	defer lf.Shutdown(context.Background())

	lf.Log(context.Background(), logfire.LevelNotice, "{n} jobs queued", "n", 4)
	show(c)
	// Output: log: 4 jobs queued (level 10)
}

func ExampleLogfire_Trace() {
	lf, c := captured()
	defer lf.Shutdown(context.Background())

	lf.Trace(context.Background(), "token {tok}", "tok", "ident")
	show(c)
	// Output: log: token ident (level 1)
}

func ExampleLogfire_Debug() {
	lf, c := captured()
	defer lf.Shutdown(context.Background())

	lf.Debug(context.Background(), "query took {d}", "d", 3*time.Millisecond)
	show(c)
	// Output: log: query took 3ms (level 5)
}

// Non-primitive values travel as JSON, with a matching schema entry.
func ExampleLogfire_Info() {
	lf, c := captured()
	defer lf.Shutdown(context.Background())

	lf.Info(context.Background(), "Hello {name}!", "name", "world", "d", map[string]int{"a": 1, "b": 2})
	log := c.Log("Hello {name}!")
	fmt.Println(log.Message())
	fmt.Println(log.Value("d"))
	fmt.Println(log.Value("logfire.json_schema"))
	// Output:
	// Hello world!
	// {"a":1,"b":2}
	// {"type":"object","properties":{"name":{},"d":{"type":"object"}}}
}

func ExampleLogfire_Notice() {
	lf, c := captured()
	defer lf.Shutdown(context.Background())

	lf.Notice(context.Background(), "new version {v} available", "v", "1.3.0")
	show(c)
	// Output: log: new version 1.3.0 available (level 10)
}

func ExampleLogfire_Warn() {
	lf, c := captured()
	defer lf.Shutdown(context.Background())

	lf.Warn(context.Background(), "{{literal braces}} and {missing}")
	show(c)
	// Output: log: {literal braces} and {missing} (level 13)
}

func ExampleLogfire_Fatal() {
	lf, c := captured()
	defer lf.Shutdown(context.Background())

	lf.Fatal(context.Background(), "out of memory")
	show(c)
	// Output: log: out of memory (level 21)
}

func ExampleLogfire_Do() {
	lf, c := captured()
	defer lf.Shutdown(context.Background())

	err := lf.Do(context.Background(), "charging {card}", func(context.Context) error {
		return errors.New("declined")
	}, "card", "4242")
	fmt.Println(err)
	s := c.Span("charging {card}")
	fmt.Println(s.Level(), s.Status.Description)
	// Output:
	// declined
	// error *errors.errorString: declined
}

// The tracer provider serves OpenTelemetry instrumentation libraries; their
// spans go where Logfire's go.
func ExampleLogfire_TracerProvider() {
	lf, c := captured()
	defer lf.Shutdown(context.Background())

	_, span := lf.TracerProvider().Tracer("database/sql").Start(context.Background(), "SELECT users")
	span.End()
	s := c.Span("SELECT users")
	fmt.Println(s.Scope.Name, s.SpanType() == "")
	// Output: database/sql true
}

func ExampleLogfire_MeterProvider() {
	lf, c := captured()
	defer lf.Shutdown(context.Background())

	hits, _ := lf.MeterProvider().Meter("cache").Int64Counter("hits")
	hits.Add(context.Background(), 5)
	fmt.Println(counterValue(c, "hits"))
	// Output: 5
}

// The logger provider serves OpenTelemetry log bridges; its records go to
// /v1/logs.
func ExampleLogfire_LoggerProvider() {
	lf, c := captured()
	defer lf.Shutdown(context.Background())

	var r otellog.Record
	r.SetBody(attribute.StringValue("bridged"))
	r.SetSeverity(otellog.SeverityInfo)
	lf.LoggerProvider().Logger("my-bridge").Emit(context.Background(), r)
	fmt.Println(c.LogRecords()[0].Body().AsString())
	// Output: bridged
}

// The console prints a record once it is flushed.
func ExampleLogfire_ForceFlush() {
	lf := printing()
	defer lf.Shutdown(context.Background())

	lf.Info(context.Background(), "flushed {n}", "n", 1)
	if err := lf.ForceFlush(context.Background()); err != nil {
		fmt.Println(err)
	}
	// Output: flushed 1
}

// Shutdown flushes everything; after it, records are dropped. Calling it
// again returns the first call's result.
func ExampleLogfire_Shutdown() {
	lf := printing()
	lf.Info(context.Background(), "before shutdown")
	fmt.Println(lf.Shutdown(context.Background()))
	lf.Info(context.Background(), "after shutdown")
	fmt.Println(lf.Shutdown(context.Background()))
	// Output:
	// before shutdown
	// <nil>
	// <nil>
}

// Counters are sent as deltas since the previous export.
func ExampleLogfire_MeterProvider_counter() {
	lf, c := captured()
	defer lf.Shutdown(context.Background())

	signups, _ := lf.MeterProvider().Meter("accounts").Int64Counter("signups")
	signups.Add(context.Background(), 1)
	signups.Add(context.Background(), 1)
	fmt.Println(counterValue(c, "signups"))
	// Counters are deltas: the next collection starts from zero.
	signups.Add(context.Background(), 1)
	fmt.Println(counterValue(c, "signups"))
	// Output:
	// 2
	// 1
}

func ExampleLogfire_MeterProvider_upDownCounter() {
	lf, c := captured()
	defer lf.Shutdown(context.Background())

	conns, _ := lf.MeterProvider().Meter("server").Int64UpDownCounter("open_connections")
	conns.Add(context.Background(), 3)
	fmt.Println(counterValue(c, "open_connections"))
	// Up-down counters are cumulative.
	conns.Add(context.Background(), -1)
	fmt.Println(counterValue(c, "open_connections"))
	// Output:
	// 3
	// 2
}

// Histograms are sent as exponential histograms.
func ExampleLogfire_MeterProvider_histogram() {
	lf, c := captured()
	defer lf.Shutdown(context.Background())

	size, _ := lf.MeterProvider().Meter("api").Float64Histogram("payload_size", metric.WithUnit("By"))
	size.Record(context.Background(), 512)
	m := c.Metrics()["payload_size"]
	h := m.Data.(metricdata.ExponentialHistogram[float64])
	fmt.Println(m.Unit, h.Temporality, h.DataPoints[0].Count)
	// Output: By DeltaTemporality 1
}

func ExampleLogfire_MeterProvider_gauge() {
	lf, c := captured()
	defer lf.Shutdown(context.Background())

	g, _ := lf.MeterProvider().Meter("host").Float64Gauge("cpu_temperature")
	g.Record(context.Background(), 60)
	g.Record(context.Background(), 62.5)
	m := c.Metrics()["cpu_temperature"]
	fmt.Println(m.Data.(metricdata.Gauge[float64]).DataPoints[0].Value)
	// Output: 62.5
}

// An observable counter reports the running total at each collection;
// Logfire receives the change.
func ExampleLogfire_MeterProvider_observableCounter() {
	lf, c := captured()
	defer lf.Shutdown(context.Background())

	total := int64(0)
	_, _ = lf.MeterProvider().Meter("clock").Int64ObservableCounter("ticks", metric.WithInt64Callback(func(_ context.Context, o metric.Int64Observer) error {
		total += 10
		o.Observe(total) // the running total; Logfire receives the change
		return nil
	}))
	fmt.Println(counterValue(c, "ticks"))
	fmt.Println(counterValue(c, "ticks"))
	// Output:
	// 10
	// 10
}

func ExampleLogfire_MeterProvider_observableUpDownCounter() {
	lf, c := captured()
	defer lf.Shutdown(context.Background())

	_, _ = lf.MeterProvider().Meter("runtime").Int64ObservableUpDownCounter("goroutines_waiting", metric.WithInt64Callback(func(_ context.Context, o metric.Int64Observer) error {
		o.Observe(3)
		return nil
	}))
	fmt.Println(counterValue(c, "goroutines_waiting"))
	// Output: 3
}

func ExampleLogfire_MeterProvider_observableGauge() {
	lf, c := captured()
	defer lf.Shutdown(context.Background())

	_, _ = lf.MeterProvider().Meter("host").Float64ObservableGauge("disk_free_ratio", metric.WithFloat64Callback(func(_ context.Context, o metric.Float64Observer) error {
		o.Observe(0.4, metric.WithAttributes(attribute.String("disk", "/")))
		return nil
	}))
	p := c.Metrics()["disk_free_ratio"].Data.(metricdata.Gauge[float64]).DataPoints[0]
	disk, _ := p.Attributes.Value("disk")
	fmt.Println(p.Value, disk.AsString())
	// Output: 0.4 /
}

// slog groups become dotted keys; WithAttrs attributes are converted once.
func ExampleLogfire_SlogHandler() {
	lf, c := captured()
	defer lf.Shutdown(context.Background())

	logger := slog.New(lf.SlogHandler()).With("service", "billing").WithGroup("req")
	logger.InfoContext(context.Background(), "handled {req.path}", "path", "/pay", "status", 200)
	log := c.Log("handled {req.path}")
	fmt.Println(log.Message())
	fmt.Println(log.Value("service"), log.Value("req.path"), log.Value("req.status"))
	// Output:
	// handled /pay
	// billing /pay 200
}

// With a logger on lf's handler as slog's default, slog.Info and friends
// record to Logfire.
func ExampleLogfire_SlogHandler_setDefault() {
	lf, c := captured()
	defer lf.Shutdown(context.Background())
	defer slog.SetDefault(slog.Default())

	slog.SetDefault(slog.New(lf.SlogHandler()))
	slog.Error("payment {id} failed", "id", 9)
	show(c)
	// Output: log: payment 9 failed (level 17)
}

// --- methods of *SpanHandle ---

// End is idempotent, so a deferred End is safe next to an explicit one.
func ExampleSpanHandle_End() {
	lf, c := captured()
	defer lf.Shutdown(context.Background())

	_, span := lf.Span(context.Background(), "once")
	defer span.End()
	span.End()
	fmt.Println(len(c.Spans()))
	// Output: 1
}

func ExampleSpanHandle_RecordError() {
	lf, c := captured()
	defer lf.Shutdown(context.Background())

	_, span := lf.Span(context.Background(), "upload")
	span.RecordError(os.ErrPermission)
	span.End()
	s := c.Span("upload")
	fmt.Println(s.Level(), s.Status.Description)
	// Output: error *errors.errorString: permission denied
}

// Attributes set on an open span update logfire.json_schema at End.
func ExampleSpanHandle_SetAttribute() {
	lf, c := captured()
	defer lf.Shutdown(context.Background())

	_, span := lf.Span(context.Background(), "query")
	span.SetAttribute("rows", []int{1, 2})
	span.End()
	s := c.Span("query")
	fmt.Println(s.Value("rows"), s.Value("logfire.json_schema"))
	// Output: [1,2] {"type":"object","properties":{"rows":{"type":"array"}}}
}

func ExampleSpanHandle_SetMessage() {
	lf, c := captured()
	defer lf.Shutdown(context.Background())

	_, span := lf.Span(context.Background(), "import {file}", "file", "a.csv")
	span.SetMessage("import a.csv: 10 rows")
	span.End()
	fmt.Println(c.All()[0].SpanType(), c.All()[0].Message()) // the pending span
	fmt.Println(c.Span("import {file}").Message())
	// Output:
	// pending_span import a.csv
	// import a.csv: 10 rows
}

func ExampleSpanHandle_SetLevel() {
	lf, c := captured()
	defer lf.Shutdown(context.Background())

	_, span := lf.Span(context.Background(), "sync")
	span.SetLevel(logfire.LevelWarn)
	span.End()
	fmt.Println(c.Span("sync").Level())
	// Output: warn
}

func ExampleSpanHandle_AddTags() {
	lf, c := captured()
	defer lf.Shutdown(context.Background())

	_, span := lf.Span(context.Background(), "deploy", logfire.Tags("ops"))
	span.AddTags("rollback")
	span.End()
	fmt.Println(c.Span("deploy").Value("logfire.tags"))
	// Output: [ops rollback]
}

func ExampleSpanHandle_SpanContext() {
	lf, _ := captured()
	defer lf.Shutdown(context.Background())

	_, span := lf.Span(context.Background(), "work")
	defer span.End()
	sc := span.SpanContext()
	fmt.Println(sc.TraceID(), sc.SpanID(), sc.IsSampled())

	var none *logfire.SpanHandle // what Span returns below the minimum level
	fmt.Println(none.SpanContext().IsValid())
	// Output:
	// 00000000000000000000000000000001 0000000000000001 true
	// false
}

func ExampleSpanHandle_OTelSpan() {
	lf, c := captured()
	defer lf.Shutdown(context.Background())

	_, span := lf.Span(context.Background(), "download")
	span.OTelSpan().AddEvent("first byte")
	span.End()
	fmt.Println(c.Span("download").Events[0].Name)
	// Output: first byte
}

// --- options ---

// Each token exports to its own project, at the base URL of the region
// the token names (here eu: https://logfire-eu.pydantic.dev) unless
// WithBaseURL or LOGFIRE_BASE_URL gives another, as here.
func ExampleWithToken() {
	rcv := newReceiver("logfire")
	defer rcv.Close()

	lf, err := logfire.Configure(context.Background(), logfire.WithConsole(nil),
		logfire.WithToken("pylf_v1_eu_one", "pylf_v1_eu_two"), logfire.WithBaseURL(rcv.URL))
	if err != nil {
		fmt.Println(err)
		return
	}
	lf.Info(context.Background(), "hello")
	_ = lf.Shutdown(context.Background())
	requests := rcv.requests()
	sort.Strings(requests)
	fmt.Println(requests)
	// Output: [logfire /v1/traces pylf_v1_eu_one logfire /v1/traces pylf_v1_eu_two]
}

// With config.SendNever nothing is sent, even with a token.
func ExampleWithSendToLogfire() {
	rcv := newReceiver("logfire")
	defer rcv.Close()

	lf, err := logfire.Configure(context.Background(), logfire.WithConsole(nil),
		logfire.WithToken("pylf_v1_us_example"), logfire.WithBaseURL(rcv.URL), logfire.WithSendToLogfire(config.SendNever))
	if err != nil {
		fmt.Println(err)
		return
	}
	lf.Info(context.Background(), "hello")
	_ = lf.Shutdown(context.Background())
	fmt.Println(len(rcv.requests()), "requests")
	// Output: 0 requests
}

func ExampleWithServiceName() {
	lf, c := captured(logfire.WithServiceName("checkout"))
	defer lf.Shutdown(context.Background())
	lf.Info(context.Background(), "started")
	v, _ := c.Log("started").Resource.Set().Value("service.name")
	fmt.Println(v.AsString())
	// Output: checkout
}

func ExampleWithServiceVersion() {
	lf, c := captured(logfire.WithServiceVersion("2.0.1"))
	defer lf.Shutdown(context.Background())
	lf.Info(context.Background(), "started")
	v, _ := c.Log("started").Resource.Set().Value("service.version")
	fmt.Println(v.AsString())
	// Output: 2.0.1
}

func ExampleWithEnvironment() {
	lf, c := captured(logfire.WithEnvironment("staging"))
	defer lf.Shutdown(context.Background())
	lf.Info(context.Background(), "started")
	v, _ := c.Log("started").Resource.Set().Value("deployment.environment.name")
	fmt.Println(v.AsString())
	// Output: staging
}

// receiver is a stand-in for Logfire: it records the path and
// Authorization header of each request.
type receiver struct {
	*httptest.Server
	mu   sync.Mutex
	seen []string
}

func newReceiver(name string) *receiver {
	r := &receiver{}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		r.mu.Lock()
		r.seen = append(r.seen, name+" "+req.URL.Path+" "+req.Header.Get("Authorization"))
		r.mu.Unlock()
	}))
	return r
}

func (r *receiver) requests() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.seen...)
}

// WithBaseURL sends to another endpoint, such as a self-hosted Logfire or
// an OpenTelemetry Collector.
func ExampleWithBaseURL() {
	rcv := newReceiver("collector")
	defer rcv.Close()

	lf, err := logfire.Configure(context.Background(), logfire.WithConsole(nil),
		logfire.WithToken("pylf_v1_us_example"), logfire.WithBaseURL(rcv.URL))
	if err != nil {
		fmt.Println(err)
		return
	}
	lf.Info(context.Background(), "hello")
	_ = lf.Shutdown(context.Background())
	fmt.Println(rcv.requests())
	// Output: [collector /v1/traces pylf_v1_us_example]
}

// The console prints each log, and each span when it starts. Its
// settings (a zero field keeps the LOGFIRE_CONSOLE_* variable, then the
// default) are those of console.Options; timestamps are on by default,
// and printing turns them off so that the output is stable.
func ExampleWithConsole() {
	lf := printing(logfire.WithConsole(&console.Options{HideTimestamps: true}))
	ctx, span := lf.Span(context.Background(), "processing order {id}", "id", 42)
	lf.Info(ctx, "charged {amount}", "amount", 9.5)
	span.End()
	_ = lf.Shutdown(context.Background())
	// Output:
	// processing order 42
	//   charged 9.5
}

// WithConsole(nil) turns the console off, whatever LOGFIRE_CONSOLE says.
func ExampleWithConsole_off() {
	lf := printing(logfire.WithConsole(nil))
	lf.Info(context.Background(), "not printed")
	_ = lf.Shutdown(context.Background())
	fmt.Println("nothing above")
	// Output: nothing above
}

// With colours always on, levels are coloured even when the output is not a
// terminal.
func ExampleWithConsole_colors() {
	var buf bytes.Buffer
	lf := printing(logfire.WithConsole(&console.Options{Writer: &buf, Colors: config.ColorsAlways}))
	lf.Warn(context.Background(), "low disk")
	_ = lf.Shutdown(context.Background())
	fmt.Println(strings.Contains(buf.String(), "\x1b["), strings.Contains(buf.String(), "low disk"))
	// Output: true true
}

func ExampleWithConsole_spanStyle() {
	lf := printing(logfire.WithConsole(&console.Options{SpanStyle: config.SpanStyleSimple}))
	ctx, span := lf.Span(context.Background(), "outer")
	lf.Info(ctx, "inside")
	span.End()
	_ = lf.Shutdown(context.Background())
	// Output:
	// outer
	// inside
}

// Verbose output adds the source location, the level and the arguments.
// (The location line, which names a line of this file, is left out here.)
func ExampleWithConsole_verbose() {
	var buf bytes.Buffer
	lf := printing(logfire.WithConsole(&console.Options{Writer: &buf, Verbose: true}))
	lf.Info(context.Background(), "user {name}", "name", "ada")
	_ = lf.Shutdown(context.Background())
	for _, line := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
		if !strings.Contains(line, ".go:") {
			fmt.Println(line)
		}
	}
	// Output:
	// user ada
	// │ name='ada'
}

func ExampleWithConsole_minLevel() {
	lf := printing(logfire.WithConsole(&console.Options{MinLevel: logfire.LevelWarn}))
	lf.Info(context.Background(), "hidden from the console, still exported")
	lf.Warn(context.Background(), "shown")
	_ = lf.Shutdown(context.Background())
	// Output: shown
}

func ExampleWithConsole_writer() {
	var buf bytes.Buffer
	lf := printing(logfire.WithConsole(&console.Options{Writer: &buf}))
	lf.Info(context.Background(), "into the buffer")
	_ = lf.Shutdown(context.Background())
	fmt.Print(strings.ToUpper(buf.String()))
	// Output: INTO THE BUFFER
}

func ExampleWithMinLevel() {
	lf, c := captured(logfire.WithMinLevel(logfire.LevelWarn))
	defer lf.Shutdown(context.Background())

	lf.Debug(context.Background(), "dropped")
	lf.Info(context.Background(), "dropped too")
	lf.Error(context.Background(), "kept")
	show(c)
	// Output: log: kept (level 17)
}

// Scrubbing is on unless LOGFIRE_SCRUBBING or WithScrubbing(nil) turns it
// off; off, a value that looks like a secret is sent as it is.
func ExampleWithScrubbing() {
	on, onCapture := captured(logfire.WithScrubbing(&logfire.ScrubbingOptions{}))
	defer on.Shutdown(context.Background())
	off, offCapture := captured(logfire.WithScrubbing(nil))
	defer off.Shutdown(context.Background())

	on.Info(context.Background(), "login", "password", "hunter2")
	off.Info(context.Background(), "login", "password", "hunter2")
	fmt.Println(onCapture.Log("login").Value("password"))
	fmt.Println(offCapture.Log("login").Value("password"))
	// Output:
	// [Scrubbed due to 'password']
	// hunter2
}

// A processor added with WithSpanProcessor sees real spans and logs, never
// pending spans.
func ExampleWithSpanProcessor() {
	rec := tracetest.NewSpanRecorder()
	lf, _ := captured(logfire.WithSpanProcessor(rec))
	defer lf.Shutdown(context.Background())

	ctx, span := lf.Span(context.Background(), "job")
	lf.Info(ctx, "step")
	span.End()
	for _, s := range rec.Ended() {
		fmt.Println(s.Name())
	}
	// Output:
	// step
	// job
}

// printBodies is an OpenTelemetry log processor that prints each record's
// body.
type printBodies struct{}

func (printBodies) Enabled(context.Context, sdklog.EnabledParameters) bool { return true }
func (printBodies) OnEmit(_ context.Context, r *sdklog.Record) error {
	fmt.Println(r.Severity(), r.Body().AsString())
	return nil
}
func (printBodies) Shutdown(context.Context) error   { return nil }
func (printBodies) ForceFlush(context.Context) error { return nil }

func ExampleWithLogProcessor() {
	lf, _ := captured(logfire.WithLogProcessor(printBodies{}))
	defer lf.Shutdown(context.Background())

	var r otellog.Record
	r.SetBody(attribute.StringValue("from a log bridge"))
	r.SetSeverity(otellog.SeverityWarn)
	lf.LoggerProvider().Logger("bridge").Emit(context.Background(), r)
	// Output: WARN from a log bridge
}

func ExampleWithResource() {
	res := resource.NewSchemaless(attribute.String("service.name", "fixed"), attribute.String("host.name", "test"))
	lf, c := captured(logfire.WithResource(res))
	defer lf.Shutdown(context.Background())

	lf.Info(context.Background(), "started")
	var keys []string
	for _, kv := range c.Log("started").Resource.Attributes() {
		keys = append(keys, string(kv.Key)+"="+kv.Value.AsString())
	}
	sort.Strings(keys)
	fmt.Println(keys)
	// Output: [host.name=test service.name=fixed]
}

// Enabled guards a log whose arguments are variables: Go converts them to
// any before the call, even when the level is below the minimum.
func ExampleLogfire_Enabled() {
	lf, c := captured(logfire.WithMinLevel(logfire.LevelInfo))
	defer lf.Shutdown(context.Background())

	key := "user:42"
	if lf.Enabled(logfire.LevelDebug) {
		lf.Debug(context.Background(), "cache {key} hit", "key", key)
	}
	fmt.Println(lf.Enabled(logfire.LevelDebug), lf.Enabled(logfire.LevelWarn), len(c.All()))
	// Output: false true 0
}

func ExampleEnabled() {
	lf, _ := captured(logfire.WithMinLevel(logfire.LevelWarn))
	defer lf.Shutdown(context.Background())
	defer asDefault(lf)()

	fmt.Println(logfire.Enabled(logfire.LevelInfo), logfire.Enabled(logfire.LevelError))
	// Output: false true
}
