package logfire

import (
	"context"
	"errors"
	"math/rand/v2"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"

	"go.opentelemetry.io/otel"

	"github.com/logfire-go/sdk/config"
	"github.com/logfire-go/sdk/internal/instance"
	"github.com/logfire-go/sdk/internal/otlptest"
	"github.com/logfire-go/sdk/internal/testhook"
)

// handlerErrors records what an error handler receives.
type handlerErrors struct {
	mu   sync.Mutex
	msgs []string
}

func (h *handlerErrors) handle(err error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.msgs = append(h.msgs, err.Error())
}

func (h *handlerErrors) all() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]string(nil), h.msgs...)
}

// letters returns n random lower-case letters: a line of a kind the
// default handler has not seen (digits would not make one).
func letters(n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte('a' + rand.IntN(26))
	}
	return string(b)
}

// keepDefault restores the default instance when the test ends.
func keepDefault(t *testing.T) {
	prev := current()
	t.Cleanup(func() { defaultInstance.Store(prev) })
}

// TestErrorHandlerGetsConfigureWarnings: a problem Configure goes on
// from (a token naming a region the SDK does not know) reaches the
// instance's handler, with the token's prefix and not the token.
func TestErrorHandlerGetsConfigureWarnings(t *testing.T) {
	clearEnv(t)
	lines := quietSelflog(t)
	var h handlerErrors
	ctx := testhook.With(context.Background(), testhook.Settings{NotDefault: true})
	// Nothing is recorded, so nothing is sent to the US region.
	lf, err := Configure(ctx, WithConsole(nil), WithToken("pylf_v1_mars_Handler0Secret0Token"), WithErrorHandler(h.handle))
	if err != nil {
		t.Fatal(err)
	}
	if err := lf.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	got := h.all()
	if len(got) != 1 || !strings.Contains(got[0], `"pylf_v1_mars_"`) || !strings.Contains(got[0], "LOGFIRE_BASE_URL") {
		t.Fatalf("handler got %q, want one warning naming the token's prefix and LOGFIRE_BASE_URL", got)
	}
	if strings.Contains(got[0], "Handler0Secret") || strings.Contains(lines.String(), "Handler0Secret") {
		t.Fatalf("the token leaked: %q, %q", got, lines.String())
	}
	if lines.String() != "" {
		t.Errorf("with a handler, standard error got %q", lines.String())
	}
}

// TestErrorHandlerGetsOTelErrors: otel.Handle reaches the handler of the
// instance the last Configure made, its tokens redacted; instances that
// are not the default are reached through internal/instance.
func TestErrorHandlerGetsOTelErrors(t *testing.T) {
	clearEnv(t)
	keepDefault(t)
	quietSelflog(t) // the line about replacing the default instance
	const legacy = "legacy-Handler-Secret-0123456789"
	var h handlerErrors
	lf, err := Configure(context.Background(), WithConsole(nil), WithSendToLogfire(config.SendNever),
		WithToken(legacy), WithErrorHandler(h.handle))
	if err != nil {
		t.Fatal(err)
	}
	defer lf.Shutdown(context.Background())
	otel.Handle(errors.New("export failed: the backend refused " + legacy))
	got := h.all()
	if len(got) != 1 || !strings.Contains(got[0], "export failed: the backend refused [REDACTED]") {
		t.Fatalf("handler got %q, want the OpenTelemetry error, redacted", got)
	}

	var other handlerErrors
	ctx := testhook.With(context.Background(), testhook.Settings{NotDefault: true})
	lf2, err := Configure(ctx, WithConsole(nil), WithSendToLogfire(config.SendNever), WithErrorHandler(other.handle))
	if err != nil {
		t.Fatal(err)
	}
	defer lf2.Shutdown(context.Background())
	instance.HandleError(lf2, errors.New("for the second instance"))
	instance.HandleError(nil, errors.New("for the default instance"))
	instance.HandleError((*Logfire)(nil), errors.New("for the default instance too"))
	otel.Handle(errors.New("still for the default instance"))
	if got := other.all(); len(got) != 1 || got[0] != "for the second instance" {
		t.Errorf("second instance's handler got %q", got)
	}
	want := []string{"for the default instance", "for the default instance too", "still for the default instance"}
	if got := h.all()[1:]; strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("default instance's handler got %q, want %q", got, want)
	}
}

// TestDefaultErrorHandler: without WithErrorHandler, a problem is a line
// on standard error, its tokens redacted; the same line again within a
// minute is held back; with no instance at all, the line is written too.
func TestDefaultErrorHandler(t *testing.T) {
	clearEnv(t)
	keepDefault(t)
	lines := quietSelflog(t)
	const legacy = "legacy-Default-Secret-0123456789"
	lf, err := Configure(context.Background(), WithConsole(nil), WithSendToLogfire(config.SendNever), WithToken(legacy))
	if err != nil {
		t.Fatal(err)
	}
	defer lf.Shutdown(context.Background())
	kind := letters(12)
	otel.Handle(errors.New("exporter " + kind + " failed for " + legacy))
	otel.Handle(errors.New("exporter " + kind + " failed for " + legacy))
	if got, want := lines.String(), "logfire: exporter "+kind+" failed for [REDACTED]\n"; got != want {
		t.Errorf("standard error got %q, want %q", got, want)
	}
	defaultInstance.Store(nil)
	other := letters(12)
	otel.Handle(errors.New("no instance " + other))
	if !strings.HasSuffix(lines.String(), "logfire: no instance "+other+"\n") {
		t.Errorf("with no instance, standard error got %q", lines.String())
	}
}

// TestErrorHandlerGetsOutages: with WithErrorHandler, the line about a
// backend that cannot be reached goes to the handler, not to standard
// error.
func TestErrorHandlerGetsOutages(t *testing.T) {
	clearEnv(t)
	lines := quietSelflog(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	refused := "http://" + ln.Addr().String()
	_ = ln.Close() // nothing listens there now: every connection is refused
	var h handlerErrors
	lf := deliveryInstance(t, refused, WithErrorHandler(h.handle))
	lf.Info(context.Background(), "kept for later")
	if err := lf.ForceFlush(context.Background()); !errors.Is(err, ErrBuffered) {
		t.Fatalf("ForceFlush: got %v, want ErrBuffered", err)
	}
	got := h.all()
	if len(got) != 1 || !strings.Contains(got[0], "cannot deliver to") || strings.Contains(got[0], testToken) {
		t.Fatalf("handler got %q, want one line about the outage, without the token", got)
	}
	if s := lines.String(); strings.Contains(s, "cannot deliver") {
		t.Fatalf("standard error got %q, want nothing about the outage", s)
	}
}

// TestErrorHandlerGetsDrops: with WithErrorHandler, the line that says
// what a backend rejected (here a 400 that echoes the token) goes to the
// handler, once, without the token, and nothing about it to standard
// error.
func TestErrorHandlerGetsDrops(t *testing.T) {
	clearEnv(t)
	lines := quietSelflog(t)
	rcv := otlptest.New(t)
	rcv.SetFault(otlptest.StatusBody(400, 0, func(r *http.Request) string { return "bad token " + r.Header.Get("Authorization") }))
	var h handlerErrors
	lf := deliveryInstance(t, rcv.URL(), WithErrorHandler(h.handle))
	lf.Info(context.Background(), "rejected")
	if err := lf.ForceFlush(context.Background()); !errors.Is(err, ErrDropped) {
		t.Fatalf("ForceFlush: got %v, want ErrDropped", err)
	}
	if err := lf.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	var drops []string
	for _, m := range h.all() {
		if strings.Contains(m, "dropped") {
			drops = append(drops, m)
		}
	}
	if len(drops) != 1 || !strings.Contains(drops[0], "dropped 1 spans (rejected") || strings.Contains(drops[0], testToken) {
		t.Fatalf("handler got %q, want one line about the rejected span, without the token", h.all())
	}
	if s := lines.String(); strings.Contains(s, "dropped") {
		t.Fatalf("standard error got %q, want nothing about the drop", s)
	}
}
