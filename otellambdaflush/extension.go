package otellambdaflush

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"
)

// extensionName is the name this package registers its internal Lambda
// extension under.
const extensionName = "logfire-flush"

// extensionClient speaks the Lambda Extensions API. aws-lambda-go's client
// is unexported and registers for no events, so we need our own.
type extensionClient struct {
	base string
	http *http.Client
	id   string
}

// extensionEvent is an event from /extension/event/next.
type extensionEvent struct {
	EventType  string `json:"eventType"`
	RequestID  string `json:"requestId"`
	DeadlineMs int64  `json:"deadlineMs"`
}

// registerExtension registers an internal extension for INVOKE events. It
// fails on Lambda Managed Instances, which reject INVOKE registration.
func registerExtension(ctx context.Context, runtimeAPI string) (*extensionClient, error) {
	c := &extensionClient{
		base: "http://" + runtimeAPI + "/2020-01-01/extension/",
		// The Extensions API is link-local: never through a proxy.
		http: &http.Client{Transport: &http.Transport{Proxy: nil}},
	}
	body := []byte(`{"events":["INVOKE"]}`)
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
type postResponse struct {
	client  *extensionClient
	flusher *Flusher
	ended   chan string // request ids whose invocation span has ended
}

func newPostResponse(c *extensionClient, f *Flusher) *postResponse {
	return &postResponse{client: c, flusher: f, ended: make(chan string, 64)}
}

// invocationEnded is called by the handler once the invocation span has
// ended. It never blocks.
func (p *postResponse) invocationEnded(requestID string) {
	select {
	case p.ended <- requestID:
	default:
		// Nobody is draining (the loop ended); the in-handler fallback is
		// not possible here, the invocation's data goes with a later flush.
	}
}

// run is the extension's event loop. It returns when the Extensions API
// fails or sends SHUTDOWN.
func (p *postResponse) run() {
	for {
		ev, err := p.client.next(context.Background())
		if err != nil {
			p.flusher.opts.logf("the %s extension stopped: %v", extensionName, err)
			return
		}
		if ev.EventType != "INVOKE" {
			return
		}
		deadline := time.UnixMilli(ev.DeadlineMs)
		ctx, cancel := context.WithDeadline(context.Background(), deadline)
		p.waitEnded(ctx, ev.RequestID)
		_ = p.flusher.ForceFlush(ctx)
		cancel()
	}
}

// waitEnded waits until the handler reports requestID as ended or ctx is
// done. Reports of earlier invocations are skipped.
func (p *postResponse) waitEnded(ctx context.Context, requestID string) {
	for {
		select {
		case id := <-p.ended:
			if id == requestID || requestID == "" {
				return
			}
		case <-ctx.Done():
			return
		}
	}
}

// signalFlusher is the otellambda flusher in post-response mode: it hands
// the flush to the extension, except after a panic, when the process is
// about to exit and the flush must happen now.
type signalFlusher struct {
	post *postResponse
}

func (s signalFlusher) ForceFlush(ctx context.Context) error {
	inv := invocationFrom(ctx)
	if inv == nil {
		return s.post.flusher.ForceFlush(ctx)
	}
	inv.mu.Lock()
	panicked := inv.panicked
	inv.mu.Unlock()
	if panicked {
		err := s.post.flusher.ForceFlush(ctx)
		s.post.invocationEnded(inv.requestID)
		return err
	}
	s.post.invocationEnded(inv.requestID)
	return nil
}
