package otellambdaflush

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/trace"

	"github.com/logfire-go/sdk/logfiretest"
)

// deliver posts a batch of events to t as Lambda does.
func deliver(t *testing.T, pt *platformTelemetry, body string) {
	t.Helper()
	w := httptest.NewRecorder()
	pt.ServeHTTP(w, httptest.NewRequest(http.MethodPost, "/", strings.NewReader(body)))
	if w.Code != http.StatusOK {
		t.Fatalf("delivery answered %d: %s", w.Code, w.Body)
	}
}

// sums returns, for a delta counter, its total by error.type ("" for no
// attribute), and for a histogram its count.
func sums(t *testing.T, c *logfiretest.Capture) (counters map[string]map[string]int64, counts map[string]uint64) {
	t.Helper()
	counters, counts = map[string]map[string]int64{}, map[string]uint64{}
	for name, m := range c.Metrics() {
		switch d := m.Data.(type) {
		case metricdata.Sum[int64]:
			counters[name] = map[string]int64{}
			for _, p := range d.DataPoints {
				v, _ := p.Attributes.Value("error.type")
				counters[name][v.AsString()] += p.Value
			}
		case metricdata.ExponentialHistogram[float64]:
			for _, p := range d.DataPoints {
				counts[name] += p.Count
			}
		case metricdata.ExponentialHistogram[int64]:
			for _, p := range d.DataPoints {
				counts[name] += p.Count
			}
		}
	}
	return counters, counts
}

func attrs(kvs []attribute.KeyValue) map[string]attribute.Value {
	out := map[string]attribute.Value{}
	for _, kv := range kvs {
		out[string(kv.Key)] = kv.Value
	}
	return out
}

// TestPlatformReportRecords: the reports of a delivery become metrics and
// spans, once per invocation whatever Lambda repeats: a cold start, an
// out-of-memory kill reported as Runtime.OutOfMemory, one reported as
// Runtime.ExitError with all of the memory used (recorded as out of
// memory too), a timeout, a function error; the other events are not
// reports.
func TestPlatformReportRecords(t *testing.T) {
	lf, c := logfiretest.New(t)
	pt := newPlatformTelemetry(lf, false, func(err error) { t.Errorf("reported: %v", err) })
	parent := trace.NewSpanContext(trace.SpanContextConfig{TraceID: [16]byte{1}, SpanID: [8]byte{2}, TraceFlags: trace.FlagsSampled})
	pt.expect("cold")
	pt.note("cold", parent)
	deliver(t, pt, `[
	 {"time":"2026-01-02T03:04:05.000Z","type":"platform.initStart","record":{"initializationType":"on-demand","phase":"init"}},
	 {"time":"2026-01-02T03:04:05.100Z","type":"platform.initReport","record":{"initializationType":"on-demand","phase":"init","status":"success","metrics":{"durationMs":100.5}}},
	 {"time":"2026-01-02T03:04:05.101Z","type":"platform.start","record":{"requestId":"cold","version":"$LATEST"}},
	 {"time":"2026-01-02T03:04:05.150Z","type":"platform.runtimeDone","record":{"requestId":"cold","status":"success","metrics":{"durationMs":48.2,"producedBytes":2}}},
	 {"time":"2026-01-02T03:04:05.152Z","type":"platform.report","record":{"requestId":"cold","status":"success",
	   "metrics":{"durationMs":51.25,"billedDurationMs":152,"memorySizeMB":128,"maxMemoryUsedMB":30,"initDurationMs":100.5}}}
	]`)
	deliver(t, pt, `[
	 {"time":"2026-01-02T03:04:06.000Z","type":"platform.report","record":{"requestId":"cold","status":"success","metrics":{"durationMs":51.25}}},
	 {"time":"2026-01-02T03:04:07.000Z","type":"platform.report","record":{"requestId":"oom","status":"error","errorType":"Runtime.OutOfMemory",
	   "metrics":{"durationMs":200,"billedDurationMs":200,"memorySizeMB":128,"maxMemoryUsedMB":128}}},
	 {"time":"2026-01-02T03:04:08.000Z","type":"platform.report","record":{"requestId":"full","status":"error","errorType":"Runtime.ExitError",
	   "metrics":{"durationMs":200,"billedDurationMs":200,"memorySizeMB":128,"maxMemoryUsedMB":128}}},
	 {"time":"2026-01-02T03:04:09.000Z","type":"platform.report","record":{"requestId":"slow","status":"timeout","errorType":"Sandbox.Timedout",
	   "metrics":{"durationMs":3000,"billedDurationMs":3000,"memorySizeMB":128,"maxMemoryUsedMB":40}}},
	 {"time":"2026-01-02T03:04:10.000Z","type":"platform.report","record":{"requestId":"failed","status":"error","errorType":"Runtime.Unknown",
	   "metrics":{"durationMs":3}}}
	]`)

	counters, counts := sums(t, c)
	wantCounters := map[string]map[string]int64{
		"faas.invocations": {"": 5},
		"faas.coldstarts":  {"": 1},
		"faas.timeouts":    {"": 1},
		"faas.errors":      {"Runtime.OutOfMemory": 2, "timeout": 1, "Runtime.Unknown": 1},
	}
	for name, want := range wantCounters {
		for k, v := range want {
			if counters[name][k] != v {
				t.Errorf("%s{error.type=%q} = %d, want %d (all: %v)", name, k, counters[name][k], v, counters[name])
			}
		}
		if len(counters[name]) != len(want) {
			t.Errorf("%s: %v, want %v", name, counters[name], want)
		}
	}
	wantCounts := map[string]uint64{"faas.init_duration": 1, "faas.invoke_duration": 5, "aws.lambda.billed_duration": 4, "faas.mem_usage": 4}
	for name, want := range wantCounts {
		if counts[name] != want {
			t.Errorf("%s: %d points, want %d", name, counts[name], want)
		}
	}

	spans := c.Spans()
	if len(spans) != 5 {
		t.Fatalf("%d spans, want 5:\n%s", len(spans), c.Dump())
	}
	byID := map[string]map[string]attribute.Value{}
	for _, s := range spans {
		a := attrs(s.Attributes)
		byID[a["faas.invocation_id"].AsString()] = a
		switch id := a["faas.invocation_id"].AsString(); id {
		case "cold":
			if !s.Parent.Equal(parent.WithRemote(true)) || s.Status.Code == codes.Error ||
				s.ReadOnly.EndTime().Sub(s.ReadOnly.StartTime()) != 51250*time.Microsecond {
				t.Errorf("cold report: parent %v, status %v, %v long", s.Parent, s.Status, s.ReadOnly.EndTime().Sub(s.ReadOnly.StartTime()))
			}
		default:
			if s.Parent.IsValid() || s.Status.Code != codes.Error {
				t.Errorf("%s report: parent %v, status %v", id, s.Parent, s.Status)
			}
		}
	}
	if a := byID["cold"]; a["logfire.msg"].AsString() != "Lambda report: success" || a["aws.lambda.billed_duration_ms"].AsFloat64() != 152 ||
		a["aws.lambda.init_duration_ms"].AsFloat64() != 100.5 || a["aws.lambda.max_memory_used_mb"].AsFloat64() != 30 {
		t.Errorf("cold report: %v", a)
	}
	if a := byID["full"]; a["logfire.msg"].AsString() != "Lambda report: error (Runtime.OutOfMemory)" || a["error.type"].AsString() != errOutOfMemory {
		t.Errorf("out-of-memory report with Runtime.ExitError: %v", a)
	}
	if a := byID["slow"]; a["error.type"].AsString() != "timeout" || a["aws.lambda.status"].AsString() != "timeout" {
		t.Errorf("timeout report: %v", a)
	}
}

// TestPlatformShutdownWaits (virtual time): the shutdown waits for the
// reports due, at most reportWait and half of what is left of its budget;
// an invocation whose report did not come is recorded from its
// runtimeDone if that came, and the others are counted in one line.
// Deliveries after the shutdown are not recorded.
func TestPlatformShutdownWaits(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		lf, c := logfiretest.New(t)
		var lines []string
		pt := newPlatformTelemetry(lf, false, func(err error) { lines = append(lines, err.Error()) })
		for _, id := range []string{"on-time", "late", "gone"} {
			pt.expect(id)
		}
		deliver(t, pt, `[{"time":"2026-01-02T03:04:05.000Z","type":"platform.runtimeDone","record":{"requestId":"late","status":"timeout","metrics":{"durationMs":1000}}}]`)
		go func() {
			time.Sleep(50 * time.Millisecond)
			deliver(t, pt, `[{"time":"2026-01-02T03:04:05.000Z","type":"platform.report","record":{"requestId":"on-time","status":"success","metrics":{"durationMs":1}}}]`)
		}()
		ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
		defer cancel()
		start := time.Now()
		pt.shutdown(ctx)
		if d := time.Since(start); d != 150*time.Millisecond {
			t.Errorf("waited %v, want half of the 300ms left", d)
		}
		deliver(t, pt, `[{"time":"2026-01-02T03:04:05.000Z","type":"platform.report","record":{"requestId":"gone","status":"success","metrics":{"durationMs":1}}}]`)
		counters, _ := sums(t, c)
		if n := counters["faas.invocations"][""]; n != 2 || counters["faas.timeouts"][""] != 1 {
			t.Errorf("invocations %d, timeouts %d: want 2 (on-time, late from its runtimeDone) and 1", n, counters["faas.timeouts"][""])
		}
		if len(lines) != 1 || !strings.Contains(lines[0], "platform reports of 1 invocations did not arrive") {
			t.Errorf("lines %q", lines)
		}

		// Nothing due: no wait.
		pt2 := newPlatformTelemetry(lf, false, func(err error) { t.Error(err) })
		start = time.Now()
		pt2.shutdown(context.Background())
		if d := time.Since(start); d != 0 {
			t.Errorf("an idle shutdown waited %v", d)
		}
	})
}

// BenchmarkPlatformDelivery is what reading one delivery costs: the
// runtimeDone and report of an invocation, into metrics and a span (the
// export is the flush's, measured by BenchmarkInvocation).
//
//	go test ./otellambdaflush -run '^$' -bench PlatformDelivery -benchmem
func BenchmarkPlatformDelivery(b *testing.B) {
	lf, _ := logfiretest.New(b)
	pt := newPlatformTelemetry(lf, false, func(err error) { b.Error(err) })
	body := []byte(`[{"time":"2026-01-02T03:04:05.000Z","type":"platform.runtimeDone","record":{"requestId":"req","status":"success","metrics":{"durationMs":1.5,"producedBytes":4}}},` +
		`{"time":"2026-01-02T03:04:05.001Z","type":"platform.report","record":{"requestId":"req","status":"success",` +
		`"metrics":{"durationMs":1.9,"billedDurationMs":2,"memorySizeMB":128,"maxMemoryUsedMB":31}}}]`)
	b.ReportAllocs()
	for b.Loop() {
		pt.recorded = pt.recorded[:0]
		pt.process(body)
	}
}

// TestPlatformDeliveriesReadBeforeTheFlush: with the post-response
// extension, a delivery is only kept when it arrives (at the thaw, while
// the handler runs) and read when the extension catches up, right before
// its flush; the shutdown reads what is left, and from then on
// deliveries as they come.
func TestPlatformDeliveriesReadBeforeTheFlush(t *testing.T) {
	lf, c := logfiretest.New(t)
	pt := newPlatformTelemetry(lf, false, func(err error) { t.Errorf("reported: %v", err) })
	pt.deferred = true
	report := func(id string) string {
		return `[{"time":"2026-01-02T03:04:05.000Z","type":"platform.report","record":{"requestId":"` + id + `","status":"success","metrics":{"durationMs":1}}}]`
	}
	invocations := func() int64 {
		counters, _ := sums(t, c)
		return counters["faas.invocations"][""]
	}
	deliver(t, pt, report("a"))
	if n := invocations(); n != 0 || len(c.Spans()) != 0 {
		t.Fatalf("a delivery was read as it arrived: %d invocations, %d spans", n, len(c.Spans()))
	}
	pt.catchUp()
	if n := invocations(); n != 1 || len(c.Spans()) != 1 {
		t.Fatalf("after catching up: %d invocations, %d spans; want 1 and 1", n, len(c.Spans()))
	}
	deliver(t, pt, report("b"))
	pt.shutdown(context.Background())
	deliver(t, pt, report("c")) // after the shutdown: not recorded
	if n := invocations(); n != 1 || len(c.Spans()) != 2 {
		t.Errorf("after the shutdown: %d more invocations, %d spans; want b's only", n, len(c.Spans()))
	}
}
