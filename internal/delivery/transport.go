package delivery

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// Config configures a Transport: one destination (a backend and its
// credentials), shared by the exporters of the three signals.
type Config struct {
	// BaseURL is the root the signal paths (/v1/traces, …) are added to.
	BaseURL string
	// Headers are sent with every request (Authorization, User-Agent).
	Headers map[string]string
	// Next sends the requests; nil means a transport like
	// http.DefaultTransport of this Transport's own.
	Next http.RoundTripper
	// Counters receives the accounting; nil makes one.
	Counters *Counters
	// Buffer bounds the retry buffer.
	Buffer BufferConfig
	// ProbeTimeout bounds an export while the backend is failing (see
	// Breaker); 0 means DefaultProbeTimeout.
	ProbeTimeout time.Duration
	// MaxRequestBytes is the largest encoded request sent as is; larger
	// ones are split in halves first. 0 means DefaultMaxRequestBytes.
	MaxRequestBytes int
	// GzipLevel is the compression level; 0 means gzip.BestSpeed.
	GzipLevel int
	// CompressFrom is the smallest request that is compressed; smaller ones
	// go as they are. 0 means DefaultCompressFrom, a negative value
	// compresses everything.
	CompressFrom int
	// BackgroundAttempts bounds the tries of one export of the export
	// queue's own (flushes try until their context ends); 0 means
	// DefaultBackgroundAttempts.
	BackgroundAttempts int
	// AttemptTimeout bounds one try of such an export; 0 means
	// DefaultAttemptTimeout.
	AttemptTimeout time.Duration
	// Redact rewrites every message before it is kept or returned, so
	// that no credential echoed by a backend leaves the process.
	Redact func(string) string
	// OnOutage is called when the backend starts failing (open, with the
	// cause) and when it answers again.
	OnOutage func(open bool, cause string)
}

// Defaults of a Transport.
const (
	// DefaultCompressFrom: below 16 KiB a request fits in the first round
	// trip of a new TCP connection whether compressed or not (an initial
	// window is ten segments), and compressing it costs more CPU (about
	// 100 µs for the 20 spans of a Lambda invocation, most of it building
	// the Huffman tables) than sending the bytes.
	DefaultCompressFrom       = 16 << 10
	DefaultMaxRequestBytes    = 5 << 20
	DefaultBackgroundAttempts = 4
	DefaultAttemptTimeout     = 10 * time.Second
)

// Transport is the http.RoundTripper of the OTLP/HTTP exporters of one
// destination. It takes each uncompressed OTLP protobuf request an
// exporter makes and delivers it: split if too large, gzip-compressed,
// retried within the request's context, kept in the retry buffer when that
// is not enough, and sent again, oldest first (by a flush before the
// flush's own requests; in the background by the retry loop). It answers the exporter 200 once the request's records
// are delivered, buffered or counted as dropped: what became of them is in
// the Counters, not in the exporter's error.
type Transport struct {
	cfg      Config
	base     *url.URL
	where    [numSignals]string // the request URL, for messages
	next     http.RoundTripper
	own      *http.Transport // next, when we made it (closed by Close)
	counters *Counters
	buffer   *Buffer
	breaker  *Breaker
	redact   func(string) string

	mu     sync.Mutex
	closed bool

	// The retry loop sends what the buffer holds while nothing else is
	// exported (see retryLoop).
	kick     chan struct{}
	draining chan struct{} // held by a Drain: one at a time
	stopOnce sync.Once
	stop     chan struct{}
	stopped  chan struct{}
	ctx      context.Context // of the retry loop; cancelled by Close
	cancel   context.CancelFunc
}

// NewTransport returns a Transport for cfg.
func NewTransport(cfg Config) (*Transport, error) {
	base, err := url.Parse(strings.TrimRight(cfg.BaseURL, "/"))
	if err != nil || base.Host == "" {
		return nil, fmt.Errorf("delivery: the base URL is not an absolute URL")
	}
	t := &Transport{cfg: cfg, base: base, counters: cfg.Counters, redact: cfg.Redact}
	if t.counters == nil {
		t.counters = &Counters{}
	}
	if t.redact == nil {
		t.redact = func(s string) string { return s }
	}
	if t.cfg.MaxRequestBytes <= 0 {
		t.cfg.MaxRequestBytes = DefaultMaxRequestBytes
	}
	if t.cfg.GzipLevel == 0 {
		t.cfg.GzipLevel = gzip.BestSpeed
	}
	if t.cfg.CompressFrom == 0 {
		t.cfg.CompressFrom = DefaultCompressFrom
	}
	if t.cfg.BackgroundAttempts <= 0 {
		t.cfg.BackgroundAttempts = DefaultBackgroundAttempts
	}
	if t.cfg.AttemptTimeout <= 0 {
		t.cfg.AttemptTimeout = DefaultAttemptTimeout
	}
	t.next = cfg.Next
	if t.next == nil {
		t.own = http.DefaultTransport.(*http.Transport).Clone()
		t.next = t.own
	}
	for _, sig := range Signals {
		u := *base
		u.Path += sig.path()
		t.where[sig] = u.Redacted()
	}
	t.breaker = newBreaker(cfg.ProbeTimeout, func(open bool, cause string) {
		if cfg.OnOutage != nil {
			cfg.OnOutage(open, cause)
		}
	})
	t.buffer = newBuffer(cfg.Buffer, t.counters, destinationKey(base.String(), cfg.Headers["Authorization"]))
	t.kick = make(chan struct{}, 1)
	t.draining = make(chan struct{}, 1)
	t.stop = make(chan struct{})
	t.stopped = make(chan struct{})
	t.ctx, t.cancel = context.WithCancel(context.Background())
	go t.retryLoop()
	if !t.buffer.isEmpty() {
		t.wake() // files an earlier process left
	}
	return t, nil
}

// retryInterval is how often the retry loop looks at a buffer that is not
// empty; the breaker decides whether it sends.
const retryInterval = 250 * time.Millisecond

// retryLoop sends, in the background, what the buffer holds, so that it
// goes out once the backend answers again even if nothing else is
// exported. It only runs its timer while the buffer is not empty.
func (t *Transport) retryLoop() {
	defer close(t.stopped)
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	running := false // timer is set; a kick then leaves it as it is
	for {
		select {
		case <-t.stop:
			timer.Stop()
			return
		case <-t.kick:
			if !running {
				timer.Reset(retryInterval)
				running = true
			}
		case <-timer.C:
			running = false
			if t.buffer.isEmpty() {
				continue
			}
			ctx, cancel := context.WithTimeout(t.ctx, t.cfg.AttemptTimeout)
			t.Drain(ctx)
			cancel()
			if !t.buffer.isEmpty() {
				timer.Reset(retryInterval)
				running = true
			}
		}
	}
}

// wake starts the retry loop's timer.
func (t *Transport) wake() {
	select {
	case t.kick <- struct{}{}:
	default:
	}
}

// destinationKey names a destination in file names without revealing its
// credentials: a hash of its URL and token.
func destinationKey(base, token string) string {
	sum := sha256.Sum256([]byte(base + "\x00" + token))
	return hex.EncodeToString(sum[:8])
}

// Counters returns the transport's counters.
func (t *Transport) Counters() *Counters { return t.counters }

// Outage reports whether the backend is failing and, if so, why.
func (t *Transport) Outage() (bool, string) { return t.breaker.state() }

// Buffered reports the records of each signal in the retry buffer.
func (t *Transport) Buffered() [numSignals]int64 { return t.buffer.pending() }

// RoundTrip delivers the OTLP request req (see Transport). It fails only
// for a request it cannot read.
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	sig, ok := signalOf(req.URL.Path)
	if !ok {
		return nil, fmt.Errorf("delivery: %s is not an OTLP/HTTP path", req.URL.Path)
	}
	c := callFrom(ctx)
	if c != nil {
		c.seen = true
	}
	if c != nil && req.Body != nil && req.ContentLength >= int64(max(t.cfg.CompressFrom, 1)) && req.ContentLength <= int64(t.cfg.MaxRequestBytes) {
		// The usual large case: compress straight from the exporter's
		// body, without a copy of it.
		gz, err := t.compressFrom(req.Body, int(req.ContentLength))
		req.Body.Close()
		if err != nil {
			return nil, fmt.Errorf("delivery: reading the request: %w", err)
		}
		t.deliverEntries(ctx, sig, []*entry{{signal: sig, count: c.count, gz: gz, size: int64(len(gz))}}, nil)
		return okResponse(req), nil
	}
	raw, err := readBody(req)
	if err != nil {
		return nil, fmt.Errorf("delivery: reading the request: %w", err)
	}
	count := 0
	if c != nil {
		count = c.count
	} else {
		count = countRecords(sig, raw)
	}
	t.deliver(ctx, sig, raw, count)
	return okResponse(req), nil
}

// okResponse is what the exporter is answered once its records are
// delivered, buffered or counted as dropped.
func okResponse(req *http.Request) *http.Response {
	return &http.Response{
		Status:     "200 OK",
		StatusCode: http.StatusOK,
		Proto:      "HTTP/1.1",
		ProtoMajor: 1,
		ProtoMinor: 1,
		Header:     http.Header{"Content-Type": {"application/x-protobuf"}},
		Body:       http.NoBody,
		Request:    req,
	}
}

func signalOf(path string) (Signal, bool) {
	for _, sig := range Signals {
		if strings.HasSuffix(path, sig.path()) {
			return sig, true
		}
	}
	return 0, false
}

func readBody(req *http.Request) ([]byte, error) {
	if req.Body == nil || req.Body == http.NoBody {
		return nil, nil
	}
	defer req.Body.Close()
	if req.ContentLength > 0 {
		buf := make([]byte, req.ContentLength)
		_, err := io.ReadFull(req.Body, buf)
		return buf, err
	}
	return io.ReadAll(req.Body)
}

// deliver sends the request raw of count records within ctx (a flush
// sends what the buffer holds for sig first); what it cannot send joins
// the buffer.
func (t *Transport) deliver(ctx context.Context, sig Signal, raw []byte, count int) {
	entries, err := t.encode(sig, raw, count)
	if err != nil {
		t.counters.Dropped(sig, Encoding, count, t.redact(err.Error()))
		return
	}
	if len(entries) > 1 {
		raw = nil // the entries are parts of it
	}
	t.deliverEntries(ctx, sig, entries, raw)
}

// deliverEntries sends entries (raw is the uncompressed body of a single
// entry, or nil); see deliver.
func (t *Transport) deliverEntries(ctx context.Context, sig Signal, entries []*entry, raw []byte) {
	// A flush sends the buffer first, oldest first. An export of the
	// queue's own leaves the buffer to the retry loop, so that the queue
	// keeps moving at the backend's pace while the backlog drains.
	if keepOnly(ctx) || (modeFrom(ctx) != background && !t.drainSignal(ctx, sig)) {
		for _, e := range entries {
			t.buffer.push(e)
		}
		t.wake()
		return
	}
	for i, e := range entries {
		left := t.send(ctx, e, raw)
		if len(left) == 0 {
			continue
		}
		for _, l := range left {
			t.buffer.push(l)
		}
		for _, rest := range entries[i+1:] {
			t.buffer.push(rest)
		}
		t.wake()
		return
	}
}

// newEntry makes the entry of the request raw: compressed, unless it is
// smaller than CompressFrom (then raw itself, which the caller must not
// change).
func (t *Transport) newEntry(sig Signal, raw []byte, count int) ([]*entry, error) {
	if len(raw) < t.cfg.CompressFrom {
		return []*entry{{signal: sig, count: count, gz: raw, plain: true, size: int64(len(raw))}}, nil
	}
	gz, err := t.compress(raw)
	if err != nil {
		return nil, err
	}
	return []*entry{{signal: sig, count: count, gz: gz, size: int64(len(gz))}}, nil
}

// encode compresses raw into entries, splitting it first while it is
// larger than the request limit.
func (t *Transport) encode(sig Signal, raw []byte, count int) ([]*entry, error) {
	if len(raw) <= t.cfg.MaxRequestBytes || count < 2 {
		return t.newEntry(sig, raw, count)
	}
	halves, counts, err := split(sig, raw)
	if err != nil {
		return nil, fmt.Errorf("splitting a request of %d bytes: %w", len(raw), err)
	}
	var out []*entry
	for i := range halves {
		part, err := t.encode(sig, halves[i], counts[i])
		if err != nil {
			return nil, err
		}
		out = append(out, part...)
	}
	return out, nil
}

// gzipWriters keeps compressors for reuse, per level. Not a sync.Pool: the
// pool is emptied at every garbage collection, and a compressor (with its
// tables, some hundred kilobytes) would then be made anew for most
// exports of a program that allocates a lot.
var gzipWriters sync.Map // level → chan *gzip.Writer

const keptGzipWriters = 4

func (t *Transport) compress(raw []byte) ([]byte, error) {
	return t.compressFrom(bytes.NewReader(raw), len(raw))
}

// compressFrom compresses what r holds, n bytes.
func (t *Transport) compressFrom(r io.Reader, n int) ([]byte, error) {
	c, _ := gzipWriters.LoadOrStore(t.cfg.GzipLevel, make(chan *gzip.Writer, keptGzipWriters))
	free := c.(chan *gzip.Writer)
	var buf bytes.Buffer
	buf.Grow(n/4 + 64)
	var zw *gzip.Writer
	select {
	case zw = <-free:
		zw.Reset(&buf)
	default:
		var err error
		if zw, err = gzip.NewWriterLevel(&buf, t.cfg.GzipLevel); err != nil {
			return nil, err
		}
	}
	defer func() {
		zw.Reset(io.Discard)
		select {
		case free <- zw:
		default:
		}
	}()
	if _, err := io.Copy(zw, r); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func decompress(gz []byte) ([]byte, error) {
	zr, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		return nil, err
	}
	return io.ReadAll(zr)
}

// Drain sends everything the retry buffer holds, within ctx, and reports
// whether the buffer is empty after. Drains take turns: one that finds
// another under way (the retry loop's) waits for it first.
func (t *Transport) Drain(ctx context.Context) bool {
	if m := modeFrom(ctx); m == flush {
		// While the backend is failing, a flush does not wait for the
		// retry loop's probe, nor probe again once it has in vain.
		if open, _ := t.breaker.state(); open && (flushFrom(ctx).probed.Load() || len(t.draining) > 0) {
			return t.buffer.isEmpty()
		}
	}
	select {
	case t.draining <- struct{}{}:
		defer func() { <-t.draining }()
	case <-ctx.Done():
		return false
	}
	all := true
	for _, sig := range Signals {
		if !t.drainSignal(ctx, sig) {
			all = false
		}
	}
	return all
}

// drainSignal sends the buffered requests of sig, oldest first, until
// none is left (true) or it must stop (false): a flush or Shutdown stops
// at the first request it could not send, which stays first; a background
// drain goes on past a failed request (it is tried again at once) until
// the breaker opens or asks it to wait.
func (t *Transport) drainSignal(ctx context.Context, sig Signal) bool {
	m := modeFrom(ctx)
	failures := 0
	for {
		e, body := t.buffer.pop(sig)
		if e == nil {
			return true
		}
		e.gz = body
		left := t.send(ctx, e, nil)
		switch {
		case len(left) == 0:
			t.buffer.done(e)
			failures = 0
			continue
		case len(left) == 1 && left[0] == e:
			if e.path != "" {
				e.gz = nil // it is on disk
			}
			t.buffer.requeue(e)
		default:
			// e was split and only some of it went: its parts replace it.
			t.buffer.done(e)
			for i := len(left) - 1; i >= 0; i-- {
				left[i].seq = e.seq
				t.buffer.pushFront(left[i])
			}
		}
		failures++
		if m != background || failures >= maxDrainFailures || ctx.Err() != nil || !t.breaker.allows(m, time.Now()) {
			return false
		}
	}
}

// maxDrainFailures bounds the failed requests in a row of one background
// drain.
const maxDrainFailures = 3

// send delivers e within ctx, splitting it if the backend says it is too
// large. It returns what is left to send: nothing when every record was
// delivered or dropped, e itself when nothing could be sent. raw is e's
// uncompressed body if the caller has it (else it is decompressed when a
// split needs it).
//
// A flush or Shutdown retries with back-off (honouring Retry-After) until
// its context ends; an export of the queue's own, or of the retry loop,
// tries once and leaves the retrying to the retry loop, so that the export
// queue keeps moving.
func (t *Transport) send(ctx context.Context, e *entry, raw []byte) []*entry {
	m := modeFrom(ctx)
	if dl, ok := ctx.Deadline(); ok {
		// Give up a little before the deadline, so that what could not be
		// sent is in the buffer (and counted) when the caller's context
		// ends, not just after.
		var cancel context.CancelFunc
		ctx, cancel = context.WithDeadline(ctx, dl.Add(-deadlineReserve(time.Until(dl))))
		defer cancel()
	}
	fs := flushFrom(ctx)
	if m == flush && fs.probed.Load() {
		if open, _ := t.breaker.state(); open {
			return []*entry{e} // this flush has probed in vain already
		}
	}
	ok, limit := t.breaker.admit(m, time.Now())
	if !ok {
		return []*entry{e}
	}
	if limit > 0 && m == flush {
		// The probe bounds the whole flush: what its start left of it.
		if limit -= time.Since(fs.start); limit <= 0 {
			fs.probed.Store(true)
			return []*entry{e}
		}
	}
	for n := 1; ; n++ {
		actx, cancel := ctx, context.CancelFunc(func() {})
		switch {
		case limit > 0:
			actx, cancel = context.WithTimeout(ctx, limit)
		case m == background:
			actx, cancel = context.WithTimeout(ctx, t.cfg.AttemptTimeout)
		}
		a := t.try(actx, e)
		cancel()
		switch a.result {
		case sent:
			t.breaker.succeeded()
			rejected, msg := rejectedRecords(e.signal, a.body)
			rejected = min(max(rejected, 0), int64(e.count))
			t.counters.Delivered(e.signal, e.count-int(rejected))
			if rejected > 0 {
				cause := fmt.Sprintf("%s accepted the request but rejected %d of its %d %s", t.where[e.signal], rejected, e.count, e.signal)
				if msg != "" {
					cause += ": " + msg
				}
				t.counters.Dropped(e.signal, Rejected, int(rejected), t.redact(cause))
			}
			return nil
		case refused:
			// The backend answered: it is up, and will not take these.
			t.breaker.succeeded()
			t.counters.Dropped(e.signal, Rejected, e.count, t.redact(a.cause))
			return nil
		case tooLarge:
			t.breaker.succeeded()
			return t.sendSplit(ctx, e, raw, a.cause)
		}
		cause, now := t.redact(a.cause), time.Now()
		if limit > 0 || m == background {
			t.breaker.failed(cause, a.retryAfter, now, limit > 0 || a.down)
			if limit > 0 && fs != nil {
				fs.probed.Store(true)
			}
			return []*entry{e}
		}
		wait := max(backoff(n), a.retryAfter)
		dl, has := ctx.Deadline()
		if ctx.Err() != nil || (has && time.Until(dl) < wait) {
			t.breaker.failed(cause, a.retryAfter, now, true)
			return []*entry{e}
		}
		t.breaker.failed(cause, 0, now, false)
		timer := time.NewTimer(wait)
		select {
		case <-timer.C:
		case <-ctx.Done():
			timer.Stop()
			t.breaker.failed(cause, a.retryAfter, time.Now(), true)
			return []*entry{e}
		}
	}
}

// deadlineReserve is the time kept before a deadline of which left
// remains: a twentieth, between 2 and 50 ms.
func deadlineReserve(left time.Duration) time.Duration {
	return min(max(left/20, 2*time.Millisecond), 50*time.Millisecond)
}

// sendSplit sends e in two halves after the backend said it was too
// large.
func (t *Transport) sendSplit(ctx context.Context, e *entry, raw []byte, cause string) []*entry {
	if raw == nil && e.plain {
		raw = e.gz
	}
	if raw == nil {
		var err error
		if raw, err = decompress(e.gz); err != nil {
			t.counters.Dropped(e.signal, Encoding, e.count, t.redact("a buffered request could not be read back: "+err.Error()))
			return nil
		}
	}
	halves, counts, err := split(e.signal, raw)
	if err != nil {
		t.counters.Dropped(e.signal, TooLarge, e.count, t.redact(cause))
		return nil
	}
	var left []*entry
	for i := range halves {
		parts, err := t.newEntry(e.signal, halves[i], counts[i])
		if err != nil {
			t.counters.Dropped(e.signal, Encoding, counts[i], t.redact(err.Error()))
			continue
		}
		part := parts[0]
		if len(left) > 0 {
			left = append(left, part)
			continue
		}
		left = append(left, t.send(ctx, part, halves[i])...)
	}
	return left
}

// try makes one request for e.
func (t *Transport) try(ctx context.Context, e *entry) attempt {
	u := *t.base
	u.Path += e.signal.path()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u.String(), bytes.NewReader(e.gz))
	if err != nil {
		return attempt{result: refused, cause: err.Error()}
	}
	for k, v := range t.cfg.Headers {
		req.Header.Set(k, v)
	}
	req.Header.Set("Content-Type", "application/x-protobuf")
	if !e.plain {
		req.Header.Set("Content-Encoding", "gzip")
	}
	req.ContentLength = int64(len(e.gz))
	gz := e.gz
	req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(gz)), nil }
	resp, err := t.next.RoundTrip(req)
	if err != nil && ctx.Err() != nil {
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			err = errNoAnswer
		} else {
			err = errors.New("the export was cancelled")
		}
	}
	return classify(resp, err, t.where[e.signal])
}

// Shutdown stops the retry loop, sends what the buffer holds within ctx
// and closes the transport (see Close).
func (t *Transport) Shutdown(ctx context.Context) {
	// Let a send of the retry loop under way finish (cancelling it could
	// lose the answer to a request the backend took, and the request
	// would be sent twice), unless ctx ends first.
	t.stopOnce.Do(func() { close(t.stop) })
	select {
	case <-t.stopped:
	case <-ctx.Done():
	}
	t.stopRetries()
	if ctx.Err() == nil {
		t.Drain(ctx)
	}
	t.Close()
}

// stopRetries stops the retry loop, aborting its drain under way, and
// waits for it to end.
func (t *Transport) stopRetries() {
	t.cancel()
	t.stopOnce.Do(func() { close(t.stop) })
	<-t.stopped
}

// Close ends the transport: it stops the retry loop; what the buffer
// still holds is counted as dropped (Shutdown), or left in the buffer's
// directory if it is the user's; idle connections are closed.
func (t *Transport) Close() {
	t.stopRetries()
	t.mu.Lock()
	if t.closed {
		t.mu.Unlock()
		return
	}
	t.closed = true
	t.mu.Unlock()
	t.buffer.close()
	if t.own != nil {
		t.own.CloseIdleConnections()
	} else if ci, ok := t.next.(interface{ CloseIdleConnections() }); ok {
		ci.CloseIdleConnections()
	}
}
