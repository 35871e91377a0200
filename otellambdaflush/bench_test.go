package otellambdaflush

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"

	"github.com/logfire-go/sdk/internal/testhook"
	"github.com/logfire-go/sdk/logfire"
)

// BenchmarkInvocation runs one warm invocation per iteration in the test
// process (no emulator): a handler making 20 spans, wrapped by Handler, in
// ModeInHandler (the flush, of all three signals, to a receiver on
// 127.0.0.1, is part of each iteration) and ModeNone (the wrapping and the
// spans without a flush); in-handler+report also takes, before each
// invocation, a Telemetry API delivery with the previous invocation's
// platform.runtimeDone and platform.report, as the extension does before
// its flush, so that the flush also exports the report's metrics and span:
// the difference with in-handler is what the platform's report costs an
// invocation. It is for profiling the invocation path; the latency a
// client sees under the freezing emulator is e2e's BenchmarkLambdaLatency.
//
//	go test ./otellambdaflush -run '^$' -bench Invocation -benchmem
func BenchmarkInvocation(b *testing.B) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
	}))
	b.Cleanup(srv.Close)
	b.Setenv("LOGFIRE_CREDENTIALS_DIR", b.TempDir())
	const delivery = `[{"time":"2026-01-02T03:04:05.000Z","type":"platform.runtimeDone","record":{"requestId":"req","status":"success","metrics":{"durationMs":1.5,"producedBytes":4}}},` +
		`{"time":"2026-01-02T03:04:05.001Z","type":"platform.report","record":{"requestId":"req","status":"success",` +
		`"metrics":{"durationMs":1.9,"billedDurationMs":2,"memorySizeMB":128,"maxMemoryUsedMB":31}}}]`
	for _, c := range []struct {
		name   string
		mode   Mode
		report bool
	}{{"in-handler", ModeInHandler, false}, {"in-handler+report", ModeInHandler, true}, {"none", ModeNone, false}} {
		mode := c.mode
		b.Run(c.name, func(b *testing.B) {
			lf, err := logfire.Configure(testhook.With(context.Background(), testhook.Settings{NotDefault: true}), logfire.WithConsole(nil),
				logfire.WithToken("bench-token"), logfire.WithBaseURL(srv.URL))
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { _ = lf.Shutdown(context.Background()) })
			r, err := New(lf, WithMode(mode))
			if err != nil {
				b.Fatal(err)
			}
			h := r.Handler(func(ctx context.Context, ev struct{ Command string }) (string, error) {
				for i := range 20 {
					_, span := lf.Span(ctx, "work {i}", "i", i)
					span.End()
				}
				return "ok", nil
			})
			payload := []byte(`{"command":"bench"}`)
			var pt *platformTelemetry
			if c.report {
				pt = newPlatformTelemetry(lf, false, func(err error) { b.Error(err) })
			}
			b.ReportAllocs()
			for b.Loop() {
				if pt != nil {
					pt.recorded = pt.recorded[:0] // the same request id every time
					pt.process([]byte(delivery))
				}
				ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
				ctx = lambdacontext.NewContext(ctx, &lambdacontext.LambdaContext{AwsRequestID: "req"})
				if _, err := lambda.NewHandler(h).Invoke(ctx, payload); err != nil {
					b.Fatal(err)
				}
				cancel()
			}
		})
	}
}
