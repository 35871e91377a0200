// Command benchcollector is the backend of scripts/bench: the real
// OpenTelemetry Collector OTLP/HTTP receiver (e2e/collector's Counter) on
// 127.0.0.1, which counts the spans, log records and metric data points it
// receives and keeps nothing else, so that a long run does not grow its
// memory.
//
// It prints two lines on standard output once both listeners are up:
//
//	otlp http://127.0.0.1:PORT      the base URL to export to (/v1/traces, …)
//	control http://127.0.0.1:PORT   GET /counts answers the counts as JSON
//
// GET /counts answers, for example,
//
//	{"spans":5000,"pending_spans":0,"log_records":0,"data_points":0,"requests":10,"records":5000}
//
// where records is spans that are not pending spans plus log records. The
// counts only grow; take them before and after a run and subtract. On
// SIGTERM or SIGINT it stops both listeners, prints the final counts as a
// line "final {…}" and exits 0.
//
// Usage:
//
//	benchcollector [-otlp 127.0.0.1:0] [-control 127.0.0.1:0]
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/logfire-go/sdk/e2e/collector"
)

func main() {
	otlp := flag.String("otlp", "127.0.0.1:0", "the OTLP/HTTP receiver's address, a loopback IP and a port (0: a free one)")
	control := flag.String("control", "127.0.0.1:0", "the address that answers GET /counts, a loopback IP and a port (0: a free one)")
	flag.Parse()
	if flag.NArg() > 0 {
		flag.Usage()
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	if err := run(ctx, *otlp, *control); err != nil {
		fmt.Fprintln(os.Stderr, "benchcollector:", err)
		os.Exit(1)
	}
}

// answer is what GET /counts returns: the counts and their Records.
type answer struct {
	collector.Counts
	Records int64 `json:"records"`
}

func run(ctx context.Context, otlpAddr, controlAddr string) error {
	if err := checkLoopback(controlAddr); err != nil {
		return err
	}
	c, err := collector.StartCounter(otlpAddr)
	if err != nil {
		return err
	}
	l, err := net.Listen("tcp", controlAddr)
	if err != nil {
		return errors.Join(err, c.Shutdown(context.Background()))
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /counts", func(w http.ResponseWriter, _ *http.Request) {
		n := c.Counts()
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(answer{n, n.Records()})
	})
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(l) }()
	fmt.Printf("otlp %s\ncontrol http://%s\n", c.Endpoint(), l.Addr())

	select {
	case <-ctx.Done():
	case err = <-served:
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err = errors.Join(err, srv.Shutdown(sctx), c.Shutdown(sctx))
	n := c.Counts()
	final, _ := json.Marshal(answer{n, n.Records()})
	fmt.Printf("final %s\n", final)
	return err
}

// checkLoopback refuses an address whose host is not a loopback IP.
func checkLoopback(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("address %q: %w", addr, err)
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("address %q: the host must be a loopback IP address such as 127.0.0.1", addr)
	}
	return nil
}
