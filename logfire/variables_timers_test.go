package logfire

import (
	"context"
	"net/http"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/logfire-go/sdk/internal/varstest"
)

// The timers of the remote source, in a testing/synctest bubble: the fake
// API is served in memory (varstest.Transport), and time is the bubble's.

// timedAPI serves srv and records when (since start) each request to each
// path arrived.
type timedAPI struct {
	srv   *varstest.Server
	start time.Time
	mu    sync.Mutex
	at    map[string][]time.Duration
}

func newTimedAPI(srv *varstest.Server) *timedAPI {
	return &timedAPI{srv: srv, start: time.Now(), at: map[string][]time.Duration{}}
}

func (a *timedAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	a.at[r.URL.Path] = append(a.at[r.URL.Path], time.Since(a.start))
	a.mu.Unlock()
	a.srv.ServeHTTP(w, r)
}

func (a *timedAPI) times(path string) []time.Duration {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]time.Duration(nil), a.at[path]...)
}

// newTimedRemote is a remote source served by api in memory, its problems
// going to seen.
func newTimedRemote(api *timedAPI, interval time.Duration, onLambda bool, seen *handlerErrors) *remoteVariables {
	p := newRemoteVariables("http://variables.test", testAPIKey, interval, onLambda, onLambda, seen.handle, func(s string) string { return s })
	p.client = &http.Client{Transport: varstest.Transport(api)}
	return p
}

// timedModel is a remote source in memory whose API serves model at
// version 1 ("a"), with the API, the server and where problems go.
func timedModel(interval time.Duration, onLambda bool) (*remoteVariables, *timedAPI, *varstest.Server, *handlerErrors) {
	srv := varstest.New(testAPIKey)
	srv.Set(modelConfig(1, "a"))
	api := newTimedAPI(srv)
	seen := &handlerErrors{}
	return newTimedRemote(api, interval, onLambda, seen), api, srv, seen
}

// TestPollingAndUpdates: the poller fetches every interval ±10%; an update
// on the stream is fetched at once and again 2 s later; Shutdown stops
// both goroutines (the bubble would not end otherwise).
func TestPollingAndUpdates(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p, api, srv, seen := timedModel(time.Minute, false)
		if cfg := p.current(context.Background()); cfg == nil || *cfg.resolve("model", "", false, noAttrs).serialized != `"a"` {
			t.Fatalf("first fetch: %+v", cfg)
		}
		time.Sleep(time.Hour)
		synctest.Wait()
		gets := api.times(varstest.Variables)
		if len(gets) < 55 || len(gets) > 67 {
			t.Errorf("%d fetches in an hour at one a minute ±10%%", len(gets))
		}
		for i := 1; i < len(gets); i++ {
			if d := gets[i] - gets[i-1]; d < 54*time.Second || d > 66*time.Second {
				t.Errorf("fetch %d came %v after the one before, not 54 to 66 s", i, d)
			}
		}

		// An update: fetched at the instant it is announced, and 2 s later.
		before := len(gets)
		at := time.Since(api.start)
		srv.Set(modelConfig(2, "b"))
		synctest.Wait()
		time.Sleep(2 * time.Second)
		synctest.Wait()
		gets = api.times(varstest.Variables)[before:]
		if len(gets) != 2 || gets[0] != at || gets[1] != at+2*time.Second {
			t.Errorf("after an update at %v, fetches at %v; want %v and %v", at, gets, at, at+2*time.Second)
		}
		if cfg := p.current(context.Background()); *cfg.resolve("model", "", false, noAttrs).serialized != `"b"` {
			t.Error("the update was not applied")
		}
		if c := api.times(varstest.Updates); len(c) != 1 {
			t.Errorf("%d connections to the stream, want 1", len(c))
		}
		p.shutdown(context.Background())
		if errs := seen.all(); len(errs) != 0 {
			t.Errorf("reported %q", errs)
		}
	})
}

// TestStreamBackoff: a refused stream is retried after 1, 2, 4, … s, at
// most a minute apart; a stream that delivers a line resets the backoff;
// one that ends is reopened, and the reopening fetches.
func TestStreamBackoff(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		srv := varstest.New(testAPIKey)
		srv.Fail(varstest.Updates, -1, http.StatusServiceUnavailable, `{"detail": "no streams today"}`)
		api := newTimedAPI(srv)
		p := newTimedRemote(api, time.Hour, false, &handlerErrors{})
		p.current(context.Background())
		time.Sleep(200 * time.Second)
		synctest.Wait()
		var want []time.Duration
		for _, s := range []int{0, 1, 3, 7, 15, 31, 63, 123, 183} {
			want = append(want, time.Duration(s)*time.Second)
		}
		if got := api.times(varstest.Updates); !equalDurations(got, want) {
			t.Errorf("connections at %v, want %v", got, want)
		}

		// Accepted at the next try (243 s); ended 10 s later; reopened 1 s
		// after, the backoff reset by the stream's first line, and the
		// reopening fetches.
		srv.Heal(varstest.Updates)
		time.Sleep(53 * time.Second)
		synctest.Wait()
		gets := len(api.times(varstest.Variables))
		srv.End()
		synctest.Wait()
		time.Sleep(time.Second)
		synctest.Wait()
		conns := api.times(varstest.Updates)
		if n := len(conns); n != 11 || conns[9] != 243*time.Second || conns[10] != 254*time.Second {
			t.Errorf("connections at %v, want the 10th at 243s and the 11th at 254s", conns)
		}
		if n := len(api.times(varstest.Variables)); n != gets+1 {
			t.Errorf("the reconnection made %d fetches, want 1", n-gets)
		}
		p.shutdown(context.Background())
	})
}

func equalDurations(a, b []time.Duration) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestFirstGetWaitBounded: in a long-running process, the first Get waits
// for the first fetch at most 10 s, or until its context ends.
func TestFirstGetWaitBounded(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		srv := varstest.New(testAPIKey)
		srv.Hang(varstest.Variables)
		p := newTimedRemote(newTimedAPI(srv), time.Minute, false, &handlerErrors{})
		start := time.Now()
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		if cfg := p.current(ctx); cfg != nil || time.Since(start) != 3*time.Second {
			t.Errorf("with a 3 s context: %v after %v", cfg, time.Since(start))
		}
		cancel()
		if cfg := p.current(context.Background()); cfg != nil || time.Since(start) != 10*time.Second {
			t.Errorf("the first fetch's 10 s bound: %v after %v", cfg, time.Since(start))
		}
		start = time.Now()
		if p.current(context.Background()); time.Since(start) != 0 {
			t.Errorf("a Get after the first fetch waited %v", time.Since(start))
		}
		p.shutdown(context.Background())
	})
}

// TestLambdaRefreshBounded: on Lambda, a refresh when the last fetch is
// older than the interval, bounded by a quarter of what is left of the
// invocation and by 1 s; none when the last attempt is recent, or when no
// time is left; a hung API costs the bound once per interval.
func TestLambdaRefreshBounded(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p, api, srv, seen := timedModel(time.Minute, true)
		invocation := func(timeout time.Duration) time.Duration {
			ctx, cancel := context.WithTimeout(context.Background(), timeout)
			defer cancel()
			start := time.Now()
			p.refreshIfStale(ctx)
			return time.Since(start)
		}
		if took := invocation(3 * time.Second); took != 0 || len(api.times(varstest.Variables)) != 1 {
			t.Errorf("first invocation: took %v, %d fetches", took, len(api.times(varstest.Variables)))
		}
		srv.Hang(varstest.Variables)
		if took := invocation(3 * time.Second); took != 0 {
			t.Errorf("within the interval: took %v", took)
		}
		time.Sleep(time.Minute)
		if took := invocation(3 * time.Second); took != 750*time.Millisecond {
			t.Errorf("a hung API, 3 s left: took %v, want 750ms", took)
		}
		if took := invocation(3 * time.Second); took != 0 {
			t.Errorf("after a failed attempt, within the interval: took %v", took)
		}
		time.Sleep(time.Minute)
		if took := invocation(15 * time.Minute); took != time.Second {
			t.Errorf("a hung API, 15 min left: took %v, want the 1 s cap", took)
		}
		time.Sleep(time.Minute)
		ctx, cancel := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
		p.refreshIfStale(ctx)
		cancel()
		if n := len(api.times(varstest.Variables)); n != 3 {
			t.Errorf("%d fetches, want 3 (none with no time left)", n)
		}
		if errs := seen.all(); len(errs) != 1 {
			t.Errorf("a hung API reported %d times: %q", len(errs), errs)
		}
		if p.cfg == nil || *p.cfg.resolve("model", "", false, noAttrs).serialized != `"a"` {
			t.Error("the last values were lost")
		}
		srv.Heal(varstest.Variables)
		srv.Set(modelConfig(2, "b"))
		if took := invocation(3 * time.Second); took != 0 || *p.cfg.resolve("model", "", false, noAttrs).serialized != `"b"` {
			t.Errorf("after the API came back: took %v", took)
		}
		p.shutdown(context.Background())
	})
}
