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
// spans without a flush). It is for profiling the invocation path; the
// latency a client sees under the freezing emulator is
// e2e's BenchmarkLambdaLatency.
//
//	go test ./otellambdaflush -run '^$' -bench Invocation -benchmem
func BenchmarkInvocation(b *testing.B) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
	}))
	b.Cleanup(srv.Close)
	b.Setenv("LOGFIRE_CREDENTIALS_DIR", b.TempDir())
	for _, mode := range []Mode{ModeInHandler, ModeNone} {
		b.Run(mode.String(), func(b *testing.B) {
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
			b.ReportAllocs()
			for b.Loop() {
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
