package otlptest

import (
	"net/http"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

// The receiver under concurrent clients and changing faults, and its
// cleanup.

// TestConcurrentFlapping checks, under the race detector, that what is
// recorded is exactly what clients saw accepted while the faults change.
func TestConcurrentFlapping(t *testing.T) {
	r := New(t)
	stop := make(chan struct{})
	var flapper sync.WaitGroup
	flapper.Go(func() {
		faults := []Fault{OK, Refuse, Status(503, 0), OK, ResetMidBody, Refuse, Truncated200, PartialSuccess(0)}
		for i := 0; ; i++ {
			select {
			case <-stop:
				r.SetFault(OK)
				return
			case <-time.After(3 * time.Millisecond):
			}
			r.SetFault(faults[i%len(faults)])
		}
	})
	var mu sync.Mutex
	accepted := 0
	var clients sync.WaitGroup
	for g := range 4 {
		c := newClient(t, guard)
		clients.Go(func() {
			for i := range 15 {
				got := send(c, r.URL(), Traces, traces(byte(16*g+i), 2), true, nil)
				if got.err == nil && got.readErr == nil && got.status == 200 {
					mu.Lock()
					accepted += 2
					mu.Unlock()
				}
			}
		})
	}
	clients.Wait()
	close(stop)
	flapper.Wait()
	if err := r.WaitIdle(ctxTimeout(t, guard)); err != nil {
		t.Fatal(err)
	}
	if got := r.Count(Traces); got != accepted {
		t.Errorf("recorded %d spans, clients saw %d accepted", got, accepted)
	}
	if d := r.Duplicates(Traces); d != 0 {
		t.Errorf("%d duplicates", d)
	}
	t.Logf("%d of 120 spans accepted, %d requests seen", accepted, r.Requests(Traces))
}

// TestNothingOutlivesCleanup runs every fault with requests in flight and
// checks that no goroutine of a receiver remains after its test.
func TestNothingOutlivesCleanup(t *testing.T) {
	t.Run("faults", func(t *testing.T) {
		r := New(t, WithDecide(func(req Request) Fault {
			return []Fault{Hang, Slow(time.Minute), OK}[req.N%3]
		}))
		tr := &http.Transport{}
		c := &http.Client{Transport: tr}
		url := r.URL()
		for i := range 3 {
			go func() { _ = send(c, url, Traces, traces(byte(i), 1), true, nil) }()
		}
		if err := r.WaitRequests(ctxTimeout(t, guard), Traces, 3); err != nil {
			t.Fatal(err)
		}
		r.SetFault(Refuse)
		r.SetFault(ResetMidBody)
		_ = send(c, url, Traces, traces(9, 1), true, nil)
		r.SetFault(Hang)
		go func() { _ = send(c, url, Logs, logs(1, 1), true, nil) }()
		if err := r.WaitRequests(ctxTimeout(t, guard), Logs, 1); err != nil {
			t.Fatal(err)
		}
	})
	var leaked string
	// A goroutine may still be returning from its last frame: look again
	// until the guard.
	for deadline := time.Now().Add(guard); time.Now().Before(deadline); {
		buf := make([]byte, 1<<20)
		stacks := string(buf[:runtime.Stack(buf, true)])
		leaked = ""
		for g := range strings.SplitSeq(stacks, "\n\n") {
			if strings.Contains(g, "otlptest.(*Receiver)") || strings.Contains(g, "net/http.(*conn).serve") ||
				strings.Contains(g, "net/http.(*Server).Serve") {
				leaked += g + "\n\n"
			}
		}
		if leaked == "" {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Errorf("goroutines outlive the receiver:\n%s", leaked)
}
