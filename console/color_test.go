package console

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/logfire-go/sdk/config"
	"github.com/logfire-go/sdk/internal/envconfig"
	"github.com/logfire-go/sdk/internal/keys"
)

func TestGoldenColorsAlways(t *testing.T) {
	got := render(t, []sdktrace.ReadOnlySpan{
		pendingSpan(traceA, 1, 0, 1, "rootSpan"),
	}, withColors(config.ColorsAlways))
	// The Python SDK's expected output.
	checkGolden(t, got, "\x1b[32m00:00:01.000\x1b[0m rootSpan\n")
}

func TestGoldenColorsByLevelAndTags(t *testing.T) {
	got := render(t, []sdktrace.ReadOnlySpan{
		logRecord(traceA, 0, 1, "tracing", level(envconfig.LevelTrace)),
		logRecord(traceA, 0, 2, "debugging", level(envconfig.LevelDebug)),
		logRecord(traceA, 0, 3, "informing", level(envconfig.LevelInfo)),
		logRecord(traceA, 0, 4, "noticing", level(envconfig.LevelNotice)),
		logRecord(traceA, 0, 5, "warning", level(envconfig.LevelWarn), tags("a", "b")),
		logRecord(traceA, 0, 6, "failing", level(envconfig.LevelError)),
		logRecord(traceA, 0, 7, "dying", level(envconfig.LevelFatal)),
	}, withColors(config.ColorsAlways), withMinLevel(envconfig.LevelTrace), withTimestamps(false))
	checkGolden(t, got, ""+
		"\x1b[2mtracing\x1b[0m\n"+
		"\x1b[2mdebugging\x1b[0m\n"+
		"informing\n"+
		"noticing\n"+
		"\x1b[33mwarning\x1b[0m \x1b[36m[a,b]\x1b[0m\n"+
		"\x1b[31mfailing\x1b[0m\n"+
		"\x1b[31mdying\x1b[0m\n")
}

func TestGoldenColorsShowParents(t *testing.T) {
	got := render(t, interleavedRecords()[:3], withColors(config.ColorsAlways))
	checkGolden(t, got, ""+
		"\x1b[32m00:00:01.000\x1b[0m span a\n"+
		"\x1b[32m00:00:02.000\x1b[0m span b\n"+
		"             \x1b[2mspan a\x1b[0m\n"+
		"\x1b[32m00:00:03.000\x1b[0m   log a\n")
}

func TestColorModes(t *testing.T) {
	records := []sdktrace.ReadOnlySpan{logRecord(traceA, 0, 1, "hello")}
	plain := "00:00:01.000 hello\n"
	colored := "\x1b[32m00:00:01.000\x1b[0m hello\n"
	cases := []struct {
		name     string
		mode     config.ColorMode
		terminal bool
		getenv   func(string) string
		want     string
	}{
		{"auto, terminal", config.ColorsAuto, true, noEnv, colored},
		{"auto, terminal, NO_COLOR", config.ColorsAuto, true, env("NO_COLOR", "1"), plain},
		{"auto, terminal, empty NO_COLOR", config.ColorsAuto, true, env("NO_COLOR", ""), colored},
		{"auto, not a terminal", config.ColorsAuto, false, noEnv, plain},
		{"unknown mode is auto", config.ColorMode("sometimes"), true, noEnv, colored},
		{"always ignores NO_COLOR", config.ColorsAlways, false, env("NO_COLOR", "1"), colored},
		{"never", config.ColorsNever, true, noEnv, plain},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := render(t, records, withColors(c.mode), withTerminal(c.terminal), withGetenv(c.getenv))
			checkGolden(t, got, c.want)
		})
	}
}

func TestAutoColorsWithRealWriters(t *testing.T) {
	// A buffer, a pipe and a regular file are not terminals: no colours in
	// auto mode, even though NO_COLOR is unset.
	if got := render(t, []sdktrace.ReadOnlySpan{logRecord(traceA, 0, 1, "x", level(envconfig.LevelError))},
		withColors(config.ColorsAuto)); strings.Contains(got, "\x1b") {
		t.Errorf("colours written to a buffer: %q", got)
	}

	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	if isTerminal(w) {
		t.Error("a pipe is reported as a terminal")
	}

	f, err := os.Create(filepath.Join(t.TempDir(), "out.log"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	p := newTest(withWriter(f), withColors(config.ColorsAuto), withGetenv(noEnv), withTimestamps(false))
	p.OnEnd(logRecord(traceA, 0, 1, "to a file", level(envconfig.LevelError)))
	if err := p.Shutdown(t.Context()); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(f.Name())
	if err != nil {
		t.Fatal(err)
	}
	if string(data) != "to a file\n" {
		t.Errorf("file holds %q", data)
	}

	var closed *os.File
	if isTerminal(closed) {
		t.Error("a nil *os.File is reported as a terminal")
	}
}

func TestControlCharactersAreEscaped(t *testing.T) {
	got := render(t, []sdktrace.ReadOnlySpan{
		logRecord(traceA, 0, 1, "evil \x1b[2Jclear\rme\u009b1m", attribute.StringSlice(keys.Tags, []string{"t\x07ag"})),
		logRecord(traceA, 0, 2, "tab\tand unicode ✓ é"),
	}, withTimestamps(false))
	checkGolden(t, got, ""+
		"evil \\x1b[2Jclear\\x0dme\\x9b1m [t\\x07ag]\n"+
		"tab\tand unicode ✓ é\n")
}
