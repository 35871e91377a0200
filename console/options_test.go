package console

import (
	"bytes"
	"strings"
	"testing"

	"github.com/logfire-go/sdk/config"
	"github.com/logfire-go/sdk/internal/envconfig"
	"github.com/logfire-go/sdk/internal/selflog"
)

// TestOptionsOverTheEnvironment: a zero field of Options takes the
// environment's value, then the default; a set field wins.
func TestOptionsOverTheEnvironment(t *testing.T) {
	environment := env(
		"LOGFIRE_CONSOLE_COLORS", "Never",
		"LOGFIRE_CONSOLE_SPAN_STYLE", "simple",
		"LOGFIRE_CONSOLE_INCLUDE_TIMESTAMPS", "false",
		"LOGFIRE_CONSOLE_VERBOSE", "1",
		"LOGFIRE_CONSOLE_MIN_LOG_LEVEL", "warning",
	)
	d := defaultSettings()
	s := (*Options)(nil).resolve(noEnv)
	if s.colors != d.colors || s.style != d.style || s.timestamps != d.timestamps || s.verbose != d.verbose || s.minLevel != d.minLevel || s.writer != d.writer {
		t.Errorf("nil options, empty environment: %+v, want the defaults %+v", s, d)
	}
	if d.colors != config.ColorsAuto || d.style != config.SpanStyleShowParents || !d.timestamps || d.verbose || d.minLevel != envconfig.LevelInfo {
		t.Errorf("defaults: %+v", d)
	}
	s = (&Options{}).resolve(environment)
	if s.colors != config.ColorsNever || s.style != config.SpanStyleSimple || s.timestamps || !s.verbose || s.minLevel != envconfig.LevelWarn {
		t.Errorf("zero options: %+v, want the environment's", s)
	}
	var w bytes.Buffer
	s = (&Options{Writer: &w, Colors: config.ColorsAlways, SpanStyle: config.SpanStyleIndented, MinLevel: envconfig.LevelDebug,
		Verbose: true, HideTimestamps: true}).resolve(noEnv)
	if s.writer != &w || s.colors != config.ColorsAlways || s.style != config.SpanStyleIndented || s.timestamps || !s.verbose || s.minLevel != envconfig.LevelDebug {
		t.Errorf("options: %+v", s)
	}
	s = (&Options{Colors: config.ColorsAlways, MinLevel: envconfig.LevelError}).resolve(environment)
	if s.colors != config.ColorsAlways || s.minLevel != envconfig.LevelError || s.style != config.SpanStyleSimple {
		t.Errorf("options over the environment: %+v", s)
	}
}

// TestBadEnvironmentKeepsTheDefault: a value the console cannot use is
// said in one line that names the variable and what it accepts, and the
// default is used.
func TestBadEnvironmentKeepsTheDefault(t *testing.T) {
	var lines strings.Builder
	defer selflog.SetOutput(&lines)()
	s := (&Options{}).resolve(env("LOGFIRE_CONSOLE_COLORS", "rainbow pylf_v1_us_Secret0Token", "LOGFIRE_CONSOLE_MIN_LOG_LEVEL", "loud"))
	if s.colors != config.ColorsAuto || s.minLevel != envconfig.LevelInfo {
		t.Errorf("settings %+v, want the defaults", s)
	}
	got := lines.String()
	for _, want := range []string{"LOGFIRE_CONSOLE_COLORS", "accepted values are auto, always, never", "LOGFIRE_CONSOLE_MIN_LOG_LEVEL", "accepted values are trace"} {
		if !strings.Contains(got, want) {
			t.Errorf("lines %q do not say %q", got, want)
		}
	}
	if strings.Contains(got, "Secret0Token") || strings.Count(got, "\n") != 2 {
		t.Errorf("lines %q: want two, without the token", got)
	}
}
