package logfire_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"time"

	"github.com/logfire-go/sdk/logfire"
)

// DeliveryStats counts what became of every record: delivered, queued,
// kept in the retry buffer, or dropped with a reason.
func ExampleLogfire_DeliveryStats() {
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body) // an OTLP backend that takes everything
	}))
	defer backend.Close()

	ctx := context.Background()
	lf, err := logfire.Configure(ctx, logfire.WithConsole(nil),
		logfire.WithToken("example-token"), logfire.WithBaseURL(backend.URL))
	if err != nil {
		fmt.Println(err)
		return
	}
	for i := range 3 {
		lf.Info(ctx, "order {n} shipped", "n", i)
	}
	if err := lf.Shutdown(ctx); err != nil {
		fmt.Println(err)
	}
	st := lf.DeliveryStats()
	fmt.Println("delivered:", st.Spans.Delivered, "dropped:", len(st.Spans.Dropped), "buffered:", st.Spans.Buffered)
	// Output:
	// delivered: 3 dropped: 0 buffered: 0
}

// During an outage ForceFlush keeps what it cannot send and says so; the
// next flush after the backend answers again sends it.
func ExampleErrBuffered() {
	// An address where nothing listens: connections are refused.
	l, _ := net.Listen("tcp", "127.0.0.1:0")
	down := "http://" + l.Addr().String()
	l.Close()

	ctx := context.Background()
	lf, err := logfire.Configure(ctx, logfire.WithConsole(nil),
		logfire.WithToken("example-token"), logfire.WithBaseURL(down))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer func() {
		sctx, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
		defer cancel()
		_ = lf.Shutdown(sctx) // the backend is still down: the log is counted as dropped
	}()
	lf.Info(ctx, "payment {id} received", "id", 7)

	fctx, cancel := context.WithTimeout(ctx, 500*time.Millisecond)
	defer cancel()
	err = lf.ForceFlush(fctx)
	if errors.Is(err, logfire.ErrBuffered) {
		fmt.Println("kept for a retry:", lf.DeliveryStats().Spans.Buffered)
	}
	// Output:
	// kept for a retry: 1
}

// A directory of your choosing keeps what Shutdown could not send for the
// next process that exports to the same project.
func ExampleWithRetryBuffer() {
	dir, err := os.MkdirTemp("", "logfire-example-")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)
	lf, err := logfire.Configure(context.Background(), logfire.WithConsole(nil),
		logfire.WithToken("example-token"), logfire.WithBaseURL("http://127.0.0.1:9"),
		logfire.WithRetryBuffer(logfire.RetryBuffer{Memory: 4 << 20, Disk: 256 << 20, Dir: dir}),
	)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer lf.Shutdown(context.Background())
	fmt.Println("configured")
	// Output:
	// configured
}
