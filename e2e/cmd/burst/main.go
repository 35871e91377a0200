// Command burst measures the delivery of a burst: it configures the SDK
// with its default settings, sends to -send (an OTLP/HTTP base URL on
// 127.0.0.1), records a burst of spans and logs in a tight loop, flushes
// once, and prints what was delivered. scripts/burst-rss runs it against
// the real Collector's receiver (e2e/cmd/benchcollector) and measures its
// peak memory with /usr/bin/time -v.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/logfire-go/sdk/internal/testhook"
	"github.com/logfire-go/sdk/logfire"
)

func main() {
	send := flag.String("send", "", "send the burst to this base URL")
	n := flag.Int("n", 50_000, "spans, and as many logs, in the burst")
	queue := flag.Int("queue-bytes", 0, "the bound of each export queue, in estimated bytes (0: the default, 4 MiB)")
	flag.Parse()
	if *send == "" {
		flag.Usage()
		os.Exit(2)
	}
	if err := burst(*send, *n, *queue); err != nil {
		fmt.Fprintln(os.Stderr, "burst:", err)
		os.Exit(1)
	}
}

func burst(url string, n, queue int) error {
	ctx := context.Background()
	// The queue's bound is not an option of the SDK; the benchmark sets it
	// through the SDK's internal test hook.
	hooked := testhook.With(ctx, testhook.Settings{MaxQueueBytes: queue})
	lf, err := logfire.Configure(hooked, logfire.WithToken("burst-token"), logfire.WithBaseURL(url), logfire.WithConsole(nil))
	if err != nil {
		return err
	}
	start := time.Now()
	for i := range n {
		_, span := lf.Span(ctx, "burst span {i}", "i", i)
		span.End()
	}
	for i := range n {
		lf.Info(ctx, "burst log {i}", "i", i)
	}
	recorded := time.Since(start)
	fctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	ferr := lf.ForceFlush(fctx)
	flushed := time.Since(start)
	st := lf.DeliveryStats().Spans
	var dropped int64
	for _, n := range st.Dropped {
		dropped += n
	}
	fmt.Printf("recorded %d spans and %d logs in %v, flushed after %v: delivered %d, dropped %d, buffered %d, flush error %v\n",
		n, n, recorded.Round(time.Millisecond), flushed.Round(time.Millisecond), st.Delivered, dropped, st.Buffered, ferr)
	if err := lf.Shutdown(fctx); err != nil {
		return err
	}
	if st.Delivered != int64(2*n) {
		return fmt.Errorf("delivered %d of %d", st.Delivered, 2*n)
	}
	return nil
}
