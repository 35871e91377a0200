// Command fleet simulates a fleet of processes that export to one backend
// through an outage, and measures how the fleet recovers: whether the
// backlog comes back as a stampede, whether every record arrives once, and
// how long the backlog takes to drain. scripts/fleet builds and runs it,
// and plots what it writes.
//
// The driver (this command without -worker) serves an OTLP/HTTP receiver
// on one fixed 127.0.0.1 port and starts -procs worker processes (this
// binary again, with -worker), each configured with the SDK (a fake token,
// the receiver as base URL, console off). On "start" each worker records
// -rate logs a second (lf.Info, each with a unique (worker, seq) pair of
// attributes), and optionally a span a second (-spans), and calls
// ForceFlush every -flush with a context of -flush-timeout; the SDK's own
// export queue and retry loop run as they always do. Every -report a
// worker prints its DeliveryStats as a JSON line on standard output.
//
// The receiver follows a schedule: up for -up (200 to everything), down
// for -down (the listener and every connection closed: connections are
// refused), answering 503 with Retry-After for -throttle, then up again
// for -recover. Then every worker stops recording, calls Shutdown with a
// context of -shutdown-timeout and prints its final DeliveryStats; the
// driver waits for them (killing those that do not exit in time).
//
// The driver writes to -out:
//
//	fleet.csv         one row a second: requests, records accepted, 503 and
//	                  429 answered, duplicates, the fleet's buffered records
//	processes.csv     one row a second and process: its buffered, queued,
//	                  delivered and produced records
//	phases.csv        the schedule, for the plot
//	requests.csv      one row a request: when, which process, status,
//	                  records, whether that process was flushing, and how
//	                  long the handler took to count it
//	flushes.csv       one row a ForceFlush: process, start, end, error
//	duplicates.csv    one row a log received again: when it came first
//	                  and again, and whether in a flush each time
//	summary.md        the summary, as Markdown (also printed on standard
//	                  output)
//	workers.stderr    what the workers wrote on standard error
//
// It exits 1 if a record is lost (produced, but neither received nor
// counted as dropped by the SDK) or a worker did not report its final
// counts, 2 for bad flags.
//
// Usage:
//
//	fleet [-procs 50] [-rate 50] [-up 10s] [-down 20s] [-throttle 10s] [-recover 30s] -out DIR
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

// options are the flags of the driver; those the workers need are passed
// on to them.
type options struct {
	worker bool
	id     int
	url    string

	procs           int
	rate            float64
	spans           bool
	flushEvery      time.Duration
	flushTimeout    time.Duration
	report          time.Duration
	up              time.Duration
	down            time.Duration
	throttle        time.Duration
	retryAfter      int
	throttleStatus  int
	recover         time.Duration
	warmup          time.Duration
	shutdownTimeout time.Duration
	port            int
	out             string
	date            string
	sdk             string
}

func main() {
	var o options
	flag.BoolVar(&o.worker, "worker", false, "run as one worker process (the driver starts them)")
	flag.IntVar(&o.id, "id", 0, "the worker's number (with -worker)")
	flag.StringVar(&o.url, "url", "", "the base URL the worker exports to (with -worker)")
	flag.IntVar(&o.procs, "procs", 50, "worker processes")
	flag.Float64Var(&o.rate, "rate", 50, "logs each worker records a second")
	flag.BoolVar(&o.spans, "spans", false, "each worker also records one span a second, open for that second")
	flag.DurationVar(&o.flushEvery, "flush", time.Second, "each worker calls ForceFlush this often (0: never)")
	flag.DurationVar(&o.flushTimeout, "flush-timeout", time.Second, "the context of each ForceFlush")
	flag.DurationVar(&o.report, "report", 250*time.Millisecond, "each worker reports its DeliveryStats this often")
	flag.DurationVar(&o.up, "up", 10*time.Second, "the receiver is up for this long first")
	flag.DurationVar(&o.down, "down", 20*time.Second, "then refuses connections for this long")
	flag.DurationVar(&o.throttle, "throttle", 10*time.Second, "then answers -throttle-status with Retry-After for this long")
	flag.IntVar(&o.retryAfter, "retry-after", 5, "the Retry-After of the throttled answers, in seconds (0: none)")
	flag.IntVar(&o.throttleStatus, "throttle-status", 503, "the status of the throttled answers (503 or 429)")
	flag.DurationVar(&o.recover, "recover", 30*time.Second, "then is up again for this long, before the workers shut down")
	flag.DurationVar(&o.warmup, "warmup", 3*time.Second, "the start of the first up phase left out of the steady rate")
	flag.DurationVar(&o.shutdownTimeout, "shutdown-timeout", 10*time.Second, "the context of each worker's Shutdown")
	flag.IntVar(&o.port, "port", 0, "the receiver's port on 127.0.0.1 (0: a free one, kept for the whole run)")
	flag.StringVar(&o.out, "out", "", "the directory the driver writes its CSV files and summary to")
	flag.StringVar(&o.date, "date", "", "the date written in the summary (default: today)")
	flag.StringVar(&o.sdk, "sdk", "", "the SDK's version written in the summary, such as a commit (scripts/fleet gives git's)")
	flag.Parse()
	if flag.NArg() > 0 {
		flag.Usage()
		os.Exit(2)
	}
	if o.worker {
		if err := runWorker(o); err != nil {
			fmt.Fprintf(os.Stderr, "fleet worker %d: %v\n", o.id, err)
			os.Exit(1)
		}
		return
	}
	if err := o.check(); err != nil {
		fmt.Fprintln(os.Stderr, "fleet:", err)
		flag.Usage()
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	ok, err := runDriver(ctx, o)
	if err != nil {
		fmt.Fprintln(os.Stderr, "fleet:", err)
		os.Exit(1)
	}
	if !ok {
		os.Exit(1)
	}
}

func (o options) check() error {
	switch {
	case o.out == "":
		return fmt.Errorf("-out is required")
	case o.procs < 1 || o.procs > 999:
		return fmt.Errorf("-procs must be from 1 to 999")
	case o.rate <= 0 || o.rate > 100_000:
		return fmt.Errorf("-rate must be above 0 and at most 100000")
	case o.up <= o.warmup:
		return fmt.Errorf("-up must be longer than -warmup")
	case o.down < 0 || o.throttle < 0 || o.recover <= 0:
		return fmt.Errorf("-down and -throttle must not be negative, -recover must be positive")
	case o.throttleStatus != 503 && o.throttleStatus != 429:
		return fmt.Errorf("-throttle-status must be 503 or 429")
	case o.report <= 0 || o.flushTimeout <= 0 || o.shutdownTimeout <= 0:
		return fmt.Errorf("-report, -flush-timeout and -shutdown-timeout must be positive")
	case o.port < 0 || o.port > 65535:
		return fmt.Errorf("-port must be from 0 to 65535")
	}
	for _, d := range []time.Duration{o.up, o.down, o.throttle, o.recover} {
		if d%time.Second != 0 {
			return fmt.Errorf("-up, -down, -throttle and -recover must be whole seconds")
		}
	}
	return nil
}
