package logfire

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/logfire-go/sdk/internal/delivery"
	"github.com/logfire-go/sdk/internal/otlptest"
)

// The load tests (a burst of 100,000 records, 64 goroutines against a
// flapping backend) are in the e2e module (e2e/load_test.go): they take
// tens of seconds under -race.

// TestRejectedRecordsAreCountedAndSaid: a backend that refuses for good
// (400, 401, 403) makes the records dropped with the reason, once, and
// the error and the stderr line say it without the token.
func TestRejectedRecordsAreCountedAndSaid(t *testing.T) {
	clearEnv(t)
	for _, code := range []int{400, 401, 403} {
		t.Run(strconv.Itoa(code), func(t *testing.T) {
			out := quietSelflog(t)
			rcv := otlptest.New(t)
			// A backend that echoes the Authorization header.
			rcv.SetFault(otlptest.StatusBody(code, 0, func(r *http.Request) string { return "bad token " + r.Header.Get("Authorization") }))
			lf := deliveryInstance(t, rcv.URL())
			e := emit(t, lf, 1)
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			err := lf.ForceFlush(ctx)
			if !errors.Is(err, ErrDropped) || errors.Is(err, ErrBuffered) {
				t.Fatalf("ForceFlush: %v, want ErrDropped only", err)
			}
			var de *deliveryError
			if !errors.As(err, &de) || de.dropped[delivery.Rejected] != (signalCounts{spans: int64(e.spans), logs: int64(e.logs), metricPoints: int64(e.points)}) {
				t.Errorf("dropped: %+v", de)
			}
			if !strings.Contains(err.Error(), "HTTP "+strconv.Itoa(code)) {
				t.Errorf("the error does not name the status: %v", err)
			}
			for what, s := range map[string]string{"error": err.Error(), "stderr": out.String()} {
				if strings.Contains(s, testToken) {
					t.Errorf("the %s shows the token: %s", what, s)
				}
			}
			// Reported once: the next flush has nothing new to say.
			if err := lf.ForceFlush(ctx); err != nil {
				t.Errorf("second ForceFlush: %v", err)
			}
			if err := lf.Shutdown(ctx); err != nil {
				t.Fatal(err)
			}
			if n := strings.Count(out.String(), "dropped"); n != 1 {
				t.Errorf("%d stderr lines about drops, want 1:\n%s", n, out)
			}
			if rcv.Count(otlptest.Traces) != 0 {
				t.Errorf("spans were accepted")
			}
			st := lf.DeliveryStats()
			if st.Spans.Dropped["rejected"] != int64(e.spans) || st.Spans.Delivered != 0 {
				t.Errorf("stats: %+v", st.Spans)
			}
		})
	}
}

// TestOversizeRequestsAreSplit: a backend that takes at most 64 KiB per
// request answers 413 to larger ones; they are split in halves until
// every record is delivered.
func TestOversizeRequestsAreSplit(t *testing.T) {
	clearEnv(t)
	quietSelflog(t)
	rcv := otlptest.New(t, otlptest.WithMaxBodyBytes(64<<10))
	lf := deliveryInstance(t, rcv.URL())
	ctx := context.Background()
	const n = 2000
	for i := range n {
		lf.Info(ctx, "record {i} with some padding to make the request large", "i", i, "pad", strings.Repeat("p", 100))
	}
	fctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := lf.ForceFlush(fctx); err != nil {
		t.Fatalf("ForceFlush: %v", err)
	}
	if got := realSpans(rcv); got != n {
		t.Errorf("received %d, want %d", got, n)
	}
	if d := rcv.Duplicates(otlptest.Traces); d != 0 {
		t.Errorf("%d duplicates", d)
	}
	// One record alone larger than the backend takes is dropped, as too
	// large, and its neighbours are not.
	lf.Info(ctx, "neighbour before")
	lf.Info(ctx, "huge", "blob", strings.Repeat("x", 100<<10))
	lf.Info(ctx, "neighbour after")
	err := lf.ForceFlush(fctx)
	if !errors.Is(err, ErrDropped) {
		t.Fatalf("ForceFlush: %v", err)
	}
	if got := realSpans(rcv); got != n+2 {
		t.Errorf("received %d, want %d", got, n+2)
	}
	if d := lf.DeliveryStats().Spans.Dropped["too_large"]; d != 1 {
		t.Errorf("dropped as too large: %d", d)
	}
	if err := lf.Shutdown(fctx); err != nil {
		t.Fatal(err)
	}
}

// TestShutdownWithDeadlineStopsEverything: a Shutdown whose context ends
// while the backend hangs returns with the records it could not send
// counted as dropped, and leaves no goroutine of the SDK behind.
func TestShutdownWithDeadlineStopsEverything(t *testing.T) {
	clearEnv(t)
	quietSelflog(t)
	ignore := goleak.IgnoreCurrent()
	t.Cleanup(func() { goleak.VerifyNone(t, ignore) })
	rcv := otlptest.New(t)
	rcv.SetFault(otlptest.Hang)
	lf := deliveryInstance(t, rcv.URL())
	e := emit(t, lf, 1)
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	err := lf.Shutdown(ctx)
	var de *deliveryError
	if !errors.As(err, &de) || !errors.Is(err, ErrDropped) {
		t.Fatalf("Shutdown: %v, want a delivery error with dropped records", err)
	}
	if got := de.dropped[delivery.Shutdown]; got != (signalCounts{spans: int64(e.spans), logs: int64(e.logs), metricPoints: int64(e.points)}) {
		t.Errorf("dropped at shutdown: %+v", got)
	}
	st := lf.DeliveryStats()
	for name, s := range map[string]SignalStats{"spans": st.Spans, "logs": st.Logs, "metrics": st.Metrics} {
		if s.Queued != 0 || s.Buffered != 0 || s.Delivered != 0 {
			t.Errorf("%s after Shutdown: %+v", name, s)
		}
	}
}
