// Command rate records spans or logs at a fixed rate for a fixed time,
// exporting them to a local OTLP/HTTP endpoint, and prints one JSON line
// with the CPU time and memory the process used:
//
//	{"name":"logfire-info","records":50000,"cpu_seconds":1.23,"wall_seconds":10.01,"rss_kb":31000,...}
//
// scripts/bench runs it, in each mode and interleaved with the official
// Node SDK's twin (scripts/node-bench), against e2e/cmd/benchcollector,
// and divides cpu_seconds by the records the collector received. Modes:
//
//   - logfire-info: logfire.Configure with a token, WithBaseURL(endpoint)
//     and the console off, then logfire.Info with 2 attributes;
//   - otel-2attrs: plain OpenTelemetry Go, the gzip OTLP/HTTP exporter and
//     a batch span processor, a span with 2 attributes;
//   - otel-logfire-attrs: the same with the 10 attributes Info sends,
//     written out by hand.
//
// Each configures its pipeline as a user would and shuts it down at the
// end, which exports what is left. cpu_seconds and wall_seconds cover
// that window, from the first record to the end of the shutdown;
// setup_cpu_seconds is the process's CPU time before it (start-up and
// configuration). rss_kb is the process's peak resident set size.
//
// Usage:
//
//	rate -mode logfire-info -endpoint http://127.0.0.1:4318 [-rate 5000] [-duration 10s] [-name NAME] [-cpuprofile FILE]
//
// With -rate 0 it records as fast as the pipeline takes records, for the
// duration, and the plain OpenTelemetry modes wait for room in their queue
// instead of dropping (WithBlocking): the records the collector received
// divided by wall_seconds is the pipeline's sustained throughput.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"runtime/pprof"
	"syscall"
	"time"
)

// result is the JSON line the command prints.
type result struct {
	Name     string  `json:"name"`
	Mode     string  `json:"mode"`
	Records  int     `json:"records"`
	CPU      float64 `json:"cpu_seconds"`
	Wall     float64 `json:"wall_seconds"`
	RSSKB    int64   `json:"rss_kb"`
	SetupCPU float64 `json:"setup_cpu_seconds"`
	// Emit is how long recording took; about the duration when the
	// process kept the rate.
	Emit float64 `json:"emit_seconds"`
	Rate int     `json:"rate"`
}

func main() {
	mode := flag.String("mode", "", "logfire-info, otel-2attrs or otel-logfire-attrs")
	endpoint := flag.String("endpoint", "", "the OTLP/HTTP base URL, http://127.0.0.1:PORT (loopback only)")
	rate := flag.Int("rate", 5000, "records a second; 0: as many as the pipeline takes (throughput)")
	duration := flag.Duration("duration", 10*time.Second, "how long to record")
	name := flag.String("name", "", "the name in the JSON line (default: the mode)")
	cpuprofile := flag.String("cpuprofile", "", "write a CPU profile of the recording and the shutdown to this file")
	flag.Parse()
	if *name == "" {
		*name = *mode
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	var profile *os.File
	if *cpuprofile != "" {
		f, err := os.Create(*cpuprofile)
		if err != nil {
			fmt.Fprintln(os.Stderr, "rate:", err)
			os.Exit(1)
		}
		profile = f
	}
	r, err := run(ctx, *mode, *endpoint, *rate, *duration, profile)
	if err != nil {
		fmt.Fprintln(os.Stderr, "rate:", err)
		os.Exit(1)
	}
	r.Name = *name
	line, err := json.Marshal(r)
	if err != nil {
		fmt.Fprintln(os.Stderr, "rate:", err)
		os.Exit(1)
	}
	fmt.Println(string(line))
}

func run(ctx context.Context, mode, endpoint string, rate int, d time.Duration, profile *os.File) (result, error) {
	if err := checkEndpoint(endpoint); err != nil {
		return result{}, err
	}
	if rate < 0 || d <= 0 {
		return result{}, fmt.Errorf("-rate %d must be 0 (flat out) or more, and -duration %v positive", rate, d)
	}
	setup, ok := modes[mode]
	if !ok {
		return result{}, fmt.Errorf("-mode %q: accepted values are logfire-info, otel-2attrs, otel-logfire-attrs", mode)
	}
	p, err := setup(ctx, endpoint, rate == 0)
	if err != nil {
		return result{}, err
	}
	before, err := readUsage()
	if err != nil {
		return result{}, err
	}
	if profile != nil {
		if err := pprof.StartCPUProfile(profile); err != nil {
			return result{}, err
		}
		defer profile.Close()
		defer pprof.StopCPUProfile()
	}
	start := time.Now()
	n, err := pace(ctx, rate, d, func() { p.record(ctx) })
	emitted := time.Since(start)
	sctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if serr := p.shutdown(sctx); err == nil && serr != nil {
		err = fmt.Errorf("shutting down: %w", serr)
	}
	if err != nil {
		return result{}, err
	}
	wall := time.Since(start)
	after, err := readUsage()
	if err != nil {
		return result{}, err
	}
	return result{
		Mode:     mode,
		Records:  n,
		CPU:      (after.cpu - before.cpu).Seconds(),
		Wall:     wall.Seconds(),
		RSSKB:    after.maxRSSKB,
		SetupCPU: before.cpu.Seconds(),
		Emit:     emitted.Seconds(),
		Rate:     rate,
	}, nil
}
