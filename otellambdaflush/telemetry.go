package otellambdaflush

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/metric"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	"go.opentelemetry.io/otel/semconv/v1.43.0/faasconv"
	"go.opentelemetry.io/otel/trace"

	"github.com/logfire-go/sdk/internal/keys"
	"github.com/logfire-go/sdk/logfire"
)

// The platform's report: the internal extension subscribes to the Lambda
// Telemetry API's platform events and turns each invocation's
// platform.report into metrics of the OpenTelemetry FaaS conventions and
// a span in the invocation's trace. Lambda sends the report of an
// invocation after the invocation is complete, and nothing reaches a
// frozen process: the report of invocation N arrives while N+1 runs (or
// at the shutdown), and goes out with that invocation's flush, or the
// shutdown's, which waits for the reports still due.

// scopeName is the instrumentation scope of the metrics and spans this
// package makes.
const scopeName = "github.com/logfire-go/sdk/otellambdaflush"

// Telemetry API schema versions: Lambda Managed Instances accept only
// 2025-01-29 (and report an invocation's status and duration only);
// 2022-12-13 is the one whose reports on Lambda carry every figure.
const (
	telemetrySchema        = "2022-12-13"
	telemetrySchemaManaged = "2025-01-29"
)

// The subscription's buffering: the smallest Lambda allows. Lambda sends
// a batch when it holds maxItems events or maxBytes bytes, or when its
// oldest event has waited timeoutMs; a function's platform events never
// fill 1000 items, so the 25 ms timeout is what decides how soon a report
// arrives after Lambda makes it: with it, the report of an invocation is
// in the process at most 25 ms after the next invocation starts, usually
// in time for that invocation's flush.
const (
	bufferMaxItems  = 1000
	bufferMaxBytes  = 262144
	bufferTimeoutMs = 25
)

// Bounds of the platform telemetry.
const (
	// reportWait bounds how long the shutdown waits for the reports still
	// due (at most half of what is left of its budget).
	reportWait = 200 * time.Millisecond
	// trackedInvocations bounds the invocations whose trace context or
	// pending report is kept.
	trackedInvocations = 64
	// maxBatchBytes bounds the body of one delivery (Lambda's maxBytes
	// allows at most 1 MiB).
	maxBatchBytes = 4 << 20
	// subscribeTimeout bounds the subscription.
	subscribeTimeout = 2 * time.Second
)

// sandboxHost is the only host Lambda delivers telemetry to.
const sandboxHost = "sandbox.localdomain"

// errNoDNS makes the resolver of listenHost look at the hosts file only.
var errNoDNS = errors.New("no DNS: the hosts file only")

// listenHost returns the address to listen on for telemetry: the one
// sandbox.localdomain has in the hosts file (as in Lambda's execution
// environment), else 127.0.0.1 (where emulators deliver it). No DNS query
// is made.
func listenHost(ctx context.Context) string {
	r := &net.Resolver{PreferGo: true, Dial: func(context.Context, string, string) (net.Conn, error) {
		return nil, errNoDNS
	}}
	if addrs, err := r.LookupHost(ctx, sandboxHost); err == nil && len(addrs) > 0 {
		return addrs[0]
	}
	return "127.0.0.1"
}

// platformTelemetry receives the platform events of the function's
// execution environment and records them with lf.
type platformTelemetry struct {
	lf      *logfire.Logfire
	report  func(error)
	managed bool // subscribed with schema 2025-01-29
	srv     *http.Server
	tracer  trace.Tracer
	m       faasMetrics

	mu sync.Mutex
	// pending are the invocations whose report is due: Lambda gave their
	// INVOKE event, or their platform.start arrived.
	pending map[string]*pendingReport
	// order lists the request ids of pending and spans, oldest first, for
	// the bound.
	order []string
	// spans are the invocation spans' contexts by request id.
	spans map[string]trace.SpanContext
	// recorded are the request ids reported lately, so that one delivered
	// twice counts once.
	recorded []string
	// handling counts the deliveries being handled.
	handling int
	// changed is closed and replaced whenever a delivery has been handled.
	changed chan struct{}
	// closed is set by the shutdown: deliveries are no longer handled.
	closed bool
	// deferred keeps the deliveries, unread, in received until catchUp,
	// which the post-response extension calls right before its flush. A
	// delivery arrives at the thaw, while the handler runs: read then, it
	// would take CPU from the handler, before the response; and the spans
	// of its reports would leave in an export of the span queue's own
	// (its schedule is overdue after a freeze), which the flush then waits
	// for, unbounded by its probe of a failing backend.
	deferred bool
	received [][]byte
}

// pendingReport is what is known of an invocation whose report is due.
type pendingReport struct {
	// runtimeDone is its platform.runtimeDone, if it arrived: what is
	// recorded for it if its report does not arrive before the shutdown
	// (a timeout's report may come too late).
	runtimeDone *platformEvent
}

// faasMetrics are the instruments of the platform's reports.
type faasMetrics struct {
	invocations    faasconv.Invocations
	errors         faasconv.Errors
	timeouts       faasconv.Timeouts
	coldstarts     faasconv.Coldstarts
	invokeDuration faasconv.InvokeDuration
	initDuration   faasconv.InitDuration
	memUsage       faasconv.MemUsage
	billed         metric.Float64Histogram
}

func newFaasMetrics(m metric.Meter) (faasMetrics, error) {
	var f faasMetrics
	var errs [8]error
	f.invocations, errs[0] = faasconv.NewInvocations(m)
	f.errors, errs[1] = faasconv.NewErrors(m)
	f.timeouts, errs[2] = faasconv.NewTimeouts(m)
	f.coldstarts, errs[3] = faasconv.NewColdstarts(m)
	f.invokeDuration, errs[4] = faasconv.NewInvokeDuration(m)
	f.initDuration, errs[5] = faasconv.NewInitDuration(m)
	f.memUsage, errs[6] = faasconv.NewMemUsage(m)
	f.billed, errs[7] = m.Float64Histogram("aws.lambda.billed_duration", metric.WithUnit("s"),
		metric.WithDescription("Billed duration of the function's invocations, from Lambda's platform report."))
	return f, errors.Join(errs[:]...)
}

// startTelemetry listens for the platform events of the execution
// environment and subscribes the extension c to them. It must run during
// INIT, before c first asks for an event: Lambda takes subscriptions
// during INIT only.
func startTelemetry(ctx context.Context, c *extensionClient, lf *logfire.Logfire, managed, deferred bool, report func(error)) (*platformTelemetry, error) {
	t := newPlatformTelemetry(lf, managed, report)
	t.deferred = deferred
	ln, err := net.Listen("tcp", net.JoinHostPort(listenHost(ctx), "0"))
	if err != nil {
		return nil, fmt.Errorf("listening for the Telemetry API: %w", err)
	}
	go func() { _ = t.srv.Serve(ln) }()
	schema := telemetrySchema
	if managed {
		schema = telemetrySchemaManaged
	}
	port := strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
	if err := c.subscribe(ctx, schema, "http://"+sandboxHost+":"+port+"/"); err != nil {
		_ = t.srv.Close()
		return nil, err
	}
	return t, nil
}

// newPlatformTelemetry returns the receiver of the platform events, not
// yet listening.
func newPlatformTelemetry(lf *logfire.Logfire, managed bool, report func(error)) *platformTelemetry {
	m, err := newFaasMetrics(lf.MeterProvider().Meter(scopeName))
	if err != nil {
		report(fmt.Errorf("otellambdaflush: the platform metrics: %w", err))
	}
	t := &platformTelemetry{
		lf: lf, report: report, managed: managed, m: m,
		tracer:  lf.TracerProvider().Tracer(scopeName),
		pending: map[string]*pendingReport{},
		spans:   map[string]trace.SpanContext{},
		changed: make(chan struct{}),
	}
	t.srv = &http.Server{Handler: t, ReadHeaderTimeout: 5 * time.Second}
	return t
}

// subscribe subscribes the extension to the platform events, delivered
// over HTTP to uri.
func (c *extensionClient) subscribe(ctx context.Context, schema, uri string) error {
	body, _ := json.Marshal(map[string]any{
		"schemaVersion": schema,
		"types":         []string{"platform"},
		"buffering":     map[string]int{"maxItems": bufferMaxItems, "maxBytes": bufferMaxBytes, "timeoutMs": bufferTimeoutMs},
		"destination":   map[string]string{"protocol": "HTTP", "URI": uri},
	})
	ctx, cancel := context.WithTimeout(ctx, subscribeTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPut, "http://"+c.runtimeAPI+"/2022-07-01/telemetry", bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Lambda-Extension-Identifier", c.id)
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("subscribing to the Telemetry API: %w", err)
	}
	defer resp.Body.Close()
	msg, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	// Lambda answers 200; the Runtime Interface Emulator, which does not
	// implement the API, 202 with Telemetry.NotSupported.
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("subscribing to the Telemetry API: status %d: %s", resp.StatusCode, bytes.TrimSpace(msg))
	}
	return nil
}

// platformEvent is one event of a delivery.
type platformEvent struct {
	Time   string         `json:"time"`
	Type   string         `json:"type"`
	Record platformRecord `json:"record"`
}

// platformRecord holds the fields of the records this package reads;
// a metric is nil when the event does not give it.
type platformRecord struct {
	RequestID string `json:"requestId"`
	Status    string `json:"status"`
	ErrorType string `json:"errorType"`
	Metrics   struct {
		DurationMs       *float64 `json:"durationMs"`
		BilledDurationMs *float64 `json:"billedDurationMs"`
		MemorySizeMB     *float64 `json:"memorySizeMB"`
		MaxMemoryUsedMB  *float64 `json:"maxMemoryUsedMB"`
		InitDurationMs   *float64 `json:"initDurationMs"`
	} `json:"metrics"`
}

// ServeHTTP takes a delivery: a JSON array of events.
func (t *platformTelemetry) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		http.Error(w, "POST a JSON array of Telemetry API events", http.StatusMethodNotAllowed)
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBatchBytes))
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	t.mu.Lock()
	switch {
	case t.closed:
		t.mu.Unlock()
	case t.deferred && len(t.received) < trackedInvocations:
		t.received = append(t.received, body)
		t.mu.Unlock()
	default:
		t.handling++
		t.mu.Unlock()
		t.process(body)
		t.mu.Lock()
		t.handling--
		close(t.changed)
		t.changed = make(chan struct{})
		t.mu.Unlock()
	}
	w.WriteHeader(http.StatusOK)
}

// process reads a delivery and takes its events; one that is not a JSON
// array of events is reported.
func (t *platformTelemetry) process(body []byte) {
	var evs []platformEvent
	if err := json.Unmarshal(body, &evs); err != nil {
		t.report(fmt.Errorf("otellambdaflush: a Telemetry API delivery could not be read: %w", err))
		return
	}
	for i := range evs {
		t.handle(&evs[i])
	}
}

// catchUp takes the deliveries received since the last call (see
// deferred), right before the flush that exports what they give.
// Nil-safe.
func (t *platformTelemetry) catchUp() {
	if t == nil {
		return
	}
	t.mu.Lock()
	received := t.received
	t.received = nil
	t.mu.Unlock()
	for _, body := range received {
		t.process(body)
	}
}

// handle takes one event.
func (t *platformTelemetry) handle(ev *platformEvent) {
	id := ev.Record.RequestID
	switch ev.Type {
	case "platform.initReport":
		if d := ev.Record.Metrics.DurationMs; d != nil {
			t.m.initDuration.Record(context.Background(), *d/1000)
		}
	case "platform.start":
		t.expect(id)
	case "platform.runtimeDone":
		t.mu.Lock()
		if p := t.pendingLocked(id); p != nil {
			p.runtimeDone = ev
		}
		t.mu.Unlock()
	case "platform.report":
		t.record(ev)
	}
}

// recordDeath records the report of invocation r, which the process
// before this one did not survive (see inflight.go), as a child of its
// invocation span; once, as every report. Nil-safe.
func (t *platformTelemetry) recordDeath(r *inflightRecord) {
	if t == nil || r == nil {
		return
	}
	t.note(r.RequestID, r.spanContext())
	t.record(deathReport(r))
}

// expect notes that the report of invocation id is due. Nil-safe.
func (t *platformTelemetry) expect(id string) {
	if t == nil || id == "" {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	t.pendingLocked(id)
}

// pendingLocked returns the pending entry of id, adding it unless its
// report was recorded; nil then.
func (t *platformTelemetry) pendingLocked(id string) *pendingReport {
	if id == "" {
		return nil
	}
	for _, r := range t.recorded {
		if r == id {
			return nil
		}
	}
	p := t.pending[id]
	if p == nil {
		p = &pendingReport{}
		t.pending[id] = p
		t.trackLocked(id)
	}
	return p
}

// note keeps the context of invocation id's span, for its report's span.
// Nil-safe.
func (t *platformTelemetry) note(id string, sc trace.SpanContext) {
	if t == nil || id == "" || !sc.IsValid() {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if _, ok := t.spans[id]; !ok {
		t.trackLocked(id)
	}
	t.spans[id] = sc
}

// trackLocked adds id to order, forgetting the oldest invocation beyond
// the bound.
func (t *platformTelemetry) trackLocked(id string) {
	t.order = append(t.order, id)
	for len(t.order) > 2*trackedInvocations {
		old := t.order[0]
		t.order = t.order[1:]
		delete(t.pending, old)
		delete(t.spans, old)
	}
}

// record records the report ev, or, at the shutdown, a runtimeDone that
// stands for a report that did not arrive; once per invocation.
func (t *platformTelemetry) record(ev *platformEvent) {
	rec := ev.Record
	t.mu.Lock()
	for _, r := range t.recorded {
		if r == rec.RequestID {
			t.mu.Unlock()
			return
		}
	}
	if rec.RequestID != "" {
		t.recorded = append(t.recorded, rec.RequestID)
		if len(t.recorded) > trackedInvocations {
			t.recorded = t.recorded[1:]
		}
	}
	delete(t.pending, rec.RequestID)
	sc := t.spans[rec.RequestID]
	delete(t.spans, rec.RequestID)
	t.mu.Unlock()

	ctx := context.Background()
	o := outcomeOf(rec)
	m := rec.Metrics
	t.m.invocations.Add(ctx, 1)
	if o.failed {
		t.m.errors.Add(ctx, 1, semconv.ErrorTypeKey.String(o.errorType))
	}
	if rec.Status == "timeout" {
		t.m.timeouts.Add(ctx, 1)
	}
	if m.InitDurationMs != nil {
		t.m.coldstarts.Add(ctx, 1) // the invocation waited for INIT
	}
	if m.DurationMs != nil {
		t.m.invokeDuration.Record(ctx, *m.DurationMs/1000)
	}
	if m.BilledDurationMs != nil {
		t.m.billed.Record(ctx, *m.BilledDurationMs/1000)
	}
	if m.MaxMemoryUsedMB != nil {
		t.m.memUsage.Record(ctx, int64(*m.MaxMemoryUsedMB)<<20)
	}
	t.reportSpan(ev, o, sc)
}

// outcome is how an invocation ended, as its report tells.
type outcome struct {
	failed    bool
	errorType string // error.type of a failed invocation
}

// errOutOfMemory is the errorType Lambda reports for a runtime killed for
// passing the function's memory size.
const errOutOfMemory = "Runtime.OutOfMemory"

// outcomeOf classifies a report: a timeout has error.type "timeout"; an
// invocation that failed with all of the memory used, which Lambda
// reports for some runtimes as Runtime.ExitError rather than
// Runtime.OutOfMemory, has error.type Runtime.OutOfMemory; another failure
// has Lambda's errorType (its status if it gives none).
func outcomeOf(rec platformRecord) outcome {
	switch rec.Status {
	case "success", "":
		return outcome{}
	case "timeout":
		return outcome{failed: true, errorType: "timeout"}
	}
	m := rec.Metrics
	if rec.ErrorType == errOutOfMemory ||
		m.MaxMemoryUsedMB != nil && m.MemorySizeMB != nil && *m.MemorySizeMB > 0 && *m.MaxMemoryUsedMB >= *m.MemorySizeMB {
		return outcome{failed: true, errorType: errOutOfMemory}
	}
	if rec.ErrorType != "" {
		return outcome{failed: true, errorType: rec.ErrorType}
	}
	return outcome{failed: true, errorType: rec.Status}
}

// The attributes of a report's span.
const (
	attrStatus         = "aws.lambda.status"
	attrDuration       = "aws.lambda.duration_ms"
	attrBilledDuration = "aws.lambda.billed_duration_ms"
	attrMemorySize     = "aws.lambda.memory_size_mb"
	attrMaxMemoryUsed  = "aws.lambda.max_memory_used_mb"
	attrInitDuration   = "aws.lambda.init_duration_ms"
	reportTemplate     = "Lambda report: {" + attrStatus + "}"
)

// reportSpan records the report as a span of the invocation's trace (a
// child of its invocation span when its context is known): it lasts the
// report's duration and ends at the report's time, and carries its
// figures and the invocation's status.
func (t *platformTelemetry) reportSpan(ev *platformEvent, o outcome, parent trace.SpanContext) {
	rec := ev.Record
	end, err := time.Parse(time.RFC3339Nano, ev.Time)
	if err != nil {
		end = time.Now()
	}
	start := end
	m := rec.Metrics
	if m.DurationMs != nil {
		start = end.Add(-time.Duration(*m.DurationMs * float64(time.Millisecond)))
	}
	status := rec.Status
	if status == "" {
		status = "unknown"
	}
	msg := "Lambda report: " + status
	level := logfire.LevelInfo
	if o.failed {
		msg += " (" + o.errorType + ")"
		level = logfire.LevelError
	}
	attrs := []attribute.KeyValue{
		attribute.String(keys.MsgTemplate, reportTemplate),
		attribute.String(keys.Msg, msg),
		attribute.String(keys.SpanType, keys.SpanTypeSpan),
		attribute.Int(keys.LevelNum, int(level)),
		semconv.FaaSInvocationID(rec.RequestID),
		attribute.String(attrStatus, status),
	}
	for _, f := range []struct {
		key string
		v   *float64
	}{
		{attrDuration, m.DurationMs}, {attrBilledDuration, m.BilledDurationMs}, {attrMemorySize, m.MemorySizeMB},
		{attrMaxMemoryUsed, m.MaxMemoryUsedMB}, {attrInitDuration, m.InitDurationMs},
	} {
		if f.v != nil && !math.IsNaN(*f.v) {
			attrs = append(attrs, attribute.Float64(f.key, *f.v))
		}
	}
	if o.failed {
		attrs = append(attrs, semconv.ErrorTypeKey.String(o.errorType))
	}
	ctx := context.Background()
	if parent.IsValid() {
		ctx = trace.ContextWithRemoteSpanContext(ctx, parent)
	}
	_, span := t.tracer.Start(ctx, reportTemplate, trace.WithTimestamp(start), trace.WithAttributes(attrs...))
	if o.failed {
		span.SetStatus(codes.Error, o.errorType)
	}
	span.End(trace.WithTimestamp(end))
}

// shutdown waits, bounded by reportWait and half of what is left of ctx,
// for the reports still due, records what stands for those that did not
// come (their runtimeDone), says how many were lost, and stops listening.
// Nil-safe.
func (t *platformTelemetry) shutdown(ctx context.Context) {
	if t == nil {
		return
	}
	t.mu.Lock()
	t.deferred = false // from now on deliveries are read as they come
	t.mu.Unlock()
	t.catchUp()
	bound := reportWait
	if dl, ok := ctx.Deadline(); ok {
		bound = min(bound, time.Until(dl)/2)
	}
	timer := time.NewTimer(bound)
	defer timer.Stop()
	// On managed instances invocations are not announced (no INVOKE
	// events): a report made just before SIGTERM is waited for as long as
	// Lambda may buffer it.
	var settle <-chan time.Time
	settled := !t.managed
	if t.managed {
		st := time.NewTimer(2 * bufferTimeoutMs * time.Millisecond)
		defer st.Stop()
		settle = st.C
	}
	// First the reports due (with what is being delivered), then, closed,
	// what is still being delivered; both within the one bound.
	expired := false
	waitFor := func(busy func() int) {
		for !expired {
			t.mu.Lock()
			n, changed := busy(), t.changed
			t.mu.Unlock()
			if n == 0 && settled {
				return
			}
			select {
			case <-changed:
			case <-settle:
				settled = true
			case <-timer.C:
				expired = true
			case <-ctx.Done():
				expired = true
			}
		}
	}
	waitFor(func() int { return len(t.pending) + t.handling })
	t.mu.Lock()
	t.closed = true // what arrives now would find lf shut down
	t.mu.Unlock()
	waitFor(func() int { return t.handling })
	t.mu.Lock()
	var late []*platformEvent
	lost := 0
	for _, p := range t.pending {
		if p.runtimeDone != nil {
			late = append(late, p.runtimeDone)
		} else {
			lost++
		}
	}
	t.mu.Unlock()
	for _, ev := range late {
		t.record(ev)
	}
	if lost > 0 {
		t.report(fmt.Errorf("otellambdaflush: the platform reports of %d invocations did not arrive before the shutdown (waited %v)", lost, bound))
	}
	_ = t.srv.Close()
}

// subscribePlatform subscribes the extension c to Lambda's platform
// reports, or says in one line why the reports are not recorded. With
// deferred, deliveries are read right before each flush (see
// flusher.before), which exports them.
func (r *Runtime) subscribePlatform(c *extensionClient, managed, deferred bool) {
	t, err := startTelemetry(context.Background(), c, r.lf, managed, deferred, r.cfg.report)
	if err != nil {
		r.cfg.report(fmt.Errorf("otellambdaflush: the platform's reports (billed duration, memory, cold starts, out-of-memory kills) are not recorded: %w", err))
		if d := r.died; d != nil {
			r.cfg.report(fmt.Errorf("otellambdaflush: the process before this one died during invocation %s (%s)", d.RequestID, deathReport(d).Record.ErrorType))
		}
		return
	}
	t.recordDeath(r.died)
	r.platform.Store(t)
}

// startPlatform registers an extension for no events (which Lambda
// Managed Instances allow too) now, during INIT, and in a goroutine
// subscribes it to the platform reports and calls /event/next once, as
// every extension must to end INIT (the call returns only when the
// process ends). With deferred, the flushes take the deliveries (see
// subscribePlatform). Off Lambda (no api) it does nothing.
func (r *Runtime) startPlatform(api string, deferred bool) {
	if api == "" {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	c, err := registerExtension(ctx, api)
	if err != nil {
		r.cfg.report(fmt.Errorf("otellambdaflush: the platform's reports are not recorded: %w", err))
		return
	}
	r.registered = true
	if deferred {
		r.flusher.before = func() { r.platform.Load().catchUp() }
	}
	go func() {
		r.subscribePlatform(c, onManagedInstances(), deferred)
		_, _ = c.next(context.Background())
	}()
}
