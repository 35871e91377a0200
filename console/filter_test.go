package console

import (
	"testing"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/logfire-go/sdk/config"
	"github.com/logfire-go/sdk/internal/envconfig"
	"github.com/logfire-go/sdk/internal/keys"
)

func TestGoldenMinLevelLogs(t *testing.T) {
	records := []sdktrace.ReadOnlySpan{
		logRecord(traceA, 0, 1, "trace", level(envconfig.LevelTrace)),
		logRecord(traceA, 0, 2, "debug", level(envconfig.LevelDebug)),
		logRecord(traceA, 0, 3, "no level"),
		logRecord(traceA, 0, 4, "info", level(envconfig.LevelInfo)),
		logRecord(traceA, 0, 5, "warn", level(envconfig.LevelWarn)),
		logRecord(traceA, 0, 6, "error", level(envconfig.LevelError)),
	}
	t.Run("default info", func(t *testing.T) {
		checkGolden(t, render(t, records, withTimestamps(false)), "no level\ninfo\nwarn\nerror\n")
	})
	t.Run("debug", func(t *testing.T) {
		checkGolden(t, render(t, records, withTimestamps(false), withMinLevel(envconfig.LevelDebug)),
			"debug\nno level\ninfo\nwarn\nerror\n")
	})
	t.Run("warn", func(t *testing.T) {
		checkGolden(t, render(t, records, withTimestamps(false), withMinLevel(envconfig.LevelWarn)), "warn\nerror\n")
	})
}

func TestGoldenMinLevelSpans(t *testing.T) {
	// A hidden span is transparent: what it holds lines up under its
	// visible parent, and it is never re-printed as a parent.
	records := []sdktrace.ReadOnlySpan{
		pendingSpan(traceA, 1, 0, 1, "request"),
		pendingSpan(traceA, 2, 1, 2, "debug span", level(envconfig.LevelDebug)),
		logRecord(traceA, 2, 3, "inside the debug span"),
		logRecord(traceA, 2, 4, "debug log", level(envconfig.LevelDebug)),
		pendingSpan(traceA, 3, 2, 5, "warn span", level(envconfig.LevelWarn)),
		logRecord(traceA, 3, 6, "inside the warn span"),
		pendingSpan(traceB, 4, 0, 7, "other request"),
		logRecord(traceA, 3, 8, "back in the warn span"),
	}
	for _, style := range []config.SpanStyle{config.SpanStyleIndented, config.SpanStyleShowParents} {
		t.Run(string(style), func(t *testing.T) {
			want := "" +
				"request\n" +
				"  inside the debug span\n" +
				"  warn span\n" +
				"    inside the warn span\n" +
				"other request\n"
			if style == config.SpanStyleShowParents {
				want += "request\n  warn span\n"
			}
			want += "    back in the warn span\n"
			checkGolden(t, render(t, records, withSpanStyle(style), withTimestamps(false)), want)
		})
	}
	t.Run("debug shows everything", func(t *testing.T) {
		checkGolden(t, render(t, records[:5], withTimestamps(false), withMinLevel(envconfig.LevelDebug)), ""+
			"request\n"+
			"  debug span\n"+
			"    inside the debug span\n"+
			"    debug log\n"+
			"    warn span\n")
	})
	t.Run("simple", func(t *testing.T) {
		checkGolden(t, render(t, records[:5], withTimestamps(false), withSpanStyle(config.SpanStyleSimple)), ""+
			"request\n"+
			"inside the debug span\n"+
			"warn span\n")
	})
}

func TestGoldenErrorStatusWithoutLevel(t *testing.T) {
	failed := withStatus(logRecord(traceA, 0, 1, "failed"), codes.Error, "boom")
	got := render(t, []sdktrace.ReadOnlySpan{failed}, withTimestamps(false), withColors(config.ColorsAlways), withMinLevel(envconfig.LevelWarn))
	checkGolden(t, got, "\x1b[31mfailed\x1b[0m\n")

	// An explicit level wins over the status.
	explicit := withStatus(logRecord(traceA, 0, 1, "explicit", level(envconfig.LevelInfo)), codes.Error, "boom")
	checkGolden(t, render(t, []sdktrace.ReadOnlySpan{explicit}, withTimestamps(false), withMinLevel(envconfig.LevelWarn)), "")
}

func TestGoldenDisableConsoleLog(t *testing.T) {
	records := []sdktrace.ReadOnlySpan{
		pendingSpan(traceA, 1, 0, 1, "visible"),
		pendingSpan(traceA, 2, 1, 2, "silent span", attribute.Bool(keys.DisableConsole, true)),
		logRecord(traceA, 2, 3, "child of the silent span"),
		logRecord(traceA, 1, 4, "silent log", attribute.Bool(keys.DisableConsole, true)),
		logRecord(traceA, 1, 5, "as a string", attribute.String(keys.DisableConsole, "true")),
		logRecord(traceA, 1, 6, "explicitly enabled", attribute.Bool(keys.DisableConsole, false)),
	}
	checkGolden(t, render(t, records, withTimestamps(false)), ""+
		"visible\n"+
		"  child of the silent span\n"+
		"  explicitly enabled\n")
}

func TestRealSpanEndsAreNotPrinted(t *testing.T) {
	records := []sdktrace.ReadOnlySpan{
		spanEnd(traceA, 1, 0, 1, "real span"),
		withoutAttributes(spanEnd(traceA, 2, 0, 2, "foreign span")),
	}
	for _, style := range []config.SpanStyle{config.SpanStyleSimple, config.SpanStyleIndented, config.SpanStyleShowParents} {
		checkGolden(t, render(t, records, withSpanStyle(style)), "")
	}
}

func TestSpanEndsAreForgotten(t *testing.T) {
	p := newTest(withWriter(discard{}), withSpanStyle(config.SpanStyleShowParents))
	defer p.Shutdown(t.Context())
	for i := 1; i <= 100; i++ {
		p.OnEnd(pendingSpan(traceA, i, 0, 1, "root"))
		p.OnEnd(pendingSpan(traceA, 1000+i, i, 1, "child"))
		p.OnEnd(logRecord(traceA, 1000+i, 1, "log"))
		p.OnEnd(spanEnd(traceA, 1000+i, i, 2, "child"))
		p.OnEnd(spanEnd(traceA, i, 0, 2, "root"))
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if n := len(p.tree.open); n != 0 {
		t.Errorf("%d spans still tracked after they all ended", n)
	}
	if n := len(p.tree.stack); n != 0 {
		t.Errorf("stack holds %d spans after they all ended", n)
	}
}

func TestTrackerBounded(t *testing.T) {
	tr := newTracker(true)
	for i := 0; i < maxOpenSpans+10; i++ {
		tr.started(sid(i+1), sid(0), 0, true, "never ends")
		tr.enter(sid(0))
	}
	if len(tr.open) > maxOpenSpans {
		t.Errorf("tracker holds %d spans, more than %d", len(tr.open), maxOpenSpans)
	}
}

func TestTrackerCycle(t *testing.T) {
	// Malformed ids where two spans are each other's parent must not hang.
	tr := newTracker(true)
	tr.started(sid(1), sid(2), 0, true, "one")
	tr.started(sid(2), sid(1), 0, true, "two")
	tr.stack = nil
	if got := tr.enter(sid(1)); len(got) > 2 {
		t.Errorf("re-printed %d spans for a two-span cycle", len(got))
	}
}
