package logfire

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/logfire-go/sdk/config"
	"github.com/logfire-go/sdk/internal/otlptest"
)

// resetMisuse forgets which misuse was said, for a test.
func resetMisuse(t *testing.T) {
	t.Helper()
	misuseOnce = [numMisuses]sync.Once{}
	t.Cleanup(func() { misuseOnce = [numMisuses]sync.Once{} })
}

// withoutDefault runs the test with no default instance, then puts back
// the one there was.
func withoutDefault(t *testing.T) {
	t.Helper()
	prev := current()
	defaultInstance.Store(nil)
	t.Cleanup(func() { defaultInstance.Store(prev) })
}

func TestMisuseBeforeConfigureIsSaidOnce(t *testing.T) {
	clearEnv(t)
	resetMisuse(t)
	withoutDefault(t)
	out := quietSelflog(t)
	ctx := context.Background()
	Info(ctx, "lost")
	Warn(ctx, "lost too")
	_, span := Span(ctx, "a span")
	span.End()
	_ = Do(ctx, "a do", func(context.Context) error { return nil })
	if got := strings.Count(out.String(), "\n"); got != 1 {
		t.Fatalf("%d lines, want 1:\n%s", got, out)
	}
	line := out.String()
	for _, want := range []string{"logfire.Info was called before logfire.Configure", "nothing is recorded", "Call logfire.Configure once"} {
		if !strings.Contains(line, want) {
			t.Errorf("the line does not say %q: %s", want, line)
		}
	}
}

// TestIgnoreNoConfig: LOGFIRE_IGNORE_NO_CONFIG=true silences the line
// said when a package-level function is called before Configure; a value
// it cannot read leaves the line on.
func TestIgnoreNoConfig(t *testing.T) {
	for value, lines := range map[string]int{"true": 0, "1": 0, "false": 1, "maybe": 1} {
		clearEnv(t)
		resetMisuse(t)
		withoutDefault(t)
		out := quietSelflog(t)
		t.Setenv("LOGFIRE_IGNORE_NO_CONFIG", value)
		Info(context.Background(), "lost")
		if got := strings.Count(out.String(), "\n"); got != lines {
			t.Errorf("LOGFIRE_IGNORE_NO_CONFIG=%s: %d lines, want %d", value, got, lines)
		}
	}
}

func TestMisuseSecondConfigureIsSaidOnceNamingBoth(t *testing.T) {
	clearEnv(t)
	resetMisuse(t)
	withoutDefault(t)
	out := quietSelflog(t)
	ctx := context.Background()
	var made []*Logfire
	for _, name := range []string{"checkout", "billing", "shipping"} {
		lf, err := Configure(ctx, WithConsole(nil), WithSendToLogfire(config.SendNever), WithServiceName(name))
		if err != nil {
			t.Fatal(err)
		}
		made = append(made, lf)
	}
	t.Cleanup(func() {
		for _, lf := range made {
			_ = lf.Shutdown(ctx)
		}
	})
	if got := strings.Count(out.String(), "\n"); got != 1 {
		t.Fatalf("%d lines, want 1:\n%s", got, out)
	}
	for _, want := range []string{`service "billing" the default in place of that of service "checkout"`, "Configure once, at start"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("the line does not say %q: %s", want, out)
		}
	}
	if current() != made[2] {
		t.Error("the last Configure is not the default")
	}
}

func TestMisuseAfterShutdownIsSaidOnceAndCounted(t *testing.T) {
	clearEnv(t)
	resetMisuse(t)
	out := quietSelflog(t)
	rcv := otlptest.New(t)
	lf := deliveryInstance(t, rcv.URL())
	ctx := context.Background()
	if err := lf.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	lf.Info(ctx, "after")
	_, span := lf.Span(ctx, "after too")
	span.SetAttribute("k", "v")
	span.End()
	_ = lf.ForceFlush(ctx)
	if got := strings.Count(out.String(), "\n"); got != 1 {
		t.Fatalf("%d lines, want 1:\n%s", got, out)
	}
	if !strings.Contains(out.String(), "after (*logfire.Logfire).Shutdown") || !strings.Contains(out.String(), "make no spans or logs after it") {
		t.Errorf("line: %s", out)
	}
	if got := lf.DeliveryStats().Spans.Dropped["shutdown"]; got != 2 {
		t.Errorf("%d records counted as dropped after Shutdown, want 2", got)
	}
}

// TestZeroValuesDoNotPanic: a zero Logfire and a zero SpanHandle do
// nothing.
func TestZeroValuesDoNotPanic(t *testing.T) {
	var lf Logfire
	ctx, span := lf.Span(nil, "x") //nolint:staticcheck // a nil context on purpose
	if ctx == nil || span != nil {
		t.Errorf("Span on a zero Logfire: %v %v", ctx, span)
	}
	if err := lf.Do(context.Background(), "x", nil); err != nil {
		t.Errorf("Do with a nil fn: %v", err)
	}
	var h SpanHandle
	h.SetAttribute("k", 1)
	h.SetMessage("m")
	h.SetLevel(LevelWarn)
	h.AddTags("t")
	h.RecordError(context.Canceled)
	_ = h.SpanContext()
	_ = h.OTelSpan()
	h.End()
	lf.Info(nil, "x") //nolint:staticcheck // a nil context on purpose
}
