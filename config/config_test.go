package config

import (
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
)

// clearEnv unsets every variable Load reads, so tests see only what they
// set.
func clearEnv(t *testing.T) {
	t.Helper()
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(k, "LOGFIRE_") || strings.HasPrefix(k, "OTEL_") || k == "NO_COLOR" {
			t.Setenv(k, "")
			os.Unsetenv(k)
		}
	}
}

func TestLoadDefaults(t *testing.T) {
	clearEnv(t)
	c, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	want := Default()
	if c.SendToLogfire != SendIfTokenPresent || c.CredentialsDir != ".logfire" || !c.Console ||
		c.ConsoleColors != ColorsAuto || c.ConsoleSpanStyle != SpanStyleShowParents ||
		!c.ConsoleIncludeTimestamps || c.ConsoleVerbose || c.ConsoleMinLogLevel != 9 ||
		c.MinLevel != 0 || c.TraceSampleRate != 1 || !c.Scrubbing ||
		c.BatchScheduleDelay != 500*time.Millisecond || c.BatchExportTimeout != 30*time.Second ||
		c.BatchMaxQueueSize != 0 || c.BatchMaxExportSize != 512 || c.AttributeValueLengthLimit != 1<<20 ||
		c.MetricExportInterval != time.Minute || c.MetricExportTimeout != 30*time.Second || len(c.Tokens) != 0 {
		t.Fatalf("defaults differ:\n got %+v\nwant %+v", c, want)
	}
}

func TestLoadReadsEveryVariable(t *testing.T) {
	clearEnv(t)
	env := map[string]string{
		"LOGFIRE_TOKEN":                      "pylf_v1_eu_a, pylf_v1_us_b",
		"LOGFIRE_SEND_TO_LOGFIRE":            "FALSE",
		"LOGFIRE_SERVICE_NAME":               "svc",
		"OTEL_SERVICE_NAME":                  "otel-svc",
		"LOGFIRE_SERVICE_VERSION":            "1.2.3",
		"LOGFIRE_ENVIRONMENT":                "prod",
		"LOGFIRE_BASE_URL":                   "http://127.0.0.1:4318/",
		"LOGFIRE_CREDENTIALS_DIR":            "/tmp/creds",
		"LOGFIRE_CONSOLE":                    "f",
		"LOGFIRE_CONSOLE_COLORS":             "Always",
		"LOGFIRE_CONSOLE_SPAN_STYLE":         "indented",
		"LOGFIRE_CONSOLE_INCLUDE_TIMESTAMPS": "0",
		"LOGFIRE_CONSOLE_VERBOSE":            "T",
		"LOGFIRE_CONSOLE_MIN_LOG_LEVEL":      "warning",
		"LOGFIRE_MIN_LEVEL":                  "debug",
		"LOGFIRE_TRACE_SAMPLE_RATE":          "0.25",
		"LOGFIRE_RESOURCE_ATTRIBUTES":        "team=pay,region=eu%2Cwest",
		"OTEL_RESOURCE_ATTRIBUTES":           "k8s.pod.name=p1",
		"LOGFIRE_SCRUBBING":                  "false",
		"OTEL_BSP_SCHEDULE_DELAY":            "100",
		"OTEL_BSP_EXPORT_TIMEOUT":            "2000",
		"OTEL_BSP_MAX_QUEUE_SIZE":            "10",
		"OTEL_BSP_MAX_EXPORT_BATCH_SIZE":     "5",
	}
	for k, v := range env {
		t.Setenv(k, v)
	}
	c, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	checks := []struct {
		name     string
		got, exp any
	}{
		{"tokens", strings.Join(c.Tokens, "|"), "pylf_v1_eu_a|pylf_v1_us_b"},
		{"send", c.SendToLogfire, SendNever},
		{"service", c.ServiceName, "svc"},
		{"otel service", c.OTelServiceName, "otel-svc"},
		{"version", c.ServiceVersion, "1.2.3"},
		{"environment", c.Environment, "prod"},
		{"base url", c.BaseURL, "http://127.0.0.1:4318"},
		{"credentials dir", c.CredentialsDir, "/tmp/creds"},
		{"console", c.Console, false},
		{"colors", c.ConsoleColors, ColorsAlways},
		{"span style", c.ConsoleSpanStyle, SpanStyleIndented},
		{"timestamps", c.ConsoleIncludeTimestamps, false},
		{"verbose", c.ConsoleVerbose, true},
		{"console min level", c.ConsoleMinLogLevel, Level(13)},
		{"min level", c.MinLevel, Level(5)},
		{"sample rate", c.TraceSampleRate, 0.25},
		{"resource attrs", len(c.ResourceAttributes), 2},
		{"resource attr 2", c.ResourceAttributes[1], attribute.String("region", "eu,west")},
		{"otel resource attrs", c.OTelResourceAttributes[0], attribute.String("k8s.pod.name", "p1")},
		{"scrubbing", c.Scrubbing, false},
		{"bsp delay", c.BatchScheduleDelay, 100 * time.Millisecond},
		{"bsp timeout", c.BatchExportTimeout, 2 * time.Second},
		{"bsp queue", c.BatchMaxQueueSize, 10},
		{"bsp batch", c.BatchMaxExportSize, 5},
	}
	for _, ck := range checks {
		if ck.got != ck.exp {
			t.Errorf("%s: got %v, want %v", ck.name, ck.got, ck.exp)
		}
	}
}

func TestEmptyValueCountsAsUnset(t *testing.T) {
	clearEnv(t)
	for _, k := range []string{"LOGFIRE_SEND_TO_LOGFIRE", "LOGFIRE_CONSOLE", "LOGFIRE_CONSOLE_COLORS", "LOGFIRE_TRACE_SAMPLE_RATE",
		"LOGFIRE_CONSOLE_MIN_LOG_LEVEL", "LOGFIRE_CREDENTIALS_DIR", "OTEL_BSP_SCHEDULE_DELAY", "LOGFIRE_CONSOLE_SPAN_STYLE"} {
		t.Setenv(k, "")
	}
	c, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	d := Default()
	if c.SendToLogfire != d.SendToLogfire || c.Console != d.Console || c.ConsoleColors != d.ConsoleColors ||
		c.TraceSampleRate != d.TraceSampleRate || c.ConsoleMinLogLevel != d.ConsoleMinLogLevel ||
		c.CredentialsDir != d.CredentialsDir || c.BatchScheduleDelay != d.BatchScheduleDelay || c.ConsoleSpanStyle != d.ConsoleSpanStyle {
		t.Fatalf("empty values changed defaults: %+v", c)
	}
}

func TestBadValuesNameTheVariable(t *testing.T) {
	cases := []struct {
		key, value, accepted string
	}{
		{"LOGFIRE_SEND_TO_LOGFIRE", "maybe", "true, false, if-token-present"},
		{"LOGFIRE_TRACE_SAMPLE_RATE", "2", "from 0 to 1"},
		{"LOGFIRE_TRACE_SAMPLE_RATE", "abc", "from 0 to 1"},
		{"LOGFIRE_BASE_URL", "::nope", "http or https"},
		{"LOGFIRE_BASE_URL", "ftp://x", "http or https"},
		{"LOGFIRE_CONSOLE_COLORS", "rainbow", "auto, always, never"},
		{"LOGFIRE_CONSOLE_SPAN_STYLE", "fancy", "simple, indented, show-parents"},
		{"LOGFIRE_RESOURCE_ATTRIBUTES", "novalue", "key1=value1"},
		{"LOGFIRE_RESOURCE_ATTRIBUTES", "=v", "key1=value1"},
		{"LOGFIRE_RESOURCE_ATTRIBUTES", "k=%zz", "percent-encoding"},
		{"OTEL_RESOURCE_ATTRIBUTES", "a=1,bad", "key1=value1"},
		{"LOGFIRE_CONSOLE", "yes", "1, true, t, 0, false, f"},
		{"LOGFIRE_SCRUBBING", "2", "1, true, t, 0, false, f"},
		{"LOGFIRE_MIN_LEVEL", "loud", "trace, debug, info"},
		{"LOGFIRE_CONSOLE_MIN_LOG_LEVEL", "99", "trace, debug, info"},
		{"OTEL_BSP_SCHEDULE_DELAY", "-1", "milliseconds"},
		{"OTEL_BSP_MAX_QUEUE_SIZE", "0", "from 1 to 1048576"},
		{"OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT", " 5", "from 0 to 65536, without spaces"},
		{"OTEL_LOGRECORD_ATTRIBUTE_VALUE_LENGTH_LIMIT", "\x1b[2J", "from 1 to 16777216"},
		{"OTEL_BSP_MAX_QUEUE_SIZE", "9223372036854775807", "from 1 to 1048576"},
		{"OTEL_BSP_MAX_QUEUE_SIZE", "2147483648", "from 1 to 1048576"},
		{"OTEL_BSP_MAX_QUEUE_SIZE", "1048577", "from 1 to 1048576"},
		{"OTEL_BSP_MAX_EXPORT_BATCH_SIZE", "9223372036854775807", "from 1 to 65536"},
		{"OTEL_BSP_MAX_EXPORT_BATCH_SIZE", "2147483648", "from 1 to 65536"},
		{"OTEL_BSP_MAX_EXPORT_BATCH_SIZE", "0", "from 1 to 65536"},
		{"OTEL_BSP_EXPORT_TIMEOUT", "18446744073710", "from 1 to 3600000"},
		{"OTEL_BSP_EXPORT_TIMEOUT", "9223372036855", "from 1 to 3600000"},
		{"OTEL_BSP_EXPORT_TIMEOUT", "0", "from 1 to 3600000"},
		{"OTEL_BSP_EXPORT_TIMEOUT", "-5", "from 1 to 3600000"},
		{"OTEL_BSP_SCHEDULE_DELAY", "3600001", "from 0 to 3600000"},
		{"OTEL_BSP_SCHEDULE_DELAY", "-1", "from 0 to 3600000"},
		{"OTEL_METRIC_EXPORT_INTERVAL", "0", "from 1 to 86400000"},
		{"OTEL_METRIC_EXPORT_INTERVAL", "86400001", "from 1 to 86400000"},
		{"OTEL_METRIC_EXPORT_TIMEOUT", "0", "from 1 to 3600000"},
		{"OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT", "0", "from 1 to 16777216"},
		{"OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT", "-1", "from 1 to 16777216"},
		{"OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT", "9223372036854775807", "from 1 to 16777216"},
	}
	for _, tc := range cases {
		t.Run(tc.key+"="+tc.value, func(t *testing.T) {
			clearEnv(t)
			t.Setenv("LOGFIRE_TOKEN", "pylf_v1_us_supersecret")
			t.Setenv(tc.key, tc.value)
			_, err := Load()
			if err == nil {
				t.Fatal("no error")
			}
			var ce *Error
			if !errors.As(err, &ce) || ce.Setting != tc.key {
				t.Fatalf("error %q does not name %s", err, tc.key)
			}
			msg := err.Error()
			if !strings.Contains(msg, tc.key) || !strings.Contains(msg, tc.accepted) {
				t.Fatalf("error %q should name %s and say %q", msg, tc.key, tc.accepted)
			}
			if strings.Contains(msg, "supersecret") {
				t.Fatalf("error leaks the token: %q", msg)
			}
			if strings.Contains(msg, "logfire.With") {
				t.Fatalf("error %q names a code option for an environment variable", msg)
			}
		})
	}
}

func TestValidateCodeValues(t *testing.T) {
	c := Default()
	c.TraceSampleRate = 2
	c.ConsoleColors = "rainbow"
	c.MinLevel = 99
	c.ConsoleMinLogLevel = -1
	c.BatchScheduleDelay = -time.Second
	c.BatchExportTimeout = 0
	err := c.Validate()
	if err == nil {
		t.Fatal("Validate accepted bad values")
	}
	for _, option := range []string{"logfire.WithSampling", "console.Options.Colors", "logfire.WithMinLevel",
		"console.Options.MinLevel", "config.Config.BatchScheduleDelay", "config.Config.BatchExportTimeout"} {
		if !strings.Contains(err.Error(), option) {
			t.Errorf("Validate's error does not name %s: %v", option, err)
		}
	}
	if d := Default(); d.Validate() != nil {
		t.Fatalf("defaults invalid: %v", d.Validate())
	}
}

// TestLevels: the environment takes a level by any of its names, in any
// case, or by number; String gives its canonical name.
func TestLevels(t *testing.T) {
	for in, want := range map[string]Level{"trace": 1, "DEBUG": 5, "info": 9, "Notice": 10, "warn": 13, "warning": 13, "error": 17, "fatal": 21, "11": 11} {
		t.Setenv("LOGFIRE_MIN_LEVEL", in)
		c, err := Load()
		if err != nil || c.MinLevel != want {
			t.Errorf("%s: %v %v", in, c.MinLevel, err)
		}
	}
	if Level(13).String() != "warn" || Level(11).String() != "11" || levelInfo.String() != "info" {
		t.Fatal("String")
	}
}

// TestEnumsMatchTheEnvironment: every constant of ColorMode, SpanStyle
// and SendMode is a value its environment variable takes, read back as
// itself.
func TestEnumsMatchTheEnvironment(t *testing.T) {
	clearEnv(t)
	for _, m := range []ColorMode{ColorsAuto, ColorsAlways, ColorsNever} {
		t.Setenv("LOGFIRE_CONSOLE_COLORS", string(m))
		if c, err := Load(); err != nil || c.ConsoleColors != m || !m.valid() {
			t.Errorf("%s: %v %v", m, c.ConsoleColors, err)
		}
	}
	for _, s := range []SpanStyle{SpanStyleSimple, SpanStyleIndented, SpanStyleShowParents} {
		t.Setenv("LOGFIRE_CONSOLE_SPAN_STYLE", string(s))
		if c, err := Load(); err != nil || c.ConsoleSpanStyle != s || !s.valid() {
			t.Errorf("%s: %v %v", s, c.ConsoleSpanStyle, err)
		}
	}
	for _, m := range []SendMode{SendAlways, SendNever, SendIfTokenPresent} {
		t.Setenv("LOGFIRE_SEND_TO_LOGFIRE", string(m))
		if c, err := Load(); err != nil || c.SendToLogfire != m || !m.valid() {
			t.Errorf("%s: %v %v", m, c.SendToLogfire, err)
		}
	}
}
