package lambdatest

import "time"

// generation is one execution environment: one run of the function process
// from INIT until it is shut down or reset. Fields without a comment are
// guarded by Emulator.mu.
type generation struct {
	n         int       // 1 for the first process, 2 for the next, ...
	proc      *process  // immutable
	started   time.Time // immutable
	logStream string    // immutable

	runtimeReady bool // the runtime has called /next at least once
	initDoneAt   time.Time
	initErr      *ErrorPayload
	frozen       bool
	tearingDown  bool
	exts         []*extension
	current      *invState // the invocation in flight (not used in managed mode)
	report       *ShutdownReport
	tel          *telemetry  // the Telemetry API: subscriptions and events
	mem          memoryWatch // the memory limit and peak of the process tree

	initDone     chan struct{} // closed when the runtime and all extensions called next
	initFailed   chan struct{} // closed when an init error was posted
	nextCh       chan *invState
	teardownDone chan struct{}
}

func newGeneration(n int, now time.Time, logStream string) *generation {
	return &generation{
		n:            n,
		proc:         newProcess(),
		started:      now,
		logStream:    logStream,
		initDone:     make(chan struct{}),
		initFailed:   make(chan struct{}),
		nextCh:       make(chan *invState),
		teardownDone: make(chan struct{}),
		tel:          newTelemetry(),
	}
}

// extension is a registered extension. Fields other than the immutable
// identity are guarded by Emulator.mu.
type extension struct {
	gen        *generation
	id         string
	name       string
	external   bool
	events     []string
	invoke     bool
	shutdown   bool
	registered time.Time
	queue      chan extensionEvent // events waiting for an /event/next call

	calledNext bool   // has called /event/next at least once (INIT done for it)
	delivered  string // key of the last event returned by /event/next
	acked      string // key of the last event followed by another /event/next call
}

// shutdownKey is the acknowledgement key of SHUTDOWN events; INVOKE events
// use the request id.
const shutdownKey = "SHUTDOWN"

// extensionEvent is an event queued for an extension.
type extensionEvent struct {
	key  string
	body any
}

// invokeEvent is the body of an INVOKE event on /extension/event/next.
type invokeEvent struct {
	EventType          string       `json:"eventType"`
	DeadlineMs         int64        `json:"deadlineMs"`
	RequestID          string       `json:"requestId"`
	InvokedFunctionArn string       `json:"invokedFunctionArn"`
	Tracing            eventTracing `json:"tracing"`
}

type eventTracing struct {
	Type  string `json:"type"`
	Value string `json:"value"`
}

// shutdownEvent is the body of a SHUTDOWN event on /extension/event/next.
type shutdownEvent struct {
	EventType      string `json:"eventType"`
	ShutdownReason string `json:"shutdownReason"`
	DeadlineMs     int64  `json:"deadlineMs"`
}

// enqueueLocked queues ev for x without blocking; it reports false if the
// queue is full (the extension is not consuming events).
func (x *extension) enqueueLocked(ev extensionEvent) bool {
	select {
	case x.queue <- ev:
		return true
	default:
		return false
	}
}

// checkInitLocked closes g.initDone once the runtime and every registered
// extension have called their next endpoint, and sends the Telemetry API's
// platform.initRuntimeDone when the runtime is ready and
// platform.initReport when INIT is over.
func (g *generation) checkInitLocked(now time.Time) {
	if g.initOver() || !g.runtimeReady {
		return
	}
	g.tel.sendInitRuntimeDoneLocked(g, now, "success", "")
	for _, x := range g.exts {
		if !x.calledNext {
			return
		}
	}
	g.initDoneAt = now
	close(g.initDone)
	g.tel.endInitLocked(g, now, "success", "")
}

// failInitLocked records an init error and closes g.initFailed. It reports
// false if INIT is already over.
func (g *generation) failInitLocked(ep *ErrorPayload) bool {
	if g.initOver() {
		return false
	}
	g.initErr = ep
	close(g.initFailed)
	return true
}

// initOver reports whether INIT has ended, successfully or not. The
// channels are closed with Emulator.mu held, so holding it makes the
// answer stable.
func (g *generation) initOver() bool {
	return isClosed(g.initDone) || isClosed(g.initFailed)
}

// isClosed reports whether ch has been closed.
func isClosed(ch <-chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}
