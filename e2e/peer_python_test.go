package e2e_test

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"regexp"
	"runtime"
	"testing"
	"time"

	"github.com/logfire-go/sdk/e2e/collector"
	"github.com/logfire-go/sdk/logfire"
)

// The peer scenario's second half: what the Python SDK sends and the Node
// scenario does not show, run against the real collector receiver: the
// exception fingerprint, typed values, a panic through a deferred End, and
// tail sampling.

var fingerprintPattern = regexp.MustCompile(`^[0-9a-f]{64}$`)

type orderItem struct {
	SKU   string    `json:"sku"`
	Added time.Time `json:"added"`
}

type outOfStock struct{ sku string }

func (e *outOfStock) Error() string { return e.sku + " is out of stock" }

// reserve fails a root span with a wrapped error, from one place.
func reserve(lf *logfire.Logfire, sku string) {
	_, span := lf.Span(context.Background(), "reserve {sku}", "sku", sku)
	defer span.End()
	span.RecordError(fmt.Errorf("reserve: %w", &outOfStock{sku: sku}))
}

// TestPythonPeerExceptionsAndValues: the failed root spans carry
// logfire.exception.fingerprint, the same for the same failure whatever
// its message; values are typed as the Python SDK types them; a panic
// through a deferred End fails its span.
func TestPythonPeerExceptionsAndValues(t *testing.T) {
	c := collector.Start(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	lf, err := configurePeer(ctx, c.Endpoint())
	if err != nil {
		t.Fatal(err)
	}
	reserve(lf, "a")
	reserve(lf, "b")
	when := time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)
	lf.Error(ctx, "checkout failed: {err}", "err", fs.ErrPermission, "item", orderItem{SKU: "a", Added: when}, "raw", []byte("hi"),
		"when", when, "lists", map[string]any{"ids": []int{1, 2}, "none": nil})
	func() {
		defer func() { _ = recover() }()
		_, span := lf.Span(ctx, "charging")
		defer span.End()
		panic(errors.New("card reader on fire"))
	}()
	if err := lf.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	spans := collector.WithoutPending(c.Spans())
	defer func() {
		if t.Failed() {
			t.Logf("spans that arrived:\n%s", collector.FormatSpans(spans))
		}
	}()
	if len(spans) != 4 {
		t.Fatalf("%d spans, want 4", len(spans))
	}
	fps := map[string]string{}
	for _, s := range spans {
		fp, _ := s.Attributes["logfire.exception.fingerprint"].(string)
		if !fingerprintPattern.MatchString(fp) {
			t.Errorf("%q: fingerprint %q, want 64 hex digits", s.Name, fp)
		}
		fps[s.Attributes["logfire.msg"].(string)] = fp
		if s.Status.Code != collector.StatusError || s.Attributes["logfire.level_num"] != int64(17) {
			t.Errorf("%q: status %+v, level %v; want error", s.Name, s.Status, s.Attributes["logfire.level_num"])
		}
	}
	if fps["reserve a"] != fps["reserve b"] || fps["reserve a"] == fps["charging"] {
		t.Errorf("fingerprints: %v; want reserve a = reserve b != charging", fps)
	}

	log, _ := collector.FindSpan(spans, "checkout failed: {err}")
	for k, v := range map[string]any{
		"logfire.msg": "checkout failed: permission denied",
		"err":         `"permission denied"`,
		"item":        `{"sku":"a","added":"2026-03-04T05:06:07Z"}`,
		"raw":         `"hi"`,
		// A date is a JSON string, as Python sends a datetime.
		"when": `"2026-03-04T05:06:07Z"`,
		// A map's members that say nothing (a list of numbers, a null)
		// have no schema entry, as in Python.
		"lists": `{"ids":[1,2],"none":null}`,
		"logfire.json_schema": `{"type":"object","properties":{` +
			`"err":{"type":"object","title":"*errors.errorString","x-python-datatype":"Exception"},` +
			`"item":{"type":"object","title":"e2e_test.orderItem","x-python-datatype":"dataclass","properties":{"added":{"type":"string","format":"date-time","x-python-datatype":"datetime"}}},` +
			`"raw":{"type":"string","x-python-datatype":"bytes"},` +
			`"when":{"type":"string","format":"date-time","x-python-datatype":"datetime"},` +
			`"lists":{"type":"object"}}}`,
	} {
		if got := log.Attributes[k]; got != v {
			t.Errorf("%s = %s, want %s", k, collector.FormatValue(got), collector.FormatValue(v))
		}
	}
	charging, _ := collector.FindSpan(spans, "charging")
	if charging.Status.Message != "logfire.panicError: card reader on fire" || len(charging.Events) != 1 || charging.Events[0].Name != "exception" {
		t.Errorf("charging: status %+v, events %+v", charging.Status, charging.Events)
	}
	// exception.escaped as Python writes it: "True" for the panic that
	// left the span, "False" for the error the log recorded.
	if len(charging.Events) == 1 && charging.Events[0].Attributes["exception.escaped"] != "True" {
		t.Errorf("charging: exception.escaped = %v, want \"True\"", charging.Events[0].Attributes["exception.escaped"])
	}
	if len(log.Events) != 1 || log.Events[0].Attributes["exception.escaped"] != "False" {
		t.Errorf("the error log's events %+v, want one with exception.escaped \"False\"", log.Events)
	}
}

// TestPythonPeerTailSampling: 1,000 traces, 1 % with an error, tail-sampled
// as Python's SamplingOptions.level_or_duration() does: exactly the traces
// with an error arrive, whole.
func TestPythonPeerTailSampling(t *testing.T) {
	c := collector.Start(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	lf, err := configurePeer(ctx, c.Endpoint(), logfire.WithSampling(logfire.SamplingOptions{Tail: logfire.LevelOrDuration{}.SampleRate}))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{}
	for i := range 1000 {
		rctx, root := lf.Span(ctx, "request {i}", "i", i)
		lf.Info(rctx, "loaded {i}", "i", i)
		if i%100 == 7 {
			lf.Error(rctx, "request {i} failed", "i", i, errors.New("boom"))
			want[root.SpanContext().TraceID().String()] = true
		}
		root.End()
	}
	if err := lf.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	got := map[string]int{}
	for _, s := range collector.WithoutPending(c.Spans()) {
		got[s.TraceID]++
	}
	if len(got) != 10 || len(want) != 10 {
		t.Fatalf("%d traces arrived, want the %d with an error", len(got), len(want))
	}
	for tid, n := range got {
		if !want[tid] || n != 3 {
			t.Errorf("trace %s: %d spans, with an error %v; want 3 spans of a trace with an error", tid, n, want[tid])
		}
	}
	st := lf.SamplingStats()
	if st.KeptTraces != 10 || st.SampledOutTraces != 990 || st.SampledOutSpans != 990*2 || st.DroppedSpans != 0 {
		t.Errorf("SamplingStats %+v", st)
	}
}

// TestPythonPeerTailSamplingMemoryIsBounded: when roots never end, the
// buffer stays within its bound, memory with it, and every span is
// buffered or counted as dropped, exactly; nothing undecided is exported.
func TestPythonPeerTailSamplingMemoryIsBounded(t *testing.T) {
	c := collector.Start(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	const max = 1 << 20
	lf, err := configurePeer(ctx, c.Endpoint(), logfire.WithSampling(logfire.SamplingOptions{Tail: logfire.LevelOrDuration{}.SampleRate, MaxBufferBytes: max}))
	if err != nil {
		t.Fatal(err)
	}
	heap := func() uint64 {
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return m.HeapAlloc
	}
	const traces, logs = 20000, 5
	var before uint64
	for i := range traces {
		if i == traces/4 {
			before = heap() // the buffer is full by now
		}
		rctx, _ := lf.Span(ctx, "never ends {i}", "i", i)
		for j := range logs {
			lf.Info(rctx, "log {j} of {i}", "i", i, "j", j)
		}
	}
	after := heap()
	st := lf.SamplingStats()
	if st.BufferedBytes > max {
		t.Errorf("%d bytes buffered, over the bound %d", st.BufferedBytes, max)
	}
	if int64(st.BufferedSpans)+st.DroppedSpans != traces*logs || st.DroppedSpans == 0 {
		t.Errorf("SamplingStats %+v: buffered + dropped must be the %d logs", st, traces*logs)
	}
	if got := lf.DeliveryStats().Spans.Dropped["sampling_buffer"]; got != st.DroppedSpans {
		t.Errorf("DeliveryStats: %d dropped for the sampling buffer, SamplingStats %d", got, st.DroppedSpans)
	}
	// 15,000 more traces went through a full buffer: the heap grew by far
	// less than they would hold (several MiB), whatever the collector's
	// own garbage.
	if after > before && after-before > 4*max {
		t.Errorf("the heap grew by %d bytes over 15,000 traces with a full %d-byte buffer", after-before, max)
	}
	t.Logf("heap %d → %d bytes; %+v", before, after, st)
	if err := lf.ForceFlush(ctx); !errors.Is(err, logfire.ErrDropped) {
		t.Errorf("ForceFlush: %v, want the drops reported", err)
	}
	if n := len(c.Spans()); n != 0 {
		t.Errorf("%d spans of undecided traces arrived", n)
	}
}

// TestPythonPeerFirstRecordsOneRequest: a short program's first log and
// the pending span of the span it has open leave in one request, as the
// Python SDK's one batch sends them.
func TestPythonPeerFirstRecordsOneRequest(t *testing.T) {
	c := collector.Start(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	lf, err := configurePeer(ctx, c.Endpoint())
	if err != nil {
		t.Fatal(err)
	}
	lf.Info(ctx, "starting")
	_, span := lf.Span(ctx, "working")
	if err := lf.ForceFlush(ctx); err != nil {
		t.Fatal(err)
	}
	spans, err := c.WaitForSpans(ctx, func(s []collector.Span) bool { return len(s) >= 2 })
	if err != nil {
		t.Fatal(err)
	}
	if n := c.Requests().Traces; n != 1 || len(spans) != 2 || len(collector.WithoutPending(spans)) != 1 {
		t.Errorf("%d trace requests with %d spans (%d pending), want 1 with the log and the pending span:\n%s",
			n, len(spans), len(spans)-len(collector.WithoutPending(spans)), collector.FormatSpans(spans))
	}
	span.End()
	if err := lf.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
}
