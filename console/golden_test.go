package console

import (
	"testing"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/logfire-go/sdk/config"
)

// The expected outputs below are those of the Python SDK's console tests
// (tests/test_console_exporter.py), which this console follows.

// nestedRecords is a root span holding a nested span and two logs:
//
//	rootSpan (1)
//	  nestedSpan (2)
//	    logSpan 1
//	  logSpan 2
func nestedRecords() []sdktrace.ReadOnlySpan {
	return []sdktrace.ReadOnlySpan{
		pendingSpan(traceA, 1, 0, 1, "rootSpan"),
		pendingSpan(traceA, 2, 1, 2, "nestedSpan"),
		logRecord(traceA, 2, 3, "logSpan 1"),
		spanEnd(traceA, 2, 1, 4, "nestedSpan"),
		logRecord(traceA, 1, 5, "logSpan 2"),
		spanEnd(traceA, 1, 0, 6, "rootSpan"),
	}
}

func TestGoldenFlatLogs(t *testing.T) {
	got := render(t, []sdktrace.ReadOnlySpan{
		logRecord(traceA, 0, 1, "first"),
		logRecord(traceA, 0, 2.5, "second"),
		logRecord(traceB, 0, 3.123, "third"),
	})
	checkGolden(t, got, ""+
		"00:00:01.000 first\n"+
		"00:00:02.500 second\n"+
		"00:00:03.123 third\n")
}

func TestGoldenSimple(t *testing.T) {
	got := render(t, []sdktrace.ReadOnlySpan{
		pendingSpan(traceA, 1, 0, 1, "rootSpan"),
		pendingSpan(traceA, 2, 1, 2, "childSpan 1"),
		spanEnd(traceA, 2, 1, 3, "childSpan 1"),
		spanEnd(traceA, 1, 0, 4, "rootSpan"),
	}, withSpanStyle(config.SpanStyleSimple))
	checkGolden(t, got, ""+
		"00:00:01.000 rootSpan\n"+
		"00:00:02.000 childSpan 1\n")
}

func TestGoldenNested(t *testing.T) {
	want := "" +
		"00:00:01.000 rootSpan\n" +
		"00:00:02.000   nestedSpan\n" +
		"00:00:03.000     logSpan 1\n" +
		"00:00:05.000   logSpan 2\n"
	for _, style := range []config.SpanStyle{config.SpanStyleIndented, config.SpanStyleShowParents} {
		t.Run(string(style), func(t *testing.T) {
			checkGolden(t, render(t, nestedRecords(), withSpanStyle(style)), want)
		})
	}
	t.Run("simple", func(t *testing.T) {
		checkGolden(t, render(t, nestedRecords(), withSpanStyle(config.SpanStyleSimple)), ""+
			"00:00:01.000 rootSpan\n"+
			"00:00:02.000 nestedSpan\n"+
			"00:00:03.000 logSpan 1\n"+
			"00:00:05.000 logSpan 2\n")
	})
	t.Run("default is show-parents", func(t *testing.T) {
		checkGolden(t, render(t, nestedRecords()), want)
	})
}

func TestGoldenThreeDeep(t *testing.T) {
	records := []sdktrace.ReadOnlySpan{
		pendingSpan(traceA, 1, 0, 1, "request"),
		pendingSpan(traceA, 2, 1, 2, "handler"),
		pendingSpan(traceA, 3, 2, 3, "query"),
		logRecord(traceA, 3, 4, "rows fetched"),
		spanEnd(traceA, 3, 2, 5, "query"),
		logRecord(traceA, 2, 6, "rendered"),
		spanEnd(traceA, 2, 1, 7, "handler"),
		spanEnd(traceA, 1, 0, 8, "request"),
		logRecord(traceA, 0, 9, "idle"),
	}
	want := "" +
		"00:00:01.000 request\n" +
		"00:00:02.000   handler\n" +
		"00:00:03.000     query\n" +
		"00:00:04.000       rows fetched\n" +
		"00:00:06.000     rendered\n" +
		"00:00:09.000 idle\n"
	for _, style := range []config.SpanStyle{config.SpanStyleIndented, config.SpanStyleShowParents} {
		t.Run(string(style), func(t *testing.T) {
			checkGolden(t, render(t, records, withSpanStyle(style)), want)
		})
	}
}

// interleavedRecords are two root spans whose logs alternate.
func interleavedRecords() []sdktrace.ReadOnlySpan {
	return []sdktrace.ReadOnlySpan{
		pendingSpan(traceA, 1, 0, 1, "span a"),
		pendingSpan(traceB, 2, 0, 2, "span b"),
		logRecord(traceA, 1, 3, "log a"),
		logRecord(traceB, 2, 4, "log b"),
		spanEnd(traceA, 1, 0, 5, "span a"),
		spanEnd(traceB, 2, 0, 6, "span b"),
	}
}

func TestGoldenInterleavedShowParents(t *testing.T) {
	// Line for line the Python SDK's expected output.
	checkGolden(t, render(t, interleavedRecords(), withSpanStyle(config.SpanStyleShowParents)), ""+
		"00:00:01.000 span a\n"+
		"00:00:02.000 span b\n"+
		"             span a\n"+
		"00:00:03.000   log a\n"+
		"             span b\n"+
		"00:00:04.000   log b\n")
}

func TestGoldenInterleavedIndented(t *testing.T) {
	checkGolden(t, render(t, interleavedRecords(), withSpanStyle(config.SpanStyleIndented)), ""+
		"00:00:01.000 span a\n"+
		"00:00:02.000 span b\n"+
		"00:00:03.000   log a\n"+
		"00:00:04.000   log b\n")
}

func TestGoldenInterleavedDeepShowParents(t *testing.T) {
	// Two requests run at once, each two spans deep. When the output goes
	// back to a request, its whole open chain is re-printed, at its own
	// indent; a line inside the chain already shown re-prints nothing.
	records := []sdktrace.ReadOnlySpan{
		pendingSpan(traceA, 1, 0, 1, "GET /a"),
		pendingSpan(traceA, 2, 1, 2, "load a"),
		pendingSpan(traceB, 3, 0, 3, "GET /b"),
		pendingSpan(traceB, 4, 3, 4, "load b"),
		logRecord(traceA, 2, 5, "a loaded"),
		logRecord(traceA, 1, 6, "a done"),
		logRecord(traceB, 4, 7, "b loaded"),
		spanEnd(traceB, 4, 3, 8, "load b"),
		logRecord(traceA, 1, 9, "a again"),
		logRecord(traceB, 3, 10, "b done"),
	}
	checkGolden(t, render(t, records), ""+
		"00:00:01.000 GET /a\n"+
		"00:00:02.000   load a\n"+
		"00:00:03.000 GET /b\n"+
		"00:00:04.000   load b\n"+
		"             GET /a\n"+
		"               load a\n"+
		"00:00:05.000     a loaded\n"+
		"00:00:06.000   a done\n"+
		"             GET /b\n"+
		"               load b\n"+
		"00:00:07.000     b loaded\n"+
		"             GET /a\n"+
		"00:00:09.000   a again\n"+
		"             GET /b\n"+
		"00:00:10.000   b done\n")
}

func TestGoldenShowParentsWithoutTimestamps(t *testing.T) {
	checkGolden(t, render(t, interleavedRecords(), withTimestamps(false)), ""+
		"span a\n"+
		"span b\n"+
		"span a\n"+
		"  log a\n"+
		"span b\n"+
		"  log b\n")
}

func TestGoldenTags(t *testing.T) {
	got := render(t, []sdktrace.ReadOnlySpan{
		pendingSpan(traceA, 1, 0, 1, "tagged span", tags("db", "slow")),
		logRecord(traceA, 1, 2, "one tag", tags("cache")),
		logRecord(traceA, 1, 3, "no tags", tags()),
	})
	checkGolden(t, got, ""+
		"00:00:01.000 tagged span [db,slow]\n"+
		"00:00:02.000   one tag [cache]\n"+
		"00:00:03.000   no tags\n")
}

func TestGoldenNoTimestamps(t *testing.T) {
	checkGolden(t, render(t, nestedRecords(), withTimestamps(false)), ""+
		"rootSpan\n"+
		"  nestedSpan\n"+
		"    logSpan 1\n"+
		"  logSpan 2\n")
}

func TestGoldenMessageFallsBackToName(t *testing.T) {
	s := logRecord(traceA, 0, 1, "")
	checkGolden(t, render(t, []sdktrace.ReadOnlySpan{withName(s, "GET /users")}), "00:00:01.000 GET /users\n")
}
