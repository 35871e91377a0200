// Package otlptest is an OTLP/HTTP protobuf receiver for tests that
// misbehaves on purpose, to prove that every record of every signal an
// exporter sends arrives exactly once after a fault.
//
// [New] listens on 127.0.0.1 (a random port, kept for the receiver's whole
// life) and serves POST /v1/traces, /v1/metrics and /v1/logs. A body may be
// gzip (Content-Encoding: gzip) or identity; it is decoded with the official
// OTLP types (go.opentelemetry.io/proto/otlp) into the signal's
// Export*ServiceRequest. Everything stops at the test's cleanup, where any
// request still held is released and every goroutine of the receiver is
// waited for (at most a few seconds, else the test fails).
//
// # Faults
//
// Each request is treated according to a [Fault]. [Receiver.SetFault] sets
// the fault of every signal and [Receiver.SetSignalFault] that of one; both
// can be called at any time and apply to requests whose headers arrive
// afterwards. When a request's signal has the fault OK, the Decide hook
// ([WithDecide]), if any, chooses one for it once its body has been read
// (so it can look at [Request.Items]). On the wire:
//
//   - [OK]: 200, Content-Type application/x-protobuf, an empty
//     Export*ServiceResponse.
//   - [PartialSuccess](n): 200 with partial_success.rejected_spans /
//     rejected_log_records / rejected_data_points = n.
//   - [Slow](d): waits d, then as OK; if the client goes away first, the
//     connection is reset.
//   - [Status](code, retryAfter) and [StatusBody]: that status, with
//     Retry-After in whole seconds when retryAfter > 0, and a short
//     text/plain body.
//   - [Hang]: reads the request and never answers; the connection is reset
//     once the client goes away (or at Refuse or cleanup).
//   - [ResetMidBody]: reads the first few bytes of the body, then closes the
//     connection with a TCP RST (SO_LINGER 0): the client sees ECONNRESET
//     (or EOF, or EPIPE while still writing).
//   - [Truncated200]: "200 OK" with a Content-Length larger than what is
//     written, then the connection is closed: the client reads an unexpected
//     EOF in the body.
//   - [Refuse]: when every signal's fault is Refuse, the listener and every
//     open connection are closed, so that connecting fails with "connection
//     refused"; the first setting that leaves some signal not refused listens
//     again on the same port before it returns. A Refuse for one signal only
//     cannot refuse connections, which all signals share: it resets the
//     request's connection (TCP RST) before reading its body; from the Decide
//     hook, it resets it after reading the body.
//
// Besides the faults, a request is answered 404 on an unknown path, 405 for
// a method other than POST, 415 for a Content-Type other than
// application/x-protobuf or a Content-Encoding other than gzip or identity,
// 400 when the body cannot be decoded, and 413 when its decompressed size is
// over the limit ([WithMaxBodyBytes], 64 MiB by default); those are decided
// before the Decide hook, which is not called for them.
//
// # What is recorded
//
// The receiver records the records of a request only when it accepts it,
// that is answers 200 with OK, Slow or PartialSuccess: each span, log record
// and metric data point, flattened into [Span], [Log] and [Point], in the
// order the requests were accepted. A PartialSuccess request is recorded in
// full (the client must not send its records again) and its rejected count
// is added to [Receiver.Rejected]. Any other request records nothing: for
// that request the receiver "failed". A request is recorded at the moment
// its 200 is committed, just before the answer is written, so a client that
// has read a 200 always finds its records counted; Refuse waits for the 200s
// being written before it closes the connections, so a recorded request is
// never cut off by it. (A client that gives up in the instant between the
// commit and the answer sees an error for a request that was recorded, as
// with a real backend; if it sends it again, Duplicates shows it.)
//
// [Receiver.Requests] counts every request that reached a handler, faulted
// or not, and [Receiver.Headers] keeps their headers.
//
// [Receiver.Duplicates] counts the accepted records whose identity had
// already been accepted: a span's is its (trace id, span id); a log
// record's is the whole record (timestamps, trace and span ids, severity,
// body, attributes, flags), since a log record has no id of its own; a
// metric point's is (scope name, metric name, attributes, start time, time).
package otlptest

import (
	"context"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"
)

const (
	defaultMaxBody = 64 << 20
	// cleanupTimeout bounds how long cleanup waits for the receiver's
	// goroutines.
	cleanupTimeout = 5 * time.Second
	// relisten bounds the attempts to listen again on the port after Refuse.
	relistenTries = 50
	relistenPause = 20 * time.Millisecond
)

// Request is what the Decide hook knows of a request.
type Request struct {
	Signal Signal
	// N numbers the requests of Signal that reached the receiver, from 1, in
	// the order their headers arrived, faulted ones included.
	N      int
	Header http.Header
	// Items is the number of spans, log records or data points in it.
	Items int
	// Size is the size of the decoded (decompressed) body in bytes.
	Size int
}

// Option configures a [Receiver].
type Option func(*config)

type config struct {
	maxBody int64
	decide  func(Request) Fault
}

// WithDecide sets a hook that chooses the fault of each request whose
// signal's fault is OK, e.g. 503 for odd and OK for even request numbers.
// It is called from the handlers' goroutines, concurrently, so it must be
// safe for concurrent use. It should return quickly: the request waits for
// it.
func WithDecide(decide func(Request) Fault) Option {
	return func(c *config) { c.decide = decide }
}

// WithMaxBodyBytes answers 413 to requests whose decompressed body is bigger
// than n bytes, as a real backend does. n <= 0 keeps the default, 64 MiB.
func WithMaxBodyBytes(n int64) Option {
	return func(c *config) {
		if n > 0 {
			c.maxBody = n
		}
	}
}

// Receiver is an OTLP/HTTP receiver made by [New]. Its methods are safe for
// concurrent use.
type Receiver struct {
	t    testing.TB
	cfg  config
	addr string // 127.0.0.1:port

	done chan struct{} // closed at cleanup
	// wg counts the Serve goroutines, the connections the servers own and the
	// handlers.
	wg sync.WaitGroup

	lmu sync.Mutex  // serializes taking the listener down and up
	gen *generation // the serving listener; nil while refusing; under lmu

	mu       sync.Mutex
	closed   bool
	faults   [numSignals]Fault
	requests [numSignals]int
	rejected [numSignals]int64
	seen     [numSignals]map[string]bool
	dups     [numSignals]int
	headers  []http.Header
	inflight int
	spans    []Span
	logs     []Log
	points   []Point
	changed  chan struct{} // closed and replaced on every change of the above
}

// generation is one listener and its server, from listening to Refuse or
// cleanup.
type generation struct {
	srv *http.Server
	// mu is held for reading while a handler commits and writes a 200, and
	// for writing when the generation goes down.
	mu     sync.RWMutex
	down   bool
	downCh chan struct{}
}

// New starts a receiver on 127.0.0.1 that serves until the test's cleanup.
func New(t testing.TB, opts ...Option) *Receiver {
	t.Helper()
	r := &Receiver{t: t, cfg: config{maxBody: defaultMaxBody}, done: make(chan struct{}), changed: make(chan struct{})}
	for _, o := range opts {
		o(&r.cfg)
	}
	for i := range r.seen {
		r.seen[i] = map[string]bool{}
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("otlptest: listen: %v", err)
	}
	r.addr = l.Addr().String()
	r.lmu.Lock()
	r.start(l)
	r.lmu.Unlock()
	t.Cleanup(r.close)
	return r
}

// URL is "http://127.0.0.1:PORT", the same for the receiver's whole life.
func (r *Receiver) URL() string { return "http://" + r.addr }

// start serves on l. It is called with lmu held.
func (r *Receiver) start(l net.Listener) {
	g := &generation{downCh: make(chan struct{})}
	g.srv = &http.Server{
		Handler:           http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) { r.handle(g, w, req) }),
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          log.New(io.Discard, "", 0),
		ConnState: func(_ net.Conn, s http.ConnState) {
			switch s {
			case http.StateNew:
				r.wg.Add(1)
			case http.StateHijacked, http.StateClosed:
				r.wg.Done()
			}
		},
	}
	r.gen = g
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		_ = g.srv.Serve(l)
	}()
}

// stop closes the listener and the connections of the serving generation,
// after the 200s being written are out. It is called with lmu held.
func (r *Receiver) stop() {
	g := r.gen
	if g == nil {
		return
	}
	r.gen = nil
	g.mu.Lock()
	g.down = true
	close(g.downCh)
	g.mu.Unlock()
	_ = g.srv.Close()
}

// relisten listens again on the receiver's port. It is called with lmu
// held.
func (r *Receiver) relisten() error {
	var err error
	for range relistenTries {
		var l net.Listener
		if l, err = net.Listen("tcp", r.addr); err == nil {
			r.start(l)
			return nil
		}
		t := time.NewTimer(relistenPause)
		select {
		case <-r.done:
			t.Stop()
			return err
		case <-t.C:
		}
	}
	return err
}

func (r *Receiver) close() {
	r.lmu.Lock()
	r.mu.Lock()
	r.closed = true
	close(r.done)
	r.broadcast()
	r.mu.Unlock()
	r.stop()
	r.lmu.Unlock()

	finished := make(chan struct{})
	go func() {
		r.wg.Wait()
		close(finished)
	}()
	t := time.NewTimer(cleanupTimeout)
	defer t.Stop()
	select {
	case <-finished:
	case <-t.C:
		r.t.Errorf("otlptest: the receiver's goroutines still run %v after cleanup", cleanupTimeout)
	}
}

// SetFault sets the fault of every signal (replacing any set by
// SetSignalFault). Setting Refuse closes the listener before SetFault
// returns; setting anything else after Refuse listens again on the same
// port before it returns. After the test has ended it does nothing.
func (r *Receiver) SetFault(f Fault) {
	r.set(func(fs *[numSignals]Fault) {
		for i := range fs {
			fs[i] = f
		}
	})
}

// SetSignalFault sets the fault of sig's requests.
func (r *Receiver) SetSignalFault(sig Signal, f Fault) {
	sig.check()
	r.set(func(fs *[numSignals]Fault) { fs[sig] = f })
}

func (r *Receiver) set(apply func(*[numSignals]Fault)) {
	r.lmu.Lock()
	defer r.lmu.Unlock()
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return
	}
	apply(&r.faults)
	refuse := true
	for _, f := range r.faults {
		refuse = refuse && f.kind == kindRefuse
	}
	r.mu.Unlock()
	switch {
	case refuse && r.gen != nil:
		r.stop()
	case !refuse && r.gen == nil:
		if err := r.relisten(); err != nil {
			r.t.Errorf("otlptest: listening again on %s: %v", r.addr, err)
		}
	}
}

// broadcast wakes the waiters. It is called with mu held.
func (r *Receiver) broadcast() {
	close(r.changed)
	r.changed = make(chan struct{})
}

// Spans returns the accepted spans, in the order they were accepted.
func (r *Receiver) Spans() []Span {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.spans)
}

// Logs returns the accepted log records, in the order they were accepted.
func (r *Receiver) Logs() []Log {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.logs)
}

// Points returns the accepted metric data points, in the order they were
// accepted.
func (r *Receiver) Points() []Point {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.points)
}

// Count is the number of accepted records of sig, duplicates included.
func (r *Receiver) Count(sig Signal) int {
	sig.check()
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.countLocked(sig)
}

func (r *Receiver) countLocked(sig Signal) int {
	switch sig {
	case Traces:
		return len(r.spans)
	case Metrics:
		return len(r.points)
	default:
		return len(r.logs)
	}
}

// Requests is the number of requests of sig that reached the receiver,
// faulted ones included (connections refused by Refuse never reach it).
func (r *Receiver) Requests(sig Signal) int {
	sig.check()
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.requests[sig]
}

// Duplicates is the number of accepted records of sig whose identity (see
// the package doc) had been accepted before: 1 for a record accepted twice.
func (r *Receiver) Duplicates(sig Signal) int {
	sig.check()
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.dups[sig]
}

// Rejected is the sum of the rejected counts that PartialSuccess answered
// for sig.
func (r *Receiver) Rejected(sig Signal) int64 {
	sig.check()
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.rejected[sig]
}

// Headers returns the headers of every request that reached the receiver,
// of all signals, faulted ones included, in the order they arrived.
func (r *Receiver) Headers() []http.Header {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]http.Header, len(r.headers))
	for i, h := range r.headers {
		out[i] = h.Clone()
	}
	return out
}

// WaitCount waits until at least n records of sig have been accepted. It
// returns an error wrapping ctx.Err() if ctx ends first, or an error if the
// receiver is closed first.
func (r *Receiver) WaitCount(ctx context.Context, sig Signal, n int) error {
	sig.check()
	return r.wait(ctx, func() bool { return r.countLocked(sig) >= n },
		func() string { return fmt.Sprintf("%d of %d %s accepted", r.countLocked(sig), n, sig) })
}

// WaitRequests waits until at least n requests of sig have reached the
// receiver, faulted or not; it fails as WaitCount does.
func (r *Receiver) WaitRequests(ctx context.Context, sig Signal, n int) error {
	sig.check()
	return r.wait(ctx, func() bool { return r.requests[sig] >= n },
		func() string { return fmt.Sprintf("%d of %d %s requests", r.requests[sig], n, sig) })
}

// WaitIdle waits until no request is being handled (a Hang request is
// handled until its client goes away); it fails as WaitCount does.
func (r *Receiver) WaitIdle(ctx context.Context) error {
	return r.wait(ctx, func() bool { return r.inflight == 0 },
		func() string { return fmt.Sprintf("%d requests still handled", r.inflight) })
}

// wait waits for ok, which is called with mu held, as is state.
func (r *Receiver) wait(ctx context.Context, ok func() bool, state func() string) error {
	for {
		r.mu.Lock()
		if ok() {
			r.mu.Unlock()
			return nil
		}
		if r.closed {
			s := state()
			r.mu.Unlock()
			return fmt.Errorf("otlptest: receiver closed with %s", s)
		}
		ch := r.changed
		r.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			r.mu.Lock()
			s := state()
			r.mu.Unlock()
			return fmt.Errorf("otlptest: %s: %w", s, ctx.Err())
		}
	}
}
