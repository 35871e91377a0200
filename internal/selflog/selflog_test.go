package selflog

import (
	"strings"
	"testing"
	"time"
)

// TestLinesNeverHoldATokenShape: a line loses anything shaped like a
// Logfire write token even when no redactor is registered, and passes
// through the redactors registered.
func TestLinesNeverHoldATokenShape(t *testing.T) {
	var b strings.Builder
	defer SetOutput(&b)()
	Printf("backend said: bad token pylf_v1_us_0123456789abcdef")
	remove := AddRedactor(func(s string) string { return strings.ReplaceAll(s, "secret-token", "[REDACTED]") })
	Printf("backend said: bad token secret-token")
	remove()
	Printf("backend said: bad token secret-token")
	want := "logfire: backend said: bad token [REDACTED]\n" +
		"logfire: backend said: bad token [REDACTED]\n" +
		"logfire: backend said: bad token secret-token\n"
	if b.String() != want {
		t.Errorf("got:\n%s\nwant:\n%s", b.String(), want)
	}
}

// TestLimiter: one line per interval, and the next line says how many were
// held back.
func TestLimiter(t *testing.T) {
	var b strings.Builder
	defer SetOutput(&b)()
	l := Limiter{Every: 1 << 62}
	for range 3 {
		l.Printf("outage")
	}
	if b.String() != "logfire: outage\n" {
		t.Errorf("got %q", b.String())
	}
	l.last = l.last.Add(-1 << 62)
	l.Printf("outage")
	if !strings.HasSuffix(b.String(), "logfire: outage (2 similar lines held back)\n") {
		t.Errorf("got %q", b.String())
	}
}

// TestKinds: one line of each kind per interval, lines that differ only
// in their digits being of one kind; the next line of a kind says how many
// were held back.
func TestKinds(t *testing.T) {
	var b strings.Builder
	defer SetOutput(&b)()
	var k Kinds
	k.Printf("flush failed after %d ms", 12)
	k.Printf("flush failed after %d ms", 345)
	k.Printf("region unknown")
	k.Printf("region unknown")
	want := "logfire: flush failed after 12 ms\nlogfire: region unknown\n"
	if b.String() != want {
		t.Errorf("got %q, want %q", b.String(), want)
	}
	l := k.limiter(kindOf("flush failed after 1 ms"))
	l.last = l.last.Add(-2 * time.Minute)
	k.Printf("flush failed after %d ms", 6)
	if !strings.HasSuffix(b.String(), "logfire: flush failed after 6 ms (1 similar lines held back)\n") {
		t.Errorf("got %q", b.String())
	}
	for i := range maxKinds + 5 {
		k.Printf("kind %s", strings.Repeat("x", i))
	}
	if len(k.kinds) != maxKinds || k.other == nil {
		t.Errorf("%d kinds followed apart, other %v", len(k.kinds), k.other)
	}
}
