package logfire_test

// Examples of the methods of *Logfire.

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"go.opentelemetry.io/otel/attribute"
	otellog "go.opentelemetry.io/otel/log"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/logfire-go/sdk/logfire"
)

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
