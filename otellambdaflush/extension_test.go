package otellambdaflush

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/lambdacontext"
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

// TestPostResponseFlushesWhenTheBodyIsClosed: in ModePostResponse a
// successful invocation is flushed once aws-lambda-go has posted its
// response, when it closes the body, not before; a failed one is flushed
// before its error is returned (aws-lambda-go posts it without a body to
// close), and not a second time.
func TestPostResponseFlushesWhenTheBodyIsClosed(t *testing.T) {
	exp := &flushRecorder{}
	lf, _ := newInstance(t, exp) // clears the environment: no Runtime API
	r := newRuntimeT(t, lf, WithMode(ModePostResponse))
	h := r.Handler(func(ctx context.Context, ev struct{ Fail bool }) (string, error) {
		_, span := lf.Span(ctx, fmt.Sprint("fail=", ev.Fail))
		span.End()
		if ev.Fail {
			return "", errors.New("failed on purpose")
		}
		return "ok", nil
	})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	ctx = lambdacontext.NewContext(ctx, &lambdacontext.LambdaContext{AwsRequestID: "req-1"})
	body, err := h(ctx, json.RawMessage(`{"Fail":false}`))
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := exp.exported("fail=false"); ok {
		t.Fatal("flushed before the response was posted")
	}
	if b, err := io.ReadAll(body); err != nil || string(b) != `"ok"` {
		t.Fatalf("body %q, %v", b, err)
	}
	if _, ok := exp.exported("fail=false"); ok {
		t.Fatal("flushed before the body was closed")
	}
	if err := body.(io.Closer).Close(); err != nil {
		t.Fatal(err)
	}
	if _, ok := exp.exported("fail=false"); !ok {
		t.Fatal("not flushed when the body was closed")
	}
	exports := exp.count()

	if _, err := h(ctx, json.RawMessage(`{"Fail":true}`)); err == nil {
		t.Fatal("the failure was not returned")
	}
	if _, ok := exp.exported("fail=true"); !ok {
		t.Fatal("a failed invocation was not flushed before its error was returned")
	}
	if got := exp.count(); got != exports+2 {
		t.Errorf("%d spans exported for the failed invocation, want 2 (its span and the invocation span)", got-exports)
	}
}

// TestResolveMode: the mode each setting resolves to, the extension it
// registers on Lambda (for no events, to subscribe to the platform
// reports: the flush needs none), the Telemetry API subscription (schema
// 2022-12-13, 2025-01-29 on managed instances) and what is logged.
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
		{"auto without a Runtime API", ModeAuto, nil, 0, ModePostResponse, nil, nil, ""},
		{"auto on Lambda", ModeAuto, nil, http.StatusOK, ModePostResponse, []string{"logfire-platform[]"}, []string{"2022-12-13"}, ""},
		{"auto, registration refused", ModeAuto, nil, http.StatusForbidden, ModePostResponse, []string{"logfire-platform[]"}, nil, "platform's reports are not recorded"},
		{"auto on managed instances", ModeAuto, managed, http.StatusOK, ModeNone, []string{"logfire-platform[]"}, []string{"2025-01-29"}, ""},
		{"auto with concurrency", ModeAuto, map[string]string{"AWS_LAMBDA_MAX_CONCURRENCY": "4"}, http.StatusOK, ModeNone, []string{"logfire-platform[]"}, []string{"2025-01-29"}, ""},
		{"post-response forced on managed instances", ModePostResponse, managed, http.StatusOK, ModePostResponse, []string{"logfire-platform[]"}, []string{"2025-01-29"}, ""},
		{"in-handler forced", ModeInHandler, nil, http.StatusOK, ModeInHandler, []string{"logfire-platform[]"}, []string{"2022-12-13"}, ""},
		{"none forced", ModeNone, nil, http.StatusOK, ModeNone, []string{"logfire-platform[]"}, []string{"2022-12-13"}, ""},
		{"none forced on managed instances", ModeNone, managed, http.StatusOK, ModeNone, []string{"logfire-platform[]"}, []string{"2025-01-29"}, ""},
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
