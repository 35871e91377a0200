//go:build linux

package e2e_test

import (
	"context"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/logfire-go/sdk/e2e/collector"
	"github.com/logfire-go/sdk/otellambdaflush/lambdatest"
)

// The platform's reports (the Lambda Telemetry API, which the freezing
// emulator serves as Lambda does) as the real collector receives them:
// the FaaS metrics and a span per invocation.

// platformMetrics are the names of the metrics otellambdaflush makes of
// the platform's reports, with their units.
var platformMetrics = map[string]string{
	"faas.invocations":           "{invocation}",
	"faas.errors":                "{error}",
	"faas.timeouts":              "{timeout}",
	"faas.coldstarts":            "{coldstart}",
	"faas.invoke_duration":       "s",
	"faas.init_duration":         "s",
	"faas.mem_usage":             "By",
	"aws.lambda.billed_duration": "s",
}

// onlyPlatformMetrics returns a description of the metrics that are not
// the platform's, or of a platform metric with the wrong unit; "" if none.
func onlyPlatformMetrics(metrics []collector.Metric) string {
	var bad []string
	for _, m := range metrics {
		if unit, ok := platformMetrics[m.Name]; !ok || m.Unit != unit {
			bad = append(bad, fmt.Sprintf("%s (%s)", m.Name, m.Unit))
		}
	}
	return strings.Join(bad, ", ")
}

// metricSum is the sum of the values of the delta sum points of name whose
// attributes include match.
func metricSum(metrics []collector.Metric, name string, match map[string]any) int64 {
	var n int64
	for _, m := range metrics {
		if m.Name != name || m.Type != collector.TypeSum || m.Temporality != collector.TemporalityDelta {
			continue
		}
		for _, p := range m.DataPoints {
			ok := true
			for k, v := range match {
				ok = ok && p.Attributes[k] == v
			}
			if v, isInt := p.Value.(int64); ok && isInt {
				n += v
			}
		}
	}
	return n
}

// metricCount is the number of values and their sum recorded in the
// histogram points of name.
func metricCount(metrics []collector.Metric, name string) (count uint64, sum float64) {
	for _, m := range metrics {
		if m.Name != name {
			continue
		}
		for _, p := range m.DataPoints {
			count += p.Count
			sum += p.Sum
		}
	}
	return count, sum
}

// platformReports checks the report spans among spans: exactly one per
// invocation of invs, a child of its invocation span, with the status
// given by status (of the invocation's index; "success" if nil). It
// returns a description of what is wrong, "" if nothing.
func platformReports(spans []collector.Span, invs []*lambdatest.Invocation, status func(i int) string) string {
	byID := map[string][]collector.Span{}
	n := 0
	for _, s := range collector.WithoutPending(spans) {
		if s.Name == reportSpan {
			id, _ := s.Attributes["faas.invocation_id"].(string)
			byID[id] = append(byID[id], s)
			n++
		}
	}
	var problems []string
	if n != len(invs) {
		problems = append(problems, fmt.Sprintf("%d report spans for %d invocations", n, len(invs)))
	}
	for i, inv := range invs {
		want := "success"
		if status != nil {
			want = status(i)
		}
		reports := byID[inv.RequestID]
		root, _, _, ok := invocationTrace(spans, inv.RequestID)
		switch {
		case len(reports) != 1:
			problems = append(problems, fmt.Sprintf("invocation %d: %d reports", i, len(reports)))
		case !ok || !reports[0].Parent(root):
			problems = append(problems, fmt.Sprintf("invocation %d: report %s not under its invocation span", i, reports[0]))
		case reports[0].Attributes["aws.lambda.status"] != want:
			problems = append(problems, fmt.Sprintf("invocation %d: report %s, want status %s", i, reports[0], want))
		}
		if len(problems) > 5 {
			break
		}
	}
	return strings.Join(problems, "; ")
}

// TestLambdaPlatformMetricsOfExample: examples/lambda, which has no code
// for it, under the freezing emulator: a cold start, two warm invocations
// and SIGTERM. The collector receives the platform's reports of all three
// (the last one, which arrives at SIGTERM, included): three invocations,
// one cold start with its INIT duration, three durations, billed durations
// and memory figures, no error, and a report span under each invocation
// span, with the figures of the emulator's report.
func TestLambdaPlatformMetricsOfExample(t *testing.T) {
	c := collector.Start(t)
	e := startLambda(t, buildFunction(t, "./examples/lambda"), 3*time.Second, logfireEnv(c.Endpoint())...)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	invs := invokeN(t, ctx, e, 3, func(i int) []byte { return commandEvent(fmt.Sprintf("cmd-%d", i)) })
	for i, inv := range invs {
		requireFrozenOK(t, i, inv)
	}
	if rep, err := e.Shutdown(ctx); err != nil || !rep.ExitedWithinGrace {
		t.Fatalf("Shutdown: %v %+v", err, rep)
	}
	wctx, wcancel := context.WithTimeout(ctx, 5*time.Second)
	defer wcancel()
	metrics, err := c.WaitForMetrics(wctx, func(m []collector.Metric) bool { return metricSum(m, "faas.invocations", nil) >= 3 })
	if err != nil {
		t.Fatalf("%v:\n%s", err, collector.FormatMetrics(c.Metrics()))
	}
	if bad := onlyPlatformMetrics(metrics); bad != "" {
		t.Errorf("metrics other than the platform's: %s", bad)
	}
	for name, want := range map[string]int64{"faas.invocations": 3, "faas.coldstarts": 1, "faas.errors": 0, "faas.timeouts": 0} {
		if got := metricSum(metrics, name, nil); got != want {
			t.Errorf("%s = %d, want %d", name, got, want)
		}
	}
	if n, sum := metricCount(metrics, "faas.init_duration"); n != 1 || math.Abs(sum-invs[0].InitDuration.Seconds()) > 1e-5 {
		t.Errorf("faas.init_duration: %d values summing %v s, want 1 of %v", n, sum, invs[0].InitDuration)
	}
	for _, name := range []string{"faas.invoke_duration", "aws.lambda.billed_duration", "faas.mem_usage"} {
		if n, _ := metricCount(metrics, name); n != 3 {
			t.Errorf("%s: %d values, want 3", name, n)
		}
	}
	spans := c.Spans()
	if p := platformReports(spans, invs, nil); p != "" {
		t.Error(p)
	}
	for i, inv := range invs {
		for _, s := range spans {
			if s.Name != reportSpan || s.Attributes["faas.invocation_id"] != inv.RequestID {
				continue
			}
			billed := inv.Completed.Sub(inv.HandedOut)
			if i == 0 {
				billed += inv.InitDuration
			}
			if got, want := s.Attributes["aws.lambda.billed_duration_ms"], math.Ceil(float64(billed)/1e6); got != want {
				t.Errorf("invocation %d: billed %v ms, want %v", i, got, want)
			}
		}
	}
}

// TestLambdaPlatformTimeoutAndOutOfMemory: testdata/fn under the freezing
// emulator, timeout 1 s: an invocation that runs into the timeout, then
// one (a cold start, after the reset) that allocates past the 128 MB
// memory size and is killed, then one that succeeds (a cold start again).
// The collector receives the report of the timeout (recorded during the
// reset's SIGTERM: one timeout, one error of type timeout), that of the
// last invocation, and that of the killed invocation: Lambda's cannot
// reach the process killed with it, but the record it left in the
// environment's /tmp survives the reset, and the next process records it
// (error of type Runtime.OutOfMemory): three invocations, two cold starts.
func TestLambdaPlatformTimeoutAndOutOfMemory(t *testing.T) {
	c := collector.Start(t)
	e := startLambda(t, buildFunction(t, "./otellambdaflush/testdata/fn"), time.Second,
		append(logfireEnv(c.Endpoint()), "LOGFIRE_CONSOLE", "false")...)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	invs := invokeN(t, ctx, e, 3, func(i int) []byte {
		return []byte([...]string{`{"action":"sleep","sleepMs":3000}`, `{"action":"alloc","allocMB":400,"sleepMs":2000}`, `{}`}[i])
	})
	if !invs[0].TimedOut || !invs[1].OutOfMemory || !invs[2].ColdStart || invs[2].ErrorPayload != nil {
		t.Fatalf("invocations: timed out %v, out of memory %v, then cold start %v (%+v)", invs[0].TimedOut, invs[1].OutOfMemory, invs[2].ColdStart, invs[2].ErrorPayload)
	}
	if _, err := e.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	wctx, wcancel := context.WithTimeout(ctx, 5*time.Second)
	defer wcancel()
	metrics, err := c.WaitForMetrics(wctx, func(m []collector.Metric) bool { return metricSum(m, "faas.invocations", nil) >= 3 })
	if err != nil {
		t.Fatalf("%v:\n%s", err, collector.FormatMetrics(c.Metrics()))
	}
	for name, want := range map[string]int64{"faas.invocations": 3, "faas.coldstarts": 2, "faas.timeouts": 1} {
		if got := metricSum(metrics, name, nil); got != want {
			t.Errorf("%s = %d, want %d", name, got, want)
		}
	}
	timeouts := metricSum(metrics, "faas.errors", map[string]any{"error.type": "timeout"})
	oom := metricSum(metrics, "faas.errors", map[string]any{"error.type": "Runtime.OutOfMemory"})
	if all := metricSum(metrics, "faas.errors", nil); timeouts != 1 || oom != 1 || all != 2 {
		t.Errorf("faas.errors of type timeout = %d, Runtime.OutOfMemory = %d (all: %d), want 1 and 1", timeouts, oom, all)
	}
	// The killed invocation's report: its invocation span died with it.
	var others []collector.Span
	killed := 0
	for _, s := range collector.WithoutPending(c.Spans()) {
		if s.Name != reportSpan || s.Attributes["faas.invocation_id"] != invs[1].RequestID {
			others = append(others, s)
			continue
		}
		killed++
		if s.Attributes["aws.lambda.status"] != "error" || s.Attributes["error.type"] != "Runtime.OutOfMemory" {
			t.Errorf("report of the killed invocation: %s", s)
		}
	}
	if killed != 1 {
		t.Errorf("%d reports of the killed invocation, want 1", killed)
	}
	reported := []*lambdatest.Invocation{invs[0], invs[2]}
	if p := platformReports(others, reported, func(i int) string { return [...]string{"timeout", "success"}[i] }); p != "" {
		t.Error(p)
	}
}
