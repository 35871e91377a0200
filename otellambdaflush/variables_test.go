//go:build linux

package otellambdaflush_test

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/logfire-go/sdk/internal/varstest"
	"github.com/logfire-go/sdk/otellambdaflush/lambdatest"
)

// These tests run testdata/varsfn, a function that reads the managed
// variable "model" in every invocation, under the freezing emulator,
// against the fake variables API in the test process.

const varsAPIKey = varstest.Key

func modelVariable(version int, value string) string { return varstest.Single("model", version, value) }

type varsReply struct {
	Value   string `json:"value"`
	Label   string `json:"label"`
	Version int    `json:"version"`
	Reason  string `json:"reason"`
	Error   string `json:"error"`
	Started int64  `json:"started"`
}

// startVarsFn runs testdata/varsfn against api, with opts added.
func startVarsFn(tb testing.TB, bin, api string, opts ...lambdatest.Option) *lambdatest.Emulator {
	tb.Helper()
	base := []lambdatest.Option{
		lambdatest.WithFunctionName("varsfn"),
		lambdatest.WithTimeout(3 * time.Second),
		lambdatest.WithEnv("LOGFIRE_API_KEY", varsAPIKey),
		lambdatest.WithEnv("LOGFIRE_BASE_URL", api),
		lambdatest.WithEnv("LOGFIRE_CONSOLE", "false"),
	}
	return lambdatest.Start(tb, bin, append(base, opts...)...)
}

// invokeVars invokes e, which must succeed, and returns the function's
// reply.
func invokeVars(tb testing.TB, ctx context.Context, e *lambdatest.Emulator) (varsReply, *lambdatest.Invocation) {
	tb.Helper()
	inv, err := e.Invoke(ctx, []byte(`{}`))
	if err != nil {
		tb.Fatalf("Invoke: %v", err)
	}
	if inv.TimedOut || inv.Crashed || inv.ErrorPayload != nil {
		tb.Fatalf("the invocation failed: %+v", inv)
	}
	var r varsReply
	if err := json.Unmarshal(inv.Response, &r); err != nil {
		tb.Fatalf("response %s: %v", inv.Response, err)
	}
	return r, inv
}

// TestVariablesRefreshAtInvocationStart: on Lambda the configuration is
// fetched at the start of an invocation, before the handler, when the last
// fetch is old enough (here always: the interval is 1 ns), with no
// goroutine and no event stream between invocations (the process is
// frozen). While the API hangs or fails, every invocation succeeds with
// the last values, and each kind of failure is reported once on standard
// error, without the key.
func TestVariablesRefreshAtInvocationStart(t *testing.T) {
	srv := varstest.Start(t, varsAPIKey)
	srv.Set(modelVariable(1, "gpt-4o-mini"))
	bin := lambdatest.Build(t, "./testdata/varsfn")
	e := startVarsFn(t, bin, srv.URL, lambdatest.WithEnv("FN_VARS_INTERVAL", "1ns"))
	ctx := testContext(t)

	check := func(step string, wantValue string, wantVersion, wantGets int) {
		t.Helper()
		r, inv := invokeVars(t, ctx, e)
		if inv.FreezeSent.IsZero() {
			t.Fatalf("%s: the process was not frozen after the invocation: %+v", step, inv)
		}
		if r.Value != wantValue || r.Version != wantVersion || r.Label != "production" || r.Reason != "resolved" || r.Error != "" {
			t.Errorf("%s: the handler got %+v, want %q at version %d", step, r, wantValue, wantVersion)
		}
		st := srv.Stats()
		if st.Gets != wantGets {
			t.Fatalf("%s: %d fetches, want %d", step, st.Gets, wantGets)
		}
		got := st.GetTimes[wantGets-1]
		if started := time.Unix(0, r.Started); got.Before(inv.HandedOut) || !got.Before(started) {
			t.Errorf("%s: the fetch arrived at %v, not between the hand-out (%v) and the handler's start (%v)",
				step, got.Format(time.StampMicro), inv.HandedOut.Format(time.StampMicro), started.Format(time.StampMicro))
		}
	}
	check("cold start", "gpt-4o-mini", 1, 1)
	srv.Set(modelVariable(2, "gpt-4o"))
	check("a new version", "gpt-4o", 2, 2)
	check("unchanged", "gpt-4o", 2, 3)
	if st := srv.Stats(); st.NotModified != 1 || st.Connects != 0 {
		t.Errorf("%d answers 304 (want 1), %d event streams (want none on Lambda)", st.NotModified, st.Connects)
	}

	srv.Hang(varstest.Variables)
	check("the API hangs", "gpt-4o", 2, 4)
	check("the API still hangs", "gpt-4o", 2, 5)
	srv.Heal(varstest.Variables)
	srv.Fail(varstest.Variables, 2, http.StatusServiceUnavailable, `{"detail": "down for maintenance"}`)
	check("the API fails", "gpt-4o", 2, 6)
	check("the API still fails", "gpt-4o", 2, 7)
	srv.Set(modelVariable(3, "o3"))
	check("the API is back", "o3", 3, 8)

	rep, err := e.Shutdown(ctx)
	if err != nil || !rep.ExitedWithinGrace {
		t.Fatalf("shutdown: %v %+v", err, rep)
	}
	var lines []string
	for _, l := range strings.Split(e.Stderr(), "\n") {
		if strings.Contains(l, "managed variables") {
			lines = append(lines, l)
		}
	}
	if len(lines) != 2 || !strings.Contains(lines[0], "context deadline exceeded") ||
		!strings.Contains(lines[1], "503 Service Unavailable: down for maintenance") || !strings.Contains(lines[1], "serving the values fetched at") {
		t.Errorf("standard error has %d lines about variables, want the hang and the 503 once each:\n%s", len(lines), strings.Join(lines, "\n"))
	}
	if strings.Contains(e.Stderr()+e.Stdout(), varsAPIKey[len("pylf_v2_us_"):]) {
		t.Error("the API key is in the function's output")
	}
}

// TestVariablesOnManagedInstances: on Lambda Managed Instances the process
// is never frozen, so the values are kept fresh as in a long-running
// process: the first Get starts the poller and the event stream, and an
// update is fetched when it is announced, not at the next invocation.
func TestVariablesOnManagedInstances(t *testing.T) {
	srv := varstest.Start(t, varsAPIKey)
	srv.Set(modelVariable(1, "gpt-4o-mini"))
	bin := lambdatest.Build(t, "./testdata/varsfn")
	e := startVarsFn(t, bin, srv.URL, lambdatest.WithManagedInstances(2))
	ctx := testContext(t)

	if r, _ := invokeVars(t, ctx, e); r.Value != "gpt-4o-mini" || r.Version != 1 {
		t.Fatalf("first invocation: %+v", r)
	}
	if err := srv.Await(ctx, func(s varstest.Stats) bool { return s.OpenStreams == 1 }); err != nil {
		t.Fatal(err)
	}
	srv.Set(modelVariable(2, "gpt-4o"))
	// The update is fetched at once, then again 2 s later: once the
	// second fetch has arrived, the first one's values are in place.
	if err := srv.Await(ctx, func(s varstest.Stats) bool { return s.Gets == 3 }); err != nil {
		t.Fatal(err)
	}
	if r, _ := invokeVars(t, ctx, e); r.Value != "gpt-4o" || r.Version != 2 {
		t.Errorf("after the update: %+v", r)
	}
	if st := srv.Stats(); st.Gets != 3 {
		t.Errorf("%d fetches, want 3: the invocation did not fetch", st.Gets)
	}
	if strings.Contains(e.Stderr(), "logfire:") {
		t.Errorf("the SDK complained:\n%s", e.Stderr())
	}
}

// BenchmarkVariablesRefresh measures what reading a managed variable adds
// to the billed time of a warm invocation under the freezing emulator
// (from the event's hand-out to SIGSTOP), against the fake API on
// loopback, beside the same function without variables. One iteration is
// one invocation. It reports the median and 99th percentile, in
// microseconds, for:
//
//   - no-variables: the function declares none (the baseline);
//
//   - fresh: the last fetch is recent, as for all but one invocation a
//     minute with the default interval: Get reads what is held;
//
//   - refresh-304: every invocation refreshes (the interval is 1 ns) and
//     the API answers 304 Not Modified;
//
//   - refresh-503: every invocation refreshes and the API answers 503;
//
//   - refresh-hung: every invocation refreshes and the API never answers:
//     the refresh gives up at its bound, a quarter of the 3 s the
//     invocation has (750 ms).
//
//     go test ./otellambdaflush -run '^$' -bench VariablesRefresh -benchtime 200x
func BenchmarkVariablesRefresh(b *testing.B) {
	srv := varstest.Start(b, varsAPIKey)
	srv.Set(modelVariable(1, "gpt-4o-mini"))
	bin := lambdatest.Build(b, "./testdata/varsfn")
	for _, tc := range []struct {
		name  string
		env   lambdatest.Option
		fault func()
	}{
		{"no-variables", lambdatest.WithEnv("FN_VARS", "off"), nil},
		{"fresh", lambdatest.WithEnv("FN_VARS_INTERVAL", "1h"), nil},
		{"refresh-304", lambdatest.WithEnv("FN_VARS_INTERVAL", "1ns"), nil},
		{"refresh-503", lambdatest.WithEnv("FN_VARS_INTERVAL", "1ns"), func() { srv.Fail(varstest.Variables, -1, http.StatusServiceUnavailable, `{"detail": "down"}`) }},
		{"refresh-hung", lambdatest.WithEnv("FN_VARS_INTERVAL", "1ns"), func() { srv.Hang(varstest.Variables) }},
	} {
		b.Run(tc.name, func(b *testing.B) {
			e := startVarsFn(b, bin, srv.URL, tc.env)
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Minute)
			defer cancel()
			for range 5 { // cold start and warm-up, the API answering
				invokeVars(b, ctx, e)
			}
			if tc.fault != nil {
				tc.fault()
				defer srv.Heal(varstest.Variables)
			}
			var billed []time.Duration
			for b.Loop() {
				_, inv := invokeVars(b, ctx, e)
				if inv.FreezeSent.IsZero() {
					b.Fatalf("not frozen: %+v", inv)
				}
				billed = append(billed, inv.FreezeSent.Sub(inv.HandedOut))
			}
			slices.Sort(billed)
			at := func(p int) float64 { return float64(billed[(len(billed)-1)*p/100].Nanoseconds()) / 1e3 }
			b.ReportMetric(at(50), "billed-p50-µs")
			b.ReportMetric(at(99), "billed-p99-µs")
			if e.Starts() != 1 {
				b.Errorf("%d processes started, want 1", e.Starts())
			}
		})
	}
}
