package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/logfire-go/sdk/logfire"
)

// The lines a worker prints on standard output, one JSON object each; the
// driver reads them. Times are Unix nanoseconds.
type workerLine struct {
	Type string `json:"type"` // ready, stats, flush, final
	W    int    `json:"w"`
	At   int64  `json:"at"`

	// stats and final
	Produced  int64 `json:"produced,omitempty"` // logs recorded
	Spans     int64 `json:"spans,omitempty"`    // spans recorded (-spans)
	Buffered  int64 `json:"buffered,omitempty"`
	Queued    int64 `json:"queued,omitempty"`
	Delivered int64 `json:"delivered,omitempty"`
	Dropped   int64 `json:"dropped,omitempty"`
	// Dials counts the connections the SDK's HTTP transport tried to
	// open, DialErrs those that failed (refused, while the receiver is
	// down): the client's side of what the receiver cannot see.
	Dials    int64 `json:"dials,omitempty"`
	DialErrs int64 `json:"dial_errors,omitempty"`

	// flush
	Start int64  `json:"start,omitempty"`
	Err   string `json:"err,omitempty"` // "", buffered, dropped, deadline or the error

	// final
	Stats      *logfire.DeliveryStats `json:"stats,omitempty"`
	ShutdownMS float64                `json:"shutdown_ms,omitempty"`
	Flushes    int64                  `json:"flushes,omitempty"`
	FlushErrs  int64                  `json:"flush_errors,omitempty"`
	FlushMaxMS float64                `json:"flush_max_ms,omitempty"`
}

// token is the fake write token of worker id: shaped like a Logfire token
// (so that Configure takes it), with the worker's number in it, so that
// the receiver knows which worker sent a request from its Authorization
// header without decoding it.
func token(id int) string {
	const chars = "abcdefghijklmnopqrstuvwxyz0123456789"
	b := make([]byte, 24)
	for i := range b {
		b[i] = chars[rand.IntN(len(chars))]
	}
	return fmt.Sprintf("pylf_v1_us_fleet%03dx%s", id, b)
}

// printer writes the worker's lines, one at a time.
type printer struct {
	mu sync.Mutex
	w  *bufio.Writer
}

func (p *printer) print(l workerLine) {
	b, err := json.Marshal(l)
	if err != nil {
		panic(err)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	_, _ = p.w.Write(append(b, '\n'))
	_ = p.w.Flush()
}

// runWorker is one process of the fleet: it waits for "start" on standard
// input, records and flushes until "stop" (or the end of its input: the
// driver is gone), then shuts down and prints its final counts.
func runWorker(o options) error {
	if o.url == "" {
		return errors.New("-url is required")
	}
	ctx := context.Background()
	// The SDK's sender clones http.DefaultTransport when Configure makes
	// it: wrapping its dialer first counts the connections it opens,
	// without changing what it does.
	var dials, dialErrs atomic.Int64
	if t, ok := http.DefaultTransport.(*http.Transport); ok && t.DialContext != nil {
		dial := t.DialContext
		t.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
			dials.Add(1)
			c, err := dial(ctx, network, addr)
			if err != nil {
				dialErrs.Add(1)
			}
			return c, err
		}
	}
	lf, err := logfire.Configure(ctx,
		logfire.WithToken(token(o.id)),
		logfire.WithBaseURL(o.url),
		logfire.WithConsole(nil),
		logfire.WithServiceName(fmt.Sprintf("fleet-worker-%03d", o.id)),
	)
	if err != nil {
		return err
	}
	out := &printer{w: bufio.NewWriter(os.Stdout)}
	out.print(workerLine{Type: "ready", W: o.id, At: time.Now().UnixNano()})

	start, stop := make(chan struct{}), make(chan struct{})
	go func() {
		sc := bufio.NewScanner(os.Stdin)
		started := false
		for sc.Scan() {
			switch sc.Text() {
			case "start":
				if !started {
					started = true
					close(start)
				}
			case "stop":
				close(stop)
				return
			}
		}
		close(stop) // the driver is gone
	}()
	select {
	case <-start:
	case <-stop:
		sctx, cancel := context.WithTimeout(ctx, o.shutdownTimeout)
		defer cancel()
		return lf.Shutdown(sctx)
	}

	var produced, spans, flushes, flushErrs atomic.Int64
	var flushMax atomic.Int64 // nanoseconds
	var wg sync.WaitGroup

	// Logs, at the rate, whatever the scheduler's hiccups: each tick
	// records those that are due.
	wg.Go(func() {
		begin := time.Now()
		tick := time.NewTicker(max(time.Duration(float64(time.Second)/o.rate), time.Millisecond))
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
			}
			due := int64(time.Since(begin).Seconds() * o.rate)
			for n := produced.Load(); n < due; n++ {
				lf.Info(ctx, "fleet record {seq}", "worker", o.id, "seq", n)
				produced.Store(n + 1)
			}
		}
	})

	// A span a second, open for that second: while it is open, exports
	// send its pending span.
	if o.spans {
		wg.Go(func() {
			tick := time.NewTicker(time.Second)
			defer tick.Stop()
			var n int64
			_, span := lf.Span(ctx, "fleet tick {tick}", "worker", o.id, "tick", n)
			for {
				select {
				case <-stop:
					span.End()
					spans.Store(n + 1)
					return
				case <-tick.C:
				}
				span.End()
				n++
				spans.Store(n)
				_, span = lf.Span(ctx, "fleet tick {tick}", "worker", o.id, "tick", n)
			}
		})
	}

	// ForceFlush every o.flushEvery, from a random phase, as a fleet of
	// processes started at different times would.
	if o.flushEvery > 0 {
		wg.Go(func() {
			first := time.NewTimer(rand.N(o.flushEvery))
			select {
			case <-stop:
				first.Stop()
				return
			case <-first.C:
			}
			tick := time.NewTicker(o.flushEvery)
			defer tick.Stop()
			for {
				fctx, cancel := context.WithTimeout(ctx, o.flushTimeout)
				began := time.Now()
				err := lf.ForceFlush(fctx)
				took := time.Since(began)
				cancel()
				flushes.Add(1)
				if took > time.Duration(flushMax.Load()) {
					flushMax.Store(int64(took))
				}
				l := workerLine{Type: "flush", W: o.id, Start: began.UnixNano(), At: began.Add(took).UnixNano()}
				if err != nil {
					flushErrs.Add(1)
					l.Err = errorKind(err)
				}
				out.print(l)
				select {
				case <-stop:
					return
				case <-tick.C:
				}
			}
		})
	}

	// The counts, every o.report, until the final line.
	stats := func(typ string) workerLine {
		st := lf.DeliveryStats()
		l := workerLine{Type: typ, W: o.id, At: time.Now().UnixNano(), Produced: produced.Load(), Spans: spans.Load(),
			Dials: dials.Load(), DialErrs: dialErrs.Load()}
		for _, s := range []logfire.SignalStats{st.Spans, st.Logs, st.Metrics} {
			l.Buffered += s.Buffered
			l.Queued += s.Queued
			l.Delivered += s.Delivered
			for _, n := range s.Dropped {
				l.Dropped += n
			}
		}
		if typ == "final" {
			l.Stats = &st
		}
		return l
	}
	reportDone := make(chan struct{})
	var reporter sync.WaitGroup
	reporter.Go(func() {
		tick := time.NewTicker(o.report)
		defer tick.Stop()
		for {
			select {
			case <-reportDone:
				return
			case <-tick.C:
				out.print(stats("stats"))
			}
		}
	})

	<-stop
	wg.Wait()
	sctx, cancel := context.WithTimeout(ctx, o.shutdownTimeout)
	defer cancel()
	began := time.Now()
	serr := lf.Shutdown(sctx)
	took := time.Since(began)
	close(reportDone)
	reporter.Wait()
	final := stats("final")
	final.ShutdownMS = float64(took.Microseconds()) / 1000
	final.Flushes, final.FlushErrs = flushes.Load(), flushErrs.Load()
	final.FlushMaxMS = float64(time.Duration(flushMax.Load()).Microseconds()) / 1000
	if serr != nil {
		final.Err = serr.Error()
	}
	out.print(final)
	return nil
}

// errorKind names what a ForceFlush error says.
func errorKind(err error) string {
	switch {
	case errors.Is(err, logfire.ErrDropped):
		return "dropped"
	case errors.Is(err, logfire.ErrBuffered):
		return "buffered"
	case errors.Is(err, context.DeadlineExceeded):
		return "deadline"
	}
	return err.Error()
}
