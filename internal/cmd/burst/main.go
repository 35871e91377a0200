// Command burst measures the delivery of a burst: with -receive it is an
// OTLP/HTTP receiver on 127.0.0.1 that counts the spans it is sent; with
// -send it configures the SDK with its default settings, records a burst
// of spans and logs in a tight loop, flushes once, and prints what was
// delivered. scripts/burst-rss runs both and measures the sender's peak
// memory with /usr/bin/time -v.
package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"sync/atomic"
	"time"

	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	"google.golang.org/protobuf/proto"

	"github.com/logfire-go/sdk/logfire"
)

func main() {
	receive := flag.String("receive", "", "listen on this 127.0.0.1 address and count spans (prints the address to stdout)")
	send := flag.String("send", "", "send the burst to this base URL")
	n := flag.Int("n", 50_000, "spans, and as many logs, in the burst")
	queue := flag.Int("queue-bytes", 0, "logfire.WithMaxQueueBytes (0: the default)")
	flag.Parse()
	switch {
	case *receive != "":
		if err := serve(*receive); err != nil {
			fmt.Fprintln(os.Stderr, "burst:", err)
			os.Exit(1)
		}
	case *send != "":
		if err := burst(*send, *n, *queue); err != nil {
			fmt.Fprintln(os.Stderr, "burst:", err)
			os.Exit(1)
		}
	default:
		flag.Usage()
		os.Exit(2)
	}
}

// serve counts the spans it receives; GET /count answers the count.
func serve(addr string) error {
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	fmt.Println(l.Addr().String())
	var spans atomic.Int64
	mux := http.NewServeMux()
	mux.HandleFunc("GET /count", func(w http.ResponseWriter, _ *http.Request) { fmt.Fprint(w, spans.Load()) })
	mux.HandleFunc("POST /v1/traces", func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err == nil && r.Header.Get("Content-Encoding") == "gzip" {
			var zr *gzip.Reader
			if zr, err = gzip.NewReader(bytes.NewReader(body)); err == nil {
				body, err = io.ReadAll(zr)
			}
		}
		var req coltracepb.ExportTraceServiceRequest
		if err == nil {
			err = proto.Unmarshal(body, &req)
		}
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		for _, rs := range req.ResourceSpans {
			for _, ss := range rs.ScopeSpans {
				spans.Add(int64(len(ss.Spans)))
			}
		}
		w.Header().Set("Content-Type", "application/x-protobuf")
	})
	mux.HandleFunc("POST /", func(w http.ResponseWriter, r *http.Request) { _, _ = io.Copy(io.Discard, r.Body) })
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	return srv.Serve(l)
}

func burst(url string, n, queue int) error {
	ctx := context.Background()
	opts := []logfire.Option{logfire.WithToken("burst-token"), logfire.WithBaseURL(url), logfire.WithConsole(false)}
	if queue > 0 {
		opts = append(opts, logfire.WithMaxQueueBytes(queue))
	}
	lf, err := logfire.Configure(ctx, opts...)
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
	fmt.Printf("recorded %d spans and %d logs in %v, flushed after %v: delivered %d, dropped %d, buffered %d, flush error %v\n",
		n, n, recorded.Round(time.Millisecond), flushed.Round(time.Millisecond), st.Delivered, st.DroppedTotal(), st.Buffered, ferr)
	if err := lf.Shutdown(fctx); err != nil {
		return err
	}
	if st.Delivered != int64(2*n) {
		return fmt.Errorf("delivered %d of %d", st.Delivered, 2*n)
	}
	return nil
}
