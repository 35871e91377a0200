package main

import (
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	collogspb "go.opentelemetry.io/proto/otlp/collector/logs/v1"
	colmetricspb "go.opentelemetry.io/proto/otlp/collector/metrics/v1"
	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	"google.golang.org/protobuf/proto"
)

// The signals, by the path of their requests.
const (
	sigTraces = iota
	sigLogs
	sigMetrics
	numSignals
)

var signalPaths = [numSignals]string{"/v1/traces", "/v1/logs", "/v1/metrics"}

// second is what the receiver saw in one second of the run.
type second struct {
	Requests  [numSignals]int64 // every request, whatever the answer
	OK        int64             // answered 200
	Throttled [2]int64          // answered 503, 429
	Bad       int64             // answered 400 (not OTLP) or 404
	Aborted   int64             // connection closed unanswered (the receiver went down)
	Accepted  int64             // records in the requests answered 200, pending spans and duplicates included
	Unique    int64             // records seen for the first time
	Dups      int64             // records seen before
	Pending   int64             // pending spans (not counted in Unique or Dups)
	Foreign   int64             // records without the (worker, seq) or (worker, tick) attributes
}

// request is one request the receiver answered (or aborted).
type request struct {
	At      time.Duration // since the start, when the request arrived
	Worker  int           // -1 if unknown
	Signal  int
	Status  int           // 0: aborted
	Records int           // decoded records, for a 200
	Took    time.Duration // from its arrival to its answer
}

// duplicate is a record received again: the indexes (in the receiver's
// requests) of the request that brought it first and of the one that
// brought it again.
type duplicate struct {
	key          uint64
	first, again int
}

// receiver is the backend of the fleet: an OTLP/HTTP receiver on one fixed
// 127.0.0.1 port that is up (200), throttling (503 or 429, with
// Retry-After) or down (nothing listens: connections are refused), and
// counts what it sees per second.
type receiver struct {
	addr       string
	status     int            // of the throttled answers
	retryAfter int            // seconds; 0: no header
	throttling atomic.Bool    // answer status instead of 200
	started    atomic.Int64   // Unix nanoseconds of the start of the run; 0 before
	gens       sync.WaitGroup // the servers' goroutines

	lmu sync.Mutex  // serializes going down and up
	gen *generation // nil while down

	mu        sync.Mutex
	secs      []second
	reqs      []request
	seenLogs  map[uint64]int // the index of the request that brought it first
	seenSpans map[uint64]int
	dups      []duplicate
}

// generation is one listener and its server.
type generation struct {
	srv *http.Server
	// mu is held for reading while a handler counts records and answers
	// 200, and for writing when the generation goes down, so that an
	// answer is either sent whole or its records not counted.
	mu   sync.RWMutex
	down bool
}

func newReceiver(port, status, retryAfter int) (*receiver, error) {
	r := &receiver{status: status, retryAfter: retryAfter, seenLogs: map[uint64]int{}, seenSpans: map[uint64]int{}}
	l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
	if err != nil {
		return nil, err
	}
	r.addr = l.Addr().String()
	r.lmu.Lock()
	r.serve(l)
	r.lmu.Unlock()
	return r, nil
}

// URL is the base URL of the receiver, the same for the whole run.
func (r *receiver) URL() string { return "http://" + r.addr }

// start sets the time the seconds count from.
func (r *receiver) start(t time.Time) { r.started.Store(t.UnixNano()) }

func (r *receiver) since() time.Duration {
	s := r.started.Load()
	if s == 0 {
		return 0
	}
	return time.Duration(time.Now().UnixNano() - s)
}

// serve serves on l; r.lmu is held.
func (r *receiver) serve(l net.Listener) {
	g := &generation{}
	g.srv = &http.Server{
		Handler:           http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) { r.handle(g, w, req) }),
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          log.New(io.Discard, "", 0),
	}
	r.gen = g
	r.gens.Go(func() { _ = g.srv.Serve(l) })
}

// Down closes the listener and every connection: until Up, connections
// are refused.
func (r *receiver) Down() {
	r.lmu.Lock()
	defer r.lmu.Unlock()
	g := r.gen
	if g == nil {
		return
	}
	r.gen = nil
	g.mu.Lock()
	g.down = true
	g.mu.Unlock()
	_ = g.srv.Close()
}

// Up listens again on the same port (if down) and answers as throttle
// says: 200, or the throttling status with Retry-After.
func (r *receiver) Up(throttle bool) error {
	r.throttling.Store(throttle)
	r.lmu.Lock()
	defer r.lmu.Unlock()
	if r.gen != nil {
		return nil
	}
	var err error
	for range 40 {
		var l net.Listener
		if l, err = net.Listen("tcp", r.addr); err == nil {
			r.serve(l)
			return nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	return fmt.Errorf("listening again on %s: %w", r.addr, err)
}

// Close takes the receiver down for good and waits for its servers.
func (r *receiver) Close() {
	r.Down()
	r.gens.Wait()
}

// workerOf reads the worker's number from its token (see token).
func workerOf(req *http.Request) int {
	_, rest, ok := strings.Cut(req.Header.Get("Authorization"), "pylf_v1_us_fleet")
	if !ok || len(rest) < 3 {
		return -1
	}
	n, err := strconv.Atoi(rest[:3])
	if err != nil {
		return -1
	}
	return n
}

func (r *receiver) handle(g *generation, w http.ResponseWriter, req *http.Request) {
	at := r.since()
	sig := -1
	for s, p := range signalPaths {
		if req.URL.Path == p {
			sig = s
		}
	}
	rq := request{At: at, Worker: workerOf(req), Signal: max(sig, 0)}
	body, err := io.ReadAll(io.LimitReader(req.Body, 64<<20))
	switch {
	case sig < 0 || req.Method != http.MethodPost:
		rq.Status = http.StatusNotFound
	case err != nil:
		r.record(rq, nil)
		panic(http.ErrAbortHandler)
	case r.throttling.Load():
		rq.Status = r.status
	}
	if rq.Status != 0 {
		if rq.Status != http.StatusNotFound && r.retryAfter > 0 {
			w.Header().Set("Retry-After", strconv.Itoa(r.retryAfter))
		}
		http.Error(w, http.StatusText(rq.Status), rq.Status)
		r.record(rq, nil)
		return
	}
	recs, err := decode(sig, req.Header.Get("Content-Encoding"), body)
	if err != nil {
		rq.Status = http.StatusBadRequest
		http.Error(w, err.Error(), rq.Status)
		r.record(rq, nil)
		return
	}
	g.mu.RLock()
	defer g.mu.RUnlock()
	if g.down {
		r.record(rq, nil) // aborted: its records are not counted
		panic(http.ErrAbortHandler)
	}
	rq.Status, rq.Records = http.StatusOK, len(recs)
	r.record(rq, recs)
	w.Header().Set("Content-Type", "application/x-protobuf")
	w.WriteHeader(http.StatusOK) // an empty Export*ServiceResponse
}

// record counts rq and the records of a request answered 200.
func (r *receiver) record(rq request, recs []record) {
	rq.Took = r.since() - rq.At
	r.mu.Lock()
	defer r.mu.Unlock()
	i := int(rq.At / time.Second)
	for len(r.secs) <= i {
		r.secs = append(r.secs, second{})
	}
	s := &r.secs[i]
	idx := len(r.reqs)
	r.reqs = append(r.reqs, rq)
	s.Requests[rq.Signal]++
	switch rq.Status {
	case 0:
		s.Aborted++
	case http.StatusOK:
		s.OK++
	case http.StatusServiceUnavailable:
		s.Throttled[0]++
	case http.StatusTooManyRequests:
		s.Throttled[1]++
	default:
		s.Bad++
	}
	if rq.Status != http.StatusOK {
		return
	}
	for _, rec := range recs {
		s.Accepted++
		seen := r.seenLogs
		switch rec.kind {
		case recPending:
			s.Pending++
			continue
		case recForeign:
			s.Foreign++
			continue
		case recSpan:
			seen = r.seenSpans
		}
		if first, ok := seen[rec.key]; ok {
			s.Dups++
			if rec.kind == recLog {
				r.dups = append(r.dups, duplicate{key: rec.key, first: first, again: idx})
			}
			continue
		}
		seen[rec.key] = idx
		s.Unique++
	}
}

// snapshot returns a copy of the seconds and requests so far.
func (r *receiver) snapshot() ([]second, []request) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]second(nil), r.secs...), append([]request(nil), r.reqs...)
}

// duplicates returns the logs received more than once.
func (r *receiver) duplicates() []duplicate {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]duplicate(nil), r.dups...)
}

// uniqueOf returns the unique logs and spans received from each worker.
func (r *receiver) uniqueOf() (logs, spans map[int]int64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	logs, spans = map[int]int64{}, map[int]int64{}
	for k := range r.seenLogs {
		logs[int(k>>40)]++
	}
	for k := range r.seenSpans {
		spans[int(k>>40)]++
	}
	return logs, spans
}

// The kinds of record.
const (
	recLog     = iota // a log of a worker: (worker, seq)
	recSpan           // a span of a worker: (worker, tick)
	recPending        // a pending span
	recForeign        // anything else (metric data points, log records)
)

type record struct {
	kind int
	key  uint64 // worker<<40 | seq or tick
}

// decode reads an OTLP/HTTP protobuf request of sig, gzip-compressed or
// not, into its records.
func decode(sig int, encoding string, body []byte) ([]record, error) {
	switch encoding {
	case "", "identity":
	case "gzip":
		zr, err := gzip.NewReader(bytes.NewReader(body))
		if err != nil {
			return nil, err
		}
		if body, err = io.ReadAll(io.LimitReader(zr, 256<<20)); err != nil {
			return nil, err
		}
	default:
		return nil, fmt.Errorf("unknown Content-Encoding %q", encoding)
	}
	var out []record
	switch sig {
	case sigTraces:
		var m coltracepb.ExportTraceServiceRequest
		if err := proto.Unmarshal(body, &m); err != nil {
			return nil, err
		}
		for _, rs := range m.GetResourceSpans() {
			for _, ss := range rs.GetScopeSpans() {
				for _, sp := range ss.GetSpans() {
					out = append(out, spanRecord(sp.GetAttributes()))
				}
			}
		}
	case sigLogs:
		var m collogspb.ExportLogsServiceRequest
		if err := proto.Unmarshal(body, &m); err != nil {
			return nil, err
		}
		for _, rl := range m.GetResourceLogs() {
			for _, sl := range rl.GetScopeLogs() {
				for range sl.GetLogRecords() {
					out = append(out, record{kind: recForeign})
				}
			}
		}
	case sigMetrics:
		var m colmetricspb.ExportMetricsServiceRequest
		if err := proto.Unmarshal(body, &m); err != nil {
			return nil, err
		}
		n := 0
		for _, rm := range m.GetResourceMetrics() {
			for _, sm := range rm.GetScopeMetrics() {
				for _, mt := range sm.GetMetrics() {
					n += len(mt.GetGauge().GetDataPoints()) + len(mt.GetSum().GetDataPoints()) +
						len(mt.GetHistogram().GetDataPoints()) + len(mt.GetExponentialHistogram().GetDataPoints()) +
						len(mt.GetSummary().GetDataPoints())
				}
			}
		}
		for range n {
			out = append(out, record{kind: recForeign})
		}
	default:
		return nil, errors.New("unknown signal")
	}
	return out, nil
}

// spanRecord classifies a span by its attributes.
func spanRecord(attrs []*commonpb.KeyValue) record {
	worker, seq, tick := int64(-1), int64(-1), int64(-1)
	spanType := ""
	for _, kv := range attrs {
		switch kv.GetKey() {
		case "worker":
			worker = kv.GetValue().GetIntValue()
		case "seq":
			seq = kv.GetValue().GetIntValue()
		case "tick":
			tick = kv.GetValue().GetIntValue()
		case "logfire.span_type":
			spanType = kv.GetValue().GetStringValue()
		}
	}
	switch {
	case spanType == "pending_span":
		return record{kind: recPending}
	case worker < 0 || worker >= 1<<20:
		return record{kind: recForeign}
	case seq >= 0:
		return record{kind: recLog, key: uint64(worker)<<40 | uint64(seq)}
	case tick >= 0:
		return record{kind: recSpan, key: uint64(worker)<<40 | uint64(tick)}
	}
	return record{kind: recForeign}
}
