package otellambdaflush

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"
	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
)

// lines is a logger for WithLogger that tests can read.
type lines struct {
	mu  sync.Mutex
	got []string
}

func (l *lines) logf(format string, args ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.got = append(l.got, fmt.Sprintf(format, args...))
}

func (l *lines) all() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.got...)
}

func (l *lines) count(substr string) int {
	n := 0
	for _, s := range l.all() {
		if strings.Contains(s, substr) {
			n++
		}
	}
	return n
}

// fakeExtensionsAPI serves the two Extensions API calls the package makes.
// Each /event/next call takes the next scripted reply from replies: a
// request id to send an INVOKE event for, or "fail" for a 500.
type fakeExtensionsAPI struct {
	srv            *httptest.Server
	registerStatus int
	replies        chan string
	nexts          chan time.Time // when each /event/next call arrived

	mu         sync.Mutex
	registered []string // the events of each registration
}

func startFakeExtensionsAPI(t *testing.T, registerStatus int) *fakeExtensionsAPI {
	t.Helper()
	f := &fakeExtensionsAPI{registerStatus: registerStatus, replies: make(chan string, 16), nexts: make(chan time.Time, 16)}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /2020-01-01/extension/register", func(w http.ResponseWriter, r *http.Request) {
		var body struct{ Events []string }
		_ = json.NewDecoder(r.Body).Decode(&body)
		f.mu.Lock()
		f.registered = append(f.registered, r.Header.Get("Lambda-Extension-Name")+fmt.Sprint(body.Events))
		f.mu.Unlock()
		if f.registerStatus != http.StatusOK {
			http.Error(w, `{"errorType":"Extension.InvalidEventType"}`, f.registerStatus)
			return
		}
		w.Header().Set("Lambda-Extension-Identifier", "ext-1")
		_, _ = w.Write([]byte(`{}`))
	})
	mux.HandleFunc("GET /2020-01-01/extension/event/next", func(w http.ResponseWriter, r *http.Request) {
		select {
		case f.nexts <- time.Now():
		default:
		}
		var reply string
		select {
		case reply = <-f.replies:
		case <-r.Context().Done():
			return
		case <-time.After(10 * time.Second):
			reply = "fail"
		}
		if reply == "fail" {
			http.Error(w, "scripted failure", http.StatusInternalServerError)
			return
		}
		_ = json.NewEncoder(w).Encode(map[string]any{
			"eventType": "INVOKE", "requestId": reply,
			"deadlineMs": time.Now().Add(5 * time.Second).UnixMilli(),
		})
	})
	f.srv = httptest.NewServer(mux)
	t.Cleanup(f.srv.Close)
	t.Setenv("AWS_LAMBDA_RUNTIME_API", strings.TrimPrefix(f.srv.URL, "http://"))
	return f
}

// nextCall waits for the next /event/next call.
func (f *fakeExtensionsAPI) nextCall(t *testing.T) time.Time {
	t.Helper()
	select {
	case at := <-f.nexts:
		return at
	case <-time.After(5 * time.Second):
		t.Fatal("the extension did not call /event/next")
		return time.Time{}
	}
}

// flushRecorder is an exporter that records when spans were exported.
type flushRecorder struct {
	mu    sync.Mutex
	times map[string]time.Time // span name → export time
}

func (e *flushRecorder) ExportSpans(_ context.Context, spans []sdktrace.ReadOnlySpan) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.times == nil {
		e.times = map[string]time.Time{}
	}
	for _, s := range spans {
		e.times[s.Name()] = time.Now()
	}
	return nil
}

func (e *flushRecorder) Shutdown(context.Context) error { return nil }

func (e *flushRecorder) exported(name string) (time.Time, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	at, ok := e.times[name]
	return at, ok
}

// invokeAs calls the runtime's handler like aws-lambda-go does, for
// request id id.
func invokeAs(r *Runtime, handler any, id string, timeout time.Duration) ([]byte, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	ctx = lambdacontext.NewContext(ctx, &lambdacontext.LambdaContext{AwsRequestID: id})
	return r.Handler(handler).Invoke(ctx, []byte(`{}`))
}

// TestPostResponseExtensionAndFallback drives the post-response mode
// against a fake Extensions API: the flush happens in the extension after
// the handler has returned and before the extension asks for its next
// event; once the extension's loop has stopped (the API failed), the
// handler flushes by itself, and says so once.
func TestPostResponseExtensionAndFallback(t *testing.T) {
	exp := &flushRecorder{}
	lf, _ := newInstance(t, exp) // clears the environment
	api := startFakeExtensionsAPI(t, http.StatusOK)
	log := &lines{}
	r := New(lf, WithLogger(log.logf))
	if r.Mode() != ModePostResponse {
		t.Fatalf("mode %v, want post-response", r.Mode())
	}
	api.nextCall(t) // the loop is waiting for its first event

	// Invocation 1: INVOKE, then the handler.
	api.replies <- "req-1"
	handler := func(ctx context.Context) (string, error) {
		_, span := lf.Span(ctx, "first")
		span.End()
		return "ok", nil
	}
	if _, err := invokeAs(r, handler, "req-1", 5*time.Second); err != nil {
		t.Fatal(err)
	}
	next := api.nextCall(t) // the extension is done with req-1
	at, ok := exp.exported("first")
	if !ok {
		t.Fatal("the invocation was not flushed before the extension asked for its next event")
	}
	if !at.Before(next) {
		t.Errorf("flushed %v after the extension's next call", at.Sub(next))
	}

	// The API fails: the loop stops.
	api.replies <- "fail"
	select {
	case <-r.post.stopped:
	case <-time.After(5 * time.Second):
		t.Fatal("the extension loop did not stop")
	}
	if log.count("extension stopped") != 1 {
		t.Errorf("log: %q", log.all())
	}

	// Invocations 2 and 3 flush in the handler: their spans are exported
	// when Invoke returns. The fallback is logged once.
	for i, name := range []string{"second", "third"} {
		h := func(ctx context.Context) (string, error) {
			_, span := lf.Span(ctx, name)
			span.End()
			return "ok", nil
		}
		if _, err := invokeAs(r, h, fmt.Sprintf("req-%d", i+2), 5*time.Second); err != nil {
			t.Fatal(err)
		}
		if _, ok := exp.exported(name); !ok {
			t.Fatalf("invocation %q was not flushed in the handler after the loop stopped", name)
		}
	}
	if n := log.count("flushing in the handler"); n != 1 {
		t.Errorf("fallback logged %d times, want once: %q", n, log.all())
	}
}

// TestExtensionStopFlushesSignalledInvocation: a handler that signalled
// its invocation just before the loop stopped still gets it flushed (by
// the stopping loop), and nothing is left in the channel.
func TestExtensionStopFlushesSignalledInvocation(t *testing.T) {
	clearEnv(t)
	exp := &flushRecorder{}
	lf, _ := newInstance(t, exp)
	p := newPostResponse(nil, &Flusher{lf: lf, opts: newOptions(nil)})
	_, span := lf.Span(context.Background(), "signalled")
	span.End()
	inv := &invocation{requestID: "req-9"}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if !p.invocationEnded(ctx, inv) {
		t.Fatal("signal refused by a running loop")
	}
	if !p.invocationEnded(ctx, inv) {
		t.Fatal("a second signal for the same invocation must be accepted (and ignored)")
	}
	p.stop()
	if _, ok := exp.exported("signalled"); !ok {
		t.Fatal("the signalled invocation was not flushed when the loop stopped")
	}
	if p.invocationEnded(ctx, &invocation{requestID: "req-10"}) {
		t.Fatal("a stopped loop accepted a signal")
	}
	if len(p.ended) != 0 {
		t.Fatalf("%d signals left in the channel", len(p.ended))
	}
}

func TestResolveMode(t *testing.T) {
	cases := []struct {
		name       string
		mode       Mode
		env        map[string]string
		register   int // 0: no Runtime API
		want       Mode
		registered int
		logged     string
	}{
		{"auto without a Runtime API", ModeAuto, nil, 0, ModeInHandler, 0, ""},
		{"auto on Lambda", ModeAuto, nil, http.StatusOK, ModePostResponse, 1, ""},
		{"auto, registration refused", ModeAuto, nil, http.StatusForbidden, ModeInHandler, 1, "flushing in the handler instead"},
		{"auto on managed instances", ModeAuto, map[string]string{"AWS_LAMBDA_INITIALIZATION_TYPE": "lambda-managed-instances"}, http.StatusOK, ModeNone, 0, ""},
		{"auto with concurrency", ModeAuto, map[string]string{"AWS_LAMBDA_MAX_CONCURRENCY": "4"}, http.StatusOK, ModeNone, 0, ""},
		{"post-response forced on managed instances", ModePostResponse, map[string]string{"AWS_LAMBDA_INITIALIZATION_TYPE": "lambda-managed-instances"}, http.StatusForbidden, ModeInHandler, 1, "flushing in the handler instead"},
		{"in-handler forced", ModeInHandler, nil, http.StatusOK, ModeInHandler, 0, ""},
		{"none forced", ModeNone, nil, http.StatusOK, ModeNone, 0, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			clearEnv(t)
			lf, _ := newInstance(t, &flushRecorder{})
			var api *fakeExtensionsAPI
			if tc.register != 0 {
				api = startFakeExtensionsAPI(t, tc.register)
			}
			for k, v := range tc.env {
				t.Setenv(k, v)
			}
			log := &lines{}
			r := New(lf, WithMode(tc.mode), WithLogger(log.logf))
			if r.Mode() != tc.want {
				t.Errorf("mode %v, want %v", r.Mode(), tc.want)
			}
			n := 0
			if api != nil {
				api.mu.Lock()
				n = len(api.registered)
				if n > 0 && api.registered[0] != "logfire-flush[INVOKE]" {
					t.Errorf("registered %q", api.registered)
				}
				api.mu.Unlock()
			}
			if n != tc.registered {
				t.Errorf("%d registrations, want %d", n, tc.registered)
			}
			if tc.logged == "" && len(log.all()) > 0 || tc.logged != "" && log.count(tc.logged) != 1 {
				t.Errorf("log %q, want %q", log.all(), tc.logged)
			}
		})
	}
}

func TestOnManagedInstances(t *testing.T) {
	cases := []struct {
		initType, concurrency string
		want                  bool
	}{
		{"", "", false},
		{"on-demand", "", false},
		{"provisioned-concurrency", "1", false},
		{"lambda-managed-instances", "", true},
		{"on-demand", "2", true},
		{"", "not a number", false},
		{"", "0", false},
	}
	for _, tc := range cases {
		t.Setenv("AWS_LAMBDA_INITIALIZATION_TYPE", tc.initType)
		t.Setenv("AWS_LAMBDA_MAX_CONCURRENCY", tc.concurrency)
		if got := OnManagedInstances(); got != tc.want {
			t.Errorf("type %q, concurrency %q: %v, want %v", tc.initType, tc.concurrency, got, tc.want)
		}
	}
}

// TestRuntimeShutdown: the hooks run, with the budget's deadline, then the
// instance is shut down (what was queued is exported); a shutdown that
// cannot finish in time is logged.
func TestRuntimeShutdown(t *testing.T) {
	clearEnv(t)
	exp := &flushRecorder{}
	lf, _ := newInstance(t, exp)
	log := &lines{}
	var hookDeadline time.Time
	r := New(lf, WithMode(ModeInHandler), WithLogger(log.logf), WithShutdownBudget(300*time.Millisecond),
		WithShutdownHook(func(ctx context.Context) {
			hookDeadline, _ = ctx.Deadline()
			lf.Info(ctx, "Shutting down")
		}))
	start := time.Now()
	r.Shutdown()
	if hookDeadline.IsZero() || hookDeadline.Sub(start) > 300*time.Millisecond+50*time.Millisecond {
		t.Errorf("hook deadline %v after the call, want the 300ms budget", hookDeadline.Sub(start))
	}
	if _, ok := exp.exported("Shutting down"); !ok {
		t.Error("the hook's log was not exported by the shutdown")
	}
	if len(log.all()) != 0 {
		t.Errorf("log: %q", log.all())
	}

	// A hanging backend: the shutdown gives up at the budget and says so.
	hanging := &countingExporter{block: make(chan struct{})}
	defer close(hanging.block)
	lf2, _ := newInstance(t, hanging)
	log2 := &lines{}
	r2 := New(lf2, WithMode(ModeInHandler), WithLogger(log2.logf), WithShutdownBudget(100*time.Millisecond))
	lf2.Info(context.Background(), "stuck")
	start = time.Now()
	r2.Shutdown()
	if d := time.Since(start); d > time.Second {
		t.Errorf("shutdown took %v with a 100ms budget", d)
	}
	if log2.count("shutdown did not finish") != 1 {
		t.Errorf("log: %q", log2.all())
	}
}

// TestShutdownBudgetCountsFromSIGTERM: callbacks that ran before Shutdown
// (given with lambda.WithEnableSIGTERM) use up the budget instead of
// extending it.
func TestShutdownBudgetCountsFromSIGTERM(t *testing.T) {
	clearEnv(t)
	lf, _ := newInstance(t, &flushRecorder{})
	var hookDeadline time.Time
	r := New(lf, WithMode(ModeInHandler), WithLogger((&lines{}).logf), WithShutdownBudget(400*time.Millisecond),
		WithShutdownHook(func(ctx context.Context) { hookDeadline, _ = ctx.Deadline() }))
	sigterm := time.Now().Add(-300 * time.Millisecond)
	r.sigtermAt.Store(sigterm.UnixNano())
	r.Shutdown()
	if want := sigterm.Add(400 * time.Millisecond); !hookDeadline.Equal(want) {
		t.Errorf("deadline %v after SIGTERM, want 400ms", hookDeadline.Sub(sigterm))
	}
}

// TestEnablesSIGTERM pins the detection of lambda.WithEnableSIGTERM among
// aws-lambda-go's options (see enablesSIGTERM) to the version in go.mod.
func TestEnablesSIGTERM(t *testing.T) {
	type key struct{}
	cases := map[string]struct {
		opt  lambda.Option
		want bool
	}{
		"WithEnableSIGTERM()":       {lambda.WithEnableSIGTERM(), true},
		"WithEnableSIGTERM(f)":      {lambda.WithEnableSIGTERM(func() {}), true},
		"WithContext":               {lambda.WithContext(context.Background()), false},
		"WithContextValue":          {lambda.WithContextValue(key{}, 1), false},
		"WithSetEscapeHTML":         {lambda.WithSetEscapeHTML(true), false},
		"WithSetIndent":             {lambda.WithSetIndent("", "  "), false},
		"WithUseNumber":             {lambda.WithUseNumber(true), false},
		"WithDisallowUnknownFields": {lambda.WithDisallowUnknownFields(true), false},
		"nil":                       {nil, false},
	}
	for name, tc := range cases {
		if got := enablesSIGTERM(tc.opt); got != tc.want {
			t.Errorf("%s: %v, want %v", name, got, tc.want)
		}
	}
	// New keeps the SIGTERM options away from the user's handler.
	clearEnv(t)
	lf, _ := newInstance(t, &flushRecorder{})
	r := New(lf, WithMode(ModeInHandler), WithLambdaOptions(lambda.WithUseNumber(true), lambda.WithEnableSIGTERM(func() {})))
	if len(r.handlerOpts) != 1 {
		t.Errorf("handler options: %d, want 1 (WithUseNumber only)", len(r.handlerOpts))
	}
	if got := len(r.StartOptions(nil)); got != 4 {
		t.Errorf("start options: %d, want 4 (SIGTERM time, the user's two, SIGTERM shutdown)", got)
	}
}

// watchdogRuntime is an in-handler runtime whose timeout watchdog fires
// lead before the deadline, and the in-memory spans of its instance.
func watchdogRuntime(t *testing.T, lead time.Duration) (*Runtime, *tracetest.InMemoryExporter, *lines) {
	t.Helper()
	clearEnv(t)
	t.Setenv("AWS_LAMBDA_FUNCTION_NAME", "fn")
	lf, mem := newInstance(t, &flushRecorder{})
	t.Setenv("AWS_LAMBDA_FUNCTION_NAME", "fn")
	log := &lines{}
	return New(lf, WithMode(ModeInHandler), WithTimeoutLead(lead), WithLogger(log.logf)), mem, log
}

// invocationSpan returns the ended invocation span ("fn"), waiting up to d.
func invocationSpan(t *testing.T, mem *tracetest.InMemoryExporter, d time.Duration) (tracetest.SpanStub, bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for {
		for _, s := range mem.GetSpans() {
			if s.Name == "fn" {
				return s, true
			}
		}
		if time.Now().After(deadline) {
			return tracetest.SpanStub{}, false
		}
		time.Sleep(time.Millisecond)
	}
}

// TestWatchdogHandlerFirst: a handler that returns before the watchdog
// fires decides the span; the watchdog never touches it afterwards.
func TestWatchdogHandlerFirst(t *testing.T) {
	r, mem, log := watchdogRuntime(t, 300*time.Millisecond)
	handler := func(ctx context.Context) error { return errors.New("bad input") }
	if _, err := invokeAs(r, handler, "req-1", 400*time.Millisecond); err == nil {
		t.Fatal("want the handler's error")
	}
	time.Sleep(200 * time.Millisecond) // past the time the watchdog would have fired
	s, _ := invocationSpan(t, mem, 0)
	if s.Status.Code != codes.Error || s.Status.Description != "*errors.errorString: bad input" || len(s.Events) != 1 {
		t.Errorf("span: status %+v, %d events", s.Status, len(s.Events))
	}
	if len(log.all()) != 0 {
		t.Errorf("log: %q", log.all())
	}
}

// TestWatchdogFirst: once the watchdog has ended the span as timed out, a
// handler that returns later records nothing more on it, and the flush
// that follows is silent even when no time is left.
func TestWatchdogFirst(t *testing.T) {
	for name, returnAt := range map[string]string{
		"returns with time left":  "after the watchdog",
		"returns at the deadline": "deadline",
	} {
		t.Run(name, func(t *testing.T) {
			r, mem, log := watchdogRuntime(t, 250*time.Millisecond)
			handler := func(ctx context.Context) error {
				if _, ok := invocationSpan(t, mem, 2*time.Second); !ok {
					return errors.New("the watchdog did not end the span")
				}
				if returnAt == "deadline" {
					<-ctx.Done()
				}
				return errors.New("late failure")
			}
			_, _ = invokeAs(r, handler, "req-1", 400*time.Millisecond)
			s, _ := invocationSpan(t, mem, 0)
			if s.Status.Code != codes.Error || !strings.HasPrefix(s.Status.Description, "Timeout: ") || len(s.Events) != 1 {
				t.Errorf("span: status %+v, %d events, want only the timeout", s.Status, len(s.Events))
			}
			if len(log.all()) != 0 {
				t.Errorf("log: %q, want nothing", log.all())
			}
		})
	}
}

// TestWatchdogRace: handlers that return right around the moment the
// watchdog fires. Whichever comes first decides; the span never gets both
// outcomes. Run with -race.
func TestWatchdogRace(t *testing.T) {
	// The lead is above the default safety margin (50ms), as it must be
	// for a handler that returns just before the watchdog to have time
	// left to flush.
	r, mem, log := watchdogRuntime(t, 80*time.Millisecond)
	timeouts, handled := 0, 0
	for i := range 40 {
		mem.Reset()
		handler := func(ctx context.Context) error {
			dl, _ := ctx.Deadline()
			time.Sleep(time.Until(dl) - 80*time.Millisecond + time.Duration(i%5-2)*time.Millisecond)
			return errors.New("handler error")
		}
		_, _ = invokeAs(r, handler, fmt.Sprintf("req-%d", i), 150*time.Millisecond)
		s, ok := invocationSpan(t, mem, time.Second)
		if !ok {
			t.Fatalf("invocation %d: no span", i)
		}
		if len(s.Events) != 1 || s.Status.Code != codes.Error {
			t.Fatalf("invocation %d: status %+v, %d events", i, s.Status, len(s.Events))
		}
		switch {
		case strings.HasPrefix(s.Status.Description, "Timeout: "):
			timeouts++
		case s.Status.Description == "*errors.errorString: handler error":
			handled++
		default:
			t.Fatalf("invocation %d: status %+v", i, s.Status)
		}
	}
	t.Logf("watchdog first %d times, handler first %d times", timeouts, handled)
	for _, l := range log.all() {
		if strings.Contains(l, "skipped") {
			t.Errorf("log: %q", l)
		}
	}
}

// TestFlusherQuietAfterWatchdog: the flusher does not report a skipped
// flush for an invocation the watchdog has already flushed.
func TestFlusherQuietAfterWatchdog(t *testing.T) {
	clearEnv(t)
	lf, _ := newInstance(t, &flushRecorder{})
	log := &lines{}
	f := NewFlusher(lf, WithLogger(log.logf))
	ctx, cancel := context.WithDeadline(context.Background(), time.Now().Add(-time.Millisecond))
	defer cancel()
	inv := &invocation{}
	inv.settle(outcomeTimedOut)
	if err := f.ForceFlush(context.WithValue(ctx, invocationKey{}, inv)); err != nil {
		t.Errorf("after the watchdog: %v, want nil", err)
	}
	if len(log.all()) != 0 {
		t.Errorf("log: %q", log.all())
	}
	if err := f.ForceFlush(ctx); !errors.Is(err, ErrNoTimeLeft) || log.count("skipped the flush") != 1 {
		t.Errorf("without the watchdog: %v, log %q", err, log.all())
	}
}
