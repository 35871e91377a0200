package delivery

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sync"
	"sync/atomic"
	"time"

	"github.com/logfire-go/sdk/internal/otlpwire"
)

// Endpoint is where one signal of a destination is sent, and how.
type Endpoint struct {
	// URL is where the requests are posted ({base}/v1/traces, ...); a
	// signal without one is not sent.
	URL string
	// Headers are sent with every request (Authorization, User-Agent).
	Headers map[string]string
	// NoCompression sends every request as it is; else requests from
	// CompressFrom bytes on are gzip-compressed, or every request with
	// CompressAll.
	NoCompression bool
	CompressAll   bool
	// Client sends the requests; nil means the Sender's own client, with a
	// transport like http.DefaultTransport's.
	Client *http.Client
	// AttemptTimeout bounds one try of an export of the queue's own
	// (flushes are bounded by their context); 0 means
	// DefaultAttemptTimeout.
	AttemptTimeout time.Duration
}

// Config configures a Sender: one destination (a backend and its
// credentials), shared by the exporters of the three signals.
type Config struct {
	// Endpoints says where each signal goes.
	Endpoints [numSignals]Endpoint
	// Counters receives the accounting; nil makes one.
	Counters *Counters
	// Buffer bounds the retry buffer.
	Buffer BufferConfig
	// ProbeTimeout bounds an export while the backend is failing, and the
	// retries of a flush (see Breaker and Flush); 0 means
	// DefaultProbeTimeout.
	ProbeTimeout time.Duration
	// CompressFrom is the smallest request that is compressed; smaller ones
	// go as they are. 0 means DefaultCompressFrom, a negative value
	// compresses everything.
	CompressFrom int
	// Redact rewrites every message before it is kept or returned, so
	// that no credential echoed by a backend leaves the process.
	Redact func(string) string
	// OnOutage is called when the backend starts failing (open, with the
	// cause) and when it answers again.
	OnOutage func(open bool, cause string)
	// OnServerWarning, if set, is called with the X-Logfire-Warning
	// header of every answer that has one (Logfire's way of telling the
	// user something about the project, such as a limit reached), from
	// the goroutine that sent the request.
	OnServerWarning func(warning string)
}

// ServerWarningHeader is the response header in which Logfire tells the
// user something about the project (see Config.OnServerWarning).
const ServerWarningHeader = "X-Logfire-Warning"

// Defaults of a Sender.
const (
	// DefaultCompressFrom: below 16 KiB a request fits in the first round
	// trip of a new TCP connection whether compressed or not (an initial
	// window is ten segments), and compressing it costs more CPU than
	// sending the bytes.
	DefaultCompressFrom = 16 << 10
	// DefaultMaxRequestBytes is the largest request the exporters make
	// (uncompressed); larger batches are cut into several requests.
	DefaultMaxRequestBytes = 5 << 20
	DefaultAttemptTimeout  = 10 * time.Second
)

// smallRecord is the size (uncompressed) under which a request of one
// record answered 413 is taken for a failure of the backend rather than a
// record that is truly too large: an OTLP backend whose requests may not
// hold even that is not one a batch of records could be sent to (the
// OpenTelemetry Collector takes 20 MiB by default; nginx in front of one,
// 1 MiB).
const smallRecord = 64 << 10

// Sender delivers the encoded requests of one destination: it posts them
// (gzip-compressed from CompressFrom bytes on) with a plain *http.Client,
// reads the answer, retries what can be retried as its Mode allows, splits
// by records what the backend says is too large, keeps what it could not
// deliver in a Buffer and sends that again first, oldest first (a flush
// before its own requests; in the background, the retry loop). A Breaker
// keeps an outage from costing every export its whole deadline. What
// became of every record is in its Counters.
type Sender struct {
	cfg      Config
	where    [numSignals]string // each signal's URL, for messages
	client   [numSignals]*http.Client
	own      *http.Transport // the transport of a client we made (closed by Close)
	counters *Counters
	buffer   *Buffer
	breaker  *Breaker
	flushes  flushes
	redact   func(string) string
	// coalesceLimit bounds a request made of several buffered ones
	// (uncompressed bytes): DefaultMaxRequestBytes, or half of the
	// smallest request the backend answered 413 to.
	coalesceLimit atomic.Int64
	// late counts the requests a flush left under way when its deadline
	// came (see tryLate); lateN is their number, at most maxLate.
	late  sync.WaitGroup
	lateN atomic.Int32
	// lateHeld counts, per signal, the records of such requests that are
	// not also in the buffer (a flush's own request).
	lateHeld [numSignals]atomic.Int64

	mu     sync.Mutex
	closed bool

	// The retry loop sends what the buffer holds while nothing else is
	// exported (see retryLoop).
	kick     chan struct{}
	draining chan struct{} // held by a drain: one at a time
	stopOnce sync.Once
	stop     chan struct{}
	stopped  chan struct{}
	ctx      context.Context // of the retry loop; cancelled by Close
	cancel   context.CancelFunc
}

// NewSender returns a Sender for cfg.
func NewSender(cfg Config) (*Sender, error) {
	t := &Sender{cfg: cfg, counters: cfg.Counters, redact: cfg.Redact}
	any := false
	for sig, ep := range cfg.Endpoints {
		if ep.URL == "" {
			continue
		}
		p, err := url.Parse(ep.URL)
		if err != nil || p.Host == "" || (p.Scheme != "http" && p.Scheme != "https") {
			return nil, fmt.Errorf("delivery: the %s endpoint is not an absolute http(s) URL", Signal(sig))
		}
		t.where[sig] = p.Redacted()
		any = true
	}
	if !any {
		return nil, errors.New("delivery: no endpoint")
	}
	if t.counters == nil {
		t.counters = &Counters{}
	}
	if t.redact == nil {
		t.redact = func(s string) string { return s }
	}
	if t.cfg.CompressFrom == 0 {
		t.cfg.CompressFrom = DefaultCompressFrom
	}
	t.coalesceLimit.Store(DefaultMaxRequestBytes)
	for sig := range t.cfg.Endpoints {
		ep := &t.cfg.Endpoints[sig]
		if ep.AttemptTimeout <= 0 {
			ep.AttemptTimeout = DefaultAttemptTimeout
		}
		t.client[sig] = ep.Client
		if ep.Client == nil {
			if t.own == nil {
				t.own = http.DefaultTransport.(*http.Transport).Clone()
			}
			t.client[sig] = &http.Client{Transport: t.own}
		}
	}
	t.breaker = newBreaker(cfg.ProbeTimeout, func(open bool, cause string) {
		if cfg.OnOutage != nil {
			cfg.OnOutage(open, cause)
		}
	})
	key := ""
	for _, ep := range cfg.Endpoints {
		key += ep.URL + "\x00" + ep.Headers["Authorization"] + "\x00"
	}
	t.buffer = newBuffer(cfg.Buffer, t.counters, destinationKey(key))
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

// Sends reports whether the sender has an endpoint for sig.
func (t *Sender) Sends(sig Signal) bool { return t.cfg.Endpoints[sig].URL != "" }

// retryInterval is how often the retry loop looks at a buffer that is not
// empty while the backend fails; the breaker decides whether it sends.
const retryInterval = 250 * time.Millisecond

// drainPace is the least time between two requests of the retry loop for
// one signal while the backend answers: the backlog of a process drains
// at one request per signal per drainPace (of up to DefaultMaxRequestBytes
// each, several buffered requests coalesced), besides what its flushes
// carry, so that a fleet whose members all kept records through an outage
// does not flood the backend when it comes back.
const drainPace = time.Second

// retryLoop sends, in the background, what the buffer holds, so that it
// goes out once the backend answers again even if nothing else is
// exported. It only runs its timer while the buffer is not empty.
func (t *Sender) retryLoop() {
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
			ctx, cancel := context.WithTimeout(t.ctx, t.longestAttempt())
			t.drain(ctx, how{mode: Background})
			cancel()
			if !t.buffer.isEmpty() {
				// While the backend answers, the backlog goes at a request
				// per signal every drainPace; while it fails, the loop
				// wakes when the breaker lets it probe (or the backend's
				// Retry-After has passed).
				next := drainPace
				if d := t.breaker.wait(time.Now()); d > 0 {
					next = max(d, time.Millisecond)
				} else if open, _ := t.breaker.state(); open {
					next = retryInterval
				}
				timer.Reset(next)
				running = true
			}
		}
	}
}

// wake starts the retry loop's timer.
func (t *Sender) wake() {
	select {
	case t.kick <- struct{}{}:
	default:
	}
}

// longestAttempt is the longest attempt timeout of the endpoints: the
// bound of a background drain of every signal.
func (t *Sender) longestAttempt() time.Duration {
	var d time.Duration
	for _, ep := range t.cfg.Endpoints {
		d = max(d, ep.AttemptTimeout)
	}
	return d
}

// destinationKey names a destination in file names without revealing its
// credentials: a hash of its URLs and tokens.
func destinationKey(key string) string {
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:8])
}

// Counters returns the sender's counters.
func (t *Sender) Counters() *Counters { return t.counters }

// Outage reports whether the backend is failing and, if so, why.
func (t *Sender) Outage() (bool, string) { return t.breaker.state() }

// Buffered reports the records of each signal in the retry buffer,
// those of requests flushes left under way included.
func (t *Sender) Buffered() [numSignals]int64 {
	n := t.buffer.pending()
	for sig := range n {
		n[sig] += t.lateHeld[sig].Load()
	}
	return n
}

// BeginFlush opens a flush: until the returned function is called, the
// Flush-mode deliveries of the sender share one retry budget and one probe
// of a failing backend (see Flush). Flushes under way at once share it.
func (t *Sender) BeginFlush() (end func()) {
	t.flushes.enter()
	return t.flushes.leave
}

// how is what a delivery is told: its mode and, for a flush, the window
// it shares with the rest of the flush.
type how struct {
	mode   Mode
	window *flushWindow // Flush only
}

// with returns the how of a delivery in mode m, and the function that
// ends it.
func (t *Sender) with(m Mode) (how, func()) {
	if m != Flush {
		return how{mode: m}, func() {}
	}
	return how{mode: m, window: t.flushes.enter()}, t.flushes.leave
}

// Send delivers the encoded request body of count records of sig within
// ctx, as mode allows: what it cannot deliver now is kept in the retry
// buffer (or, if it cannot be kept, counted as dropped). With ctx already
// done, it keeps the request without sending it. Send does not keep body
// after it returns.
func (t *Sender) Send(ctx context.Context, mode Mode, sig Signal, body []byte, count int) {
	if count <= 0 || len(body) == 0 {
		return
	}
	if !t.Sends(sig) {
		t.counters.Dropped(sig, Rejected, count, "the destination takes no "+sig.String())
		return
	}
	e, err := t.newEntry(sig, body, count)
	if err != nil {
		t.counters.Dropped(sig, Encoding, count, t.redact(err.Error()))
		return
	}
	h, end := t.with(mode)
	defer end()
	t.deliver(ctx, h, sig, e)
}

// deliver sends e (a flush sends what the buffer holds for sig first);
// what it cannot send joins the buffer.
func (t *Sender) deliver(ctx context.Context, h how, sig Signal, e *entry) {
	// A flush sends the buffer first, oldest first, with its own request
	// at the end of the line, so that the backlog and the new records go
	// in as few requests as their size allows. An export of the queue's
	// own leaves the buffer to the retry loop, so that the queue keeps
	// moving at the backend's pace while the backlog drains.
	if ctx.Err() != nil {
		t.keep(e)
		t.wake()
		return
	}
	if h.mode != Background && t.buffer.has(sig) {
		if e.borrowed {
			e.gz, e.borrowed = bytes.Clone(e.gz), false
		}
		if t.buffer.pushIfRoom(e) {
			if !t.drainSignal(ctx, h, sig) {
				t.wake()
			}
			return
		}
		if !t.drainSignal(ctx, h, sig) {
			t.keep(e)
			t.wake()
			return
		}
	}
	if h.mode != Final {
		e.onLate = t.keepLeft
	}
	t.keepLeft(t.send(ctx, h, e))
}

// keepLeft keeps in the buffer what a delivery left.
func (t *Sender) keepLeft(left []*entry) {
	n := 0
	for _, l := range left {
		if l != inFlight {
			t.keep(l)
			n++
		}
	}
	if n > 0 {
		t.wake()
	}
}

// keep puts e in the retry buffer, copying a body it borrowed.
func (t *Sender) keep(e *entry) {
	if e.borrowed {
		e.gz = bytes.Clone(e.gz)
		e.borrowed = false
	}
	t.buffer.push(e)
}

// newEntry makes the entry of the request body: compressed, unless it is
// smaller than CompressFrom or compression is off (then body itself,
// borrowed until it must be kept).
func (t *Sender) newEntry(sig Signal, body []byte, count int) (*entry, error) {
	ep := &t.cfg.Endpoints[sig]
	if ep.NoCompression || (!ep.CompressAll && len(body) < t.cfg.CompressFrom) {
		return &entry{signal: sig, count: count, gz: body, plain: true, borrowed: true, size: int64(len(body)), raw: int64(len(body))}, nil
	}
	gz, err := compress(body)
	if err != nil {
		return nil, err
	}
	return &entry{signal: sig, count: count, gz: gz, size: int64(len(gz)), raw: int64(len(body))}, nil
}

// Drain sends everything the retry buffer holds within ctx, as mode
// allows, and reports whether the buffer is empty after. A flush whose
// backend answers also waits, within ctx, for the requests earlier
// flushes left under way (see tryLate), and sends what they leave.
func (t *Sender) Drain(ctx context.Context, mode Mode) bool {
	h, end := t.with(mode)
	defer end()
	empty := t.drain(ctx, h)
	if mode == Flush && t.lateN.Load() > 0 {
		if open, _ := t.breaker.state(); !open && t.waitLate(ctx) {
			empty = t.drain(ctx, h)
		}
	}
	return empty
}

// waitLate waits for the requests flushes left under way to end, within
// ctx less the time kept before its deadline, and reports whether they
// did.
func (t *Sender) waitLate(ctx context.Context) bool {
	if dl, ok := ctx.Deadline(); ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithDeadline(ctx, dl.Add(-deadlineReserve(time.Until(dl))))
		defer cancel()
	}
	done := make(chan struct{})
	go func() {
		t.late.Wait()
		close(done)
	}()
	select {
	case <-done:
		return true
	case <-ctx.Done():
		return false
	}
}

// drain is Drain. Drains take turns: one that finds another under way
// (the retry loop's) waits for it first.
func (t *Sender) drain(ctx context.Context, h how) bool {
	if h.mode == Flush {
		// While the backend is failing, a flush does not wait for the
		// retry loop's probe, nor probe again once it has in vain.
		if open, _ := t.breaker.state(); open && (h.window.probed.Load() || len(t.draining) > 0) {
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
		if !t.drainSignal(ctx, h, sig) {
			all = false
		}
	}
	return all
}

// drainSignal sends the buffered requests of sig, oldest first, several
// in one request as far as the request size allows (see popRun), until
// none is left (true) or it must stop (false): a flush or Shutdown stops
// at the first request it could not send, which stays first; a background
// drain sends one request and stops, to be called again by the retry loop
// (which paces the backlog at a request per signal every drainPace), and
// keeps what it could not send first in line.
func (t *Sender) drainSignal(ctx context.Context, h how, sig Signal) bool {
	failures := 0
	for {
		run, bodies := t.buffer.popRun(sig, t.coalesceLimit.Load())
		if len(run) == 0 {
			return true
		}
		e, run, bodies := t.coalesce(sig, run, bodies)
		if e == nil {
			continue // nothing of the run could be read back (counted)
		}
		e.inBuffer = true
		if h.mode != Final {
			e.onLate = func(left []*entry) {
				t.settleRun(run, bodies, e, left)
				t.wake()
			}
		}
		left := t.send(ctx, h, e)
		if len(left) == 1 && left[0] == inFlight {
			return false // the wait is over; the request goes on
		}
		if t.settleRun(run, bodies, e, left) {
			failures = 0
			if h.mode == Background {
				return !t.buffer.has(sig)
			}
			continue
		}
		failures++
		if h.mode != Background || failures >= maxDrainFailures || ctx.Err() != nil || !t.breaker.allows(h.mode, time.Now()) {
			return false
		}
	}
}

// settleRun does with the run of buffered entries drainSignal sent as e
// what send left of it, and reports whether all of it went: the run is
// done; or it goes back as it was (nothing went); or the parts left of e,
// split, replace it.
func (t *Sender) settleRun(run []*entry, bodies [][]byte, e *entry, left []*entry) bool {
	switch {
	case len(left) == 0:
		for _, r := range run {
			t.buffer.done(r)
		}
		return true
	case len(left) == 1 && left[0] == e:
		for i := len(run) - 1; i >= 0; i-- {
			r := run[i]
			if e != r && e.resent == e.count {
				r.resent = r.count // the request of them all may have arrived
			}
			if r.path != "" {
				r.gz = nil // it is on disk
			} else {
				r.gz = bodies[i]
			}
			t.buffer.requeue(r)
		}
	default:
		for _, r := range run {
			t.buffer.done(r)
		}
		for i := len(left) - 1; i >= 0; i-- {
			left[i].seq = run[0].seq
			t.buffer.pushFront(left[i])
		}
	}
	return false
}

// coalesce makes one entry of the run of buffered entries popRun handed
// out, whose bodies are given: the entry itself if it is alone; else the
// concatenation of their uncompressed bodies, which is one request of them
// all (an OTLP export request is a repeated field of resources, and
// protobuf reads concatenated messages as one with the fields of both).
// An entry whose body cannot be read back is dropped (counted), done, and
// left out of the run coalesce returns with its bodies; e is nil if none
// could be.
func (t *Sender) coalesce(sig Signal, run []*entry, bodies [][]byte) (e *entry, kept []*entry, keptBodies [][]byte) {
	if len(run) == 1 {
		run[0].gz = bodies[0]
		return run[0], run, bodies
	}
	var size int64
	for _, r := range run {
		size += r.raw
	}
	raw := make([]byte, 0, size)
	count, resent := 0, 0
	for i, r := range run {
		b := bodies[i]
		if !r.plain {
			var err error
			if b, err = decompress(b); err != nil {
				t.counters.Dropped(sig, Encoding, r.count, t.redact("a buffered request could not be read back: "+err.Error()))
				t.buffer.done(r)
				continue
			}
		}
		raw = append(raw, b...)
		count += r.count
		resent += r.resent
		kept, keptBodies = append(kept, r), append(keptBodies, bodies[i])
	}
	if len(kept) == 0 {
		return nil, nil, nil
	}
	e, err := t.newEntry(sig, raw, count)
	if err != nil {
		// Compressing failed: the requests go as they were, uncompressed.
		e = &entry{signal: sig, count: count, gz: raw, plain: true, size: int64(len(raw)), raw: int64(len(raw))}
	}
	e.borrowed = false // raw is ours
	e.resent = resent
	return e, kept, keptBodies
}

// maxDrainFailures bounds the failed requests in a row of one background
// drain.
const maxDrainFailures = 3

// send delivers e within ctx, splitting it if the backend says it is too
// large. It returns what is left to send: nothing when every record was
// delivered or dropped, e itself when nothing could be sent.
//
// Shutdown retries with back-off (honouring Retry-After) until its
// context ends; a flush retries for at most the probe timeout from the
// flush's start; an export of the queue's own, or of the retry loop, tries
// once and leaves the retrying to the retry loop, so that the export queue
// keeps moving.
func (t *Sender) send(ctx context.Context, h how, e *entry) []*entry {
	m := h.mode
	if dl, ok := ctx.Deadline(); ok {
		// Give up a little before the deadline, so that what could not be
		// sent is in the buffer (and counted) when the caller's context
		// ends, not just after.
		var cancel context.CancelFunc
		ctx, cancel = context.WithDeadline(ctx, dl.Add(-deadlineReserve(time.Until(dl))))
		defer cancel()
	}
	w := h.window
	if m == Flush && w.probed.Load() {
		if open, _ := t.breaker.state(); open {
			return []*entry{e} // this flush has probed in vain already
		}
	}
	ok, limit := t.breaker.admit(m, time.Now())
	if !ok {
		return []*entry{e}
	}
	if limit > 0 && m == Flush {
		// The probe bounds the whole flush: what its start left of it.
		if limit -= time.Since(w.start); limit <= 0 {
			w.probed.Store(true)
			return []*entry{e}
		}
	}
	for n := 1; ; n++ {
		actx, cancel := ctx, context.CancelFunc(func() {})
		switch {
		case limit > 0:
			actx, cancel = context.WithTimeout(ctx, limit)
		case m == Background:
			actx, cancel = context.WithTimeout(ctx, t.cfg.Endpoints[e.signal].AttemptTimeout)
		}
		var a attempt
		// A flush, and a probe of a failing backend, stop waiting at their
		// deadline, but leave the request under way (see tryLate).
		if (m == Flush || limit > 0) && e.onLate != nil {
			var handed bool
			if a, handed = t.tryLate(actx, e); handed {
				cancel()
				if w != nil {
					w.probed.Store(true)
				}
				t.breaker.failed(t.redact(fmt.Sprintf("sending to %s: %v (the request is still under way)", t.where[e.signal], errNoAnswer)), 0, time.Now(), true)
				return []*entry{inFlight}
			}
		} else {
			a = t.try(actx, e)
		}
		cancel()
		if t.settled(e, a) {
			return nil
		}
		switch a.result {
		case tooLarge:
			if e.count > 1 {
				t.breaker.succeeded()
				t.lowerCoalesceLimit(t.rawSize(e))
				return t.sendSplit(ctx, h, e, a.cause)
			}
			if t.rawSize(e) >= smallRecord {
				t.breaker.succeeded()
				t.counters.Dropped(e.signal, TooLarge, e.count, t.redact(a.cause))
				return nil
			}
			// A backend that refuses one small record as too large is
			// failing, not telling the truth: the record is kept, as for a
			// 5xx.
			a.result = retryable
			a.cause = fmt.Sprintf("%s (for a single record of %d bytes: taken for a failure of the backend)", a.cause, t.rawSize(e))
		}
		cause, now := t.redact(a.cause), time.Now()
		if limit > 0 || m == Background {
			t.breaker.failed(cause, a.retryAfter, now, limit > 0 || a.down)
			if limit > 0 && w != nil {
				w.probed.Store(true)
			}
			return []*entry{e}
		}
		// need is the least wait the backend allows; wait adds the jitter
		// of a Retry-After, within what the deadline leaves.
		need := max(backoff(n), a.retryAfter)
		wait := max(need, retryAfterJitter(a.retryAfter))
		dl, has := ctx.Deadline()
		outOfBudget := m == Flush && time.Since(w.start)+need > t.breaker.probe
		if ctx.Err() != nil || (has && time.Until(dl) < need) || outOfBudget {
			// A flush that spent its retry budget keeps the records: the
			// backend failed at once, and the next flush (or the retry
			// loop) will try again without costing this one more time.
			t.breaker.failed(cause, a.retryAfter, now, true)
			if w != nil {
				w.probed.Store(true)
			}
			return []*entry{e}
		}
		if left := time.Until(dl); has && left < wait {
			wait = need + randN(left-need)/2
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

// settled counts what the answer a settles for good, and reports whether
// it did: e delivered, or refused by a backend that is up and will not
// take it. Either way, an attempt whose answer never came marks e's
// records as possibly delivered already (see entry.resent).
func (t *Sender) settled(e *entry, a attempt) bool {
	if a.unknown {
		e.resent = e.count
	}
	switch a.result {
	case sent:
		t.delivered(e, a)
		return true
	case refused:
		t.breaker.succeeded()
		t.counters.Dropped(e.signal, Rejected, e.count, t.redact(a.cause))
		return true
	}
	return false
}

// delivered counts e, which the backend accepted as a said.
func (t *Sender) delivered(e *entry, a attempt) {
	t.breaker.succeeded()
	rejected := int(min(max(a.rejected, 0), int64(e.count)))
	t.counters.Delivered(e.signal, e.count-rejected)
	t.counters.Resent(e.signal, min(e.resent, e.count-rejected))
	if rejected > 0 {
		cause := fmt.Sprintf("%s accepted the request but rejected %d of its %d %s", t.where[e.signal], rejected, e.count, e.signal)
		if a.cause != "" {
			cause += ": " + a.cause
		}
		t.counters.Dropped(e.signal, Rejected, rejected, t.redact(cause))
	}
}

// inFlight stands, in what send leaves, for a request a flush left under
// way when its deadline came: its entry is the request's until it ends
// (see tryLate).
var inFlight = &entry{}

// maxLate bounds the requests left under way by flushes at once; past it,
// a flush's deadline cancels its request, as Shutdown's does.
const maxLate = 4

// lateGrace is how long a request a flush left under way may still take
// after the flush's deadline (at most the endpoint's attempt timeout in
// all): the answer of a backend slow to answer comes within it; a request
// to one that hangs ends with it, and its records are sent again.
const lateGrace = 2 * time.Second

// tryLate makes one request for e as try does, but not bound by wait (a
// flush's deadline, or a probe's): the request has until lateGrace after
// wait's deadline (at most the endpoint's attempt timeout). If its answer
// comes first, tryLate returns it. If wait ends first, the request goes
// on, tryLate reports true, and when the answer comes (or the request
// times out, or the sender closes) e.onLate is called with what is left of
// e, as send would have returned it.
//
// Cancelling the request when the wait ends would leave unknown whether
// the backend kept it, and sending it again could deliver it twice: a
// backend slow to answer at the end of an outage got a tenth of its
// records twice from a fleet whose flushes had one second each, and one
// that answers in a second got every probe (250 ms) twice.
func (t *Sender) tryLate(wait context.Context, e *entry) (attempt, bool) {
	if t.lateN.Add(1) > maxLate {
		t.lateN.Add(-1)
		return t.try(wait, e), false
	}
	if e.borrowed {
		// The request may outlive the caller's hold on the body.
		e.gz, e.borrowed = bytes.Clone(e.gz), false
	}
	rdl := time.Now().Add(t.cfg.Endpoints[e.signal].AttemptTimeout)
	if dl, ok := wait.Deadline(); ok && dl.Add(lateGrace).Before(rdl) {
		rdl = dl.Add(lateGrace)
	}
	rctx, rcancel := context.WithDeadline(t.ctx, rdl)
	res := make(chan attempt, 1)
	t.late.Add(1)
	go func() { res <- t.try(rctx, e) }()
	settle := func() {
		rcancel()
		t.lateN.Add(-1)
		t.late.Done()
	}
	select {
	case a := <-res:
		settle()
		return a, false
	case <-wait.Done():
	}
	// Until it ends, its records count as buffered: they are kept, in
	// the request, to be sent again if it fails.
	t.counters.Buffered(e.signal, e.count)
	if !e.inBuffer {
		t.lateHeld[e.signal].Add(int64(e.count))
	}
	start := time.Now()
	go func() {
		a := <-res
		defer settle()
		t.counters.Buffered(e.signal, -e.count)
		if !e.inBuffer {
			t.lateHeld[e.signal].Add(-int64(e.count))
		}
		e.onLate(t.settleLate(e, a, start))
	}()
	return attempt{}, true
}

// settleLate counts the answer a to a request tryLate left under way,
// made at start, and returns what is left of e to keep.
func (t *Sender) settleLate(e *entry, a attempt, start time.Time) []*entry {
	if t.settled(e, a) {
		return nil
	}
	switch a.result {
	case tooLarge:
		// Kept whole: the next drain sends it and splits it.
		t.breaker.succeeded()
		if e.count > 1 {
			t.lowerCoalesceLimit(t.rawSize(e))
		}
		return []*entry{e}
	}
	if !t.breaker.succeededSince(start) {
		// (A request made after it succeeded: its failure is old news.)
		t.breaker.failed(t.redact(a.cause), a.retryAfter, time.Now(), a.down)
	}
	return []*entry{e}
}

// lowerCoalesceLimit learns from a request of raw bytes the backend
// answered 413 to: requests made of several buffered ones stay under half
// of it from now on (a buffered request alone is sent as it is, whatever
// the limit).
func (t *Sender) lowerCoalesceLimit(raw int64) {
	limit := max(raw/2, 1)
	for {
		cur := t.coalesceLimit.Load()
		if limit >= cur || t.coalesceLimit.CompareAndSwap(cur, limit) {
			return
		}
	}
}

// deadlineReserve is the time kept before a deadline of which left
// remains: a twentieth, between 2 and 50 ms.
func deadlineReserve(left time.Duration) time.Duration {
	return min(max(left/20, 2*time.Millisecond), 50*time.Millisecond)
}

// rawSize is the uncompressed size of e's body.
func (t *Sender) rawSize(e *entry) int64 {
	if e.raw == 0 && !e.plain {
		// Read back from a file an earlier process left: measure it.
		if raw, err := decompress(e.gz); err == nil {
			e.raw = int64(len(raw))
		}
	}
	return max(e.raw, e.size)
}

// sendSplit sends e in two halves by records after the backend said it
// was too large.
func (t *Sender) sendSplit(ctx context.Context, h how, e *entry, cause string) []*entry {
	raw := e.gz
	if !e.plain {
		var err error
		if raw, err = decompress(e.gz); err != nil {
			t.counters.Dropped(e.signal, Encoding, e.count, t.redact("a buffered request could not be read back: "+err.Error()))
			return nil
		}
	}
	halves, counts, err := otlpwire.Split(otlpwire.Signal(e.signal), raw)
	if err != nil {
		t.counters.Dropped(e.signal, TooLarge, e.count, t.redact(cause))
		return nil
	}
	var left []*entry
	for i := range halves {
		part, err := t.newEntry(e.signal, halves[i], counts[i])
		if err != nil {
			t.counters.Dropped(e.signal, Encoding, counts[i], t.redact(err.Error()))
			continue
		}
		part.borrowed = false // the half is ours
		// Which records an earlier attempt may have delivered is not
		// known: the first parts take them, so the count is not lower.
		part.resent = min(part.count, e.resent)
		e.resent -= part.resent
		if len(left) > 0 {
			left = append(left, part)
			continue
		}
		left = append(left, t.send(ctx, h, part)...)
	}
	return left
}

// try makes one request for e and reads its answer.
func (t *Sender) try(ctx context.Context, e *entry) attempt {
	ep := &t.cfg.Endpoints[e.signal]
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, ep.URL, bytes.NewReader(e.gz))
	if err != nil {
		return attempt{result: refused, cause: err.Error()}
	}
	for k, v := range ep.Headers {
		req.Header.Set(k, v)
	}
	req.Header.Set("Content-Type", "application/x-protobuf")
	if !e.plain {
		req.Header.Set("Content-Encoding", "gzip")
	}
	resp, err := t.client[e.signal].Do(req)
	if resp != nil && t.cfg.OnServerWarning != nil {
		if w := resp.Header.Get(ServerWarningHeader); w != "" {
			t.cfg.OnServerWarning(w)
		}
	}
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
// and closes the sender (see Close).
func (t *Sender) Shutdown(ctx context.Context) {
	// Let a send of the retry loop under way finish (cancelling it could
	// lose the answer to a request the backend took, and the request
	// would be sent twice), unless ctx ends first.
	t.stopOnce.Do(func() { close(t.stop) })
	select {
	case <-t.stopped:
	case <-ctx.Done():
	}
	// So do requests flushes left under way.
	t.waitLate(ctx)
	t.stopRetries()
	if ctx.Err() == nil {
		t.drain(ctx, how{mode: Final})
	}
	t.Close()
}

// stopRetries stops the retry loop, aborting its drain under way, and
// waits for it to end.
func (t *Sender) stopRetries() {
	t.cancel()
	t.stopOnce.Do(func() { close(t.stop) })
	<-t.stopped
}

// Close ends the sender: it stops the retry loop; what the buffer still
// holds is counted as dropped (Shutdown), or left in the buffer's
// directory if it is the user's; idle connections are closed.
func (t *Sender) Close() {
	t.stopRetries()
	t.mu.Lock()
	if t.closed {
		t.mu.Unlock()
		return
	}
	t.closed = true
	t.mu.Unlock()
	// The requests flushes left under way end with the retry loop's
	// context; what they leave is kept before the buffer closes.
	t.late.Wait()
	t.buffer.close()
	if t.own != nil {
		t.own.CloseIdleConnections()
	}
	for _, c := range t.client {
		if c != nil {
			c.CloseIdleConnections()
		}
	}
}
