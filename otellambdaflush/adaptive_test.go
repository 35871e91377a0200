//go:build linux

package otellambdaflush_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/logfire-go/sdk/otellambdaflush/lambdatest"
)

// busyThen warms a function up and makes it busy (invocations back to
// back: the adaptive flush holds their telemetry), then sends last, and
// returns the busy invocations and the last one. It checks that the
// telemetry of some busy invocation was still held when last began, so
// that what follows proves last's path flushed it.
func busyThen(t *testing.T, ctx context.Context, e *lambdatest.Emulator, rcv *receiver, last string) (busy []*lambdatest.Invocation, final *lambdatest.Invocation) {
	t.Helper()
	for range 3 { // the warm-up flushes each
		requireOK(t, invokeFn(t, ctx, e, `{}`))
	}
	for range 6 {
		inv := invokeFn(t, ctx, e, `{}`)
		requireOK(t, inv)
		busy = append(busy, inv)
	}
	held := 0
	rcv.mu.Lock()
	for _, inv := range busy {
		if len(forRequest(rcv.spans, inv.RequestID)) == 0 {
			held++
		}
	}
	rcv.mu.Unlock()
	if held == 0 {
		t.Fatal("no busy invocation's telemetry was held back: the adaptive flush flushed every one")
	}
	return busy, invokeFn(t, ctx, e, last)
}

// requireDeliveredBy checks that the spans of each of invs (the
// invocation span and its work span; the span of its platform report,
// which arrives with a later flush, apart) arrived before limit.
func requireDeliveredBy(t *testing.T, rcv *receiver, invs []*lambdatest.Invocation, limit time.Time, what string) {
	t.Helper()
	own := func(spans []gotSpan, id string) []gotSpan {
		var out []gotSpan
		for _, s := range forRequest(spans, id) {
			if !strings.HasPrefix(s.Name, "Lambda report") {
				out = append(out, s)
			}
		}
		return out
	}
	spans := rcv.waitSpans(t, 5*time.Second, func(s []gotSpan) bool {
		for _, inv := range invs {
			if len(own(s, inv.RequestID)) < 2 {
				return false
			}
		}
		return true
	})
	for _, inv := range invs {
		got := own(spans, inv.RequestID)
		if len(got) != 2 {
			t.Errorf("invocation %s: %d spans, want 2:\n%s", inv.RequestID, len(got), formatSpans(got))
		}
		requireArrivedBefore(t, got, limit, what)
	}
}

// The adaptive flush holds the telemetry of a busy function's invocations
// in the frozen process. Each way the process can end without another
// flush due sends what is held: a panic (flushed before the error is
// posted), a timeout (flushed by the watchdog before the deadline) and
// SIGTERM (the shutdown).

func TestAdaptiveFlushPanicSendsWhatIsHeld(t *testing.T) {
	t.Parallel()
	rcv := startReceiver(t, 0)
	e := startFn(t, rcv)
	ctx := testContext(t)
	busy, panicked := busyThen(t, ctx, e, rcv, `{"action":"panic","message":"boom"}`)
	if !panicked.Crashed || panicked.ErrorPayload == nil {
		t.Fatalf("panic invocation: %+v", panicked)
	}
	requireDeliveredBy(t, rcv, append(busy, panicked), panicked.Responded, "the panic's error was posted")
}

func TestAdaptiveFlushTimeoutSendsWhatIsHeld(t *testing.T) {
	t.Parallel()
	rcv := startReceiver(t, 0)
	e := startFn(t, rcv, lambdatest.WithTimeout(time.Second))
	ctx := testContext(t)
	busy, timedOut := busyThen(t, ctx, e, rcv, `{"action":"sleep","sleepMs":1500}`)
	if !timedOut.TimedOut {
		t.Fatalf("sleeping invocation did not time out: %+v", timedOut)
	}
	requireDeliveredBy(t, rcv, append(busy, timedOut), timedOut.Deadline, "the deadline")
}

func TestAdaptiveFlushSIGTERMSendsWhatIsHeld(t *testing.T) {
	t.Parallel()
	rcv := startReceiver(t, 0)
	e := startFn(t, rcv)
	ctx := testContext(t)
	busy, last := busyThen(t, ctx, e, rcv, `{}`)
	requireOK(t, last)
	rep, err := e.Shutdown(ctx)
	if err != nil || rep == nil || rep.SIGTERMSent.IsZero() || !rep.ExitedWithinGrace {
		t.Fatalf("Shutdown: %v %+v", err, rep)
	}
	requireDeliveredBy(t, rcv, append(busy, last), rep.Exited, "the process exited")
}
