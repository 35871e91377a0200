package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"

	collogspb "go.opentelemetry.io/proto/otlp/collector/logs/v1"
	colmetricspb "go.opentelemetry.io/proto/otlp/collector/metrics/v1"
	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	metricspb "go.opentelemetry.io/proto/otlp/metrics/v1"
	"google.golang.org/protobuf/proto"

	"github.com/logfire-go/sdk/e2e/collector"
)

// The flapping backend: a front on a fixed loopback port that, in the
// phase the soak process sets over the control endpoint, forwards every
// request to the real Collector's OTLP/HTTP receiver (collector.Counter,
// in this same process: up), refuses connections (its listener closed and
// every connection cut: refused), answers 503 with Retry-After itself
// (503), or forwards after a delay (slow). It runs in its own process so
// that its memory, and the set of ids it keeps to find duplicates, do not
// count in the measured one.

// Phases of the backend.
const (
	phaseUp      = "up"
	phaseRefused = "refused"
	phase503     = "503"
	phaseSlow    = "slow"
)

// backendCounts is what GET /counts answers.
type backendCounts struct {
	// Collector is what the Collector's receiver counted: every record it
	// accepted, duplicates included.
	Collector collector.Counts `json:"collector"`
	// Unique* count the records the front forwarded and the receiver
	// accepted, each once; Dup* count those it had seen before (delivery
	// is at least once: a request whose answer was lost is sent again).
	UniqueSpans   int64 `json:"unique_spans"`
	UniquePending int64 `json:"unique_pending_spans"`
	UniqueLogs    int64 `json:"unique_log_records"`
	UniquePoints  int64 `json:"unique_data_points"`
	DupSpans      int64 `json:"duplicate_spans"`
	DupLogs       int64 `json:"duplicate_log_records"`
	DupPoints     int64 `json:"duplicate_data_points"`
	// Answered counts the front's answers by phase ("refused" counts the
	// times the listener was closed).
	Answered map[string]int64 `json:"answered"`
	// Undecodable counts accepted requests the front could not decode.
	Undecodable int64 `json:"undecodable"`
}

type backend struct {
	counter  *collector.Counter
	addr     string // the front's host:port, fixed once bound
	upstream *http.Client

	mu         sync.Mutex
	phase      string
	delay      time.Duration // of phaseSlow
	retryAfter time.Duration // of phase503
	srv        *http.Server  // nil while refusing
	counts     backendCounts
	seen       map[[16]byte]struct{}
}

func runBackend(ctx context.Context, otlpAddr, controlAddr string) error {
	for _, a := range []string{otlpAddr, controlAddr} {
		if err := checkLoopbackAddr(a); err != nil {
			return err
		}
	}
	c, err := collector.StartCounter("127.0.0.1:0")
	if err != nil {
		return err
	}
	b := &backend{
		counter: c,
		upstream: &http.Client{Transport: &http.Transport{
			MaxIdleConnsPerHost: 16,
			IdleConnTimeout:     time.Minute,
		}},
		phase:  phaseUp,
		seen:   map[[16]byte]struct{}{},
		counts: backendCounts{Answered: map[string]int64{}},
	}
	l, err := net.Listen("tcp", otlpAddr)
	if err != nil {
		return errors.Join(err, c.Shutdown(context.Background()))
	}
	b.addr = l.Addr().String()
	b.serveLocked(l)

	cl, err := net.Listen("tcp", controlAddr)
	if err != nil {
		b.stopFront()
		return errors.Join(err, c.Shutdown(context.Background()))
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /phase", b.setPhase)
	mux.HandleFunc("GET /counts", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(b.snapshot())
	})
	control := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	served := make(chan error, 1)
	go func() { served <- control.Serve(cl) }()
	fmt.Printf("otlp http://%s\ncontrol http://%s\n", b.addr, cl.Addr())

	select {
	case <-ctx.Done():
	case err = <-served:
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	b.stopFront()
	err = errors.Join(err, control.Shutdown(sctx), c.Shutdown(sctx))
	final, _ := json.Marshal(b.snapshot())
	fmt.Printf("final %s\n", final)
	return err
}

// serveLocked serves the front on l (b.mu held, or not yet shared).
func (b *backend) serveLocked(l net.Listener) {
	srv := &http.Server{Handler: http.HandlerFunc(b.front), ReadHeaderTimeout: 10 * time.Second}
	b.srv = srv
	go func() { _ = srv.Serve(l) }()
}

// stopFront closes the front's listener and every connection it has.
func (b *backend) stopFront() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.srv != nil {
		_ = b.srv.Close()
		b.srv = nil
	}
}

// setPhase answers POST /phase?name=up|refused|503|slow[&delay=1s][&retry_after=5s].
func (b *backend) setPhase(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	name := q.Get("name")
	var delay, retryAfter time.Duration
	var err error
	switch name {
	case phaseUp, phaseRefused:
	case phaseSlow:
		delay, err = time.ParseDuration(q.Get("delay"))
	case phase503:
		retryAfter, err = time.ParseDuration(q.Get("retry_after"))
	default:
		err = fmt.Errorf("unknown phase %q", name)
	}
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.delay, b.retryAfter = delay, retryAfter
	if name == b.phase {
		return
	}
	if name == phaseRefused {
		// Close cuts the kept-alive connections too: the client must
		// connect again, and is refused.
		_ = b.srv.Close()
		b.srv = nil
		b.counts.Answered[phaseRefused]++
	} else if b.srv == nil {
		// Bind the same port again. Go's listeners set SO_REUSEADDR, so
		// the connections left in TIME_WAIT do not stand in the way; a
		// process that took the port meanwhile does: try for a while.
		var l net.Listener
		for range 50 {
			if l, err = net.Listen("tcp", b.addr); err == nil {
				break
			}
			time.Sleep(100 * time.Millisecond)
		}
		if err != nil {
			http.Error(w, "binding "+b.addr+" again: "+err.Error(), http.StatusInternalServerError)
			return
		}
		b.serveLocked(l)
	}
	b.phase = name
}

// front answers an OTLP request as the phase says.
func (b *backend) front(w http.ResponseWriter, r *http.Request) {
	b.mu.Lock()
	phase, delay, retryAfter := b.phase, b.delay, b.retryAfter
	b.counts.Answered[phase]++
	b.mu.Unlock()
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 64<<20))
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	switch phase {
	case phase503:
		w.Header().Set("Retry-After", strconv.Itoa(int(retryAfter.Round(time.Second)/time.Second)))
		http.Error(w, "soak backend: outage (503)", http.StatusServiceUnavailable)
		return
	case phaseSlow:
		select {
		case <-time.After(delay):
		case <-r.Context().Done():
			return
		}
	}
	// Once forwarded, the request is seen through even if the client gives
	// up meanwhile (a flush's deadline): the receiver may have taken it,
	// and what it took must be known here for its copy, sent again, to
	// count as a duplicate.
	fctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(fctx, http.MethodPost, b.counter.Endpoint()+r.URL.Path, bytes.NewReader(body))
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	for _, h := range []string{"Content-Type", "Content-Encoding"} {
		if v := r.Header.Get(h); v != "" {
			req.Header.Set(h, v)
		}
	}
	resp, err := b.upstream.Do(req)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	defer resp.Body.Close()
	answer, err := io.ReadAll(resp.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	if resp.StatusCode/100 == 2 {
		b.account(r.URL.Path, r.Header.Get("Content-Encoding"), body)
	}
	for _, h := range []string{"Content-Type", "Retry-After"} {
		if v := resp.Header.Get(h); v != "" {
			w.Header().Set(h, v)
		}
	}
	w.WriteHeader(resp.StatusCode)
	_, _ = w.Write(answer)
}

// account records the ids of the records of an accepted request, counting
// those seen before as duplicates.
func (b *backend) account(path, encoding string, body []byte) {
	if encoding == "gzip" {
		zr, err := gzip.NewReader(bytes.NewReader(body))
		if err == nil {
			body, err = io.ReadAll(zr)
		}
		if err != nil {
			b.undecodable()
			return
		}
	}
	var keys [][16]byte
	var pending []bool
	var kind string
	switch path {
	case "/v1/traces":
		kind = "spans"
		var req coltracepb.ExportTraceServiceRequest
		if proto.Unmarshal(body, &req) != nil {
			b.undecodable()
			return
		}
		for _, rs := range req.ResourceSpans {
			for _, ss := range rs.ScopeSpans {
				for _, s := range ss.Spans {
					h := sha256.Sum256(append(append([]byte{}, s.TraceId...), s.SpanId...))
					keys = append(keys, [16]byte(h[:16]))
					isPending := false
					for _, a := range s.Attributes {
						if a.Key == collector.SpanTypeKey && a.Value.GetStringValue() == collector.PendingSpanType {
							isPending = true
						}
					}
					pending = append(pending, isPending)
				}
			}
		}
	case "/v1/logs":
		kind = "logs"
		var req collogspb.ExportLogsServiceRequest
		if proto.Unmarshal(body, &req) != nil {
			b.undecodable()
			return
		}
		for _, rl := range req.ResourceLogs {
			for _, sl := range rl.ScopeLogs {
				for _, lr := range sl.LogRecords {
					keys = append(keys, hashOf("log", "", lr))
				}
			}
		}
	case "/v1/metrics":
		kind = "points"
		var req colmetricspb.ExportMetricsServiceRequest
		if proto.Unmarshal(body, &req) != nil {
			b.undecodable()
			return
		}
		for _, rm := range req.ResourceMetrics {
			for _, sm := range rm.ScopeMetrics {
				for _, m := range sm.Metrics {
					for _, dp := range dataPoints(m) {
						keys = append(keys, hashOf("point", sm.GetScope().GetName()+"/"+m.Name, dp))
					}
				}
			}
		}
	default:
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	for i, k := range keys {
		_, dup := b.seen[k]
		b.seen[k] = struct{}{}
		switch {
		case kind == "spans" && dup:
			b.counts.DupSpans++
		case kind == "spans" && pending[i]:
			b.counts.UniquePending++
			b.counts.UniqueSpans++
		case kind == "spans":
			b.counts.UniqueSpans++
		case kind == "logs" && dup:
			b.counts.DupLogs++
		case kind == "logs":
			b.counts.UniqueLogs++
		case dup:
			b.counts.DupPoints++
		default:
			b.counts.UniquePoints++
		}
	}
}

func (b *backend) undecodable() {
	b.mu.Lock()
	b.counts.Undecodable++
	b.mu.Unlock()
}

// hashOf identifies a record by its encoding: a request sent again is the
// same bytes.
func hashOf(kind, name string, m proto.Message) [16]byte {
	enc, _ := proto.MarshalOptions{Deterministic: true}.Marshal(m)
	h := sha256.New()
	h.Write([]byte(kind + "\x00" + name + "\x00"))
	h.Write(enc)
	return [16]byte(h.Sum(nil)[:16])
}

// dataPoints returns the data points of m, whatever its kind.
func dataPoints(m *metricspb.Metric) []proto.Message {
	var out []proto.Message
	switch d := m.Data.(type) {
	case *metricspb.Metric_Gauge:
		for _, p := range d.Gauge.DataPoints {
			out = append(out, p)
		}
	case *metricspb.Metric_Sum:
		for _, p := range d.Sum.DataPoints {
			out = append(out, p)
		}
	case *metricspb.Metric_Histogram:
		for _, p := range d.Histogram.DataPoints {
			out = append(out, p)
		}
	case *metricspb.Metric_ExponentialHistogram:
		for _, p := range d.ExponentialHistogram.DataPoints {
			out = append(out, p)
		}
	case *metricspb.Metric_Summary:
		for _, p := range d.Summary.DataPoints {
			out = append(out, p)
		}
	}
	return out
}

func (b *backend) snapshot() backendCounts {
	b.mu.Lock()
	defer b.mu.Unlock()
	c := b.counts
	c.Answered = map[string]int64{}
	for k, v := range b.counts.Answered {
		c.Answered[k] = v
	}
	c.Collector = b.counter.Counts()
	return c
}

// checkLoopbackAddr refuses an address whose host is not a loopback IP.
func checkLoopbackAddr(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("address %q: %w", addr, err)
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("address %q: the host must be a loopback IP address such as 127.0.0.1", addr)
	}
	return nil
}
