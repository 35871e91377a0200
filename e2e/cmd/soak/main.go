// Command soak runs a service-shaped workload on the SDK, with its default
// settings, against a backend that flaps, for a long time, and samples the
// process every second: resident memory, heap, goroutines and open file
// descriptors, with the delivery counts. scripts/soak runs it and plots the
// samples; docs/reliability.md ("Soak") has a run.
//
// It has two modes, run as two processes so that the backend's memory does
// not count in the measured one:
//
//	soak -backend [-otlp 127.0.0.1:0] [-control 127.0.0.1:0]
//
// is the flapping backend: the real OpenTelemetry Collector's OTLP/HTTP
// receiver (e2e/collector's Counter) behind a front that, in the phase set
// by POST /phase on the control address, forwards (up), refuses
// connections (refused), answers 503 with Retry-After (503) or forwards
// after a delay (slow), and finds the records it was sent twice. It prints
// "otlp URL" and "control URL" once it listens; GET /counts answers its
// counts as JSON; SIGTERM stops it.
//
//	soak -endpoint URL -control URL [-duration 10m] [-csv FILE] [...]
//
// is the measured process: it configures the SDK with a fake token and
// the backend's URL, runs the workload (-workers goroutines serving
// -rate requests a second in all; each request a span with a child span,
// a log, now and then a warning and an OpenTelemetry log record, a counter
// and a histogram), calls ForceFlush every -flush-every, and switches the
// backend's phase on a schedule: -head of up, then cycles of
// refused, up, 503, up, slow, up (each fault lasting -fault, each up -up).
// It writes one CSV row a second and, at the end, drains, shuts down and
// prints a summary: the slope of memory after the warm-up, goroutines and
// descriptors after each outage, the peak RSS, and the accounting of every
// record against the backend's counts. It exits 1 if a target is missed
// (see summary), 2 on a usage error.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"
)

func main() {
	backendMode := flag.Bool("backend", false, "run the flapping backend instead of the workload")
	otlp := flag.String("otlp", "127.0.0.1:0", "backend: the front's address, a loopback IP and a port (0: a free one)")
	controlAddr := flag.String("control-addr", "127.0.0.1:0", "backend: the control endpoint's address")

	var o options
	flag.StringVar(&o.endpoint, "endpoint", "", "workload: the backend's OTLP base URL, http://127.0.0.1:PORT")
	flag.StringVar(&o.control, "control", "", "workload: the backend's control URL, http://127.0.0.1:PORT")
	flag.DurationVar(&o.duration, "duration", 10*time.Minute, "workload: how long the workload runs")
	flag.DurationVar(&o.head, "head", time.Minute, "workload: the backend is up this long first (the baseline)")
	flag.DurationVar(&o.fault, "fault", 20*time.Second, "workload: how long each fault lasts")
	flag.DurationVar(&o.up, "up", 40*time.Second, "workload: how long the backend is up after each fault")
	flag.DurationVar(&o.warmup, "warmup", 0, "workload: the warm-up left out of the trend (0: -head and one cycle)")
	flag.DurationVar(&o.slowDelay, "slow-delay", time.Second, "workload: how long the slow backend takes to answer each request")
	flag.DurationVar(&o.retryAfter, "retry-after", 5*time.Second, "workload: the Retry-After of the 503 answers")
	flag.IntVar(&o.rate, "rate", 300, "workload: requests a second, all workers together")
	flag.IntVar(&o.workers, "workers", 4, "workload: goroutines serving requests")
	flag.DurationVar(&o.flushEvery, "flush-every", 30*time.Second, "workload: time between two ForceFlush calls")
	flag.StringVar(&o.csv, "csv", "soak.csv", "workload: the CSV file of the samples")
	flag.Float64Var(&o.maxRSSMB, "max-rss-mb", 64, "workload: the RSS target, in MB (1 MB = 2^20 bytes)")
	flag.Parse()
	if flag.NArg() > 0 {
		flag.Usage()
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	if *backendMode {
		if err := runBackend(ctx, *otlp, *controlAddr); err != nil {
			fmt.Fprintln(os.Stderr, "soak -backend:", err)
			os.Exit(1)
		}
		return
	}
	if err := o.check(); err != nil {
		fmt.Fprintln(os.Stderr, "soak:", err)
		flag.Usage()
		os.Exit(2)
	}
	ok, err := runWorkload(ctx, o)
	if err != nil {
		fmt.Fprintln(os.Stderr, "soak:", err)
		os.Exit(1)
	}
	if !ok {
		os.Exit(1)
	}
}
