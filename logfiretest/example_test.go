package logfiretest_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	otellog "go.opentelemetry.io/otel/log"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/logfire-go/sdk/logfire"
	"github.com/logfire-go/sdk/logfiretest"
)

// New belongs in a test: it gives an instance whose records land in the
// capture, and shuts it down when the test ends. (This example only
// compiles; the test function inside it is what you would write.)
func ExampleNew() {
	_ = func(t *testing.T) {
		lf, capture := logfiretest.New(t)
		lf.Info(context.Background(), "user {id} logged in", "id", 7)

		log := capture.Log("user {id} logged in")
		if got := log.Message(); got != "user 7 logged in" {
			t.Errorf("logfire.msg = %q", got)
		}
		if got := log.Value("id"); got != int64(7) {
			t.Errorf("id = %#v", got)
		}
	}
}

// Outside a test (here, in an Example), build the instance from a capture's
// Options.
func ExampleNewCapture() {
	c := logfiretest.NewCapture()
	lf, err := logfire.Configure(context.Background(), c.Options()...)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer lf.Shutdown(context.Background())

	lf.Warn(context.Background(), "disk {disk} is {pct}% full", "disk", "/var", "pct", 91)
	log := c.Log("disk {disk} is {pct}% full")
	fmt.Println(log.Message())
	fmt.Println(log.Level(), log.Value("pct"))
	// Output:
	// disk /var is 91% full
	// warn 91
}

// configure builds an instance on c for the examples below.
func configure(c *logfiretest.Capture) *logfire.Logfire {
	lf, err := logfire.Configure(context.Background(), c.Options()...)
	if err != nil {
		panic(err)
	}
	return lf
}

// All lists every record in the order Logfire's exporter would get it: a
// span's pending span when it starts, the span itself when it ends.
func ExampleCapture_All() {
	c := logfiretest.NewCapture()
	lf := configure(c)
	defer lf.Shutdown(context.Background())

	ctx, span := lf.Span(context.Background(), "import {file}", "file", "a.csv")
	lf.Info(ctx, "read {n} rows", "n", 3)
	span.End()

	for _, s := range c.All() {
		fmt.Println(s)
	}
	// Output:
	// pending_span "import {file}" trace=1 span=2 parent=1 1s..1s level=9
	// log "read {n} rows" trace=1 span=3 parent=1 2s..2s level=9
	// span "import {file}" trace=1 span=1 parent=- 1s..3s level=9
}

// DumpJSON is a stable text for golden files: deterministic ids and times,
// attributes sorted by key. Here the code.* attributes are left out of the
// printout because they name this file's line numbers.
func ExampleCapture_DumpJSON() {
	c := logfiretest.NewCapture()
	lf := configure(c)
	defer lf.Shutdown(context.Background())

	lf.Error(context.Background(), "payment failed", errors.New("card declined"))

	for _, line := range strings.Split(c.DumpJSON(), "\n") {
		if !strings.Contains(line, `"code.`) {
			fmt.Println(line)
		}
	}
	// Output:
	// [
	//   {
	//     "attributes": {
	//       "error": "\"card declined\"",
	//       "logfire.exception.fingerprint": "<fingerprint>",
	//       "logfire.json_schema": "{\"type\":\"object\",\"properties\":{\"error\":{\"type\":\"object\",\"title\":\"*errors.errorString\",\"x-python-datatype\":\"Exception\"}}}",
	//       "logfire.level_num": 17,
	//       "logfire.msg": "payment failed",
	//       "logfire.msg_template": "payment failed",
	//       "logfire.span_type": "log"
	//     },
	//     "context": {
	//       "span_id": 1,
	//       "trace_id": 1
	//     },
	//     "end_time": 1000000000,
	//     "events": [
	//       {
	//         "attributes": {
	//           "exception.message": "card declined",
	//           "exception.stacktrace": "<stacktrace>",
	//           "exception.type": "*errors.errorString"
	//         },
	//         "name": "exception",
	//         "timestamp": 1000000000
	//       }
	//     ],
	//     "name": "payment failed",
	//     "parent": null,
	//     "start_time": 1000000000,
	//     "status": {
	//       "code": "Error",
	//       "description": "*errors.errorString: card declined"
	//     }
	//   }
	// ]
}

// A span that is still open has sent only its pending span.
func ExampleCapture_PendingSpans() {
	c := logfiretest.NewCapture()
	lf := configure(c)
	defer lf.Shutdown(context.Background())

	ctx, outer := lf.Span(context.Background(), "outer")
	_, inner := lf.Span(ctx, "inner")
	defer outer.End()
	defer inner.End()

	for _, p := range c.PendingSpans() {
		fmt.Println(p.Name, p.Value("logfire.pending_parent_id"))
	}
	fmt.Println(len(c.Spans()), "ended spans")
	// Output:
	// outer 0000000000000000
	// inner 0000000000000001
	// 0 ended spans
}

// CollectMetrics reads the metrics as Logfire's exporter would: counters as
// deltas since the previous collection.
func ExampleCapture_CollectMetrics() {
	c := logfiretest.NewCapture()
	lf := configure(c)
	defer lf.Shutdown(context.Background())

	orders, _ := lf.Counter("orders")
	orders.Add(context.Background(), 2)

	ms, _ := c.CollectMetrics()
	m, _ := logfiretest.FindMetric(ms, "orders")
	sum := m.Data.(metricdata.Sum[int64])
	fmt.Println(sum.Temporality, sum.DataPoints[0].Value)
	// Output: DeltaTemporality 2
}

// The generator counts: trace ids and span ids each start at 1.
func ExampleIDGenerator() {
	g := logfiretest.NewIDGenerator()
	ctx := context.Background()
	tid, sid := g.NewIDs(ctx)
	fmt.Println(tid, sid)
	fmt.Println(g.NewSpanID(ctx, tid))
	// Output:
	// 00000000000000000000000000000001 0000000000000001
	// 0000000000000002
}

// Span.Dump is one record of Capture.Dump; Attr, Value and the named
// getters read single attributes.
func ExampleSpan_Dump() {
	c := logfiretest.NewCapture()
	lf := configure(c)
	defer lf.Shutdown(context.Background())

	lf.Info(context.Background(), "deployed {version}", "version", "1.2.3", logfire.Tags("ops"))
	s := c.Log("deployed {version}")
	d := s.Dump()
	fmt.Println(d["name"], d["context"], d["start_time"], d["end_time"])
	fmt.Println(s.Tags(), s.Value("version"), s.SpanType())
	// Output:
	// deployed {version} map[span_id:1 trace_id:1] 1000000000 1000000000
	// [ops] 1.2.3 log
}

// Span finds an ended span by its template; its getters read the Logfire
// attributes.
func ExampleCapture_Span() {
	c := logfiretest.NewCapture()
	lf := configure(c)
	defer lf.Shutdown(context.Background())

	_, span := lf.Span(context.Background(), "resize {w}x{h}", "w", 640, "h", 480, logfire.AtLevel(logfire.LevelDebug))
	span.RecordError(errors.New("unsupported format"))
	span.End()

	s := c.Span("resize {w}x{h}")
	fmt.Println(s.Template(), "|", s.Message(), "|", s.Level(), "|", s.Value("w"))
	ev, _ := s.Event("exception")
	fmt.Println(ev.Value("exception.message"))
	// Output:
	// resize {w}x{h} | resize 640x480 | error | 640
	// unsupported format
}

// Named returns every record with a template: here a span's pending span
// and the span itself.
func ExampleCapture_Named() {
	c := logfiretest.NewCapture()
	lf := configure(c)
	defer lf.Shutdown(context.Background())

	_, span := lf.Span(context.Background(), "batch")
	span.End()
	for _, s := range c.Named("batch") {
		fmt.Println(s.SpanType())
	}
	// Output:
	// pending_span
	// span
}

// Reset starts a new phase of a test; ids and times go on counting.
func ExampleCapture_Reset() {
	c := logfiretest.NewCapture()
	lf := configure(c)
	defer lf.Shutdown(context.Background())

	lf.Info(context.Background(), "setup")
	c.Reset()
	lf.Info(context.Background(), "the part under test")
	for _, s := range c.All() {
		fmt.Println(s)
	}
	// Output: log "the part under test" trace=2 span=2 parent=- 2s..2s level=9
}

// LogRecords holds what OpenTelemetry log bridges emit through the
// instance's LoggerProvider.
func ExampleCapture_LogRecords() {
	c := logfiretest.NewCapture()
	lf := configure(c)
	defer lf.Shutdown(context.Background())

	var r otellog.Record
	r.SetBody(attribute.StringValue("bridged record"))
	lf.LoggerProvider().Logger("bridge").Emit(context.Background(), r)
	for _, rec := range c.LogRecords() {
		fmt.Println(rec.InstrumentationScope().Name, rec.Body().AsString())
	}
	// Output: bridge bridged record
}
