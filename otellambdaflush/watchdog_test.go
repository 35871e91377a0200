package otellambdaflush

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
)

// The timeout watchdog, tested under synctest: the times below are the
// bubble's, exact, whatever the machine's load.

// watchdogRuntime is an in-handler runtime whose timeout watchdog fires
// lead before the deadline, and the in-memory spans of its instance.
func watchdogRuntime(t *testing.T, lead time.Duration) (*Runtime, *tracetest.InMemoryExporter, *lines) {
	t.Helper()
	lf, mem := newInstance(t, &flushRecorder{})
	t.Setenv("AWS_LAMBDA_FUNCTION_NAME", "fn")
	log := &lines{}
	return newRuntimeT(t, lf, WithMode(ModeInHandler), WithTimeoutLead(lead), withReport(log)), mem, log
}

// invocationSpan returns the ended invocation span ("fn"), if there is
// one once every goroutine of the bubble is blocked.
func invocationSpan(mem *tracetest.InMemoryExporter) (tracetest.SpanStub, bool) {
	synctest.Wait()
	for _, s := range mem.GetSpans() {
		if s.Name == "fn" {
			return s, true
		}
	}
	return tracetest.SpanStub{}, false
}

func TestTimeoutIsReportedBeforeTheDeadline(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		exp := &countingExporter{}
		lf, _ := newInstance(t, exp)
		t.Setenv("AWS_LAMBDA_FUNCTION_NAME", "fn")
		r := newRuntimeT(t, lf, WithMode(ModeInHandler), WithTimeoutLead(150*time.Millisecond))

		var atReport []string
		start := time.Now()
		var reported time.Duration
		handler := func(ctx context.Context) error {
			_, span := lf.Span(ctx, "slow work")
			defer span.End()
			<-ctx.Done() // runs into the deadline
			atReport = exp.names()
			return ctx.Err()
		}
		_, _ = invoke(t, r, handler, `{}`, 400*time.Millisecond)
		found := false
		for _, n := range atReport {
			found = found || n == "fn"
		}
		if !found {
			t.Fatalf("at the deadline the exporter had %v, want the invocation span", atReport)
		}
		var inv sdktrace.ReadOnlySpan
		exp.mu.Lock()
		for _, s := range exp.spans {
			if s.Name() == "fn" {
				inv = s
				reported = s.EndTime().Sub(start)
			}
		}
		exp.mu.Unlock()
		if inv.Status().Code != codes.Error || !strings.HasPrefix(inv.Status().Description, "Timeout:") {
			t.Fatalf("invocation status %+v", inv.Status())
		}
		if reported != 250*time.Millisecond {
			t.Errorf("the invocation span ended %v after the start, want 150ms before the 400ms deadline", reported)
		}
	})
}

// TestWatchdogHandlerFirst: a handler that returns before the watchdog
// fires decides the span; the watchdog never touches it afterwards.
func TestWatchdogHandlerFirst(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r, mem, log := watchdogRuntime(t, 300*time.Millisecond)
		handler := func(ctx context.Context) error { return errors.New("bad input") }
		if _, err := invokeAs(r, handler, "req-1", 400*time.Millisecond); err == nil {
			t.Fatal("want the handler's error")
		}
		time.Sleep(200 * time.Millisecond) // past the time the watchdog would have fired
		s, _ := invocationSpan(mem)
		if s.Status.Code != codes.Error || s.Status.Description != "*errors.errorString: bad input" || len(s.Events) != 1 {
			t.Errorf("span: status %+v, %d events", s.Status, len(s.Events))
		}
		if len(log.all()) != 0 {
			t.Errorf("log: %q", log.all())
		}
	})
}

// TestWatchdogFirst: once the watchdog has ended the span as timed out, a
// handler that returns later records nothing more on it, and the flush
// that follows is silent even when no time is left.
func TestWatchdogFirst(t *testing.T) {
	for name, returnAt := range map[string]string{
		"returns with time left":  "after the watchdog",
		"returns at the deadline": "deadline",
	} {
		t.Run(name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				r, mem, log := watchdogRuntime(t, 250*time.Millisecond)
				handler := func(ctx context.Context) error {
					time.Sleep(200 * time.Millisecond) // the watchdog fires at 150ms
					if _, ok := invocationSpan(mem); !ok {
						return errors.New("the watchdog did not end the span")
					}
					if returnAt == "deadline" {
						<-ctx.Done()
					}
					return errors.New("late failure")
				}
				_, _ = invokeAs(r, handler, "req-1", 400*time.Millisecond)
				s, _ := invocationSpan(mem)
				if s.Status.Code != codes.Error || !strings.HasPrefix(s.Status.Description, "Timeout: ") || len(s.Events) != 1 {
					t.Errorf("span: status %+v, %d events, want only the timeout", s.Status, len(s.Events))
				}
				if len(log.all()) != 0 {
					t.Errorf("log: %q, want nothing", log.all())
				}
			})
		})
	}
}

// TestWatchdogRace: handlers that return right around the moment the
// watchdog fires, in both orders and at the same instant. Whichever comes
// first decides; the span never gets both outcomes. Run with -race.
func TestWatchdogRace(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		// The lead is above the default safety margin (50ms), as it must
		// be for a handler that returns just before the watchdog to have
		// time left to flush.
		r, mem, log := watchdogRuntime(t, 80*time.Millisecond)
		timeouts, handled := 0, 0
		for i := range 40 {
			mem.Reset()
			offset := time.Duration(i%5-2) * time.Millisecond // from the watchdog's firing
			handler := func(ctx context.Context) error {
				dl, _ := ctx.Deadline()
				time.Sleep(time.Until(dl) - 80*time.Millisecond + offset)
				return errors.New("handler error")
			}
			_, _ = invokeAs(r, handler, fmt.Sprintf("req-%d", i), 150*time.Millisecond)
			s, ok := invocationSpan(mem)
			if !ok {
				t.Fatalf("invocation %d: no span", i)
			}
			if len(s.Events) != 1 || s.Status.Code != codes.Error {
				t.Fatalf("invocation %d: status %+v, %d events", i, s.Status, len(s.Events))
			}
			switch {
			case strings.HasPrefix(s.Status.Description, "Timeout: "):
				timeouts++
				if offset < 0 {
					t.Errorf("invocation %d: the handler returned %v before the watchdog, yet timed out", i, -offset)
				}
			case s.Status.Description == "*errors.errorString: handler error":
				handled++
				if offset > 0 {
					t.Errorf("invocation %d: the handler returned %v after the watchdog, yet decided", i, offset)
				}
			default:
				t.Fatalf("invocation %d: status %+v", i, s.Status)
			}
		}
		t.Logf("watchdog first %d times, handler first %d times", timeouts, handled)
		for _, l := range log.all() {
			if strings.Contains(l, "skipped") {
				t.Errorf("log: %q", l)
			}
		}
	})
}
