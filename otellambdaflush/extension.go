package otellambdaflush

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/otel/trace"
)

// extensionName is the name this package registers its internal Lambda
// extension under.
const extensionName = "logfire-flush"

// extensionClient speaks the Lambda Extensions API. aws-lambda-go's client
// is unexported and registers for no events, so we need our own.
type extensionClient struct {
	runtimeAPI string // host:port of the Runtime, Extensions and Telemetry APIs
	base       string
	http       *http.Client
	id         string
}

// extensionEvent is an event from /extension/event/next.
type extensionEvent struct {
	EventType  string `json:"eventType"`
	RequestID  string `json:"requestId"`
	DeadlineMs int64  `json:"deadlineMs"`
}

// registerExtension registers an internal extension for events: INVOKE
// for the post-response flush (Lambda Managed Instances reject it), none
// for the platform telemetry alone.
func registerExtension(ctx context.Context, runtimeAPI string, events ...string) (*extensionClient, error) {
	c := &extensionClient{
		runtimeAPI: runtimeAPI,
		base:       "http://" + runtimeAPI + "/2020-01-01/extension/",
		// The Extensions API is link-local: never through a proxy.
		http: &http.Client{Transport: &http.Transport{Proxy: nil}},
	}
	body, err := json.Marshal(map[string][]string{"events": append([]string{}, events...)})
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.base+"register", bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Lambda-Extension-Name", extensionName)
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("registering the %s extension: %w", extensionName, err)
	}
	defer resp.Body.Close()
	msg, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("registering the %s extension: status %d: %s", extensionName, resp.StatusCode, bytes.TrimSpace(msg))
	}
	c.id = resp.Header.Get("Lambda-Extension-Identifier")
	if c.id == "" {
		return nil, fmt.Errorf("registering the %s extension: no Lambda-Extension-Identifier in the response", extensionName)
	}
	return c, nil
}

// next asks for the next event; calling it also tells Lambda this
// extension is done with the previous one.
func (c *extensionClient) next(ctx context.Context) (extensionEvent, error) {
	var ev extensionEvent
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.base+"event/next", nil)
	if err != nil {
		return ev, err
	}
	req.Header.Set("Lambda-Extension-Identifier", c.id)
	resp, err := c.http.Do(req)
	if err != nil {
		return ev, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return ev, err
	}
	if resp.StatusCode != http.StatusOK {
		return ev, fmt.Errorf("extension event/next: status %d", resp.StatusCode)
	}
	if err := json.Unmarshal(data, &ev); err != nil {
		return ev, fmt.Errorf("extension event/next: %w", err)
	}
	return ev, nil
}

// postResponse flushes after each invocation from the extension's own
// goroutine: it waits for the INVOKE event of an invocation and for the
// handler's signal that the invocation span has ended, flushes, and only
// then asks for the next event, which lets Lambda freeze the process.
//
// If the event loop stops (the Extensions API failed), the handler flushes
// by itself from then on (see signalFlusher).
type postResponse struct {
	client  *extensionClient
	flusher *flusher
	ended   chan endedInvocation // invocations whose span has ended
	stopped chan struct{}        // closed when run has returned
	// telemetry, once subscribed, is told of each invocation: Lambda's
	// INVOKE event announces its report, and its span's context parents it.
	telemetry atomic.Pointer[platformTelemetry]

	mu   sync.Mutex
	dead bool // run has stopped; guarded by mu, together with sends on ended

	fallbackOnce sync.Once
}

// endedInvocation is the handler's signal to the extension.
type endedInvocation struct {
	requestID string
	deadline  time.Time // zero if the invocation had none
	timedOut  bool      // the watchdog ended and flushed it
}

func newPostResponse(c *extensionClient, f *flusher) *postResponse {
	return &postResponse{
		client:  c,
		flusher: f,
		ended:   make(chan endedInvocation, 64),
		stopped: make(chan struct{}),
	}
}

// invocationEnded tells the extension that the span of inv has ended. It
// never blocks. It reports false if the extension's loop has stopped, so
// that nobody will flush for this invocation unless the caller does. Only
// the first call for an invocation sends anything; later ones report true.
func (p *postResponse) invocationEnded(ctx context.Context, inv *invocation) bool {
	p.telemetry.Load().note(inv.requestID, trace.SpanContextFromContext(ctx))
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.dead {
		return false
	}
	if inv.signalled.Swap(true) {
		return true
	}
	msg := endedInvocation{requestID: inv.requestID, timedOut: inv.timedOut()}
	if dl, ok := ctx.Deadline(); ok {
		msg.deadline = dl
	}
	select {
	case p.ended <- msg:
		return true
	default:
		// Cannot happen while the loop runs (it waits for each invocation
		// in turn); treat it as a stopped loop.
		inv.signalled.Store(false)
		return false
	}
}

// run is the extension's event loop. It returns when the Extensions API
// fails or sends something other than INVOKE.
func (p *postResponse) run() {
	defer p.stop()
	for {
		ev, err := p.client.next(context.Background())
		if err != nil {
			p.flusher.cfg.report(fmt.Errorf("otellambdaflush: the %s extension stopped: %w", extensionName, err))
			return
		}
		if ev.EventType != "INVOKE" {
			p.flusher.cfg.report(fmt.Errorf("otellambdaflush: the %s extension stopped: unexpected %q event", extensionName, ev.EventType))
			return
		}
		p.telemetry.Load().expect(ev.RequestID)
		deadline := time.UnixMilli(ev.DeadlineMs)
		ctx, cancel := context.WithDeadline(context.Background(), deadline)
		quiet := p.waitEnded(ctx, ev.RequestID)
		p.telemetry.Load().catchUp() // the reports received, exported by this flush
		_ = p.flusher.flush(ctx, quiet, quiet)
		cancel()
	}
}

// stop marks the loop as stopped. A handler that signalled an invocation
// the loop will now never handle gets its flush here.
func (p *postResponse) stop() {
	p.mu.Lock()
	p.dead = true
	// Sends happen under mu, so nothing arrives while this drains.
	pending := make([]endedInvocation, 0, len(p.ended))
	for len(p.ended) > 0 {
		pending = append(pending, <-p.ended)
	}
	p.mu.Unlock()
	for _, msg := range pending {
		ctx, cancel := context.Background(), context.CancelFunc(func() {})
		if !msg.deadline.IsZero() {
			ctx, cancel = context.WithDeadline(ctx, msg.deadline)
		}
		_ = p.flusher.flush(ctx, msg.timedOut, true)
		cancel()
	}
	close(p.stopped)
}

// waitEnded waits until the handler reports requestID as ended or ctx is
// done. Reports of earlier invocations are skipped. It reports whether a
// flush that finds no time left is expected (the watchdog has already
// flushed the invocation).
func (p *postResponse) waitEnded(ctx context.Context, requestID string) (quiet bool) {
	for {
		select {
		case msg := <-p.ended:
			if msg.requestID == requestID || requestID == "" {
				return msg.timedOut
			}
		case <-ctx.Done():
			return false
		}
	}
}

// signalFlusher is the otellambda flusher in post-response mode: it hands
// the flush to the extension. It flushes in the handler instead after a
// panic (the process is about to exit), after the timeout watchdog has
// already released the extension, and once the extension's loop has
// stopped (logged once).
type signalFlusher struct {
	post *postResponse
}

func (s signalFlusher) ForceFlush(ctx context.Context) error {
	inv := invocationFrom(ctx) // never nil: Runtime.Handler's outerHandler put it there
	if inv.panicked.Load() || inv.timedOut() {
		err := s.post.flusher.ForceFlush(ctx)
		s.post.invocationEnded(ctx, inv)
		return err
	}
	if s.post.invocationEnded(ctx, inv) {
		return nil
	}
	s.post.fallbackOnce.Do(func() {
		s.post.flusher.cfg.report(fmt.Errorf("otellambdaflush: the %s extension is not running: flushing in the handler, before the response, from now on", extensionName))
	})
	return s.post.flusher.ForceFlush(ctx)
}
