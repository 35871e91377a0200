package lambdatest

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

// TestSubscriptionValidation: a subscription is checked as Lambda checks
// it (schema versions, types, buffering bounds, destination), and Lambda
// Managed Instances accept only the 2025-01-29 schema.
func TestSubscriptionValidation(t *testing.T) {
	const dest = `"destination":{"protocol":"HTTP","URI":"http://sandbox.localdomain:4243/t"}`
	cases := []struct {
		name    string
		managed bool
		body    string
		want    string // "" when accepted, else a part of the reason
	}{
		{"minimal", false, `{"schemaVersion":"2022-12-13","types":["platform"],` + dest + `}`, ""},
		{"every schema", false, `{"schemaVersion":"2022-07-01","types":["platform","function","extension"],` + dest + `}`, ""},
		{"2025 on on-demand", false, `{"schemaVersion":"2025-01-29","types":["platform"],` + dest + `}`, ""},
		{"2025 on managed", true, `{"schemaVersion":"2025-01-29","types":["platform"],` + dest + `}`, ""},
		{"2022 on managed", true, `{"schemaVersion":"2022-12-13","types":["platform"],` + dest + `}`, "accept only"},
		{"unknown schema", false, `{"schemaVersion":"2020-01-01","types":["platform"],` + dest + `}`, "schemaVersion"},
		{"no types", false, `{"schemaVersion":"2022-12-13","types":[],` + dest + `}`, "types"},
		{"unknown type", false, `{"schemaVersion":"2022-12-13","types":["metrics"],` + dest + `}`, "unknown type"},
		{"no destination", false, `{"schemaVersion":"2022-12-13","types":["platform"]}`, "destination is required"},
		{"smallest buffering", false, `{"schemaVersion":"2022-12-13","types":["platform"],"buffering":{"maxItems":1000,"maxBytes":262144,"timeoutMs":25},` + dest + `}`, ""},
		{"timeout too short", false, `{"schemaVersion":"2022-12-13","types":["platform"],"buffering":{"timeoutMs":24},` + dest + `}`, "timeoutMs 24"},
		{"too few items", false, `{"schemaVersion":"2022-12-13","types":["platform"],"buffering":{"maxItems":999},` + dest + `}`, "maxItems 999"},
		{"too many bytes", false, `{"schemaVersion":"2022-12-13","types":["platform"],"buffering":{"maxBytes":1048577},` + dest + `}`, "maxBytes 1048577"},
		{"other host", false, `{"schemaVersion":"2022-12-13","types":["platform"],"destination":{"protocol":"HTTP","URI":"http://127.0.0.1:4243/"}}`, "sandbox.localdomain"},
		{"no port", false, `{"schemaVersion":"2022-12-13","types":["platform"],"destination":{"protocol":"HTTP","URI":"http://sandbox.localdomain/"}}`, "port"},
		{"TCP", false, `{"schemaVersion":"2022-12-13","types":["platform"],"destination":{"protocol":"TCP","port":4243}}`, "HTTP only"},
		{"not JSON", false, `{"schemaVersion":`, "Invalid JSON"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := &Emulator{cfg: defaultConfig()}
			e.cfg.managed = tc.managed
			sub, msg := e.parseSubscription([]byte(tc.body))
			switch {
			case tc.want == "" && sub == nil:
				t.Errorf("refused: %s", msg)
			case tc.want != "" && (sub != nil || !strings.Contains(msg, tc.want)):
				t.Errorf("got %v %q, want a refusal mentioning %q", sub != nil, msg, tc.want)
			}
		})
	}
	e := &Emulator{cfg: defaultConfig()}
	sub, _ := e.parseSubscription([]byte(`{"schemaVersion":"2022-12-13","types":["platform"],"buffering":{"maxItems":2000,"timeoutMs":25},` + dest + `}`))
	if sub.dest != "http://127.0.0.1:4243/t" || sub.maxItems != 2000 || sub.maxBytes != defaultBufferBytes || sub.timeout != 25*time.Millisecond {
		t.Errorf("subscription %+v", sub)
	}
}

// TestDeliveryBuffering runs a subscription's delivery loop on virtual
// time: a batch goes when its oldest event has waited timeoutMs, or at
// once when it holds maxItems events; nothing goes while the environment
// is frozen, and what fell due goes when it is thawed; when the
// environment is shutting down everything goes at once; a closed
// subscription drops what is left and stops.
func TestDeliveryBuffering(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := &Emulator{cfg: defaultConfig(), closed: make(chan struct{})}
		e.cfg.logf = t.Logf
		g := newGeneration(1, time.Now(), "log-stream")
		g.tel.e = e
		var mu sync.Mutex
		var sent []string // "<ms since start>:<events>"
		start := time.Now()
		sub := &telemetrySub{t: g.tel, g: g, name: "x", platform: true, maxItems: 3, maxBytes: defaultBufferBytes,
			timeout: 25 * time.Millisecond, wake: make(chan struct{}, 1)}
		sub.send = func(batch [][]byte) {
			mu.Lock()
			defer mu.Unlock()
			sent = append(sent, fmt.Sprintf("%d:%s", time.Since(start).Milliseconds(), strings.Join(toStrings(batch), ",")))
		}
		g.tel.subs = []*telemetrySub{sub}
		e.work.begin()
		go sub.run()
		enqueue := func(evs ...string) {
			e.mu.Lock()
			defer e.mu.Unlock()
			for _, ev := range evs {
				sub.enqueueLocked([]byte(ev))
			}
		}
		check := func(want ...string) {
			t.Helper()
			synctest.Wait()
			mu.Lock()
			defer mu.Unlock()
			if strings.Join(sent, " ") != strings.Join(want, " ") {
				t.Fatalf("sent %q, want %q", sent, want)
			}
		}

		enqueue("a")
		time.Sleep(24 * time.Millisecond)
		check()
		enqueue("b") // joins the batch of a, due 25 ms after a
		time.Sleep(time.Millisecond)
		check("25:a,b")

		enqueue("c", "d", "e") // maxItems: at once
		check("25:a,b", "25:c,d,e")

		e.mu.Lock()
		g.frozen = true
		e.mu.Unlock()
		enqueue("f")
		time.Sleep(time.Second)
		check("25:a,b", "25:c,d,e")
		e.mu.Lock()
		g.frozen = false
		g.tel.wakeLocked()
		e.mu.Unlock()
		check("25:a,b", "25:c,d,e", "1025:f")

		enqueue("g")
		e.mu.Lock()
		g.tel.flushing = true
		g.tel.wakeLocked()
		e.mu.Unlock()
		check("25:a,b", "25:c,d,e", "1025:f", "1025:g")

		e.mu.Lock()
		g.tel.flushing = false
		e.mu.Unlock()
		enqueue("h")
		e.mu.Lock()
		g.tel.closeLocked()
		e.mu.Unlock()
		synctest.Wait() // run has returned
		time.Sleep(time.Second)
		check("25:a,b", "25:c,d,e", "1025:f", "1025:g")
		if !e.work.waitIdle(time.Second) {
			t.Error("the delivery loop did not stop")
		}
	})
}

func toStrings(batch [][]byte) []string {
	out := make([]string, len(batch))
	for i, b := range batch {
		out[i] = string(b)
	}
	return out
}
