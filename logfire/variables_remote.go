package logfire

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/logfire-go/sdk/internal/delivery"
)

// The remote source of managed variables: the Logfire API's
// GET /v1/variables/, read with the API key, with ETag / If-None-Match so
// that an unchanged configuration costs a 304, as the Python SDK's
// LogfireRemoteVariableProvider does.
//
// In a long-running process two goroutines, started by the first Get,
// keep it fresh: one polls every interval (±10%), the other listens to
// GET /v1/variable-updates/ (server-sent events) and has the first fetch
// at once when a variable is created, updated or deleted, and again 2 s
// later, past any cache in front of the API. On AWS Lambda, where a
// frozen process cannot poll or keep a stream open, there are no
// goroutines: the configuration is fetched when an invocation starts (or
// a Get runs) and the last fetch is older than the interval, within the
// invocation's deadline and a short timeout.
//
// When a fetch fails, what was last fetched is served (or the code
// defaults, before the first success), and the instance's error handler
// hears of it once, until a fetch succeeds again.

// Bounds of the remote source.
const (
	defaultVariablesInterval = time.Minute
	minVariablesInterval     = 10 * time.Second
	// variablesRequestTimeout bounds one fetch in a long-running process,
	// and the wait of the first Get for the first fetch.
	variablesRequestTimeout = 10 * time.Second
	// lambdaRefreshTimeout bounds a fetch on Lambda; it is further bounded
	// by a quarter of the time the invocation has left.
	lambdaRefreshTimeout = time.Second
	// maxVariablesBody bounds the configuration read from the API.
	maxVariablesBody = 16 << 20
	// followUpDelay is how long after a refresh that a server-sent event
	// caused the poller fetches again.
	followUpDelay = 2 * time.Second
	sseMinBackoff = time.Second
	sseMaxBackoff = time.Minute
	// maxSSELine bounds one line of the event stream.
	maxSSELine = 1 << 20
)

// Paths of the variables API.
const (
	variablesPath       = "/v1/variables/"
	variableUpdatesPath = "/v1/variable-updates/"
)

type remoteVariables struct {
	url, updatesURL string
	auth            string // the Authorization header; never printed
	client          *http.Client
	interval        time.Duration
	onLambda        bool        // fetches in an invocation are bounded by lambdaRefreshTimeout
	onDemand        bool        // AWS Lambda, where the process freezes: no goroutines
	hooked          atomic.Bool // the Lambda integration refreshes at the start of invocations
	report          func(error)
	redact          func(string) string
	warn            func(warning string) // says an X-Logfire-Warning once; nil: not

	// Timing, set by tests.
	requestTimeout time.Duration
	minBackoff     time.Duration
	followUp       time.Duration
	// fetched, if set (by tests), is called after each fetch.
	fetched func()

	mu          sync.Mutex
	cfg         *variablesConfig // nil before the first successful fetch
	etag        string
	fetchedAt   time.Time // of the last successful fetch
	attemptedAt time.Time // of the last fetch, successful or not
	inflight    chan struct{}
	problem     string          // the kind of the failure reported last; "" when the last fetch succeeded
	said        map[string]bool // the problems of configurations reported
	started     bool
	closed      bool
	cancel      context.CancelFunc
	wg          sync.WaitGroup
	wake        chan struct{} // the event stream asks the poller for a fetch
}

func newRemoteVariables(baseURL, apiKey string, interval time.Duration, onLambda, onDemand bool, report func(error), redact func(string) string) *remoteVariables {
	base := strings.TrimRight(baseURL, "/")
	var tr *http.Transport
	if dt, ok := http.DefaultTransport.(*http.Transport); ok {
		tr = dt.Clone()
	} else {
		tr = &http.Transport{Proxy: http.ProxyFromEnvironment, DialContext: (&net.Dialer{Timeout: 10 * time.Second}).DialContext}
	}
	tr.ResponseHeaderTimeout = variablesRequestTimeout
	return &remoteVariables{
		url:            base + variablesPath,
		updatesURL:     base + variableUpdatesPath,
		auth:           "bearer " + apiKey,
		client:         &http.Client{Transport: tr},
		interval:       interval,
		onLambda:       onLambda,
		onDemand:       onDemand,
		report:         report,
		redact:         redact,
		requestTimeout: variablesRequestTimeout,
		minBackoff:     sseMinBackoff,
		followUp:       followUpDelay,
		wake:           make(chan struct{}, 1),
		said:           map[string]bool{},
	}
}

// current returns the configuration to serve, nil before the first
// successful fetch. In a long-running process its first call starts the
// goroutines and waits for the first fetch (bounded by ctx and the request
// timeout). On Lambda it refreshes a configuration older than the
// interval first, unless the Lambda integration does that at the start of
// every invocation.
func (p *remoteVariables) current(ctx context.Context) *variablesConfig {
	if p.onDemand {
		if !p.hooked.Load() {
			p.refreshIfStale(ctx) // no Lambda integration refreshes at the start of invocations
		}
	} else {
		p.start(ctx)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.cfg
}

// start starts the goroutines once, and waits for the first fetch.
func (p *remoteVariables) start(ctx context.Context) {
	p.mu.Lock()
	if p.started || p.closed {
		first := p.inflight
		p.mu.Unlock()
		if first != nil {
			wait(ctx, first, p.bound(ctx))
		}
		return
	}
	p.started = true
	loops, cancel := context.WithCancel(context.Background())
	p.cancel = cancel
	first := make(chan struct{})
	p.inflight = first
	p.wg.Add(2)
	p.mu.Unlock()
	go p.poll(loops, first)
	go p.listen(loops)
	wait(ctx, first, p.bound(ctx))
}

// bound is the longest a Get or an invocation waits for a fetch: the
// request timeout, or on Lambda the Lambda refresh timeout, or a quarter of
// the time left before ctx's deadline if that is less.
func (p *remoteVariables) bound(ctx context.Context) time.Duration {
	if !p.onLambda {
		return p.requestTimeout
	}
	d := lambdaRefreshTimeout
	if dl, ok := ctx.Deadline(); ok {
		d = min(d, time.Until(dl)/4)
	}
	return d
}

// wait waits for done, ctx or d, whichever comes first.
func wait(ctx context.Context, done <-chan struct{}, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-done:
	case <-ctx.Done():
	case <-t.C:
	}
}

// refreshIfStale fetches when the last fetch is older than the interval,
// bounded by ctx and the Lambda refresh timeout (a quarter of what is left
// before ctx's deadline, if that is less). If a fetch is already running it
// waits for that one instead, within the same bounds.
func (p *remoteVariables) refreshIfStale(ctx context.Context) {
	p.mu.Lock()
	if p.closed || (!p.attemptedAt.IsZero() && time.Since(p.attemptedAt) < p.interval) {
		p.mu.Unlock()
		return
	}
	timeout := p.bound(ctx)
	if timeout <= 0 {
		p.mu.Unlock()
		return // no time left: this is not an attempt
	}
	if running := p.inflight; running != nil {
		p.mu.Unlock()
		wait(ctx, running, timeout)
		return
	}
	done := make(chan struct{})
	p.inflight = done
	p.mu.Unlock()
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	p.fetch(ctx)
	p.mu.Lock()
	p.inflight = nil
	p.mu.Unlock()
	close(done)
}

// poll fetches every interval, and at once when the event stream asks;
// first is closed after the first fetch.
func (p *remoteVariables) poll(ctx context.Context, first chan struct{}) {
	defer p.wg.Done()
	var followUp time.Time
	forced := false
	for {
		fctx, cancel := context.WithTimeout(ctx, p.requestTimeout)
		p.fetch(fctx)
		cancel()
		if first != nil {
			p.mu.Lock()
			p.inflight = nil
			p.mu.Unlock()
			close(first)
			first = nil
		}
		if forced {
			followUp = time.Now().Add(p.followUp)
		}
		d := time.Duration(float64(p.interval) * (0.9 + 0.2*rand.Float64()))
		if !followUp.IsZero() {
			d = min(d, max(time.Until(followUp), 0))
		}
		t := time.NewTimer(d)
		forced = false
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-p.wake:
			forced = true
		case <-t.C:
		}
		t.Stop()
		if !followUp.IsZero() && !time.Now().Before(followUp) {
			followUp = time.Time{} // this fetch is the follow-up
		}
	}
}

// nudge asks the poller for a fetch now.
func (p *remoteVariables) nudge() {
	select {
	case p.wake <- struct{}{}:
	default:
	}
}

// listen keeps the event stream open, reconnecting after a backoff that
// doubles from 1 s to 1 min and starts again from 1 s once the stream
// has delivered a line of the event-stream format. Every reconnection
// after the first connection has the poller fetch, for the events missed
// while the stream was down.
func (p *remoteVariables) listen(ctx context.Context) {
	defer p.wg.Done()
	delay := p.minBackoff
	connected := false
	for ctx.Err() == nil {
		if p.stream(ctx, &connected) {
			delay = p.minBackoff
		}
		t := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
		delay = min(delay*2, sseMaxBackoff)
	}
}

// stream reads the event stream until it ends, and reports whether it was
// healthy: it delivered at least one line in the event-stream format.
func (p *remoteVariables) stream(ctx context.Context, connected *bool) (healthy bool) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, p.updatesURL, nil)
	if err != nil {
		return false
	}
	req.Header.Set("Authorization", p.auth)
	req.Header.Set("User-Agent", userAgent)
	req.Header.Set("Accept", "text/event-stream")
	req.Header.Set("Cache-Control", "no-cache")
	resp, err := p.client.Do(req)
	if err != nil {
		return false
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		return false
	}
	if *connected {
		p.nudge()
	}
	*connected = true
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 0, 4096), maxSSELine)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		for _, field := range []string{":", "data:", "event:", "id:", "retry:"} {
			if strings.HasPrefix(line, field) {
				healthy = true
			}
		}
		data, ok := strings.CutPrefix(line, "data:")
		if !ok {
			continue
		}
		var ev struct {
			Event string `json:"event"`
		}
		if json.Unmarshal([]byte(strings.TrimSpace(data)), &ev) == nil {
			switch ev.Event {
			case "created", "updated", "deleted":
				p.nudge()
			}
		}
	}
	return healthy
}

// fetch gets the configuration once, with If-None-Match when an ETag is
// known; a new configuration replaces the one held, and its ETag is kept,
// only once it has been checked.
func (p *remoteVariables) fetch(ctx context.Context) {
	p.mu.Lock()
	etag := p.etag
	p.mu.Unlock()
	cfg, newETag, err := p.get(ctx, etag)
	if p.fetched != nil {
		defer p.fetched()
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if err != nil && errors.Is(ctx.Err(), context.Canceled) {
		return // stopped (Shutdown): not an attempt
	}
	now := time.Now()
	p.attemptedAt = now
	if err != nil {
		p.failed(err)
		return
	}
	p.problem = ""
	p.fetchedAt = now
	if cfg != nil {
		p.cfg, p.etag = cfg, newETag
		for _, e := range cfg.patterns {
			if !p.said[e.Error()] {
				p.said[e.Error()] = true
				p.report(fmt.Errorf("logfire: managed variables: %w", e))
			}
		}
	}
}

// fetchError is a failed fetch; kind groups the failures reported once.
type fetchError struct {
	kind string
	msg  string
}

func (e *fetchError) Error() string { return e.msg }

// get does one request: a nil configuration with no error is a 304.
func (p *remoteVariables) get(ctx context.Context, etag string) (*variablesConfig, string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, p.url, nil)
	if err != nil {
		return nil, "", &fetchError{"request", err.Error()}
	}
	req.Header.Set("Authorization", p.auth)
	req.Header.Set("User-Agent", userAgent)
	req.Header.Set("Accept", "application/json")
	if etag != "" {
		req.Header.Set("If-None-Match", etag)
	}
	start := time.Now()
	resp, err := p.client.Do(req)
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) || errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return nil, "", &fetchError{"timeout", fmt.Sprintf("no answer within %v: %v", time.Since(start).Round(time.Millisecond), unwrapURLError(err))}
		}
		return nil, "", &fetchError{"unreachable", unwrapURLError(err).Error()}
	}
	defer resp.Body.Close()
	if w := resp.Header.Get(delivery.ServerWarningHeader); w != "" && p.warn != nil {
		p.warn(w)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxVariablesBody+1))
	switch {
	case resp.StatusCode == http.StatusNotModified:
		return nil, "", nil
	case resp.StatusCode != http.StatusOK:
		return nil, "", &fetchError{resp.Status, statusProblem(resp.Status, resp.StatusCode, body)}
	case err != nil:
		return nil, "", &fetchError{"body", "reading the answer: " + unwrapURLError(err).Error()}
	case len(body) > maxVariablesBody:
		return nil, "", &fetchError{"body", fmt.Sprintf("the answer is over %d MiB", maxVariablesBody>>20)}
	}
	cfg, err := parseVariablesConfig(body)
	if err != nil {
		return nil, "", &fetchError{"invalid", "the configuration the API answered is not valid: " + err.Error()}
	}
	return cfg, resp.Header.Get("ETag"), nil
}

// unwrapURLError drops the *url.Error wrapping, which repeats the URL.
func unwrapURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// statusProblem describes an answer other than 200 and 304: its status,
// the server's message (its JSON "detail" or "message", or its text, cut
// short) and what to do.
func statusProblem(status string, code int, body []byte) string {
	msg := serverMessage(body)
	if msg != "" {
		msg = ": " + msg
	}
	hint := ""
	switch {
	case code == http.StatusUnauthorized || code == http.StatusForbidden:
		hint = " (check LOGFIRE_API_KEY: an API key of the project with the project:read_variables scope)"
	case code == http.StatusNotFound:
		hint = " (check LOGFIRE_BASE_URL, or the region the API key names)"
	case code == http.StatusTooManyRequests || code >= 500:
		hint = " (the next fetch retries)"
	}
	return status + msg + hint
}

// serverMessage returns the message of an error answer: the "detail" or
// "message" of a JSON body, else its first line, at most 200 bytes.
func serverMessage(body []byte) string {
	var j struct {
		Detail  any    `json:"detail"`
		Message string `json:"message"`
	}
	if json.Unmarshal(body, &j) == nil {
		switch d := j.Detail.(type) {
		case string:
			return cut(d, 200)
		case nil:
		default:
			if b, err := json.Marshal(d); err == nil {
				return cut(string(b), 200)
			}
		}
		if j.Message != "" {
			return cut(j.Message, 200)
		}
	}
	line, _, _ := strings.Cut(strings.TrimSpace(string(body)), "\n")
	return cut(strings.TrimSpace(line), 200)
}

func cut(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "") + "…"
}

// failed reports err unless a failure of the same kind was reported since
// the last success. p.mu is held.
func (p *remoteVariables) failed(err error) {
	kind := "other"
	var fe *fetchError
	if errors.As(err, &fe) {
		kind = fe.kind
	}
	if kind == p.problem {
		return
	}
	p.problem = kind
	serving := "serving the code defaults"
	if p.cfg != nil {
		serving = "serving the values fetched at " + p.fetchedAt.UTC().Format(time.RFC3339)
	}
	p.report(fmt.Errorf("logfire: managed variables: fetching %s failed: %s; %s until a fetch succeeds",
		p.redact(p.url), p.redact(err.Error()), serving))
}

// shutdown stops the goroutines and waits for them, within ctx.
func (p *remoteVariables) shutdown(ctx context.Context) {
	p.mu.Lock()
	p.closed = true
	cancel := p.cancel
	p.mu.Unlock()
	if cancel == nil {
		return
	}
	cancel()
	done := make(chan struct{})
	go func() {
		p.wg.Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-ctx.Done():
	}
	p.client.CloseIdleConnections()
}
