//go:build linux

package otellambdaflush_test

import (
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/logfire-go/sdk/otellambdaflush/lambdatest"
)

// TestManagedInstancesConcurrentInvocations: on Lambda Managed Instances
// one process runs many invocations at once. Sixteen invocations, eight at
// a time, each making three spans while it sleeps a second (long enough
// that all eight are handed out before the first ends, even on a loaded
// machine where the runtime's pollers start slowly): every
// invocation's spans are in a trace of their own, under its invocation
// span, with its request id; nothing is flushed per invocation (fewer
// trace requests than invocations); and the background export plus the
// SIGTERM shutdown deliver every span, the shutdown hook's log included.
func TestManagedInstancesConcurrentInvocations(t *testing.T) {
	t.Parallel()
	const concurrency, invocations, workSpans = 8, 16, 3
	rcv := startReceiver(t, 0)
	e := startFn(t, rcv, lambdatest.WithManagedInstances(concurrency), lambdatest.WithEnv("FN_ENTRY", "new"),
		lambdatest.WithEnv("FN_SPANS", fmt.Sprint(workSpans)))
	ctx := testContext(t)

	var pending []*lambdatest.Pending
	for i := range invocations {
		p, err := e.Send(ctx, fmt.Appendf(nil, `{"action":"sleep","sleepMs":1000,"message":"m%d"}`, i))
		if err != nil {
			t.Fatal(err)
		}
		pending = append(pending, p)
	}
	var invs []*lambdatest.Invocation
	for _, p := range pending {
		inv, err := p.Wait(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if inv.TimedOut || inv.Crashed || inv.ErrorPayload != nil || inv.Response == nil {
			t.Fatalf("invocation %s: %+v", inv.RequestID, inv)
		}
		invs = append(invs, inv)
	}
	if got := maxOverlap(invs); got < concurrency {
		t.Errorf("at most %d invocations ran at once, want %d", got, concurrency)
	}
	if !strings.Contains(e.Stdout(), "mode=none\n") {
		t.Errorf("want mode=none on managed instances; stdout:\n%s", e.Stdout())
	}
	rcv.mu.Lock()
	traceRequests := rcv.requests["/v1/traces"]
	rcv.mu.Unlock()
	t.Logf("%d trace requests before the shutdown for %d invocations", traceRequests, invocations)
	if traceRequests >= invocations {
		t.Errorf("%d trace requests for %d invocations: flushed per invocation", traceRequests, invocations)
	}

	rep, err := e.Shutdown(ctx)
	if err != nil || rep == nil || rep.SIGTERMSent.IsZero() || !rep.ExitedWithinGrace {
		t.Fatalf("Shutdown: %v %+v", err, rep)
	}
	spans := rcv.waitSpans(t, 5*time.Second, func(s []gotSpan) bool {
		_, ok := named(s, "Shutting down")
		return ok && len(s) >= invocations*(2+workSpans)+1
	})
	traces := map[string]string{} // trace id → request id
	for _, inv := range invs {
		// The invocation span, its work spans and the span of its
		// platform report.
		got := forRequest(spans, inv.RequestID)
		if len(got) != 2+workSpans {
			t.Fatalf("invocation %s: %d spans, want %d:\n%s", inv.RequestID, len(got), 2+workSpans, formatSpans(got))
		}
		fn, _ := named(got, "fn")
		for _, s := range got {
			if strings.HasPrefix(s.Name, "Lambda report") && s.ParentSpanID != fn.SpanID {
				t.Errorf("invocation %s: its report span is not under its invocation span: %v", inv.RequestID, s)
			}
		}
		if other, ok := traces[got[0].TraceID]; ok {
			t.Fatalf("invocations %s and %s share trace %s", other, inv.RequestID, got[0].TraceID)
		}
		traces[got[0].TraceID] = inv.RequestID
		for _, s := range got {
			if s.Name == "fn" || strings.HasPrefix(s.Name, "Lambda report") {
				continue
			}
			if s.Attrs["req_id"] != inv.RequestID {
				t.Errorf("invocation %s: span %s has req_id %q", inv.RequestID, s, s.Attrs["req_id"])
			}
		}
	}
	if s := e.Stderr(); strings.Contains(s, "logfire:") {
		t.Errorf("the SDK complained:\n%s", s)
	}
}

// maxOverlap is the most invocations that were running at one time, from
// hand-out to response.
func maxOverlap(invs []*lambdatest.Invocation) int {
	type edge struct {
		at    time.Time
		delta int
	}
	var edges []edge
	for _, inv := range invs {
		edges = append(edges, edge{inv.HandedOut, 1}, edge{inv.Responded, -1})
	}
	sort.Slice(edges, func(i, j int) bool {
		if edges[i].at.Equal(edges[j].at) {
			return edges[i].delta < edges[j].delta
		}
		return edges[i].at.Before(edges[j].at)
	})
	n, top := 0, 0
	for _, e := range edges {
		n += e.delta
		top = max(top, n)
	}
	return top
}
