//go:build linux

package e2e_test

import (
	"context"
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
	plain := buildRepoPackage(b, "./otellambdaflush/testdata/plainotellambda")
	fn := buildRepoPackage(b, "./otellambdaflush/testdata/fn")
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
