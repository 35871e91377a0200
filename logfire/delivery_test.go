package logfire

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	otellog "go.opentelemetry.io/otel/log"
	"go.opentelemetry.io/otel/metric"

	"github.com/logfire-go/sdk/internal/capture"
	"github.com/logfire-go/sdk/internal/delivery"
	"github.com/logfire-go/sdk/internal/otlptest"
	"github.com/logfire-go/sdk/internal/selflog"
)

// quietSelflog keeps the SDK's own stderr lines out of the test output and
// returns what was written.
func quietSelflog(t *testing.T) *capture.Buffer {
	t.Helper()
	var buf capture.Buffer
	restore := selflog.SetOutput(&buf)
	t.Cleanup(restore)
	return &buf
}

// deliveryInstance is an instance exporting to rcv, console off.
func deliveryInstance(t *testing.T, url string, opts ...Option) *Logfire {
	t.Helper()
	lf, err := Configure(context.Background(), append([]Option{notDefault(), WithConsole(nil),
		WithToken(testToken), WithBaseURL(url), WithServiceName("delivery-test")}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return lf
}

// emitted counts what a round of emit made: spans (logs and spans of the
// Logfire API), OpenTelemetry log records and metric data points.
type emitted struct{ spans, logs, points int }

func (e emitted) add(o emitted) emitted {
	return emitted{e.spans + o.spans, e.logs + o.logs, e.points + o.points}
}

// emit records a round of every signal on lf.
func emit(t *testing.T, lf *Logfire, round int) emitted {
	t.Helper()
	ctx := context.Background()
	for i := range 20 {
		lf.Info(ctx, "record {i} of round {round}", "i", i, "round", round)
	}
	sctx, span := lf.Span(ctx, "round {round}", "round", round)
	lf.Warn(sctx, "inside round {round}", "round", round)
	span.End()
	logger := lf.LoggerProvider().Logger("delivery-test")
	for i := range 3 {
		var rec otellog.Record
		rec.SetBody(attribute.StringValue(fmt.Sprintf("bridged %d of round %d", i, round)))
		logger.Emit(ctx, rec)
	}
	counter, err := lf.MeterProvider().Meter("delivery-test").Int64Counter("rounds")
	if err != nil {
		t.Fatal(err)
	}
	counter.Add(ctx, 1, metric.WithAttributes(attribute.Int("round", round), attribute.String("k", "a")))
	counter.Add(ctx, 2, metric.WithAttributes(attribute.Int("round", round), attribute.String("k", "b")))
	return emitted{spans: 22, logs: 3, points: 2}
}

// realSpans counts the spans rcv accepted that are not pending spans.
func realSpans(rcv *otlptest.Receiver) int {
	n := 0
	for _, s := range rcv.Spans() {
		if s.Attrs["logfire.span_type"] != "pending_span" {
			n++
		}
	}
	return n
}

// checkArrived fails unless rcv accepted exactly want, once each.
func checkArrived(t *testing.T, rcv *otlptest.Receiver, want emitted) {
	t.Helper()
	got := emitted{realSpans(rcv), rcv.Count(otlptest.Logs), rcv.Count(otlptest.Metrics)}
	if got != want {
		t.Errorf("received %+v, want %+v", got, want)
	}
	for _, sig := range []otlptest.Signal{otlptest.Traces, otlptest.Logs, otlptest.Metrics} {
		if d := rcv.Duplicates(sig); d != 0 {
			t.Errorf("%v: %d duplicates", sig, d)
		}
	}
}

// checkStats fails unless lf counts want as delivered and nothing else.
func checkStats(t *testing.T, lf *Logfire, want emitted) {
	t.Helper()
	st := lf.DeliveryStats()
	pending := lf.DeliveryStats().Spans.Delivered - int64(want.spans) // pending spans are delivered records too
	if pending < 0 || st.Logs.Delivered != int64(want.logs) || st.Metrics.Delivered != int64(want.points) {
		t.Errorf("delivered: %d spans, %d logs, %d points; want %+v", st.Spans.Delivered, st.Logs.Delivered, st.Metrics.Delivered, want)
	}
	for name, s := range map[string]SignalStats{"spans": st.Spans, "logs": st.Logs, "metrics": st.Metrics} {
		if s.Queued != 0 || s.Buffered != 0 || droppedTotal(s) != 0 {
			t.Errorf("%s: queued %d, buffered %d, dropped %v", name, s.Queued, s.Buffered, s.Dropped)
		}
	}
}

// faultCases are the faults of a backend that recover: what to set, what
// the error must say, and the Retry-After to wait out.
var faultCases = []struct {
	name       string
	fault      otlptest.Fault
	cause      []string // one of these is in the error
	retryAfter time.Duration
}{
	{"refused", otlptest.Refuse, []string{"connection refused"}, 0},
	{"500", otlptest.Status(500, 0), []string{"HTTP 500 Internal Server Error"}, 0},
	{"503 Retry-After", otlptest.Status(503, time.Second), []string{"HTTP 503 Service Unavailable", "Retry-After 1s"}, time.Second},
	{"429 Retry-After", otlptest.Status(429, time.Second), []string{"HTTP 429 Too Many Requests"}, time.Second},
	{"hang", otlptest.Hang, []string{"no answer before the export's deadline"}, 0},
	{"reset mid-body", otlptest.ResetMidBody, []string{"connection reset", "broken pipe", "EOF", "use of closed network connection"}, 0},
	{"truncated 200", otlptest.Truncated200, []string{"reading the answer", "unexpected EOF"}, 0},
	{"2 s server", otlptest.Slow(2 * time.Second), []string{"no answer before the export's deadline"}, 0},
}

// TestFlushDuringOutageKeepsEverything: for every fault, a flush during
// the fault returns within its context with an error that names the
// cause and keeps the records; the next flush after the backend recovered
// delivers them, once each.
func TestFlushDuringOutageKeepsEverything(t *testing.T) {
	clearEnv(t)
	quietSelflog(t)
	for _, tc := range faultCases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			rcv := otlptest.New(t)
			lf := deliveryInstance(t, rcv.URL())
			rcv.SetFault(tc.fault)
			first := emit(t, lf, 1)

			const budget = 1500 * time.Millisecond
			ctx, cancel := context.WithTimeout(context.Background(), budget)
			defer cancel()
			err := lf.ForceFlush(ctx)
			// The flush ends within its context: it stopped retrying. Each
			// signal made at most the three requests of the flush's retry
			// budget (one, for a backend that does not answer in time: the
			// attempt ended at the flush's deadline, as the cause checked
			// below says). The timing itself is tested on a fake clock in
			// internal/delivery (TestFlushRetriesWithinItsBudget,
			// TestBreakerProbesOncePerFlush); here the backend is a real
			// socket, which a fake clock cannot drive.
			for _, sig := range []otlptest.Signal{otlptest.Traces, otlptest.Logs, otlptest.Metrics} {
				if n := rcv.Requests(sig); n > 3 {
					t.Errorf("the flush made %d %v requests, want at most 3", n, sig)
				}
			}
			if !notDelivered(err) || !errors.Is(err, ErrBuffered) || errors.Is(err, ErrDropped) {
				t.Fatalf("ForceFlush during the fault: %v, want a delivery error with buffered records only", err)
			}
			var de *deliveryError
			if !errors.As(err, &de) || de.buffered != (signalCounts{spans: 22, logs: 3, metricPoints: 2}) {
				t.Errorf("buffered: %+v", de)
			}
			if !containsAny(err.Error(), tc.cause) {
				t.Errorf("the error does not name the cause (%q): %v", tc.cause, err)
			}
			if strings.Contains(err.Error(), testToken) {
				t.Errorf("the error shows the token: %v", err)
			}
			if n := realSpans(rcv); n != 0 {
				t.Errorf("%d spans accepted during the fault", n)
			}

			rcv.SetFault(otlptest.OK)
			if tc.retryAfter > 0 {
				// The backend asked for it; the SDK waits up to half of it
				// more (jitter, so that a fleet does not come back at once).
				time.Sleep(tc.retryAfter * 3 / 2)
			}
			second := emit(t, lf, 2)
			ctx2, cancel2 := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel2()
			if err := lf.ForceFlush(ctx2); err != nil {
				t.Fatalf("ForceFlush after recovery: %v", err)
			}
			want := first.add(second)
			checkArrived(t, rcv, want)
			if err := lf.Shutdown(ctx2); err != nil {
				t.Fatalf("Shutdown: %v", err)
			}
			checkArrived(t, rcv, want)
			checkStats(t, lf, want)
		})
	}
}

// TestBackgroundExportDuringOutage: without any flush, the export queue's
// own exports keep what fails and send it once the backend answers again.
func TestBackgroundExportDuringOutage(t *testing.T) {
	clearEnv(t)
	quietSelflog(t)
	for _, tc := range faultCases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			rcv := otlptest.New(t)
			lf := deliveryInstance(t, rcv.URL(), withScheduleDelay(50*time.Millisecond), withExportTimeout(time.Second))
			rcv.SetFault(tc.fault)
			e := emit(t, lf, 1)
			wait, cancel := context.WithTimeout(context.Background(), 15*time.Second)
			defer cancel()
			if tc.fault != otlptest.Refuse {
				if err := rcv.WaitRequests(wait, otlptest.Traces, 1); err != nil {
					t.Fatalf("no export was tried: %v", err)
				}
			}
			// Wait until the export has given up and kept the spans.
			for lf.DeliveryStats().Spans.Buffered < int64(e.spans) {
				select {
				case <-wait.Done():
					t.Fatalf("spans not buffered: %+v", lf.DeliveryStats())
				case <-time.After(20 * time.Millisecond):
				}
			}
			rcv.SetFault(otlptest.OK)
			if err := rcv.WaitCount(wait, otlptest.Traces, e.spans); err != nil {
				t.Fatalf("the buffered spans did not arrive: %v (stats %+v)", err, lf.DeliveryStats())
			}
			if err := lf.Shutdown(wait); err != nil {
				t.Fatalf("Shutdown: %v", err)
			}
			checkArrived(t, rcv, e)
			checkStats(t, lf, e)
		})
	}
}

func containsAny(s string, subs []string) bool {
	for _, sub := range subs {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}

// TestFlushWithoutDeadlineDuringOutage: ForceFlush and Shutdown given a
// context without a deadline, against a backend that never answers,
// return once the batch export timeout has passed: the flush keeps the
// records, Shutdown counts them as dropped.
func TestFlushWithoutDeadlineDuringOutage(t *testing.T) {
	clearEnv(t)
	quietSelflog(t)
	rcv := otlptest.New(t)
	rcv.SetFault(otlptest.Hang)
	lf := deliveryInstance(t, rcv.URL(), withExportTimeout(400*time.Millisecond))
	want := emit(t, lf, 1)
	returns := func(name string, f func(context.Context) error) error {
		t.Helper()
		done := make(chan error, 1)
		go func() { done <- f(context.Background()) }()
		select {
		case err := <-done:
			return err
		case <-time.After(30 * time.Second): // a guard, not a speed target
			t.Fatalf("%s(context.Background()) did not return against a hanging backend", name)
			return nil
		}
	}
	err := returns("ForceFlush", lf.ForceFlush)
	var de *deliveryError
	if !errors.As(err, &de) || de.buffered != (signalCounts{spans: int64(want.spans), logs: int64(want.logs), metricPoints: int64(want.points)}) {
		t.Fatalf("ForceFlush: %v (%+v), want every record kept", err, de)
	}
	err = returns("Shutdown", lf.Shutdown)
	if !errors.As(err, &de) || !errors.Is(err, ErrDropped) || de.dropped[delivery.Shutdown].spans != int64(want.spans) {
		t.Fatalf("Shutdown: %v (%+v), want every span counted as dropped", err, de)
	}
	if n := realSpans(rcv); n != 0 {
		t.Errorf("%d spans accepted by a backend that never answers", n)
	}
}

// TestSmallRecordsAnswered413AreKept: a backend that answers 413 ("too
// large") to every request, down to a single small record, is failing,
// not saying the records are too large: they are kept in the retry buffer,
// as for a 5xx, and arrive, once each, after it recovers.
func TestSmallRecordsAnswered413AreKept(t *testing.T) {
	clearEnv(t)
	quietSelflog(t)
	rcv := otlptest.New(t)
	lf := deliveryInstance(t, rcv.URL())
	rcv.SetFault(otlptest.Status(http.StatusRequestEntityTooLarge, 0))
	ctx := context.Background()
	const n = 220
	for i := range n {
		lf.Info(ctx, "record {i}", "i", i)
	}
	fctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	err := lf.ForceFlush(fctx)
	if !errors.Is(err, ErrBuffered) || errors.Is(err, ErrDropped) {
		t.Fatalf("ForceFlush against 413: %v, want buffered records only", err)
	}
	if st := lf.DeliveryStats().Spans; st.Buffered != n || droppedTotal(st) != 0 {
		t.Fatalf("buffered %d, dropped %v; want %d buffered, none dropped", st.Buffered, st.Dropped, n)
	}
	rcv.SetFault(otlptest.OK)
	if err := lf.ForceFlush(fctx); err != nil {
		t.Fatalf("ForceFlush after recovery: %v", err)
	}
	if got := realSpans(rcv); got != n {
		t.Errorf("received %d, want %d", got, n)
	}
	if d := rcv.Duplicates(otlptest.Traces); d != 0 {
		t.Errorf("%d duplicates", d)
	}
	if err := lf.Shutdown(fctx); err != nil {
		t.Fatal(err)
	}
	checkStats(t, lf, emitted{spans: n})
}

// TestFlushStopsRetryingSoon: against a backend that fails at once
// (connection refused, 503), a flush with all the time in the world stops
// retrying once the outage probe's budget (250 ms) is spent and keeps the
// records, instead of spending its whole context — on Lambda, the first
// invocation of an outage is billed for it. They arrive after recovery.
func TestFlushStopsRetryingSoon(t *testing.T) {
	clearEnv(t)
	quietSelflog(t)
	for _, tc := range []struct {
		name  string
		fault otlptest.Fault
	}{
		{"refused", otlptest.Refuse},
		{"503", otlptest.Status(503, 0)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rcv := otlptest.New(t)
			lf := deliveryInstance(t, rcv.URL())
			rcv.SetFault(tc.fault)
			first := emit(t, lf, 1)
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			err := lf.ForceFlush(ctx)
			if !errors.Is(err, ErrBuffered) || errors.Is(err, ErrDropped) {
				t.Fatalf("ForceFlush: %v, want buffered records only", err)
			}
			// The flush stopped retrying once its budget was spent, not at
			// the end of its 10 s: retries within 250 ms of back-off
			// (50–100 ms, then 100–200 ms) are at most three requests per
			// signal (the signals are flushed at once); ten seconds would
			// have allowed up to nine. A refused connection reaches no server
			// that could count it: internal/delivery's
			// TestFlushRetriesWithinItsBudget counts those on a fake clock.
			if tc.fault != otlptest.Refuse {
				for _, sig := range []otlptest.Signal{otlptest.Traces, otlptest.Logs, otlptest.Metrics} {
					if n := rcv.Requests(sig); n > 3 {
						t.Errorf("the flush made %d %v requests to a backend that answers 503", n, sig)
					}
				}
			}
			rcv.SetFault(otlptest.OK)
			if err := lf.ForceFlush(ctx); err != nil {
				t.Fatalf("ForceFlush after recovery: %v", err)
			}
			checkArrived(t, rcv, first)
			if err := lf.Shutdown(ctx); err != nil {
				t.Fatal(err)
			}
			checkStats(t, lf, first)
		})
	}
}

// droppedTotal is the sum of s.Dropped.
func droppedTotal(s SignalStats) int64 {
	var n int64
	for _, v := range s.Dropped {
		n += v
	}
	return n
}

// notDelivered reports whether err says records were kept for a retry or
// dropped.
func notDelivered(err error) bool { return errors.Is(err, ErrBuffered) || errors.Is(err, ErrDropped) }
