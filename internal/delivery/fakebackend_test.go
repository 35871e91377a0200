package delivery

import (
	"bytes"
	"compress/gzip"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	"google.golang.org/protobuf/proto"
)

// fakeBackend is an OTLP/HTTP traces backend in memory: an
// http.RoundTripper the Sender posts to. The tests of the SDK's own timers
// run under testing/synctest, whose clock only moves while every goroutine
// of the bubble is blocked on something of the bubble's (a channel, a
// timer); a request over a real socket is not, so with one under way the
// clock would never move. Here a request is a function call, and a request
// that hangs waits on its own context.
type fakeBackend struct {
	mu sync.Mutex
	// decide says how to answer request n (from 1); nil accepts every
	// request.
	decide func(n int) answer
	at     []time.Time // when each request arrived
	spans  int         // accepted
	// tooLargeOver, if set, answers 413 to a request of more spans.
	tooLargeOver int
	sizes        []int          // the spans of each accepted request
	seen         map[string]int // how often each span id was accepted
}

// perRequest returns the spans of each accepted request.
func (b *fakeBackend) perRequest() []int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]int(nil), b.sizes...)
}

// unique returns the distinct span ids accepted, and how many spans were
// accepted more than once.
func (b *fakeBackend) unique() (distinct, twice int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, n := range b.seen {
		distinct++
		twice += n - 1
	}
	return distinct, twice
}

// answer is how the fake backend treats a request.
type answer struct {
	status     int    // 0 accepts it (200)
	retryAfter string // the Retry-After header of a status answer
	hang       bool   // never answers: waits for the request's context
	// delay answers (as the rest of the answer says) only after this
	// long, or fails with the request's context if that ends first; with
	// lost, the backend keeps the records but its answer never comes
	// (the connection breaks).
	delay  time.Duration
	lost   bool
	refuse bool // the connection is refused
}

// accept is the answer of a backend that works.
var accept = answer{}

// set answers every request from now on with a.
func (b *fakeBackend) set(a answer) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.decide = func(int) answer { return a }
}

// requests is the number of requests that reached the backend.
func (b *fakeBackend) requests() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.at)
}

// arrivals returns when each request arrived.
func (b *fakeBackend) arrivals() []time.Time {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]time.Time(nil), b.at...)
}

// accepted is the number of spans the backend accepted.
func (b *fakeBackend) accepted() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.spans
}

func (b *fakeBackend) RoundTrip(req *http.Request) (*http.Response, error) {
	body, err := io.ReadAll(req.Body)
	req.Body.Close()
	if err != nil {
		return nil, err
	}
	if req.Header.Get("Content-Encoding") == "gzip" {
		zr, err := gzip.NewReader(bytes.NewReader(body))
		if err != nil {
			return nil, err
		}
		if body, err = io.ReadAll(zr); err != nil {
			return nil, err
		}
	}
	b.mu.Lock()
	b.at = append(b.at, time.Now())
	a := accept
	if b.decide != nil {
		a = b.decide(len(b.at))
	}
	b.mu.Unlock()
	if a.delay > 0 {
		timer := time.NewTimer(a.delay)
		select {
		case <-timer.C:
		case <-req.Context().Done():
			timer.Stop()
			return nil, req.Context().Err()
		}
	}
	switch {
	case a.refuse:
		return nil, &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}
	case a.hang:
		<-req.Context().Done()
		return nil, req.Context().Err()
	case a.status != 0:
		h := http.Header{"Content-Type": {"text/plain"}}
		if a.retryAfter != "" {
			h.Set("Retry-After", a.retryAfter)
		}
		msg := "fake backend: " + strconv.Itoa(a.status)
		return &http.Response{StatusCode: a.status, Header: h, Body: io.NopCloser(bytes.NewReader([]byte(msg))),
			ContentLength: int64(len(msg)), Request: req}, nil
	}
	var r coltracepb.ExportTraceServiceRequest
	if err := proto.Unmarshal(body, &r); err != nil {
		return &http.Response{StatusCode: http.StatusBadRequest, Header: http.Header{}, Body: io.NopCloser(bytes.NewReader(nil)), Request: req}, nil
	}
	n := 0
	for _, rs := range r.ResourceSpans {
		for _, ss := range rs.ScopeSpans {
			n += len(ss.Spans)
		}
	}
	b.mu.Lock()
	if b.tooLargeOver > 0 && n > b.tooLargeOver {
		b.mu.Unlock()
		return &http.Response{StatusCode: http.StatusRequestEntityTooLarge, Header: http.Header{}, Body: io.NopCloser(bytes.NewReader(nil)), Request: req}, nil
	}
	b.spans += n
	b.sizes = append(b.sizes, n)
	if b.seen == nil {
		b.seen = map[string]int{}
	}
	for _, rs := range r.ResourceSpans {
		for _, ss := range rs.ScopeSpans {
			for _, sp := range ss.Spans {
				b.seen[string(sp.SpanId)]++
			}
		}
	}
	b.mu.Unlock()
	if a.lost {
		return nil, io.ErrUnexpectedEOF
	}
	return &http.Response{StatusCode: http.StatusOK, Header: http.Header{"Content-Type": {"application/x-protobuf"}},
		Body: io.NopCloser(bytes.NewReader(nil)), Request: req}, nil
}

// newFakeSender is a Sender whose every signal posts to be. Under synctest
// it must be made inside the bubble, so that its retry loop is the
// bubble's; it is closed at the test's cleanup.
func newFakeSender(t testing.TB, be *fakeBackend, cfg Config) *Sender {
	t.Helper()
	client := &http.Client{Transport: be}
	for _, sig := range Signals {
		cfg.Endpoints[sig] = Endpoint{URL: "http://backend.test" + sig.Path(), Headers: map[string]string{"Authorization": "tok"}, Client: client}
	}
	tr, err := NewSender(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(tr.Close)
	return tr
}
