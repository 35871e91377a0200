package otellambdaflush

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
)

// extensionName is the name this package registers its internal Lambda
// extension under.
const extensionName = "logfire-platform"

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

// registerExtension registers an internal extension for events. The
// package registers one for no events, which Lambda Managed Instances
// allow too, to subscribe to the platform's reports (see telemetry.go).
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
