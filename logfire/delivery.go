package logfire

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/logfire-go/sdk/internal/delivery"
)

// The SDK delivers every record it is given, keeps it for a later retry,
// or drops it with a reason that is counted: DeliveryStats has the counts,
// ForceFlush and Shutdown return an error that matches ErrBuffered or
// ErrDropped for what they could not deliver, and a line on standard error
// (at most one every ten seconds) says when records were dropped.
// docs/reliability.md describes the guarantees.

// signalCounts counts records of each signal.
type signalCounts struct {
	spans int64 // spans, logs made with Info, Warn, … included
	logs  int64 // OpenTelemetry log records (from log bridges)
	// metricPoints counts metric data points.
	metricPoints int64
}

func (c signalCounts) total() int64 { return c.spans + c.logs + c.metricPoints }

func (c signalCounts) String() string {
	var parts []string
	if c.spans > 0 {
		parts = append(parts, fmt.Sprintf("%d spans", c.spans))
	}
	if c.logs > 0 {
		parts = append(parts, fmt.Sprintf("%d logs", c.logs))
	}
	if c.metricPoints > 0 {
		parts = append(parts, fmt.Sprintf("%d metric data points", c.metricPoints))
	}
	return strings.Join(parts, ", ")
}

func countsOf(v [3]int64) signalCounts {
	return signalCounts{spans: v[delivery.Spans], logs: v[delivery.Logs], metricPoints: v[delivery.Metrics]}
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
	// flush, and those of a request a flush's deadline left under way
	// (until its answer comes).
	Buffered int64
	// Resent counts the delivered records that an earlier attempt may
	// have delivered already: its answer never came (not in time, or the
	// connection broke), so they were sent again, and the backend may
	// have them twice. Delivered counts them once.
	Resent int64
	// Dropped counts the records dropped, by reason:
	//
	//   - "queue_full": the export queue stayed full (the backend was not
	//     taking records as fast as they were made) for as long as the
	//     producer could wait;
	//   - "rejected": the backend refused them for good (HTTP 400, 401,
	//     403, 404 or another 4xx but 408, 413 and 429, or a partial
	//     success);
	//   - "too_large": one record alone was larger than a request may be;
	//   - "buffer_full": the retry buffer was full during an outage; the
	//     oldest records made room for newer ones;
	//   - "shutdown": not delivered when Shutdown's context ended, or
	//     recorded after Shutdown;
	//   - "encoding": the exporter could not encode them;
	//   - "sampling_buffer": the tail-sampling buffer (WithSampling) was
	//     full; the traces held longest were dropped whole to make room
	//     (traces that tail sampling does not keep are not drops: see
	//     SamplingStats).
	//
	// A reason with no drop is absent.
	Dropped map[string]int64
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
			Resent:    snap.Resent[sig],
			Queued:    snap.Queued[sig],
			Buffered:  snap.Buffered[sig],
			Dropped:   map[string]int64{},
		}
		for _, r := range delivery.Reasons {
			if n := snap.Dropped[sig][r]; n > 0 {
				s.Dropped[r.Key()] = n
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

// ErrDropped is matched, with errors.Is, by the error of a ForceFlush or
// Shutdown when records were dropped since the previous one returned. The
// error's message says how many, of which signal, why, and what went
// wrong.
var ErrDropped = errors.New("logfire: records were dropped")

// ErrBuffered is matched, with errors.Is, by the error of a ForceFlush or
// Shutdown when records are kept in the retry buffer, to be sent again by a
// later export, flush or Shutdown (after Shutdown: left in the buffer's
// directory, if it is one of your choosing; see WithRetryBuffer).
var ErrBuffered = errors.New("logfire: records are kept for a later retry")

// deliveryError says what a ForceFlush or Shutdown could not deliver. It
// matches ErrDropped and ErrBuffered as the case may be.
type deliveryError struct {
	// op is "flush" or "shutdown".
	op string
	// buffered counts the records in the retry buffer when the call
	// returned.
	buffered signalCounts
	// dropped counts the records dropped since the previous ForceFlush or
	// Shutdown of the instance returned, by reason.
	dropped map[delivery.Reason]signalCounts
	// causes say what went wrong, most recent first, such as
	// "http://127.0.0.1:4318/v1/traces answered HTTP 503 Service
	// Unavailable".
	causes []string
}

func (e *deliveryError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "logfire: %s: not every record was delivered:", e.op)
	if n := e.buffered.total(); n > 0 {
		fmt.Fprintf(&b, " %s kept in the retry buffer for a later attempt;", e.buffered)
	}
	for _, r := range delivery.Reasons {
		if c, ok := e.dropped[r]; ok && c.total() > 0 {
			fmt.Fprintf(&b, " %s dropped (%s);", c, r)
		}
	}
	s := strings.TrimSuffix(b.String(), ";")
	if len(e.causes) > 0 {
		s += ": " + strings.Join(e.causes, "; ")
	}
	return s
}

// Unwrap returns ErrBuffered and ErrDropped, those that e reports, so that
// errors.Is matches them.
func (e *deliveryError) Unwrap() []error {
	var out []error
	if e.buffered.total() > 0 {
		out = append(out, ErrBuffered)
	}
	if len(e.dropped) > 0 {
		out = append(out, ErrDropped)
	}
	return out
}

// deliveryError returns a *deliveryError for op, or nil if everything was
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

	e := &deliveryError{op: op, buffered: countsOf(buffered), dropped: map[delivery.Reason]signalCounts{}}
	for _, r := range delivery.Reasons {
		var per [3]int64
		for _, sig := range delivery.Signals {
			per[sig] = dropped[sig][r]
			if per[sig] > 0 && snap.Cause[sig][r] != "" && !slices.Contains(e.causes, snap.Cause[sig][r]) {
				e.causes = append(e.causes, snap.Cause[sig][r])
			}
		}
		if c := countsOf(per); c.total() > 0 {
			e.dropped[r] = c
		}
	}
	if e.buffered.total() > 0 {
		for _, d := range lf.dests {
			if open, cause := d.sender.Outage(); open && !slices.Contains(e.causes, cause) {
				e.causes = append([]string{cause}, e.causes...)
			}
		}
	}
	if e.buffered.total() == 0 && len(e.dropped) == 0 {
		return nil
	}
	return e
}

// dropReporter writes the stderr line about dropped records: the first
// drop at once, later ones summed up at most every interval.
type dropReporter struct {
	every time.Duration
	out   func(line string) // where the lines go (settings.ownLines)

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
	r.out(fmt.Sprintf("dropped %s; (*logfire.Logfire).DeliveryStats counts every record", strings.Join(parts, ", ")))
}
