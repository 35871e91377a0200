package lambdatest

import (
	"bytes"
	"context"
	"encoding/json"
	"strconv"
	"time"
)

// Invocation is the record of one invocation. Values returned by the
// emulator are snapshots; they are not updated afterwards.
type Invocation struct {
	// RequestID is the Lambda-Runtime-Aws-Request-Id of the invocation.
	RequestID string
	// Payload is the event handed to the function.
	Payload []byte
	// TraceID is the Lambda-Runtime-Trace-Id header sent with the event.
	TraceID string
	// Deadline is the instant sent as Lambda-Runtime-Deadline-Ms.
	Deadline time.Time

	// ColdStart reports that a new function process was started (INIT)
	// for this invocation.
	ColdStart bool
	// InitDuration is the duration of that INIT phase (cold starts only).
	InitDuration time.Duration
	// PID is the process id of the function process that served it.
	PID int

	// Sent is when Send or Invoke accepted the invocation.
	Sent time.Time
	// Resumed is when SIGCONT was sent to the frozen process before the
	// event was handed out; zero if the process was not frozen.
	Resumed time.Time
	// HandedOut is when the event was returned to the runtime's /next.
	HandedOut time.Time
	// Responded is when the response or error was posted (for a streamed
	// response, when its last byte arrived).
	Responded time.Time
	// Completed is when the invocation was complete: the response or error
	// was posted, the runtime called /next again and every extension
	// subscribed to INVOKE called /event/next again. In managed-instances
	// mode it equals Responded.
	Completed time.Time
	// FreezeSent is when SIGSTOP was sent to the process group after
	// completion, taken just before sending it: the process was running
	// until at least then. Zero if the process was not frozen (timeout,
	// crash, managed instances).
	FreezeSent time.Time
	// Frozen is when the runtime process was observed stopped after
	// completion (on Linux every one of its threads is checked in /proc;
	// elsewhere it is the time SIGSTOP was sent). It comes after
	// FreezeSent by the time that check took. Zero if the process was not
	// frozen (timeout, crash, managed instances) or was not seen stopped
	// within a second of FreezeSent.
	//
	// To check that something the function sent arrived before the freeze,
	// compare its arrival time with Completed (the strictest bound: the
	// function had finished the invocation) or FreezeSent, not with Frozen:
	// data arriving between FreezeSent and Frozen was sent before the stop
	// but is observed only because the check is slow.
	Frozen time.Time

	// Response is the body posted to /response (for a streamed response
	// that failed, what was sent before the error).
	Response []byte
	// ResponseContentType is the Content-Type of that post.
	ResponseContentType string
	// Streamed reports that the response was streamed: posted with chunked
	// transfer encoding or Lambda-Runtime-Function-Response-Mode: streaming,
	// as aws-lambda-go posts a handler's io.Reader.
	Streamed bool
	// FirstByte is when the first byte of the response body arrived; zero
	// for an empty body. For a streamed response it precedes Responded (the
	// arrival of the last byte) by as long as the function streamed.
	FirstByte time.Time
	// ErrorPayload is the error posted to /error, or reported in the
	// Lambda-Runtime-Function-Error-Type trailer of a /response post.
	ErrorPayload *ErrorPayload
	// InitError is the error posted to /runtime/init/error or
	// /extension/init/error during this invocation's INIT phase.
	InitError *ErrorPayload

	// TimedOut reports that the invocation (or its INIT phase, see
	// InitTimedOut) was not complete by its deadline.
	TimedOut bool
	// InitTimedOut reports that INIT did not finish within the init
	// timeout.
	InitTimedOut bool
	// Crashed reports that the function process exited before the
	// invocation was complete.
	Crashed bool
	// OutOfMemory reports that the crash was the emulator's enforcement of
	// the memory size (AWS_LAMBDA_FUNCTION_MEMORY_SIZE): the runtime process
	// was killed (SIGKILL) when its process tree's resident memory passed
	// it, as Lambda's memory limit does; Lambda reports it as
	// Runtime.OutOfMemory.
	OutOfMemory bool
	// ExitState describes how the process ended when it crashed.
	ExitState string
	// Reset describes the reset of the execution environment that followed
	// a timeout, crash or init failure; nil otherwise.
	Reset *ShutdownReport
}

// ErrorPayload is an error reported by the function through the Runtime API
// or by an extension through the Extensions API.
type ErrorPayload struct {
	// Type is the errorType of the JSON body, or the error type header or
	// trailer if the body has none.
	Type string
	// Message is the errorMessage of the JSON body.
	Message string
	// StackTrace is the stackTrace of the JSON body, if any.
	StackTrace json.RawMessage
	// Raw is the body as posted.
	Raw []byte
	// XRayErrorCause is the Lambda-Runtime-Function-Xray-Error-Cause header.
	XRayErrorCause string
}

// invState is the emulator's live state of one invocation. Fields are
// guarded by Emulator.mu unless noted.
type invState struct {
	rec  Invocation
	opts invokeConfig // immutable
	gen  *generation

	responded   bool
	runtimeDone bool // the runtime called /next after responding
	expired     bool // timed out; late posts are refused
	err         error

	respondedCh chan struct{} // closed on response/error or when finished
	complete    chan struct{} // closed when completed (under Emulator.mu)
	done        chan struct{} // closed when finished (under Emulator.mu)
}

// Pending is an invocation that has been sent and may still be running.
type Pending struct {
	e   *Emulator
	inv *invState
}

// Send starts an invocation and returns without waiting for it. At most one
// invocation is in flight (WithManagedInstances: up to its concurrency);
// Send waits, bounded by ctx, until a slot is free. An empty payload is
// sent as "{}", as Lambda does. Once sent, the invocation runs to
// completion, timeout or crash whatever happens to ctx, as a Lambda
// invocation does when its caller goes away.
func (e *Emulator) Send(ctx context.Context, payload []byte, opts ...InvokeOption) (*Pending, error) {
	ic := newInvokeConfig(opts)
	select {
	case <-e.closed:
		return nil, errClosed
	default:
	}
	select {
	case e.slots <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-e.closed:
		return nil, errClosed
	}
	if !e.work.begin() {
		<-e.slots
		return nil, errClosed
	}
	if len(payload) == 0 {
		payload = []byte("{}")
	}
	now := time.Now()
	trace := ic.traceID
	if trace == "" {
		trace = newTraceHeader(now)
	}
	inv := &invState{
		rec: Invocation{
			RequestID: newUUID(),
			Payload:   bytes.Clone(payload),
			TraceID:   trace,
			Sent:      now,
		},
		opts:        ic,
		respondedCh: make(chan struct{}),
		complete:    make(chan struct{}),
		done:        make(chan struct{}),
	}
	go e.drive(inv)
	return &Pending{e: e, inv: inv}, nil
}

// Invoke sends an invocation and waits until it is over: the process has
// been frozen after completion, or the invocation timed out or crashed (and
// the environment was reset). Function errors, timeouts and crashes are
// reported in the Invocation, not as an error; the error is non-nil only if
// the emulator could not run the invocation or ctx ended first.
func (e *Emulator) Invoke(ctx context.Context, payload []byte, opts ...InvokeOption) (*Invocation, error) {
	p, err := e.Send(ctx, payload, opts...)
	if err != nil {
		return nil, err
	}
	return p.Wait(ctx)
}

// Response waits, bounded by ctx, until the function has posted its
// response or error, as a synchronous Lambda caller would, and returns a
// snapshot. It also returns when the invocation ends without a response.
func (p *Pending) Response(ctx context.Context) (*Invocation, error) {
	select {
	case <-p.inv.respondedCh:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	return p.e.snapshot(p.inv)
}

// Wait waits, bounded by ctx, until the invocation is over and returns its
// final record.
func (p *Pending) Wait(ctx context.Context) (*Invocation, error) {
	select {
	case <-p.inv.done:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	return p.e.snapshot(p.inv)
}

// snapshot copies the record; the error is set if the invocation could not
// be run.
func (e *Emulator) snapshot(inv *invState) (*Invocation, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	rec := inv.rec
	return &rec, inv.err
}

// invocationHeadersLocked returns the Runtime API headers of a handed-out event.
func (e *Emulator) invocationHeadersLocked(inv *invState) map[string]string {
	h := map[string]string{
		hdrRequestID:   inv.rec.RequestID,
		hdrDeadline:    formatMillis(inv.rec.Deadline),
		hdrFunctionARN: e.cfg.functionARN(),
		hdrTraceID:     inv.rec.TraceID,
	}
	if inv.opts.clientContext != "" {
		h[hdrClientContext] = inv.opts.clientContext
	}
	if inv.opts.cognito != "" {
		h[hdrCognitoIdentity] = inv.opts.cognito
	}
	if inv.opts.tenantID != "" {
		h[hdrTenantID] = inv.opts.tenantID
	}
	return h
}

// markRespondedLocked records that a response or error was posted.
func (e *Emulator) markRespondedLocked(inv *invState, now time.Time) {
	inv.responded = true
	inv.rec.Responded = now
	close(inv.respondedCh)
	e.checkCompleteLocked(inv, now)
}

// checkCompleteLocked closes inv.complete once the invocation is complete:
// responded, the runtime back in /next and every INVOKE subscriber back in
// /event/next after receiving this invocation's event.
func (e *Emulator) checkCompleteLocked(inv *invState, now time.Time) {
	if isClosed(inv.complete) || !inv.responded || inv.expired {
		return
	}
	e.sendRuntimeDoneLocked(inv, now) // the Telemetry API's platform.runtimeDone, once the runtime is done
	if !e.cfg.managed {
		if !inv.runtimeDone {
			return
		}
		for _, x := range inv.gen.exts {
			if x.invoke && x.acked != inv.rec.RequestID {
				return
			}
		}
	}
	inv.rec.Completed = now
	close(inv.complete)
}

func formatMillis(t time.Time) string {
	return strconv.FormatInt(t.UnixMilli(), 10)
}
