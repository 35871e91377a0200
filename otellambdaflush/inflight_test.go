package otellambdaflush

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"go.opentelemetry.io/otel/trace"
)

var testSpanContext = trace.NewSpanContext(trace.SpanContextConfig{
	TraceID:    trace.TraceID{1, 2, 3},
	SpanID:     trace.SpanID{4, 5, 6},
	TraceFlags: trace.FlagsSampled,
})

// TestInflightSurvivesTheProcess: what an invocation leaves in the file
// while it runs is what the next process finds, once; an invocation that
// ends, and a shutdown, leave nothing.
func TestInflightSurvivesTheProcess(t *testing.T) {
	dir := t.TempDir()
	open := func() (*inflight, *inflightRecord) {
		t.Helper()
		m, left, err := openInflight(dir, 128)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { m.end() })
		return m, left
	}
	first, left := open()
	if left != nil {
		t.Fatalf("a new environment has a record: %+v", left)
	}
	first.begin("req-1", testSpanContext)
	first.end()
	if _, left := open(); left != nil {
		t.Fatalf("an invocation that ended left %+v", left)
	}

	before := time.Now()
	dying, _ := open()
	dying.begin("req-2", testSpanContext)
	// The process dies here: the next one finds the invocation.
	_, left = open()
	if left == nil || left.RequestID != "req-2" || left.spanContext().TraceID() != testSpanContext.TraceID() ||
		left.spanContext().SpanID() != testSpanContext.SpanID() || !left.spanContext().IsSampled() || left.Limit != 128<<20 ||
		time.Unix(0, left.Start).Before(before) {
		t.Fatalf("the next process found %+v", left)
	}
	if _, again := open(); again != nil {
		t.Fatalf("the record was found twice: %+v", again)
	}
}

// TestInflightSamplesMemory: while an invocation runs, the resident memory
// is kept once past half of the memory size, every 10 ms; not after the
// invocation has ended.
func TestInflightSamplesMemory(t *testing.T) {
	if _, err := os.Stat("/proc/self/statm"); err != nil {
		t.Skip("no /proc/self/statm here")
	}
	synctest.Test(t, func(t *testing.T) {
		dir := t.TempDir()
		// A memory size of 1 MB: the test process is past half of it.
		m, _, err := openInflight(dir, 1)
		if err != nil {
			t.Fatal(err)
		}
		m.begin("req", trace.SpanContext{})
		time.Sleep(memorySample + time.Millisecond)
		synctest.Wait()
		m.mu.Lock()
		rec := m.rec
		m.mu.Unlock()
		if rec.Memory < 1<<20 || rec.Seen == 0 {
			t.Fatalf("after a sample: %+v, want the resident memory", rec)
		}
		m.end()
		time.Sleep(10 * memorySample)
		synctest.Wait()
		if _, left, err := openInflight(dir, 1); err != nil || left != nil {
			t.Errorf("after the invocation ended, a sample wrote %+v (%v)", left, err)
		}
	})
}

// TestDeathReport: a process that died with at least half of the memory
// size in use is reported out of memory, with that memory; another, as a
// runtime that exited. The report lasts from the start to the last sample.
func TestDeathReport(t *testing.T) {
	start := time.Date(2026, 12, 7, 1, 2, 3, 0, time.UTC)
	oom := deathReport(&inflightRecord{RequestID: "a", Start: start.UnixNano(), Memory: 100 << 20, Limit: 128 << 20,
		Seen: start.Add(1500 * time.Millisecond).UnixNano()})
	o := outcomeOf(oom.Record)
	if !o.failed || o.errorType != errOutOfMemory || *oom.Record.Metrics.MaxMemoryUsedMB != 100 ||
		*oom.Record.Metrics.MemorySizeMB != 128 || *oom.Record.Metrics.DurationMs != 1500 || oom.Record.RequestID != "a" {
		t.Errorf("out of memory: %+v, %+v", oom, o)
	}
	if end, err := time.Parse(time.RFC3339Nano, oom.Time); err != nil || !end.Equal(start.Add(1500*time.Millisecond)) {
		t.Errorf("time %s, want the last sample", oom.Time)
	}
	exited := deathReport(&inflightRecord{RequestID: "b", Start: start.UnixNano(), Limit: 128 << 20})
	if o := outcomeOf(exited.Record); !o.failed || o.errorType != "Runtime.ExitError" || exited.Record.Metrics.MaxMemoryUsedMB != nil ||
		*exited.Record.Metrics.DurationMs != 0 {
		t.Errorf("exited: %+v, %+v", exited, o)
	}
}

// TestInflightNilAndUnwritable: a nil *inflight does nothing, and a
// directory where the file cannot be made gives an error that says what
// will not be recorded.
func TestInflightNilAndUnwritable(t *testing.T) {
	var m *inflight
	m.begin("req", testSpanContext)
	m.end()
	dir := filepath.Join(t.TempDir(), "missing")
	if _, _, err := openInflight(dir, 128); err == nil || !strings.Contains(err.Error(), "out of memory") {
		t.Errorf("error %v", err)
	}
}

// BenchmarkInflight is what the record costs an invocation: begin and end.
func BenchmarkInflight(b *testing.B) {
	m, _, err := openInflight(b.TempDir(), 128)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		m.begin("8476a536-e9f4-11e8-9739-2dfe598c3fcd", testSpanContext)
		m.end()
	}
}
