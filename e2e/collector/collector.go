// Package collector runs the real OpenTelemetry Collector OTLP receiver
// in-process, for end-to-end tests of the Logfire Go SDK.
//
// Start listens on 127.0.0.1 with the receiver's OTLP/HTTP protocol (protobuf
// and JSON, gzip and the other compressions the receiver decodes itself) and
// records everything it receives. Spans, Metrics and Logs return flattened
// copies that are easy to assert on, each stamped with its arrival time and
// the request headers it came with. The Collector is safe for concurrent use.
package collector

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/collector/client"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

// Logfire attribute names and values the helpers of this package look at.
const (
	SpanTypeKey     = "logfire.span_type"
	PendingSpanType = "pending_span"
)

// Signal names one OTLP signal.
type Signal string

// The OTLP signals the collector receives.
const (
	Traces  Signal = "traces"
	Metrics Signal = "metrics"
	Logs    Signal = "logs"
)

// Request describes one export request as the consumer saw it. It is what
// a RejectFunc decides on.
type Request struct {
	Signal Signal
	// N is the 1-based number of this request among the requests of its
	// signal (rejected ones included).
	N       int
	Headers http.Header
	// Items is the number of spans, metric data points or log records.
	Items int
}

// RejectFunc decides whether the collector refuses a request. A nil error
// accepts it; any other error refuses it and nothing of it is recorded. The
// receiver turns the error into the HTTP status: errors made by Reject carry
// their status, other errors give 503 (500 if permanent, see
// consumererror.NewPermanent). ctx is the request's context; a function that
// delays should watch it.
type RejectFunc func(ctx context.Context, r Request) error

// Option configures Start.
type Option func(*options)

type options struct {
	reject       RejectFunc
	maxBodySize  int64
	shutdownWait time.Duration
}

// WithReject installs f to accept or refuse each request (see RejectFunc).
// It runs on the receiver's goroutines, concurrently with other requests.
func WithReject(f RejectFunc) Option {
	return func(o *options) { o.reject = f }
}

// WithMaxRequestBodySize sets the receiver's request body limit in bytes
// (the receiver's default is 20 MiB).
func WithMaxRequestBodySize(n int64) Option {
	return func(o *options) { o.maxBodySize = n }
}

// WithShutdownTimeout bounds how long cleanup waits for in-flight requests
// before closing the receiver (default 5 s).
func WithShutdownTimeout(d time.Duration) Option {
	return func(o *options) { o.shutdownWait = d }
}

// RequestCounts counts the export requests that reached the collector's
// consumers, per signal, rejected ones included.
type RequestCounts struct {
	Traces  int
	Metrics int
	Logs    int
}

// Collector is a running OTLP/HTTP receiver that records what it receives.
type Collector struct {
	endpoint string
	reject   RejectFunc

	mu       sync.Mutex
	changed  chan struct{} // closed and replaced whenever something is recorded
	spans    []Span
	metrics  []Metric
	logs     []LogRecord
	requests RequestCounts
	rejected RequestCounts
}

// Start runs the collector's OTLP receiver on 127.0.0.1 with a free port,
// HTTP protocol only, include_metadata on. It stops when t's test ends.
func Start(t testing.TB, opts ...Option) *Collector {
	t.Helper()
	o := options{shutdownWait: 5 * time.Second}
	for _, opt := range opts {
		opt(&o)
	}
	c := &Collector{reject: o.reject, changed: make(chan struct{})}

	tc, mc, lc, err := newConsumers(c.consumeTraces, c.consumeMetrics, c.consumeLogs)
	if err != nil {
		t.Fatal(err)
	}
	endpoint, stop, err := startOn("127.0.0.1", "0", o, tc, mc, lc)
	if err != nil {
		t.Fatal(err)
	}
	c.endpoint = endpoint
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), o.shutdownWait)
		defer cancel()
		if err := stop(ctx); err != nil {
			t.Logf("collector: shutdown: %v", err)
		}
	})
	return c
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// Endpoint returns the base URL of the receiver, "http://127.0.0.1:PORT";
// the OTLP paths /v1/traces, /v1/metrics and /v1/logs are under it.
func (c *Collector) Endpoint() string {
	return c.endpoint
}

// headersFrom returns the request headers that the receiver put into ctx
// (include_metadata), keyed in canonical form.
func headersFrom(ctx context.Context) http.Header {
	md := client.FromContext(ctx).Metadata
	h := http.Header{}
	for k := range md.Keys() {
		h[http.CanonicalHeaderKey(k)] = md.Get(k)
	}
	return h
}

// admit counts the request and asks the reject function about it. It
// reports whether the request is accepted.
func (c *Collector) admit(ctx context.Context, sig Signal, headers http.Header, items int) error {
	c.mu.Lock()
	var n int
	switch sig {
	case Traces:
		c.requests.Traces++
		n = c.requests.Traces
	case Metrics:
		c.requests.Metrics++
		n = c.requests.Metrics
	case Logs:
		c.requests.Logs++
		n = c.requests.Logs
	}
	c.notifyLocked()
	c.mu.Unlock()

	if c.reject == nil {
		return nil
	}
	err := c.reject(ctx, Request{Signal: sig, N: n, Headers: headers, Items: items})
	if err != nil {
		c.mu.Lock()
		switch sig {
		case Traces:
			c.rejected.Traces++
		case Metrics:
			c.rejected.Metrics++
		case Logs:
			c.rejected.Logs++
		}
		c.notifyLocked()
		c.mu.Unlock()
	}
	return err
}

// notifyLocked wakes the waiters. c.mu must be held.
func (c *Collector) notifyLocked() {
	close(c.changed)
	c.changed = make(chan struct{})
}

func (c *Collector) consumeTraces(ctx context.Context, td ptrace.Traces) error {
	arrived := time.Now()
	headers := headersFrom(ctx)
	if err := c.admit(ctx, Traces, headers, td.SpanCount()); err != nil {
		return err
	}
	spans := flattenTraces(td, arrived, headers)
	c.mu.Lock()
	c.spans = append(c.spans, spans...)
	c.notifyLocked()
	c.mu.Unlock()
	return nil
}

func (c *Collector) consumeMetrics(ctx context.Context, md pmetric.Metrics) error {
	arrived := time.Now()
	headers := headersFrom(ctx)
	if err := c.admit(ctx, Metrics, headers, md.DataPointCount()); err != nil {
		return err
	}
	metrics := flattenMetrics(md, arrived, headers)
	c.mu.Lock()
	c.metrics = append(c.metrics, metrics...)
	c.notifyLocked()
	c.mu.Unlock()
	return nil
}

func (c *Collector) consumeLogs(ctx context.Context, ld plog.Logs) error {
	arrived := time.Now()
	headers := headersFrom(ctx)
	if err := c.admit(ctx, Logs, headers, ld.LogRecordCount()); err != nil {
		return err
	}
	logs := flattenLogs(ld, arrived, headers)
	c.mu.Lock()
	c.logs = append(c.logs, logs...)
	c.notifyLocked()
	c.mu.Unlock()
	return nil
}

// Spans returns every accepted span so far, in arrival order.
func (c *Collector) Spans() []Span {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]Span(nil), c.spans...)
}

// Metrics returns every accepted metric so far, in arrival order; a metric
// exported several times appears once per request.
func (c *Collector) Metrics() []Metric {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]Metric(nil), c.metrics...)
}

// Logs returns every accepted OTel log record so far, in arrival order.
func (c *Collector) Logs() []LogRecord {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]LogRecord(nil), c.logs...)
}

// Requests returns how many export requests reached the consumers, per
// signal, rejected ones included.
func (c *Collector) Requests() RequestCounts {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.requests
}

// Rejected returns how many requests the WithReject function refused.
func (c *Collector) Rejected() RequestCounts {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.rejected
}

// Reset forgets everything recorded so far, request counts included.
func (c *Collector) Reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.spans, c.metrics, c.logs = nil, nil, nil
	c.requests, c.rejected = RequestCounts{}, RequestCounts{}
	c.notifyLocked()
}

// waitFor calls check with the collector locked, each time something is
// recorded, until it returns true or ctx ends.
func (c *Collector) waitFor(ctx context.Context, check func() bool) error {
	for {
		c.mu.Lock()
		ok := check()
		ch := c.changed
		c.mu.Unlock()
		if ok {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// WaitForSpans waits until done returns true for the spans received so far
// (it is called again after each arrival) or ctx ends. It returns the last
// spans it looked at, also on error, so a failure can show what arrived.
func (c *Collector) WaitForSpans(ctx context.Context, done func([]Span) bool) ([]Span, error) {
	var last []Span
	err := c.waitFor(ctx, func() bool {
		last = append([]Span(nil), c.spans...)
		return done(last)
	})
	if err != nil {
		err = fmt.Errorf("waiting for spans (%d arrived): %w", len(last), err)
	}
	return last, err
}

// WaitForMetrics is WaitForSpans for metrics.
func (c *Collector) WaitForMetrics(ctx context.Context, done func([]Metric) bool) ([]Metric, error) {
	var last []Metric
	err := c.waitFor(ctx, func() bool {
		last = append([]Metric(nil), c.metrics...)
		return done(last)
	})
	if err != nil {
		err = fmt.Errorf("waiting for metrics (%d arrived): %w", len(last), err)
	}
	return last, err
}

// WaitForLogs is WaitForSpans for log records.
func (c *Collector) WaitForLogs(ctx context.Context, done func([]LogRecord) bool) ([]LogRecord, error) {
	var last []LogRecord
	err := c.waitFor(ctx, func() bool {
		last = append([]LogRecord(nil), c.logs...)
		return done(last)
	})
	if err != nil {
		err = fmt.Errorf("waiting for logs (%d arrived): %w", len(last), err)
	}
	return last, err
}

// WaitForRequests waits until done returns true for the request counts or
// ctx ends, and returns the last counts.
func (c *Collector) WaitForRequests(ctx context.Context, done func(RequestCounts) bool) (RequestCounts, error) {
	var last RequestCounts
	err := c.waitFor(ctx, func() bool {
		last = c.requests
		return done(last)
	})
	if err != nil {
		err = fmt.Errorf("waiting for requests (%+v so far): %w", last, err)
	}
	return last, err
}

// WaitForRejected is WaitForRequests for the requests the collector
// refused: a request is counted among the requests before its reject
// function decides, so a test that waits for a refusal waits here.
func (c *Collector) WaitForRejected(ctx context.Context, done func(RequestCounts) bool) (RequestCounts, error) {
	var last RequestCounts
	err := c.waitFor(ctx, func() bool {
		last = c.rejected
		return done(last)
	})
	if err != nil {
		err = fmt.Errorf("waiting for refused requests (%+v so far): %w", last, err)
	}
	return last, err
}
