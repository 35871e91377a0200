// Package delivery makes the SDK's OTLP/HTTP export lossless, or
// accountable where it cannot be: every record handed to it is delivered,
// still queued, kept in a retry buffer, or dropped with a reason that is
// counted.
//
// The pieces, each in its own file:
//
//   - Batcher (batcher.go): the export queue behind a span or log
//     processor, bounded by bytes, exporting full batches as it fills and
//     blocking producers only briefly, and only while the backend keeps up.
//     It tells each export its Mode (mode.go): the queue's own, a flush, or
//     Shutdown.
//   - Sender (sender.go): posts the requests the exporters encode (with
//     internal/otlpwire), compressed (compress.go), with a plain
//     *http.Client, and reads the real answer (retry.go). It retries what
//     can be retried as the Mode allows, splits by records what the backend
//     says is too large, keeps what could not be sent in a Buffer
//     (buffer.go) and sends it again first, oldest first; a Breaker
//     (breaker.go) keeps an outage from costing every export its whole
//     deadline.
//   - Counters (this file): what happened to every record, per signal.
package delivery

import (
	"sync"
	"sync/atomic"
)

// Signal is one OTLP signal.
type Signal int

// The signals, in the order they are reported.
const (
	Spans Signal = iota
	Logs
	Metrics
	numSignals
)

// Signals lists every signal.
var Signals = [numSignals]Signal{Spans, Logs, Metrics}

func (s Signal) String() string {
	switch s {
	case Spans:
		return "spans"
	case Logs:
		return "logs"
	case Metrics:
		return "metric data points"
	}
	return "records"
}

// Path is the OTLP/HTTP path the signal is sent to under a base URL.
func (s Signal) Path() string {
	switch s {
	case Spans:
		return "/v1/traces"
	case Logs:
		return "/v1/logs"
	default:
		return "/v1/metrics"
	}
}

// Reason says why records were dropped.
type Reason int

// The reasons records are dropped.
const (
	// QueueFull: the export queue was full and stayed full while the
	// producer could wait.
	QueueFull Reason = iota
	// Rejected: the backend refused the records for good (400, 401, 403,
	// 404 and other 4xx but 408, 413 and 429; or a partial success).
	Rejected
	// TooLarge: one record alone is larger than a request may be.
	TooLarge
	// BufferFull: the retry buffer was full; its oldest records made room.
	BufferFull
	// Shutdown: still not delivered when Shutdown's context ended, or
	// recorded after Shutdown.
	Shutdown
	// Encoding: the exporter could not encode the record.
	Encoding
	// SamplingBuffer: the tail-sampling buffer was full; the traces held
	// longest made room.
	SamplingBuffer
	numReasons
)

// Reasons lists every reason.
var Reasons = [numReasons]Reason{QueueFull, Rejected, TooLarge, BufferFull, Shutdown, Encoding, SamplingBuffer}

// Key names the reason in logfire's DeliveryStats: a short, stable word,
// where String describes it.
func (r Reason) Key() string {
	switch r {
	case QueueFull:
		return "queue_full"
	case Rejected:
		return "rejected"
	case TooLarge:
		return "too_large"
	case BufferFull:
		return "buffer_full"
	case Shutdown:
		return "shutdown"
	case Encoding:
		return "encoding"
	case SamplingBuffer:
		return "sampling_buffer"
	}
	return "unknown"
}

func (r Reason) String() string {
	switch r {
	case QueueFull:
		return "export queue full"
	case Rejected:
		return "rejected by the backend"
	case TooLarge:
		return "too large for one request"
	case BufferFull:
		return "retry buffer full"
	case Shutdown:
		return "not sent before shutdown ended"
	case Encoding:
		return "could not be encoded"
	case SamplingBuffer:
		return "tail-sampling buffer full"
	}
	return "unknown reason"
}

// Counters count what happened to the records of one destination, per
// signal. All methods are safe for concurrent use.
type Counters struct {
	delivered [numSignals]atomic.Int64
	resent    [numSignals]atomic.Int64
	queued    [numSignals]atomic.Int64
	buffered  [numSignals]atomic.Int64
	dropped   [numSignals][numReasons]atomic.Int64

	mu    sync.Mutex
	cause [numSignals][numReasons]string // the last cause of each kind of drop

	// OnDrop, when set, is called after records were counted as dropped.
	OnDrop func(s Signal, r Reason, n int, cause string)
}

// Delivered counts n records of s accepted by the backend.
func (c *Counters) Delivered(s Signal, n int) { c.delivered[s].Add(int64(n)) }

// Resent counts n records of s delivered after an earlier attempt whose
// outcome was unknown: the backend may have them twice.
func (c *Counters) Resent(s Signal, n int) {
	if n > 0 {
		c.resent[s].Add(int64(n))
	}
}

// Queued changes the number of records of s waiting in an export queue.
func (c *Counters) Queued(s Signal, delta int) { c.queued[s].Add(int64(delta)) }

// Buffered changes the number of records of s held in a retry buffer.
func (c *Counters) Buffered(s Signal, delta int) { c.buffered[s].Add(int64(delta)) }

// Dropped counts n records of s dropped for r; cause says what happened in
// words (it may be empty).
func (c *Counters) Dropped(s Signal, r Reason, n int, cause string) {
	if n <= 0 {
		return
	}
	c.dropped[s][r].Add(int64(n))
	if cause != "" {
		c.mu.Lock()
		c.cause[s][r] = cause
		c.mu.Unlock()
	}
	if c.OnDrop != nil {
		c.OnDrop(s, r, n, cause)
	}
}

// Snapshot is a copy of the counters at one moment.
type Snapshot struct {
	Delivered [numSignals]int64
	Resent    [numSignals]int64
	Queued    [numSignals]int64
	Buffered  [numSignals]int64
	Dropped   [numSignals][numReasons]int64
	Cause     [numSignals][numReasons]string
}

// Snapshot returns the current counts.
func (c *Counters) Snapshot() Snapshot {
	var s Snapshot
	for i := range numSignals {
		s.Delivered[i] = c.delivered[i].Load()
		s.Resent[i] = c.resent[i].Load()
		s.Queued[i] = c.queued[i].Load()
		s.Buffered[i] = c.buffered[i].Load()
		for r := range numReasons {
			s.Dropped[i][r] = c.dropped[i][r].Load()
		}
	}
	c.mu.Lock()
	s.Cause = c.cause
	c.mu.Unlock()
	return s
}

// Add returns the sum of s and o (the causes of o win where both have one).
func (s Snapshot) Add(o Snapshot) Snapshot {
	for i := range numSignals {
		s.Delivered[i] += o.Delivered[i]
		s.Resent[i] += o.Resent[i]
		s.Queued[i] += o.Queued[i]
		s.Buffered[i] += o.Buffered[i]
		for r := range numReasons {
			s.Dropped[i][r] += o.Dropped[i][r]
			if o.Cause[i][r] != "" {
				s.Cause[i][r] = o.Cause[i][r]
			}
		}
	}
	return s
}

// DroppedSince returns the drops counted in s but not yet in before.
func (s Snapshot) DroppedSince(before Snapshot) [numSignals][numReasons]int64 {
	var d [numSignals][numReasons]int64
	for i := range numSignals {
		for r := range numReasons {
			d[i][r] = s.Dropped[i][r] - before.Dropped[i][r]
		}
	}
	return d
}

// DroppedTotal returns every record of sig dropped, whatever the reason.
func (s Snapshot) DroppedTotal(sig Signal) int64 {
	var n int64
	for _, v := range s.Dropped[sig] {
		n += v
	}
	return n
}
