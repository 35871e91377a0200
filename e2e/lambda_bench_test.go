//go:build linux

package e2e_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/logfire-go/sdk/e2e/collector"
)

// BenchmarkLambdaLatency measures what flushing after every invocation
// costs a Lambda function that makes 20 spans per invocation, under the
// freezing emulator against the collector receiver on loopback. One
// iteration is one warm invocation. Besides ns/op (the whole round trip
// through the emulator, freeze and thaw included), it reports, in
// microseconds, the median and 99th percentile of:
//
//   - client: from the event being handed to the runtime to its response
//     arriving: what the caller waits for;
//   - billed: from hand-out to SIGSTOP being sent, once the runtime and
//     every INVOKE extension are done: what Lambda bills and what delays
//     the next invocation of this environment.
//
// Cases:
//
//   - otellambda-noflush: plain OpenTelemetry SDK + otellambda without a
//     flusher, the floor (it loses its spans, see TestLambdaPlainOTelIsLate);
//   - otellambda-WithFlusher: the same with otellambda.WithFlusher(tp),
//     which flushes traces only, in the handler;
//   - logfire-noflush: Logfire + otellambdaflush.Start with ModeNone, what
//     Logfire's spans cost without any flush (lossy too);
//   - logfire-in-handler: ModeInHandler, all three signals flushed before
//     the response;
//   - logfire-post-response: ModePostResponse (the default on Lambda),
//     flushed from the internal extension after the response.
//
// Each runs twice: against the receiver as it is (loopback: an export
// takes a few hundred microseconds) and with every export request held
// 20 ms by the receiver, standing for the network round trip to Logfire
// that a real function pays.
//
// Run it with a fixed number of iterations so that the percentiles rest on
// the same count:
//
//	cd e2e && go test -run '^$' -bench BenchmarkLambdaLatency -benchtime 400x .
func BenchmarkLambdaLatency(b *testing.B) {
	const spans = "20"
	plain := buildFunction(b, "./otellambdaflush/testdata/plainotellambda")
	fn := buildFunction(b, "./otellambdaflush/testdata/fn")
	for _, backend := range []struct {
		name  string
		delay time.Duration
	}{
		{"loopback", 0},
		{"rtt20ms", 20 * time.Millisecond},
	} {
		b.Run(backend.name, func(b *testing.B) {
			var opts []collector.Option
			if backend.delay > 0 {
				opts = append(opts, collector.WithReject(func(ctx context.Context, _ collector.Request) error {
					select {
					case <-time.After(backend.delay):
					case <-ctx.Done():
					}
					return nil
				}))
			}
			c := collector.Start(b, opts...)
			otel := func(extra ...string) []string {
				return append([]string{"OTEL_EXPORTER_OTLP_ENDPOINT", c.Endpoint(), "FN_SPANS", spans}, extra...)
			}
			logfire := func(mode string) []string {
				return append(logfireEnv(c.Endpoint()), "LOGFIRE_CONSOLE", "false", "FN_SPANS", spans, "FN_MODE", mode)
			}
			for _, tc := range []struct {
				name string
				bin  string
				env  []string
			}{
				{"otellambda-noflush", plain, otel()},
				{"otellambda-WithFlusher", plain, otel("FN_FLUSHER", "1")},
				{"logfire-noflush", fn, logfire("none")},
				{"logfire-in-handler", fn, logfire("in-handler")},
				{"logfire-post-response", fn, logfire("post-response")},
			} {
				b.Run(tc.name, func(b *testing.B) { benchInvocations(b, tc.bin, tc.env) })
			}
		})
	}
}

// benchInvocations runs warm invocations of bin under the emulator, one per
// iteration, and reports the latency percentiles.
func benchInvocations(b *testing.B, bin string, env []string) {
	e := startLambda(b, bin, 3*time.Second, env...)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	event := []byte(`{"command":"bench"}`)
	for i := range 20 { // cold start and warm-up
		if inv, err := e.Invoke(ctx, event); err != nil || inv.FreezeSent.IsZero() {
			b.Fatalf("warm-up %d: %v %+v", i, err, inv)
		}
	}
	var client, billed []time.Duration
	for b.Loop() {
		inv, err := e.Invoke(ctx, event)
		if err != nil || inv.TimedOut || inv.Crashed || inv.Response == nil || inv.FreezeSent.IsZero() {
			b.Fatalf("invocation: %v %+v", err, inv)
		}
		client = append(client, inv.Responded.Sub(inv.HandedOut))
		billed = append(billed, inv.FreezeSent.Sub(inv.HandedOut))
	}
	report := func(d []time.Duration, name string) {
		b.ReportMetric(float64(percentile(d, 50).Nanoseconds())/1e3, name+"-p50-µs")
		b.ReportMetric(float64(percentile(d, 99).Nanoseconds())/1e3, name+"-p99-µs")
	}
	report(client, "client")
	report(billed, "billed")
	if e.Starts() != 1 {
		b.Errorf("%d processes started, want 1", e.Starts())
	}
}

// BenchmarkLambdaFlushPolicy measures what each flush policy adds to the
// billed time of an invocation of a function making 20 spans, under the
// freezing emulator against the collector, at 1, 20 and 200 invocations a
// second. The rate sets how long the process stays frozen between
// invocations, and so whether the default adaptive flush (auto) flushes
// after every invocation or every two seconds; every-invocation pins
// ModePostResponse, which flushes after every one.
//
// Each iteration is a round: the same function with no flush at all
// (noflush), then each policy, one after the other, each in a new
// environment, so that a policy and the baseline it is compared with
// see the same machine. It reports, for each policy, the median over
// the rounds of its mean billed time less the same round's noflush mean
// (overhead-µs: a median, because one round in which the machine
// hiccups moves a mean of means by hundreds of µs), and the lowest and
// highest of those; the same median for the CPU time the function process
// used per invocation (cpu-overhead-µs), which is what the billed time
// becomes where the function has less than one CPU (below 1,769 MB of
// memory); and fails if any span is missing at the collector after
// SHUTDOWN.
//
//	cd e2e && go test -run '^$' -bench BenchmarkLambdaFlushPolicy -benchtime 3x .
func BenchmarkLambdaFlushPolicy(b *testing.B) {
	fn := buildFunction(b, "./otellambdaflush/testdata/fn")
	for _, rate := range []struct {
		name string
		n    int
		gap  time.Duration
	}{
		{"1-per-s", 6, time.Second},
		{"20-per-s", 100, 50 * time.Millisecond},
		{"200-per-s", 300, 5 * time.Millisecond},
	} {
		b.Run(rate.name, func(b *testing.B) {
			c := collector.Start(b)
			env := func(extra ...string) []string {
				return append(append(logfireEnv(c.Endpoint()), "LOGFIRE_CONSOLE", "false", "FN_SPANS", "20"), extra...)
			}
			base := env("FN_MODE", "none")
			policies := []struct {
				name string
				env  []string
			}{
				{"every-invocation", env("FN_MODE", "post-response")},
				{"auto", env("FN_MODE", "auto")},
			}
			over := make([][]float64, len(policies))
			cpuOver := make([][]float64, len(policies))
			for b.Loop() {
				billed, cpu := meanBilled(b, c, fn, base, rate.n, rate.gap, false)
				for i, p := range policies {
					pb, pc := meanBilled(b, c, fn, p.env, rate.n, rate.gap, true)
					over[i] = append(over[i], pb-billed)
					cpuOver[i] = append(cpuOver[i], pc-cpu)
					b.Logf("round %d: noflush %.0f µs billed, %.0f µs CPU; %s %+.0f µs billed, %+.0f µs CPU", len(over[i]), billed, cpu, p.name, pb-billed, pc-cpu)
				}
			}
			for i, p := range policies {
				b.ReportMetric(median(over[i]), p.name+"-overhead-µs")
				b.ReportMetric(slices.Min(over[i]), p.name+"-min-µs")
				b.ReportMetric(slices.Max(over[i]), p.name+"-max-µs")
				b.ReportMetric(median(cpuOver[i]), p.name+"-cpu-overhead-µs")
			}
		})
	}
}

// median is the median of v.
func median(v []float64) float64 {
	v = slices.Sorted(slices.Values(v))
	if len(v)%2 == 1 {
		return v[len(v)/2]
	}
	return (v[len(v)/2-1] + v[len(v)/2]) / 2
}

// meanBilled runs n warm invocations of bin, gap apart, and returns their
// mean billed time and the mean CPU time the function process used for
// each (all its threads, from the end of the warm-ups to the end of the
// last; the process is frozen between invocations), both in microseconds;
// with lossless, it checks after SHUTDOWN that every span of them reached
// c.
func meanBilled(tb testing.TB, c *collector.Collector, bin string, env []string, n int, gap time.Duration, lossless bool) (billed, cpu float64) {
	e := startLambda(tb, bin, 3*time.Second, env...)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	event := []byte(`{"action":"ok"}`)
	before := len(c.Spans())
	var total, cpu0, cpu1 time.Duration
	for i := range n + 3 {
		inv, err := e.Invoke(ctx, event)
		if err != nil || inv.TimedOut || inv.Crashed || inv.FreezeSent.IsZero() {
			tb.Fatalf("invocation %d: %v %+v", i, err, inv)
		}
		switch {
		case i == 2: // the cold start and two warm-ups aside
			cpu0 = processCPU(tb, inv.PID)
		case i > 2:
			total += inv.FreezeSent.Sub(inv.HandedOut)
			cpu1 = processCPU(tb, inv.PID)
		}
		time.Sleep(gap)
	}
	if _, err := e.Shutdown(ctx); err != nil {
		tb.Fatal(err)
	}
	if lossless {
		want := (n+3)*21 + 1 // the invocation span and 20 spans each, and "Shutting down"
		wctx, wcancel := context.WithTimeout(ctx, 10*time.Second)
		defer wcancel()
		spans, _ := c.WaitForSpans(wctx, func(s []collector.Span) bool { return realCount(s[before:]) >= want })
		if got := realCount(spans[before:]); got != want {
			tb.Errorf("%d spans reached the collector, want %d", got, want)
		}
	}
	return float64(total.Microseconds()) / float64(n), float64((cpu1 - cpu0).Microseconds()) / float64(n)
}

// processCPU is the CPU time the threads of process pid have used so far,
// from the first field of each thread's /proc schedstat (nanoseconds).
func processCPU(tb testing.TB, pid int) time.Duration {
	tasks, err := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/schedstat", pid))
	if err != nil || len(tasks) == 0 {
		tb.Fatalf("the threads of process %d: %v", pid, err)
	}
	var sum time.Duration
	for _, f := range tasks {
		b, err := os.ReadFile(f)
		if err != nil {
			continue // a thread that has just exited
		}
		if fields := strings.Fields(string(b)); len(fields) > 0 {
			ns, _ := strconv.ParseInt(fields[0], 10, 64)
			sum += time.Duration(ns)
		}
	}
	return sum
}

// realCount counts the function's own spans: pending spans and the spans
// of the platform's reports (one per invocation) left out.
func realCount(spans []collector.Span) int {
	n := 0
	for _, s := range spans {
		if !s.IsPending() && s.Name != reportSpan {
			n++
		}
	}
	return n
}

// BenchmarkLambdaColdStart measures a cold start under the freezing
// emulator: the INIT phase, from the function process's start until its
// runtime first asks for an event (/next), the way Lambda reports
// initDurationMs. Each iteration starts a new environment for each
// function in turn (interleaved, so that both see the same machine) and
// invokes it once. Besides ns/op it reports the median INIT of each, in
// milliseconds, and the ratio of Logfire's (the test function with the
// default ModeAuto, post-response: it registers the flush extension) to
// plain OpenTelemetry with otellambda and WithFlusher; logfire-in-handler
// registers no extension, which shows what the registration costs.
//
//	cd e2e && go test -run '^$' -bench BenchmarkLambdaColdStart -benchtime 30x .
func BenchmarkLambdaColdStart(b *testing.B) {
	plain := buildFunction(b, "./otellambdaflush/testdata/plainotellambda")
	fn := buildFunction(b, "./otellambdaflush/testdata/fn")
	c := collector.Start(b)
	fns := []struct {
		name string
		bin  string
		env  []string
	}{
		{"otellambda-WithFlusher", plain, []string{"OTEL_EXPORTER_OTLP_ENDPOINT", c.Endpoint(), "FN_FLUSHER", "1"}},
		{"logfire", fn, append(logfireEnv(c.Endpoint()), "LOGFIRE_CONSOLE", "false")},
		// Without the extension's registration: what Configure and the rest cost.
		{"logfire-in-handler", fn, append(logfireEnv(c.Endpoint()), "LOGFIRE_CONSOLE", "false", "FN_MODE", "in-handler")},
	}
	inits := make([][]time.Duration, len(fns))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	for b.Loop() {
		for i, f := range fns {
			e := startLambda(b, f.bin, 3*time.Second, f.env...)
			inv, err := e.Invoke(ctx, []byte(`{"command":"cold"}`))
			if err != nil || !inv.ColdStart || inv.Response == nil {
				b.Fatalf("%s: %v %+v", f.name, err, inv)
			}
			inits[i] = append(inits[i], inv.InitDuration)
			if err := e.Close(); err != nil {
				b.Fatalf("%s: close: %v", f.name, err)
			}
		}
	}
	p50 := func(d []time.Duration) float64 { return float64(percentile(d, 50).Microseconds()) / 1e3 }
	for i, f := range fns {
		b.ReportMetric(p50(inits[i]), f.name+"-init-p50-ms")
	}
	b.ReportMetric(p50(inits[1])/p50(inits[0]), "ratio")
}
