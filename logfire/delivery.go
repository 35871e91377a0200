package logfire

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/logfire-go/sdk/internal/delivery"
	"github.com/logfire-go/sdk/internal/selflog"
)

// The SDK delivers every record it is given, keeps it for a later retry,
// or drops it with a reason that is counted: DeliveryStats has the counts,
// ForceFlush and Shutdown return a *DeliveryError for what they could not
// deliver, and a line on standard error (at most one every ten seconds)
// says when records were dropped. docs/reliability.md describes the
// guarantees.

// DropReason says why records were dropped.
type DropReason int

// The reasons records are dropped.
const (
	// DropQueueFull: the export queue stayed full (the backend was not
	// taking records as fast as they were made) for as long as the
	// producer could wait.
	DropQueueFull DropReason = iota
	// DropRejected: the backend refused them for good (HTTP 400, 401, 403,
	// 404 or another 4xx but 408, 413 and 429, or a partial success).
	DropRejected
	// DropTooLarge: one record alone was larger than a request may be.
	DropTooLarge
	// DropBufferFull: the retry buffer was full during an outage; the
	// oldest records made room for newer ones.
	DropBufferFull
	// DropShutdown: not delivered when Shutdown's context ended, or
	// recorded after Shutdown.
	DropShutdown
	// DropEncoding: the exporter could not encode them.
	DropEncoding
	// DropSamplingBuffer: the tail-sampling buffer (WithSampling) was
	// full; the traces held longest were dropped whole to make room.
	// Traces that tail sampling does not keep are not drops: see
	// SamplingStats.
	DropSamplingBuffer
)

var dropReasons = []DropReason{DropQueueFull, DropRejected, DropTooLarge, DropBufferFull, DropShutdown, DropEncoding, DropSamplingBuffer}

func (r DropReason) String() string { return delivery.Reason(r).String() }

// SignalCounts counts records of each signal.
type SignalCounts struct {
	Spans int64 // spans, logs made with Info, Warn, … included
	Logs  int64 // OpenTelemetry log records (from log bridges)
	// MetricPoints counts metric data points.
	MetricPoints int64
}

func (c SignalCounts) total() int64 { return c.Spans + c.Logs + c.MetricPoints }

func (c SignalCounts) String() string {
	var parts []string
	if c.Spans > 0 {
		parts = append(parts, fmt.Sprintf("%d spans", c.Spans))
	}
	if c.Logs > 0 {
		parts = append(parts, fmt.Sprintf("%d logs", c.Logs))
	}
	if c.MetricPoints > 0 {
		parts = append(parts, fmt.Sprintf("%d metric data points", c.MetricPoints))
	}
	return strings.Join(parts, ", ")
}

func signalCounts(v [3]int64) SignalCounts {
	return SignalCounts{Spans: v[delivery.Spans], Logs: v[delivery.Logs], MetricPoints: v[delivery.Metrics]}
}

// SignalStats is what happened to the records of one signal.
type SignalStats struct {
	// Delivered counts the records the backend accepted.
	Delivered int64
	// Queued counts the records waiting in the export queue or being
	// exported.
	Queued int64
	// Buffered counts the records whose export failed and that are kept
	// in the retry buffer, to be sent again first at the next export or
	// flush.
	Buffered int64
	// Dropped counts the records dropped, by reason.
	Dropped map[DropReason]int64
}

// DroppedTotal is the sum of Dropped.
func (s SignalStats) DroppedTotal() int64 {
	var n int64
	for _, v := range s.Dropped {
		n += v
	}
	return n
}

// DeliveryStats counts what happened to the records the instance
// exported, since Configure. With several destinations (several tokens,
// or the OTLP endpoint of OTEL_EXPORTER_OTLP_ENDPOINT besides Logfire), a
// record counts once per destination. With export off (no token and no
// such endpoint), everything is zero.
type DeliveryStats struct {
	// Spans counts spans and logs of the Logfire API, and the pending
	// spans sent for spans still open at an export (a pending span made
	// redundant by its span's end in the same export is not sent, and not
	// counted as delivered or dropped).
	Spans SignalStats
	Logs  SignalStats
	// Metrics counts metric data points.
	Metrics SignalStats
	// Outage says why the backend is failing, if it is: the cause of the
	// last failed export ("" while exports succeed).
	Outage string
}

// DeliveryStats returns the delivery counts of lf (see DeliveryStats).
func (lf *Logfire) DeliveryStats() DeliveryStats {
	var st DeliveryStats
	if lf == nil {
		return st
	}
	snap := lf.snapshot()
	for _, sig := range delivery.Signals {
		s := SignalStats{
			Delivered: snap.Delivered[sig],
			Queued:    snap.Queued[sig],
			Buffered:  snap.Buffered[sig],
			Dropped:   map[DropReason]int64{},
		}
		for _, r := range dropReasons {
			if n := snap.Dropped[sig][r]; n > 0 {
				s.Dropped[r] = n
			}
		}
		switch sig {
		case delivery.Spans:
			st.Spans = s
		case delivery.Logs:
			st.Logs = s
		default:
			st.Metrics = s
		}
	}
	for _, d := range lf.dests {
		if open, cause := d.sender.Outage(); open {
			st.Outage = cause
		}
	}
	return st
}

func (lf *Logfire) snapshot() delivery.Snapshot {
	var snap delivery.Snapshot
	for _, d := range lf.dests {
		snap = snap.Add(d.counters.Snapshot())
	}
	return snap
}

// ErrNotDelivered is matched, with errors.Is, by the error of a ForceFlush
// or Shutdown that could not deliver every record (a *DeliveryError).
var ErrNotDelivered = errors.New("logfire: not every record was delivered")

// ErrDropped is matched by a *DeliveryError that reports dropped records.
var ErrDropped = errors.New("logfire: records were dropped")

// ErrBuffered is matched by a *DeliveryError that reports records kept in
// the retry buffer, to be sent again by a later export, flush or
// Shutdown.
var ErrBuffered = errors.New("logfire: records are kept for a later retry")

// DeliveryError says what a ForceFlush or Shutdown could not deliver. It
// matches ErrNotDelivered, and ErrDropped or ErrBuffered as the case may
// be.
type DeliveryError struct {
	// Op is "flush" or "shutdown".
	Op string
	// Buffered counts the records in the retry buffer when the call
	// returned: not delivered yet, to be sent again first by the next
	// export, flush or Shutdown (after Shutdown: left in the buffer's
	// directory, if it is one of your choosing; see WithRetryBuffer).
	Buffered SignalCounts
	// Dropped counts the records dropped since the previous ForceFlush or
	// Shutdown of the instance returned, by reason.
	Dropped map[DropReason]SignalCounts
	// Causes say what went wrong, most recent first, such as
	// "http://127.0.0.1:4318/v1/traces answered HTTP 503 Service
	// Unavailable".
	Causes []string
}

func (e *DeliveryError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "logfire: %s: not every record was delivered:", e.Op)
	if n := e.Buffered.total(); n > 0 {
		fmt.Fprintf(&b, " %s kept in the retry buffer for a later attempt;", e.Buffered)
	}
	for _, r := range dropReasons {
		if c, ok := e.Dropped[r]; ok && c.total() > 0 {
			fmt.Fprintf(&b, " %s dropped (%s);", c, r)
		}
	}
	s := strings.TrimSuffix(b.String(), ";")
	if len(e.Causes) > 0 {
		s += ": " + strings.Join(e.Causes, "; ")
	}
	return s
}

// Is reports whether target is ErrNotDelivered, or ErrDropped or
// ErrBuffered when e reports such records.
func (e *DeliveryError) Is(target error) bool {
	switch target {
	case ErrNotDelivered:
		return true
	case ErrDropped:
		return len(e.Dropped) > 0
	case ErrBuffered:
		return e.Buffered.total() > 0
	}
	return false
}

// deliveryError returns a *DeliveryError for op, or nil if everything was
// delivered: the records buffered now, and those dropped since the last
// report.
func (lf *Logfire) deliveryError(op string) error {
	if len(lf.dests) == 0 {
		return nil
	}
	snap := lf.snapshot()
	var buffered [3]int64
	for _, d := range lf.dests {
		b := d.sender.Buffered()
		for _, sig := range delivery.Signals {
			buffered[sig] += b[sig]
		}
	}
	lf.reportMu.Lock()
	dropped := snap.DroppedSince(lf.reported)
	lf.reported = snap
	lf.reportMu.Unlock()

	e := &DeliveryError{Op: op, Buffered: signalCounts(buffered), Dropped: map[DropReason]SignalCounts{}}
	for _, r := range dropReasons {
		var per [3]int64
		for _, sig := range delivery.Signals {
			per[sig] = dropped[sig][r]
			if per[sig] > 0 && snap.Cause[sig][r] != "" && !slices.Contains(e.Causes, snap.Cause[sig][r]) {
				e.Causes = append(e.Causes, snap.Cause[sig][r])
			}
		}
		if c := signalCounts(per); c.total() > 0 {
			e.Dropped[r] = c
		}
	}
	if e.Buffered.total() > 0 {
		for _, d := range lf.dests {
			if open, cause := d.sender.Outage(); open && !slices.Contains(e.Causes, cause) {
				e.Causes = append([]string{cause}, e.Causes...)
			}
		}
	}
	if e.Buffered.total() == 0 && len(e.Dropped) == 0 {
		return nil
	}
	return e
}

// dropReporter writes the stderr line about dropped records: the first
// drop at once, later ones summed up at most every interval.
type dropReporter struct {
	every time.Duration

	mu      sync.Mutex
	last    time.Time
	pending [3][len(delivery.Reasons)]int64
	causes  [3][len(delivery.Reasons)]string
	timer   *time.Timer
	stopped bool
}

const (
	dropReportInterval = 10 * time.Second
	dropCoalesce       = 100 * time.Millisecond
)

func (r *dropReporter) add(sig delivery.Signal, reason delivery.Reason, n int, cause string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.pending[sig][reason] += int64(n)
	if cause != "" {
		r.causes[sig][reason] = cause
	}
	if r.timer != nil || r.stopped {
		return // a line is due already
	}
	// The first line waits a moment, so that the drops of one event
	// (every signal of a flush refused at once) make one line; later ones
	// come at most every interval.
	wait := dropCoalesce
	if !r.last.IsZero() {
		wait = max(r.every-time.Since(r.last), dropCoalesce)
	}
	r.timer = time.AfterFunc(wait, func() {
		r.mu.Lock()
		defer r.mu.Unlock()
		r.timer = nil
		r.writeLocked(time.Now())
	})
}

// stop writes what is pending and stops the timer.
func (r *dropReporter) stop() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.stopped = true
	if r.timer != nil {
		r.timer.Stop()
		r.timer = nil
	}
	r.writeLocked(time.Now())
}

func (r *dropReporter) writeLocked(now time.Time) {
	var parts []string
	for _, sig := range delivery.Signals {
		for _, reason := range delivery.Reasons {
			n := r.pending[sig][reason]
			if n == 0 {
				continue
			}
			p := fmt.Sprintf("%d %s (%s", n, sig, reason)
			if c := r.causes[sig][reason]; c != "" {
				p += ": " + c
			}
			parts = append(parts, p+")")
		}
	}
	if len(parts) == 0 {
		return
	}
	r.pending, r.causes = [3][len(delivery.Reasons)]int64{}, [3][len(delivery.Reasons)]string{}
	r.last = now
	selflog.Printf("dropped %s; (*logfire.Logfire).DeliveryStats counts every record", strings.Join(parts, ", "))
}
