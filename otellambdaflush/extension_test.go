package otellambdaflush

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// The flush mode and the post-response extension, against a fake
// Extensions API on 127.0.0.1.

// fakeExtensionsAPI serves the two Extensions API calls the package makes.
// Each /event/next call takes the next scripted reply from replies: a
// request id to send an INVOKE event for, or "fail" for a 500.
type fakeExtensionsAPI struct {
	srv            *httptest.Server
	registerStatus int
	replies        chan string
	nexts          chan time.Time // when each /event/next call arrived
	done           chan struct{}  // closed when the test ends

	mu         sync.Mutex
	registered []string // the events of each registration
	subscribed []string // the schema version of each Telemetry API subscription
}

func startFakeExtensionsAPI(t *testing.T, registerStatus int) *fakeExtensionsAPI {
	t.Helper()
	f := &fakeExtensionsAPI{registerStatus: registerStatus, replies: make(chan string, 16), nexts: make(chan time.Time, 16),
		done: make(chan struct{})}
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
	mux.HandleFunc("PUT /2022-07-01/telemetry", func(w http.ResponseWriter, r *http.Request) {
		var body struct{ SchemaVersion string }
		_ = json.NewDecoder(r.Body).Decode(&body)
		f.mu.Lock()
		f.subscribed = append(f.subscribed, body.SchemaVersion)
		f.mu.Unlock()
		_, _ = w.Write([]byte(`"OK"`))
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
		case <-f.done:
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
	t.Cleanup(func() {
		close(f.done) // ends the /event/next calls still waiting
		f.srv.Close()
	})
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
	r := newRuntimeT(t, lf, withReport(log))
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
	p := newPostResponse(nil, newFlusher(lf, newConfig(nil)))
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

// TestResolveMode: the mode each setting resolves to, the extension it
// registers (for INVOKE, or for no events only to subscribe to the
// platform reports), the Telemetry API subscription (schema 2022-12-13,
// 2025-01-29 on managed instances) and what is logged.
func TestResolveMode(t *testing.T) {
	managed := map[string]string{"AWS_LAMBDA_INITIALIZATION_TYPE": "lambda-managed-instances"}
	cases := []struct {
		name       string
		mode       Mode
		env        map[string]string
		register   int // 0: no Runtime API
		want       Mode
		registered []string
		subscribed []string
		logged     string
	}{
		{"auto without a Runtime API", ModeAuto, nil, 0, ModeInHandler, nil, nil, ""},
		{"auto on Lambda", ModeAuto, nil, http.StatusOK, ModePostResponse, []string{"logfire-flush[INVOKE]"}, []string{"2022-12-13"}, ""},
		{"auto, registration refused", ModeAuto, nil, http.StatusForbidden, ModeInHandler, []string{"logfire-flush[INVOKE]"}, nil, "flushing in the handler instead"},
		{"auto on managed instances", ModeAuto, managed, http.StatusOK, ModeNone, []string{"logfire-flush[]"}, []string{"2025-01-29"}, ""},
		{"auto with concurrency", ModeAuto, map[string]string{"AWS_LAMBDA_MAX_CONCURRENCY": "4"}, http.StatusOK, ModeNone, []string{"logfire-flush[]"}, []string{"2025-01-29"}, ""},
		{"post-response forced on managed instances", ModePostResponse, managed, http.StatusForbidden, ModeInHandler,
			[]string{"logfire-flush[INVOKE]", "logfire-flush[]"}, nil, "flushing in the handler instead"},
		{"in-handler forced", ModeInHandler, nil, http.StatusOK, ModeInHandler, nil, nil, ""},
		{"none forced", ModeNone, nil, http.StatusOK, ModeNone, nil, nil, ""},
		{"none forced on managed instances", ModeNone, managed, http.StatusOK, ModeNone, []string{"logfire-flush[]"}, []string{"2025-01-29"}, ""},
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
			r := newRuntimeT(t, lf, WithMode(tc.mode), withReport(log))
			if r.Mode() != tc.want {
				t.Errorf("mode %v, want %v", r.Mode(), tc.want)
			}
			if api != nil {
				if tc.subscribed != nil {
					api.nextCall(t) // the subscription comes before the extension's first next
				}
				api.mu.Lock()
				if !slices.Equal(api.registered, tc.registered) || !slices.Equal(api.subscribed, tc.subscribed) {
					t.Errorf("registered %q, subscribed %q; want %q, %q", api.registered, api.subscribed, tc.registered, tc.subscribed)
				}
				api.mu.Unlock()
			}
			if (r.platform.Load() != nil) != (tc.subscribed != nil) {
				t.Errorf("platform telemetry %v, want %v", r.platform.Load() != nil, tc.subscribed != nil)
			}
			r.platform.Load().shutdown(context.Background())
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
		if got := onManagedInstances(); got != tc.want {
			t.Errorf("type %q, concurrency %q: %v, want %v", tc.initType, tc.concurrency, got, tc.want)
		}
	}
}
