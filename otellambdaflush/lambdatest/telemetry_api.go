package lambdatest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// The Telemetry API (AWS "Lambda Telemetry API reference" and "Telemetry
// API Event schema reference"): an extension subscribes during INIT with
// PUT /2022-07-01/telemetry, and the platform events of its execution
// environment are then POSTed to it, as JSON arrays, in batches.

// pathTelemetry is the Telemetry API's subscription path.
const pathTelemetry = "/2022-07-01/telemetry"

// Schema versions of the Telemetry API. Lambda Managed Instances accept
// only schemaManaged; on-demand Lambda accepts all of them.
const schemaManaged = "2025-01-29"

var telemetrySchemas = []string{schemaManaged, "2022-12-13", "2022-07-01"}

// Buffering bounds and defaults of a subscription, as Lambda documents
// them.
const (
	minBufferItems, maxBufferItems, defaultBufferItems             = 1000, 10000, 1000
	minBufferBytes, maxBufferBytes, defaultBufferBytes             = 262144, 1048576, 262144
	minBufferTimeoutMs, maxBufferTimeoutMs, defaultBufferTimeoutMs = 25, 30000, 1000
)

// telemetryTimeFormat is the format of an event's "time".
const telemetryTimeFormat = "2006-01-02T15:04:05.000Z"

// telemetryDeliveryLimit bounds the read of a subscriber's answer.
const telemetryDeliveryLimit = 64 << 10

// telemetry is the Telemetry API side of one execution environment.
// Fields are guarded by Emulator.mu.
type telemetry struct {
	e    *Emulator // nil until the environment's process starts
	subs []*telemetrySub
	// initEvents are the events sent before subscriptions closed, which a
	// later subscriber gets first, as on Lambda.
	initEvents [][]byte
	// closed is set when INIT ends: no more subscriptions, and events are
	// no longer kept for later subscribers.
	closed bool
	// initRuntimeDone is set once platform.initRuntimeDone was sent.
	initRuntimeDone bool
	// runtimeDone holds the request ids whose platform.runtimeDone was
	// sent; an id is removed with the invocation's platform.report.
	runtimeDone map[string]bool
	// flushing makes every queued event due at once (the environment is
	// shutting down).
	flushing bool
	// delivered is signalled after each delivery attempt.
	delivered chan struct{}
}

func newTelemetry() *telemetry {
	return &telemetry{runtimeDone: map[string]bool{}, delivered: make(chan struct{}, 1)}
}

// telemetrySub is one subscription: a queue of events and the goroutine
// that delivers them to the subscriber's destination. Fields below queue
// are guarded by Emulator.mu.
type telemetrySub struct {
	t        *telemetry
	g        *generation
	name     string   // the extension's name
	types    []string // the types it subscribed to
	platform bool     // subscribed to "platform" events
	dest     string   // the destination URI, with sandbox.localdomain resolved to 127.0.0.1
	maxItems int
	maxBytes int
	timeout  time.Duration
	wake     chan struct{} // capacity 1: something changed
	// send delivers a batch; deliver, except in the emulator's own tests.
	send func(batch [][]byte)

	queue      [][]byte
	queueBytes int
	since      time.Time // when the oldest queued event was queued
	inflight   bool      // a batch is being delivered
	done       bool      // the environment is gone: drop what is left and stop
}

// subscribeRequest is the body of a subscription.
type subscribeRequest struct {
	SchemaVersion string   `json:"schemaVersion"`
	Types         []string `json:"types"`
	Buffering     *struct {
		MaxItems  *int `json:"maxItems"`
		MaxBytes  *int `json:"maxBytes"`
		TimeoutMs *int `json:"timeoutMs"`
	} `json:"buffering"`
	Destination *struct {
		Protocol string `json:"protocol"`
		URI      string `json:"URI"`
		Port     *int   `json:"port"`
	} `json:"destination"`
}

// handleTelemetrySubscribe serves PUT /2022-07-01/telemetry: a registered
// extension subscribes, during INIT only, to the telemetry of its
// execution environment. Invalid requests get 400 ValidationError, as from
// Lambda; after INIT, 403 Telemetry.SubscriptionClosed.
func (e *Emulator) handleTelemetrySubscribe(w http.ResponseWriter, r *http.Request) {
	e.mu.Lock()
	x := e.lookupExtensionLocked(w, r)
	e.mu.Unlock()
	if x == nil {
		return
	}
	body, ok := readBody(w, r, maxSmallBody)
	if !ok {
		return
	}
	sub, msg := e.parseSubscription(body)
	if sub == nil {
		e.logf("rejected the Telemetry API subscription of %q: %s", x.name, msg)
		writeAPIError(w, http.StatusBadRequest, "ValidationError", msg)
		return
	}
	sub.name = x.name
	sub.g = x.gen
	sub.t = x.gen.tel

	e.mu.Lock()
	t := x.gen.tel
	if t.closed || x.gen.tearingDown || e.gen != x.gen {
		e.mu.Unlock()
		writeAPIError(w, http.StatusForbidden, "Telemetry.SubscriptionClosed", "Telemetry API subscription is closed")
		return
	}
	state := "Subscribed"
	if slices.ContainsFunc(t.subs, func(s *telemetrySub) bool { return s.name == x.name }) {
		state = "Already subscribed"
	} else if e.work.begin() {
		t.subs = append(t.subs, sub)
		if sub.platform {
			for _, ev := range t.initEvents {
				sub.enqueueLocked(ev)
			}
		}
		go sub.run()
	}
	e.emitLocked(x.gen, "platform.telemetrySubscription", time.Now(), subscriptionRecord{Name: x.name, State: state, Types: sub.types})
	e.mu.Unlock()
	e.logf("extension %q subscribed to the Telemetry API (%s), delivered to %s", x.name, state, sub.dest)
	writeJSON(w, http.StatusOK, "OK")
}

// parseSubscription validates a subscription body as Lambda does. It
// returns nil and the reason when the body is invalid.
func (e *Emulator) parseSubscription(body []byte) (*telemetrySub, string) {
	var req subscribeRequest
	if err := json.Unmarshal(body, &req); err != nil {
		return nil, "Invalid JSON: " + err.Error()
	}
	switch {
	case e.cfg.managed && req.SchemaVersion != schemaManaged:
		return nil, fmt.Sprintf("schemaVersion %q: Lambda Managed Instances accept only %q", req.SchemaVersion, schemaManaged)
	case !slices.Contains(telemetrySchemas, req.SchemaVersion):
		return nil, fmt.Sprintf("schemaVersion %q: want one of %q", req.SchemaVersion, telemetrySchemas)
	case len(req.Types) == 0:
		return nil, `types: at least one of "platform", "function", "extension" is required`
	case req.Destination == nil:
		return nil, "destination is required"
	}
	sub := &telemetrySub{
		maxItems: defaultBufferItems,
		maxBytes: defaultBufferBytes,
		timeout:  defaultBufferTimeoutMs * time.Millisecond,
		wake:     make(chan struct{}, 1),
	}
	sub.send = sub.deliver
	for _, typ := range req.Types {
		switch typ {
		case "platform":
			sub.platform = true
		case "function", "extension":
		default:
			return nil, fmt.Sprintf("types: unknown type %q", typ)
		}
		if !slices.Contains(sub.types, typ) {
			sub.types = append(sub.types, typ)
		}
	}
	if b := req.Buffering; b != nil {
		for _, c := range []struct {
			name     string
			v        *int
			min, max int
			set      func(int)
		}{
			{"maxItems", b.MaxItems, minBufferItems, maxBufferItems, func(n int) { sub.maxItems = n }},
			{"maxBytes", b.MaxBytes, minBufferBytes, maxBufferBytes, func(n int) { sub.maxBytes = n }},
			{"timeoutMs", b.TimeoutMs, minBufferTimeoutMs, maxBufferTimeoutMs, func(n int) { sub.timeout = time.Duration(n) * time.Millisecond }},
		} {
			if c.v == nil {
				continue
			}
			if *c.v < c.min || *c.v > c.max {
				return nil, fmt.Sprintf("buffering.%s %d: must be between %d and %d", c.name, *c.v, c.min, c.max)
			}
			c.set(*c.v)
		}
	}
	dest, msg := destination(req.Destination.Protocol, req.Destination.URI)
	if dest == "" {
		return nil, msg
	}
	sub.dest = dest
	return sub, ""
}

// destination checks a subscription's destination and returns where the
// emulator delivers to: the URI with its host, which must be
// sandbox.localdomain (or sandbox), replaced by 127.0.0.1.
func destination(protocol, uri string) (string, string) {
	if protocol == "TCP" {
		return "", `destination.protocol "TCP": the emulator delivers over HTTP only`
	}
	if protocol != "HTTP" {
		return "", fmt.Sprintf(`destination.protocol %q: want "HTTP" or "TCP"`, protocol)
	}
	u, err := url.Parse(uri)
	if err != nil || u.Scheme != "http" {
		return "", fmt.Sprintf("destination.URI %q: want http://sandbox.localdomain:PORT/PATH", uri)
	}
	if h := u.Hostname(); h != "sandbox.localdomain" && h != "sandbox" {
		return "", fmt.Sprintf("destination.URI %q: the host must be sandbox.localdomain", uri)
	}
	if p, err := strconv.Atoi(u.Port()); err != nil || p <= 0 || p > 65535 {
		return "", fmt.Sprintf("destination.URI %q: a port is required", uri)
	}
	u.Host = "127.0.0.1:" + u.Port()
	return u.String(), ""
}

// emitLocked sends a platform event of g to its subscribers, and keeps it
// for later subscribers while subscriptions are open.
func (e *Emulator) emitLocked(g *generation, typ string, at time.Time, record any) {
	data, err := json.Marshal(struct {
		Time   string `json:"time"`
		Type   string `json:"type"`
		Record any    `json:"record"`
	}{at.UTC().Format(telemetryTimeFormat), typ, record})
	if err != nil {
		e.logf("telemetry: encoding %s: %v", typ, err)
		return
	}
	if !g.tel.closed {
		g.tel.initEvents = append(g.tel.initEvents, data)
	}
	for _, s := range g.tel.subs {
		if s.platform {
			s.enqueueLocked(data)
		}
	}
}

func (s *telemetrySub) enqueueLocked(ev []byte) {
	if s.done {
		return
	}
	if len(s.queue) == 0 {
		s.since = time.Now()
	}
	s.queue = append(s.queue, ev)
	s.queueBytes += len(ev)
	s.signal()
}

// signal wakes the delivery goroutine.
func (s *telemetrySub) signal() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// wakeLocked wakes every delivery goroutine of the environment: it was
// thawed, or it is going away.
func (t *telemetry) wakeLocked() {
	for _, s := range t.subs {
		s.signal()
	}
}

// flush delivers what g's subscriptions hold at once, ignoring their
// buffering timeouts, and waits until they are delivered (or could not
// be), bounded by deadline: the environment is shutting down, and Lambda
// delivers the remaining telemetry before it goes.
func (e *Emulator) flushTelemetry(g *generation, deadline time.Time) {
	e.mu.Lock()
	g.tel.flushing = true
	g.tel.wakeLocked()
	e.mu.Unlock()
	timer := time.NewTimer(time.Until(deadline))
	defer timer.Stop()
	for {
		e.mu.Lock()
		idle := true
		for _, s := range g.tel.subs {
			if len(s.queue) > 0 || s.inflight {
				idle = false
			}
		}
		e.mu.Unlock()
		if idle {
			return
		}
		select {
		case <-g.tel.delivered:
		case <-timer.C:
			return
		case <-e.closed:
			return
		}
	}
}

// closeLocked ends every subscription of the environment, whose processes
// are gone: what is still queued cannot be delivered and is dropped. As on
// Lambda, subscriptions do not outlive the environment: after a reset the
// new process subscribes anew.
func (t *telemetry) closeLocked() {
	t.closed = true
	t.initEvents = nil
	for _, s := range t.subs {
		s.done = true
		s.signal()
	}
}

// run delivers the subscription's events: a batch is sent when it holds
// maxItems events or maxBytes bytes, or when its oldest event has waited
// timeoutMs, and only while the environment is not frozen (a batch that
// falls due while it is frozen goes when it is thawed). One batch is in
// flight at a time, in order.
func (s *telemetrySub) run() {
	e := s.t.e
	defer e.work.end()
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		e.mu.Lock()
		if s.done {
			dropped := len(s.queue)
			s.queue, s.queueBytes = nil, 0
			e.mu.Unlock()
			if dropped > 0 {
				e.logf("telemetry: %d events not delivered to %q: its execution environment is gone", dropped, s.name)
			}
			return
		}
		batch, wait := s.takeLocked(time.Now())
		s.inflight = batch != nil
		e.mu.Unlock()
		if batch != nil {
			s.send(batch)
			e.mu.Lock()
			s.inflight = false
			e.mu.Unlock()
			select {
			case s.t.delivered <- struct{}{}:
			default:
			}
			continue
		}
		if wait > 0 {
			timer.Reset(wait)
		}
		select {
		case <-s.wake:
		case <-timer.C:
		case <-e.closed:
			return
		}
		timer.Stop()
	}
}

// takeLocked returns the batch to deliver now, or nil and how long to wait
// for the oldest event's timeout (0: wait for a signal).
func (s *telemetrySub) takeLocked(now time.Time) ([][]byte, time.Duration) {
	if len(s.queue) == 0 || s.g.frozen {
		return nil, 0
	}
	if due := s.since.Add(s.timeout); !s.t.flushing && len(s.queue) < s.maxItems && s.queueBytes < s.maxBytes && now.Before(due) {
		return nil, due.Sub(now)
	}
	n, size := 0, 0
	for n < len(s.queue) && n < s.maxItems && (n == 0 || size+len(s.queue[n]) <= s.maxBytes) {
		size += len(s.queue[n])
		n++
	}
	batch := s.queue[:n:n]
	s.queue = slices.Clone(s.queue[n:])
	s.queueBytes -= size
	s.since = now
	return batch, 0
}

// deliver POSTs a batch, a JSON array of events, to the destination. A
// batch the subscriber does not accept (an error, a status other than
// 2xx) is dropped and logged.
func (s *telemetrySub) deliver(batch [][]byte) {
	e := s.t.e
	body := append(append([]byte{'['}, bytes.Join(batch, []byte{','})...), ']')
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		select {
		case <-e.closed:
		case <-s.g.teardownDone:
		case <-ctx.Done():
		}
		cancel()
	}()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.dest, bytes.NewReader(body))
	if err != nil {
		e.logf("telemetry: %d events not delivered to %q: %v", len(batch), s.name, err)
		return
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := e.telemetryClient.Do(req)
	if err != nil {
		e.logf("telemetry: %d events not delivered to %q: %v", len(batch), s.name, err)
		return
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, telemetryDeliveryLimit))
	_ = resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		e.logf("telemetry: %d events not delivered to %q: status %d", len(batch), s.name, resp.StatusCode)
	}
}

// The records of the platform events the emulator sends.

type subscriptionRecord struct {
	Name  string   `json:"name"`
	State string   `json:"state"`
	Types []string `json:"types"`
}

type extensionRecord struct {
	Name   string   `json:"name"`
	State  string   `json:"state"`
	Events []string `json:"events"`
}

type initStartRecord struct {
	InitializationType string `json:"initializationType"`
	Phase              string `json:"phase"`
	FunctionName       string `json:"functionName"`
	FunctionVersion    string `json:"functionVersion"`
	InstanceID         string `json:"instanceId"`
	InstanceMaxMemory  uint64 `json:"instanceMaxMemory"`
}

type initDoneRecord struct {
	InitializationType string       `json:"initializationType"`
	Phase              string       `json:"phase"`
	Status             string       `json:"status"`
	ErrorType          string       `json:"errorType,omitempty"`
	Metrics            *initMetrics `json:"metrics,omitempty"` // platform.initReport only
}

type initMetrics struct {
	DurationMs float64 `json:"durationMs"`
}

type tracingRecord struct {
	Type  string `json:"type"`
	Value string `json:"value"`
}

type startRecord struct {
	RequestID string         `json:"requestId"`
	Version   string         `json:"version"`
	Tracing   *tracingRecord `json:"tracing,omitempty"`
}

type runtimeDoneRecord struct {
	RequestID string             `json:"requestId"`
	Status    string             `json:"status"`
	ErrorType string             `json:"errorType,omitempty"`
	Metrics   runtimeDoneMetrics `json:"metrics"`
	Tracing   *tracingRecord     `json:"tracing,omitempty"`
}

type runtimeDoneMetrics struct {
	DurationMs    float64 `json:"durationMs"`
	ProducedBytes int     `json:"producedBytes"`
}

type reportRecord struct {
	RequestID string         `json:"requestId"`
	Status    string         `json:"status"`
	ErrorType string         `json:"errorType,omitempty"`
	Metrics   reportMetrics  `json:"metrics"`
	Tracing   *tracingRecord `json:"tracing,omitempty"`
}

// reportMetrics are the metrics of platform.report. On Lambda Managed
// Instances (schema 2025-01-29) only durationMs is reported.
type reportMetrics struct {
	DurationMs       float64  `json:"durationMs"`
	BilledDurationMs *int     `json:"billedDurationMs,omitempty"`
	MemorySizeMB     *int     `json:"memorySizeMB,omitempty"`
	MaxMemoryUsedMB  *int     `json:"maxMemoryUsedMB,omitempty"`
	InitDurationMs   *float64 `json:"initDurationMs,omitempty"`
}

// millis is d in milliseconds, with Lambda's three decimals.
func millis(d time.Duration) float64 {
	return math.Round(float64(d)/float64(time.Microsecond)) / 1000
}

// initializationType is the initializationType of the environment's
// events.
func (e *Emulator) initializationType() string {
	if e.cfg.managed {
		return "lambda-managed-instances"
	}
	return "on-demand"
}

// sendInitStartLocked sends platform.initStart for a process just started.
func (e *Emulator) sendInitStartLocked(g *generation) {
	e.emitLocked(g, "platform.initStart", g.started, initStartRecord{
		InitializationType: e.initializationType(),
		Phase:              "init",
		FunctionName:       e.cfg.functionName,
		FunctionVersion:    e.cfg.functionVer,
		InstanceID:         g.logStream,
		InstanceMaxMemory:  uint64(e.cfg.memorySizeMB) * mib,
	})
}

// sendInitRuntimeDoneLocked sends platform.initRuntimeDone, once: the
// runtime is ready (status success), or INIT failed before it was.
func (t *telemetry) sendInitRuntimeDoneLocked(g *generation, now time.Time, status, errorType string) {
	if t.initRuntimeDone || t.e == nil {
		return
	}
	t.initRuntimeDone = true
	t.e.emitLocked(g, "platform.initRuntimeDone", now, initDoneRecord{
		InitializationType: t.e.initializationType(), Phase: "init", Status: status, ErrorType: errorType,
	})
}

// endInitLocked sends platform.initReport for the end of INIT (with
// platform.initRuntimeDone first if it was not sent) and closes
// subscriptions.
func (t *telemetry) endInitLocked(g *generation, now time.Time, status, errorType string) {
	t.closed = true
	if t.e == nil {
		return // an environment of the emulator's own tests, without a process
	}
	t.sendInitRuntimeDoneLocked(g, now, status, errorType)
	for _, x := range g.exts {
		events := x.events
		if events == nil {
			events = []string{}
		}
		t.e.emitLocked(g, "platform.extension", now, extensionRecord{Name: x.name, State: "Ready", Events: events})
	}
	t.e.emitLocked(g, "platform.initReport", now, initDoneRecord{
		InitializationType: t.e.initializationType(), Phase: "init", Status: status, ErrorType: errorType,
		Metrics: &initMetrics{DurationMs: millis(now.Sub(g.started))},
	})
	t.initEvents = nil
}

// initFailure is the status and errorType of an INIT that ended with
// outcome.
func (e *Emulator) initFailureLocked(g *generation, outcome initOutcome) (status, errorType string) {
	switch outcome {
	case initTimedOut:
		return "timeout", ""
	case initCrashed:
		return "error", e.exitErrorTypeLocked(g)
	}
	if g.initErr != nil {
		return "error", lambdaErrorType(g.initErr.Type)
	}
	return "error", "Runtime.Unknown"
}

// exitErrorTypeLocked is the errorType of a runtime process that exited:
// Runtime.OutOfMemory if the memory limit killed it, else
// Runtime.ExitError.
func (e *Emulator) exitErrorTypeLocked(g *generation) string {
	if g.mem.killed {
		return "Runtime.OutOfMemory"
	}
	return "Runtime.ExitError"
}

// validErrorType is the errorType pattern Lambda passes on from the
// runtime; any other is reported as Runtime.Unknown (Function.Unknown for
// a Function. prefix).
var validErrorType = regexp.MustCompile(`^(Runtime|Function)\.[A-Z][a-zA-Z]+$`)

func lambdaErrorType(t string) string {
	switch {
	case validErrorType.MatchString(t):
		return t
	case strings.HasPrefix(t, "Function."):
		return "Function.Unknown"
	}
	return "Runtime.Unknown"
}

// sendStartLocked sends platform.start for an invocation handed out now.
func (e *Emulator) sendStartLocked(g *generation, inv *invState, now time.Time) {
	e.emitLocked(g, "platform.start", now, startRecord{
		RequestID: inv.rec.RequestID, Version: e.cfg.functionVer, Tracing: tracingOf(inv),
	})
}

func tracingOf(inv *invState) *tracingRecord {
	if inv.rec.TraceID == "" {
		return nil
	}
	return &tracingRecord{Type: "X-Amzn-Trace-Id", Value: inv.rec.TraceID}
}

// outcomeLocked is the status and errorType Lambda reports for inv so far.
func (e *Emulator) outcomeLocked(g *generation, inv *invState) (status, errorType string) {
	switch {
	case inv.rec.TimedOut:
		return "timeout", "Sandbox.Timedout"
	case inv.rec.Crashed:
		return "error", e.exitErrorTypeLocked(g)
	case inv.rec.ErrorPayload != nil:
		return "error", lambdaErrorType(inv.rec.ErrorPayload.Type)
	}
	return "success", ""
}

// sendRuntimeDoneLocked sends platform.runtimeDone for inv, once: when the
// runtime is done with it (it asked for the next event after responding),
// or when the invocation timed out or the runtime crashed. Lambda Managed
// Instances send none (as the Runtime Interface Emulator's managed
// instances mode shows).
func (e *Emulator) sendRuntimeDoneLocked(inv *invState, now time.Time) {
	g := inv.gen
	if e.cfg.managed || g == nil || g.tel.runtimeDone[inv.rec.RequestID] {
		return
	}
	if !inv.runtimeDone && !inv.rec.TimedOut && !inv.rec.Crashed {
		return
	}
	g.tel.runtimeDone[inv.rec.RequestID] = true
	status, errorType := e.outcomeLocked(g, inv)
	e.emitLocked(g, "platform.runtimeDone", now, runtimeDoneRecord{
		RequestID: inv.rec.RequestID, Status: status, ErrorType: errorType,
		Metrics: runtimeDoneMetrics{DurationMs: millis(e.ranFor(inv, now)), ProducedBytes: len(inv.rec.Response)},
		Tracing: tracingOf(inv),
	})
}

// ranFor is how long inv has run at now, from the hand-out of its event
// (the whole timeout if it was never handed out).
func (e *Emulator) ranFor(inv *invState, now time.Time) time.Duration {
	if inv.rec.HandedOut.IsZero() {
		return e.cfg.timeout
	}
	return now.Sub(inv.rec.HandedOut)
}

// sendReport sends platform.runtimeDone (if not sent yet) and
// platform.report for an invocation that is over at end: completed,
// timed out or crashed. Its duration runs from the hand-out to end; its
// billed duration is that rounded up to the millisecond, with the INIT
// phase added on a cold start (Lambda bills INIT with the first
// invocation for OS-only runtimes such as provided.al2023); its memory
// figures are the function's memory size and the peak resident memory of
// the process tree. On managed instances (schema 2025-01-29) only the
// duration is reported.
func (e *Emulator) sendReport(g *generation, inv *invState, end time.Time) {
	var used int
	if !e.cfg.managed {
		used = e.maxMemoryUsedMB(g)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	e.sendRuntimeDoneLocked(inv, end)
	delete(g.tel.runtimeDone, inv.rec.RequestID)
	status, errorType := e.outcomeLocked(g, inv)
	d := e.ranFor(inv, end)
	m := reportMetrics{DurationMs: millis(d)}
	if !e.cfg.managed {
		billed := d
		if inv.rec.ColdStart {
			billed += inv.rec.InitDuration
		}
		b := int((billed + time.Millisecond - 1) / time.Millisecond)
		size := e.cfg.memorySizeMB
		m.BilledDurationMs, m.MemorySizeMB, m.MaxMemoryUsedMB = &b, &size, &used
		if inv.rec.ColdStart {
			init := millis(inv.rec.InitDuration)
			m.InitDurationMs = &init
		}
	}
	e.emitLocked(g, "platform.report", end, reportRecord{
		RequestID: inv.rec.RequestID, Status: status, ErrorType: errorType, Metrics: m, Tracing: tracingOf(inv),
	})
}
