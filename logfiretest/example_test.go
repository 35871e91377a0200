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

	"github.com/logfire-go/sdk/internal/exampletb"
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

// configure builds an instance for the examples below, which have no
// *testing.T: internal/exampletb stands in for it.
func configure() (*logfire.Logfire, *logfiretest.Capture, func()) {
	t := exampletb.New()
	lf, c := logfiretest.New(t)
	return lf, c, t.Done
}

// All lists every record in the order Logfire's exporter would get it: a
// span's pending span when it starts, the span itself when it ends.
func ExampleCapture_All() {
	lf, c, done := configure()
	defer done()

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

// Dump is a stable text for golden files: deterministic ids and times,
// attributes sorted by key. Here the code.* attributes are left out of the
// printout because they name this file's line numbers.
func ExampleCapture_Dump() {
	lf, c, done := configure()
	defer done()

	lf.Error(context.Background(), "payment failed", errors.New("card declined"))

	for _, line := range strings.Split(c.Dump(), "\n") {
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
	//           "exception.escaped": "False",
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
func ExampleCapture_All_open() {
	lf, c, done := configure()
	defer done()

	ctx, outer := lf.Span(context.Background(), "outer")
	_, inner := lf.Span(ctx, "inner")
	defer outer.End()
	defer inner.End()

	for _, p := range c.All() {
		fmt.Println(p.SpanType(), p.Name, p.Value("logfire.pending_parent_id"))
	}
	fmt.Println(len(c.Spans()), "ended spans")
	// Output:
	// pending_span outer 0000000000000000
	// pending_span inner 0000000000000001
	// 0 ended spans
}

// Metrics reads the metrics as Logfire's exporter would: counters as
// deltas since the previous collection.
func ExampleCapture_Metrics() {
	lf, c, done := configure()
	defer done()

	orders, _ := lf.MeterProvider().Meter("shop").Int64Counter("orders")
	orders.Add(context.Background(), 2)

	sum := c.Metrics()["orders"].Data.(metricdata.Sum[int64])
	fmt.Println(sum.Temporality, sum.DataPoints[0].Value)
	// Output: DeltaTemporality 2
}

// A Span's getters read the Logfire attributes; Value reads any.
func ExampleSpan_Value() {
	lf, c, done := configure()
	defer done()

	lf.Info(context.Background(), "deployed {version}", "version", "1.2.3", logfire.Tags("ops"))
	s := c.Log("deployed {version}")
	fmt.Println(s.Name, s.SpanContext.TraceID(), s.StartTime.Unix())
	fmt.Println(s.Value("logfire.tags"), s.Value("version"), s.SpanType())
	// Output:
	// deployed {version} 00000000000000000000000000000001 1
	// [ops] 1.2.3 log
}

// Span finds an ended span by its template; its getters read the Logfire
// attributes.
func ExampleCapture_Span() {
	lf, c, done := configure()
	defer done()

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

// Reset starts a new phase of a test; ids and times go on counting.
func ExampleCapture_Reset() {
	lf, c, done := configure()
	defer done()

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
	lf, c, done := configure()
	defer done()

	var r otellog.Record
	r.SetBody(attribute.StringValue("bridged record"))
	lf.LoggerProvider().Logger("bridge").Emit(context.Background(), r)
	for _, rec := range c.LogRecords() {
		fmt.Println(rec.InstrumentationScope().Name, rec.Body().AsString())
	}
	// Output: bridge bridged record
}
