package console

import (
	"testing"

	"go.opentelemetry.io/otel/attribute"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/logfire-go/sdk/config"
	"github.com/logfire-go/sdk/internal/envconfig"
)

// A message with newlines keeps its column: the lines after the first start
// where the first line's text starts (timestamp width plus the nesting
// indent), in every span style, with and without timestamps and in verbose
// mode. They never start at the left edge, where the timestamps are.

// multilineRecords is a span, a multi-line log inside it, and a multi-line
// span of a second trace, whose logs make show-parents re-print the first.
func multilineRecords() []sdktrace.ReadOnlySpan {
	return []sdktrace.ReadOnlySpan{
		pendingSpan(traceA, 1, 0, 1, "import\nusers.csv"),
		logRecord(traceA, 1, 2, "bad row 7:\n  name: ''\n\nskipped", tags("csv")),
		pendingSpan(traceB, 2, 0, 3, "other\nrequest"),
		logRecord(traceA, 1, 4, "done"),
	}
}

func TestGoldenMultilineShowParents(t *testing.T) {
	checkGolden(t, render(t, multilineRecords()), ""+
		"00:00:01.000 import\n"+
		"             users.csv\n"+
		"00:00:02.000   bad row 7:\n"+
		"                 name: ''\n"+
		"\n"+
		"               skipped [csv]\n"+
		"00:00:03.000 other\n"+
		"             request\n"+
		"             import\n"+
		"             users.csv\n"+
		"00:00:04.000   done\n")
}

func TestGoldenMultilineIndented(t *testing.T) {
	checkGolden(t, render(t, multilineRecords(), withSpanStyle(config.SpanStyleIndented)), ""+
		"00:00:01.000 import\n"+
		"             users.csv\n"+
		"00:00:02.000   bad row 7:\n"+
		"                 name: ''\n"+
		"\n"+
		"               skipped [csv]\n"+
		"00:00:03.000 other\n"+
		"             request\n"+
		"00:00:04.000   done\n")
}

func TestGoldenMultilineSimple(t *testing.T) {
	checkGolden(t, render(t, multilineRecords(), withSpanStyle(config.SpanStyleSimple)), ""+
		"00:00:01.000 import\n"+
		"             users.csv\n"+
		"00:00:02.000 bad row 7:\n"+
		"               name: ''\n"+
		"\n"+
		"             skipped [csv]\n"+
		"00:00:03.000 other\n"+
		"             request\n"+
		"00:00:04.000 done\n")
}

func TestGoldenMultilineNoTimestamps(t *testing.T) {
	checkGolden(t, render(t, multilineRecords(), withTimestamps(false)), ""+
		"import\n"+
		"users.csv\n"+
		"  bad row 7:\n"+
		"    name: ''\n"+
		"\n"+
		"  skipped [csv]\n"+
		"other\n"+
		"request\n"+
		"import\n"+
		"users.csv\n"+
		"  done\n")
}

func TestGoldenMultilineVerbose(t *testing.T) {
	attrs := append(codeAt("main.go", 9), level(envconfig.LevelWarn), attribute.Int("row", 7),
		schema(`{"type":"object","properties":{"row":{}}}`))
	got := render(t, []sdktrace.ReadOnlySpan{
		pendingSpan(traceA, 1, 0, 1, "import"),
		logRecord(traceA, 1, 2, "bad row:\nempty name", attrs...),
	}, withVerbose(true))
	checkGolden(t, got, ""+
		"00:00:01.000 import\n"+
		"             │ info\n"+
		"00:00:02.000   bad row:\n"+
		"               empty name\n"+
		"               │ main.go:9 warn\n"+
		"               │ row=7\n")
}

func TestGoldenMultilineColors(t *testing.T) {
	// Each line is painted on its own; the indent is not painted.
	got := render(t, []sdktrace.ReadOnlySpan{
		pendingSpan(traceA, 1, 0, 1, "outer"),
		logRecord(traceA, 1, 2, "failed:\ntimeout", level(envconfig.LevelError)),
	}, withColors(config.ColorsAlways))
	ts := func(s string) string { return "\x1b[32m" + s + "\x1b[0m " }
	checkGolden(t, got, ""+
		ts("00:00:01.000")+"outer\n"+
		ts("00:00:02.000")+"  \x1b[31mfailed:\x1b[0m\n"+
		"               \x1b[31mtimeout\x1b[0m\n")
}

func TestGoldenMultilineControlsStillEscaped(t *testing.T) {
	checkGolden(t, render(t, []sdktrace.ReadOnlySpan{logRecord(traceA, 0, 1, "a\r\n\x1b[2Jb")}), ""+
		"00:00:01.000 a\\x0d\n"+
		"             \\x1b[2Jb\n")
}
