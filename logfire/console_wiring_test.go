package logfire

import (
	"context"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/logfire-go/sdk/config"
	"github.com/logfire-go/sdk/console"
	"github.com/logfire-go/sdk/internal/capture"
	"github.com/logfire-go/sdk/internal/testhook"
)

// These tests go through Configure, as a program does, and check the exact
// console lines, with the LOGFIRE_CONSOLE_* variables taken from the
// environment.

// wiringLines are the source lines of the calls in consoleStory, for the
// verbose output.
type wiringLines struct{ hello, outer, inner, inside, warn int }

// nextLine returns the number of the line after its caller's.
func nextLine() int {
	_, _, line, _ := runtime.Caller(1)
	return line + 1
}

// consoleStory logs, opens a span holding a nested span with a log inside
// and a warning, and returns where each call is.
func consoleStory(lf *Logfire) wiringLines {
	ctx := context.Background()
	var l wiringLines
	l.hello = nextLine()
	lf.Info(ctx, "Hello {name}", "name", "world")
	l.outer = nextLine()
	outerCtx, outer := lf.Span(ctx, "processing order {order_id}", "order_id", 42)
	l.inner = nextLine()
	innerCtx, inner := lf.Span(outerCtx, "checking stock")
	l.inside = nextLine()
	lf.Info(innerCtx, "{count} rows", "count", 3)
	inner.End()
	l.warn = nextLine()
	lf.Warn(outerCtx, "stock for {item} is low", "item", "widget")
	outer.End()
	return l
}

// runConsole configures an instance that writes its console into a buffer
// and sends nothing, plays consoleStory, shuts down (which writes out the
// console) and returns the output. env holds LOGFIRE_CONSOLE_* pairs.
func runConsole(t *testing.T, env []string, opts ...Option) (string, wiringLines) {
	t.Helper()
	clearEnv(t)
	t.Setenv("LOGFIRE_CREDENTIALS_DIR", t.TempDir())
	for i := 0; i+1 < len(env); i += 2 {
		t.Setenv(env[i], env[i+1])
	}
	out := &capture.Buffer{}
	// The writer, without turning the console on: that is for the
	// environment and opts to say.
	writer := optionFunc(func(s *settings) { s.consoleWriter = out })
	base := []Option{writer, WithSendToLogfire(config.SendNever)}
	ctx := testhook.With(context.Background(), testhook.Settings{NotDefault: true})
	lf, err := Configure(ctx, append(base, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	lines := consoleStory(lf)
	if err := lf.Shutdown(context.Background()); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	return out.String(), lines
}

func checkConsoleOutput(t *testing.T, got, want string) {
	t.Helper()
	if got != want {
		t.Errorf("console output\n--- got:\n%s--- want:\n%s--- got (quoted): %q", got, want, got)
	}
}

var consoleTimestamp = regexp.MustCompile(`^[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3} `)

func TestConsoleWiringDefaults(t *testing.T) {
	out, _ := runConsole(t, nil, WithConsole(&console.Options{}))
	want := []string{
		"Hello world",
		"processing order 42",
		"  checking stock",
		"    3 rows",
		"  stock for widget is low",
	}
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if len(lines) != len(want) {
		t.Fatalf("%d lines, want %d:\n%s", len(lines), len(want), out)
	}
	for i, line := range lines {
		ts := consoleTimestamp.FindString(line)
		if ts == "" {
			t.Errorf("line %q does not start with HH:MM:SS.mmm", line)
			continue
		}
		if got := line[len(ts):]; got != want[i] {
			t.Errorf("line %d: %q after the timestamp, want %q", i+1, got, want[i])
		}
	}
	if strings.Contains(out, "\x1b") {
		t.Errorf("colours in a buffer under the default auto mode: %q", out)
	}
}

func TestConsoleWiringNoTimestamps(t *testing.T) {
	out, _ := runConsole(t, []string{"LOGFIRE_CONSOLE_INCLUDE_TIMESTAMPS", "false"}, WithConsole(&console.Options{}))
	checkConsoleOutput(t, out, ""+
		"Hello world\n"+
		"processing order 42\n"+
		"  checking stock\n"+
		"    3 rows\n"+
		"  stock for widget is low\n")
}

func TestConsoleWiringOff(t *testing.T) {
	out, _ := runConsole(t, []string{"LOGFIRE_CONSOLE", "false"})
	checkConsoleOutput(t, out, "")

	// Code wins over the environment: WithConsole turns it back on, and
	// WithConsole(nil) turns it off.
	out, _ = runConsole(t, []string{"LOGFIRE_CONSOLE", "false", "LOGFIRE_CONSOLE_INCLUDE_TIMESTAMPS", "f"}, WithConsole(&console.Options{}))
	if !strings.HasPrefix(out, "Hello world\n") {
		t.Errorf("WithConsole with LOGFIRE_CONSOLE=false printed %q", out)
	}
	out, _ = runConsole(t, []string{"LOGFIRE_CONSOLE", "true"}, WithConsole(nil))
	checkConsoleOutput(t, out, "")
}

// TestConsoleWiringOptionsWin: the fields WithConsole sets win over the
// environment; its zero fields keep the environment's values.
func TestConsoleWiringOptionsWin(t *testing.T) {
	out, _ := runConsole(t, []string{
		"LOGFIRE_CONSOLE", "false",
		"LOGFIRE_CONSOLE_SPAN_STYLE", "simple",
		"LOGFIRE_CONSOLE_COLORS", "always",
		"LOGFIRE_CONSOLE_MIN_LOG_LEVEL", "error",
	}, WithConsole(&console.Options{HideTimestamps: true, Colors: config.ColorsNever, MinLevel: LevelWarn}))
	checkConsoleOutput(t, out, "stock for widget is low\n")

	// Each WithConsole applies over the one before.
	out, _ = runConsole(t, nil, WithConsole(&console.Options{HideTimestamps: true}), WithConsole(&console.Options{SpanStyle: config.SpanStyleSimple}))
	checkConsoleOutput(t, out, ""+
		"Hello world\n"+
		"processing order 42\n"+
		"checking stock\n"+
		"3 rows\n"+
		"stock for widget is low\n")
}

func TestConsoleWiringSpanStyleAndMinLevel(t *testing.T) {
	out, _ := runConsole(t, []string{
		"LOGFIRE_CONSOLE_INCLUDE_TIMESTAMPS", "0",
		"LOGFIRE_CONSOLE_SPAN_STYLE", "simple",
	}, WithConsole(&console.Options{}))
	checkConsoleOutput(t, out, ""+
		"Hello world\n"+
		"processing order 42\n"+
		"checking stock\n"+
		"3 rows\n"+
		"stock for widget is low\n")

	// The spans are at info, below the minimum: hidden, and the warning
	// inside them is not indented under a line that is not there.
	out, _ = runConsole(t, []string{
		"LOGFIRE_CONSOLE_INCLUDE_TIMESTAMPS", "false",
		"LOGFIRE_CONSOLE_MIN_LOG_LEVEL", "warn",
	}, WithConsole(&console.Options{}))
	checkConsoleOutput(t, out, "stock for widget is low\n")
}

func TestConsoleWiringColorsAlways(t *testing.T) {
	out, _ := runConsole(t, []string{
		"LOGFIRE_CONSOLE_INCLUDE_TIMESTAMPS", "false",
		"LOGFIRE_CONSOLE_COLORS", "always",
	}, WithConsole(&console.Options{}))
	checkConsoleOutput(t, out, ""+
		"Hello world\n"+
		"processing order 42\n"+
		"  checking stock\n"+
		"    3 rows\n"+
		"  \x1b[33mstock for widget is low\x1b[0m\n")
}

func TestConsoleWiringNoColorUnderAuto(t *testing.T) {
	out, _ := runConsole(t, []string{
		"LOGFIRE_CONSOLE_INCLUDE_TIMESTAMPS", "false",
		"LOGFIRE_CONSOLE_COLORS", "auto",
		"NO_COLOR", "1",
	}, WithConsole(&console.Options{}))
	if strings.Contains(out, "\x1b") {
		t.Errorf("colours with NO_COLOR=1: %q", out)
	}
}

func TestConsoleWiringVerbose(t *testing.T) {
	out, l := runConsole(t, []string{
		"LOGFIRE_CONSOLE_INCLUDE_TIMESTAMPS", "false",
		"LOGFIRE_CONSOLE_VERBOSE", "true",
	}, WithConsole(&console.Options{}))
	at := func(line int, level string) string {
		return "│ logfire/console_wiring_test.go:" + strconv.Itoa(line) + " " + level + "\n"
	}
	checkConsoleOutput(t, out, ""+
		"Hello world\n"+
		at(l.hello, "info")+
		"│ name='world'\n"+
		"processing order 42\n"+
		at(l.outer, "info")+
		"│ order_id=42\n"+
		"  checking stock\n"+
		"  "+at(l.inner, "info")+
		"    3 rows\n"+
		"    "+at(l.inside, "info")+
		"    │ count=3\n"+
		"  stock for widget is low\n"+
		"  "+at(l.warn, "warn")+
		"  │ item='widget'\n")
}
