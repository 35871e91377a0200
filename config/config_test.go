package config

import (
	"errors"
	"os"
	"path/filepath"
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
	if c.SendToLogfire != SendIfTokenPresent || c.CredentialsDir != ".logfire" || !bool(c.Console) ||
		c.ConsoleColors != ColorsAuto || c.ConsoleSpanStyle != SpanStyleShowParents ||
		!bool(c.ConsoleIncludeTimestamps) || bool(c.ConsoleVerbose) || c.ConsoleMinLogLevel != LevelInfo ||
		c.MinLevel != 0 || c.TraceSampleRate != 1 || !bool(c.Scrubbing) ||
		c.BatchScheduleDelay.Duration() != 500*time.Millisecond || c.BatchExportTimeout.Duration() != 30*time.Second ||
		c.BatchMaxQueueSize != 0 || c.BatchMaxExportSize != 512 || c.AttributeValueLengthLimit != DefaultAttributeValueLengthLimit ||
		c.MetricExportInterval.Duration() != time.Minute || c.MetricExportTimeout.Duration() != 30*time.Second || len(c.Tokens) != 0 {
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
		{"base url", c.BaseURL, BaseURL("http://127.0.0.1:4318")},
		{"credentials dir", c.CredentialsDir, "/tmp/creds"},
		{"console", c.Console, Bool(false)},
		{"colors", c.ConsoleColors, ColorsAlways},
		{"span style", c.ConsoleSpanStyle, SpanStyleIndented},
		{"timestamps", c.ConsoleIncludeTimestamps, Bool(false)},
		{"verbose", c.ConsoleVerbose, Bool(true)},
		{"console min level", c.ConsoleMinLogLevel, LevelWarn},
		{"min level", c.MinLevel, LevelDebug},
		{"sample rate", c.TraceSampleRate, SampleRate(0.25)},
		{"resource attrs", len(c.ResourceAttributes), 2},
		{"resource attr 2", c.ResourceAttributes[1], attribute.String("region", "eu,west")},
		{"otel resource attrs", c.OTelResourceAttributes[0], attribute.String("k8s.pod.name", "p1")},
		{"scrubbing", c.Scrubbing, Bool(false)},
		{"bsp delay", c.BatchScheduleDelay.Duration(), 100 * time.Millisecond},
		{"bsp timeout", c.BatchExportTimeout.Duration(), 2 * time.Second},
		{"bsp queue", c.BatchMaxQueueSize, Count(10)},
		{"bsp batch", c.BatchMaxExportSize, Count(5)},
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
	c.BatchScheduleDelay = Millis(-time.Second)
	c.BatchExportTimeout = 0
	err := c.Validate()
	if err == nil {
		t.Fatal("Validate accepted bad values")
	}
	for _, option := range []string{"logfire.WithTraceSampleRate", "logfire.WithConsoleColors", "logfire.WithMinLevel",
		"logfire.WithConsoleMinLevel", "logfire.WithBatchScheduleDelay", "logfire.WithBatchExportTimeout"} {
		if !strings.Contains(err.Error(), option) {
			t.Errorf("Validate's error does not name %s: %v", option, err)
		}
	}
	if d := Default(); d.Validate() != nil {
		t.Fatalf("defaults invalid: %v", d.Validate())
	}
}

func TestRegionRouting(t *testing.T) {
	cases := []struct {
		token, url string
		known      bool
	}{
		{"pylf_v1_us_abc123", BaseURLUS, true},
		{"pylf_v1_eu_abc123", BaseURLEU, true},
		{"pylf_v2_stagingus_abc", BaseURLStagingUS, true},
		{"pylf_v2_stagingeu_abc", BaseURLStagingEU, true},
		{"pylf_v1_mars_abc123", BaseURLUS, false},
		{"some-old-token-without-region", BaseURLUS, true},
	}
	for _, tc := range cases {
		url, known := BaseURLForToken(tc.token)
		if url != tc.url || known != tc.known {
			t.Errorf("%s: got %s %v, want %s %v", tc.token, url, known, tc.url, tc.known)
		}
	}
}

func TestDestinations(t *testing.T) {
	var warnings []string
	oldWarn := Warn
	Warn = func(m string) { warnings = append(warnings, m) }
	t.Cleanup(func() { Warn = oldWarn })

	c := Default()
	c.CredentialsDir = t.TempDir()
	c.Tokens = Tokens{"pylf_v1_us_a1", "pylf_v1_eu_b2", "pylf_v1_venus_c3", "legacytoken"}
	d, err := c.Destinations()
	if err != nil {
		t.Fatal(err)
	}
	want := []string{BaseURLUS, BaseURLEU, BaseURLUS, BaseURLUS}
	if len(d) != len(want) {
		t.Fatalf("got %d destinations", len(d))
	}
	for i := range want {
		if d[i].BaseURL != want[i] || d[i].Token != c.Tokens[i] {
			t.Errorf("destination %d: %+v", i, d[i])
		}
		if strings.Contains(d[i].String(), c.Tokens[i][len(TokenPrefix(c.Tokens[i])):]) {
			t.Errorf("String leaks the token: %s", d[i])
		}
	}
	if len(warnings) != 1 || !strings.Contains(warnings[0], "pylf_v1_venus_") || strings.Contains(warnings[0], "c3") {
		t.Fatalf("want one warning naming the prefix only, got %q", warnings)
	}
	// The warning is given once.
	if _, err := c.Destinations(); err != nil || len(warnings) != 1 {
		t.Fatalf("warning repeated: %q", warnings)
	}

	c.BaseURL = "http://127.0.0.1:1"
	d, _ = c.Destinations()
	for _, x := range d {
		if x.BaseURL != "http://127.0.0.1:1" {
			t.Fatalf("LOGFIRE_BASE_URL not used: %+v", x)
		}
	}

	c.SendToLogfire = SendNever
	if d, _ := c.Destinations(); len(d) != 0 {
		t.Fatalf("send=false still exports: %+v", d)
	}
}

func TestCredentialsFile(t *testing.T) {
	write := func(t *testing.T, content string) string {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, CredentialsFile), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return dir
	}
	t.Run("missing file is ignored", func(t *testing.T) {
		c := Default()
		c.CredentialsDir = filepath.Join(t.TempDir(), "nope")
		d, err := c.Destinations()
		if err != nil || len(d) != 0 {
			t.Fatalf("got %v %v", d, err)
		}
	})
	t.Run("missing file with send=true is an error", func(t *testing.T) {
		c := Default()
		c.CredentialsDir = t.TempDir()
		c.SendToLogfire = SendAlways
		_, err := c.Destinations()
		var ce *Error
		if !errors.As(err, &ce) || ce.Setting != "LOGFIRE_SEND_TO_LOGFIRE" || !strings.Contains(err.Error(), "LOGFIRE_TOKEN") {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("token and api url from file", func(t *testing.T) {
		c := Default()
		c.CredentialsDir = write(t, `{"token":"pylf_v1_eu_fromfile","project_name":"p","project_url":"https://x","logfire_api_url":"https://logfire-eu.pydantic.dev"}`)
		d, err := c.Destinations()
		if err != nil || len(d) != 1 || d[0].Token != "pylf_v1_eu_fromfile" || d[0].BaseURL != BaseURLEU {
			t.Fatalf("got %+v %v", d, err)
		}
	})
	t.Run("env token wins over file", func(t *testing.T) {
		c := Default()
		c.CredentialsDir = write(t, `{"token":"pylf_v1_eu_fromfile"}`)
		c.Tokens = Tokens{"pylf_v1_us_fromenv"}
		d, err := c.Destinations()
		if err != nil || len(d) != 1 || d[0].Token != "pylf_v1_us_fromenv" || d[0].BaseURL != BaseURLUS {
			t.Fatalf("got %+v %v", d, err)
		}
	})
	t.Run("malformed file is a clear error without content", func(t *testing.T) {
		c := Default()
		c.CredentialsDir = write(t, `{"token": "pylf_v1_us_secretvalue",`)
		_, err := c.Destinations()
		if err == nil || !strings.Contains(err.Error(), "not valid JSON") || !strings.Contains(err.Error(), CredentialsFile) {
			t.Fatalf("got %v", err)
		}
		if strings.Contains(err.Error(), "secretvalue") {
			t.Fatalf("error leaks the token: %v", err)
		}
	})
	t.Run("file without token is an error", func(t *testing.T) {
		c := Default()
		c.CredentialsDir = write(t, `{"project_name":"p"}`)
		if _, err := c.Destinations(); err == nil || !strings.Contains(err.Error(), `no "token"`) {
			t.Fatalf("got %v", err)
		}
	})
}

func TestParseLevel(t *testing.T) {
	for in, want := range map[string]Level{"trace": 1, "DEBUG": 5, "info": 9, "Notice": 10, "warn": 13, "warning": 13, "error": 17, "fatal": 21, "11": 11} {
		got, err := ParseLevel(in)
		if err != nil || got != want {
			t.Errorf("%s: %v %v", in, got, err)
		}
	}
	if LevelWarn.String() != "warn" || Level(11).String() != "11" {
		t.Fatal("String")
	}
}

// TestCredentialsErrorsAreConfigErrors: every problem with the
// credentials file is a *Error naming the setting that chose the file.
func TestCredentialsErrorsAreConfigErrors(t *testing.T) {
	for name, content := range map[string]string{
		"not JSON":       `{"token":`,
		"no token":       `{"project_name":"shop"}`,
		"bad token":      `{"token":"has spaces in it"}`,
		"bad api url":    `{"token":"pylf_v1_us_abc","logfire_api_url":"ftp://x"}`,
		"unreadable dir": "",
	} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, CredentialsFile)
			if content == "" {
				if err := os.Mkdir(path, 0o700); err != nil { // a directory where the file should be
					t.Fatal(err)
				}
			} else if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
				t.Fatal(err)
			}
			_, err := ReadCredentials(dir)
			var ce *Error
			if !errors.As(err, &ce) || (ce.Setting != "LOGFIRE_CREDENTIALS_DIR" && ce.Setting != "logfire_api_url in the credentials file") {
				t.Fatalf("got %T %v, want a *config.Error", err, err)
			}
		})
	}
}
