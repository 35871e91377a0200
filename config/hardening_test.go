package config

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/logfire-go/sdk/internal/envconfig"
	"github.com/logfire-go/sdk/internal/redact"
)

// secretToken is recognisable in any output: no test may find it.
const secretToken = "pylf_v1_us_Hardening0Secret0Token0xyz"

// legacySecret is a configured token without the pylf_ shape.
const legacySecret = "legacy-Secret-Token-0123456789abcdef"

// envVariables returns every variable Load reads: from the tables Load
// reads them with, so that a variable added later is covered too, and the
// OpenTelemetry SDK's limits that Load checks.
func envVariables() []string {
	var c Config
	var o envconfig.OTel
	var out []string
	for _, v := range append(c.vars(), o.Vars()...) {
		out = append(out, v.Name)
	}
	for _, l := range sdkLimits {
		out = append(out, l.env)
	}
	return out
}

// garbage are the kinds of bad input every variable is tried with.
var garbage = map[string]string{
	"empty":         "",
	"whitespace":    " \t \n ",
	"huge":          "9223372036854775807",
	"huger":         "99999999999999999999999999",
	"negative":      "-1",
	"most negative": "-9223372036854775808",
	"overflow ms":   "18446744073710",
	"2^31":          "2147483648",
	"NaN":           "NaN",
	"Inf":           "+Inf",
	"-Inf":          "-Inf",
	"1e309":         "1e309",
	"unicode":       "ü€😀٣",
	"control":       "a\x01\x07\x1b[31m\x7f",
	"newline":       "1\n2",
	"several":       "1,2,3",
	"several words": "true, false",
	"long":          strings.Repeat("x", 100<<10),
	"token":         secretToken,
	"token in url":  "https://user:" + secretToken + "@example.com/?sig=abc",
	"legacy token":  legacySecret,
	"invalid utf8":  "\xff\xfe",
}

// TestEveryVariableRejectsGarbageByName: every variable × every kind of
// bad input gives an error that names the variable and what it accepts,
// quotes at most a short prefix and no token, or a configuration that
// Validate accepts. Never a panic.
func TestEveryVariableRejectsGarbageByName(t *testing.T) {
	vars := envVariables()
	if len(vars) < 25 {
		t.Fatalf("only %d variables found", len(vars))
	}
	accepted, rejected := 0, 0
	for _, key := range vars {
		for kind, value := range garbage {
			t.Run(key+"/"+kind, func(t *testing.T) {
				clearEnv(t)
				if key != "LOGFIRE_TOKEN" {
					t.Setenv("LOGFIRE_TOKEN", legacySecret)
				}
				t.Setenv(key, value)
				c, err := Load()
				if err != nil {
					rejected++
					checkSettingError(t, err, key, value)
					return
				}
				accepted++
				if err := c.Validate(); err != nil {
					t.Fatalf("Load accepted %q but Validate says: %v", value, err)
				}
			})
		}
	}
	if accepted == 0 || rejected == 0 {
		t.Fatalf("accepted %d, rejected %d: the table does not test both sides", accepted, rejected)
	}
}

// checkSettingError asserts what every configuration error must be.
func checkSettingError(t *testing.T, err error, key, value string) {
	t.Helper()
	var ce *Error
	if !errors.As(err, &ce) || ce.Setting != key {
		t.Fatalf("%q: error %q does not name %s", value, err, key)
	}
	msg := err.Error()
	if !strings.Contains(msg, key) || !strings.Contains(msg, "accepted") {
		t.Fatalf("%q: error %q should name %s and say what is accepted", value, msg, key)
	}
	for _, secret := range []string{secretToken, legacySecret, "Hardening0Secret", "Secret-Token"} {
		if strings.Contains(msg, secret) {
			t.Fatalf("error leaks a token: %q", msg)
		}
	}
	if len(value) > redact.MaxExcerpt+1 && strings.Contains(msg, value[:redact.MaxExcerpt+1]) {
		t.Fatalf("error quotes more than %d bytes of the value: %q", redact.MaxExcerpt, msg)
	}
	for _, c := range msg {
		if c < ' ' && c != '\n' || c == 0x7f {
			t.Fatalf("error holds a raw control character: %q", msg)
		}
	}
}

// TestNumericEdgesAreAccepted: the bounds of the numeric variables are
// accepted, with their effective values (the values past them are in
// TestBadValuesNameTheVariable).
func TestNumericEdgesAreAccepted(t *testing.T) {
	clearEnv(t)
	for k, v := range map[string]string{
		"OTEL_BSP_MAX_QUEUE_SIZE": "1048576", "OTEL_BSP_MAX_EXPORT_BATCH_SIZE": "65536",
		"OTEL_BSP_EXPORT_TIMEOUT": "3600000", "OTEL_BSP_SCHEDULE_DELAY": "0",
		"OTEL_METRIC_EXPORT_INTERVAL": "1", "OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT": "16777216",
	} {
		t.Setenv(k, v)
	}
	c, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	if c.BatchMaxQueueSize != maxBatchQueueSize || c.BatchMaxExportSize != maxBatchExportSize ||
		c.BatchExportTimeout != time.Hour || c.BatchScheduleDelay != 0 ||
		c.MetricExportInterval != time.Millisecond || c.AttributeValueLengthLimit != maxAttributeValueLengthLimit {
		t.Fatalf("edges: %+v", c)
	}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
}

// TestCodeValuesHaveBounds: Validate names the code option, with the
// range, for every numeric field.
func TestCodeValuesHaveBounds(t *testing.T) {
	cases := []struct {
		set    func(*Config)
		option string
	}{
		{func(c *Config) { c.BatchMaxQueueSize = -1 }, "config.Config.BatchMaxQueueSize"},
		{func(c *Config) { c.BatchMaxQueueSize = 1 << 40 }, "config.Config.BatchMaxQueueSize"},
		{func(c *Config) { c.BatchMaxExportSize = 0 }, "config.Config.BatchMaxExportSize"},
		{func(c *Config) { c.BatchMaxExportSize = 1 << 40 }, "config.Config.BatchMaxExportSize"},
		{func(c *Config) { c.BatchExportTimeout = 0 }, "config.Config.BatchExportTimeout"},
		{func(c *Config) { c.BatchExportTimeout = 1<<63 - 1 }, "config.Config.BatchExportTimeout"},
		{func(c *Config) { c.BatchScheduleDelay = -time.Second }, "config.Config.BatchScheduleDelay"},
		{func(c *Config) { c.MetricExportInterval = 0 }, "config.Config.MetricExportInterval"},
		{func(c *Config) { c.AttributeValueLengthLimit = 0 }, "config.Config.AttributeValueLengthLimit"},
		{func(c *Config) { c.Tokens = []string{"bad token"} }, "logfire.WithToken"},
		{func(c *Config) { c.Tokens = []string{""} }, "logfire.WithToken"},
		{func(c *Config) { c.Tokens = make([]string, envconfig.MaxTokens+1) }, "logfire.WithToken"},
		{func(c *Config) { c.BaseURL = "https://u:" + secretToken + "@example.com" }, "logfire.WithBaseURL"},
		{func(c *Config) { c.BaseURL = "https://example.com/?sig=1" }, "logfire.WithBaseURL"},
		{func(c *Config) { c.TraceSampleRate = nan() }, "logfire.WithSampling"},
		{func(c *Config) { c.ConsoleSpanStyle = "fancy" }, "console.Options.SpanStyle"},
		{func(c *Config) { c.SendToLogfire = "maybe" }, "logfire.WithSendToLogfire"},
	}
	for _, tc := range cases {
		c := Default()
		tc.set(&c)
		err := c.Validate()
		var ce *Error
		if !errors.As(err, &ce) || ce.Setting != tc.option || !strings.Contains(err.Error(), "accepted") {
			t.Errorf("%s: got %v", tc.option, err)
			continue
		}
		if strings.Contains(err.Error(), "Hardening0Secret") {
			t.Errorf("%s: the error leaks the token: %v", tc.option, err)
		}
	}
	// 0 is the default queue size (no bound but the bytes).
	c := Default()
	c.BatchMaxQueueSize = 0
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	var nilConfig *Config
	if err := nilConfig.Validate(); err == nil {
		t.Fatal("a nil *Config validated")
	}
}

func nan() float64 {
	zero := 0.0
	return zero / zero
}

// TestBaseURLProblems: a base URL is rejected for what makes it
// unusable, quoting none of its credentials.
func TestBaseURLProblems(t *testing.T) {
	bad := map[string]string{
		"ftp://x":                       "scheme",
		"http://":                       "no host",
		"http://a,http://b":             "host",
		"http://a b":                    "parse",
		"https://u:hunter2@example.com": "credentials",
		"https://" + secretToken + "@example.com":                       "credentials",
		"https://example.com/?token=1":                                  "query",
		"https://example.com/#x":                                        "query or fragment",
		"https://example.com:99999":                                     "port",
		"https://example.com:0":                                         "port",
		"http://[zz]:80":                                                "parse",
		"https://" + secretToken + ".example.com/" + secretToken + "?q": "query",
	}
	for v, why := range bad {
		clearEnv(t)
		t.Setenv("LOGFIRE_BASE_URL", v)
		_, err := Load()
		if err == nil {
			t.Errorf("%q accepted", v)
			continue
		}
		checkSettingError(t, err, "LOGFIRE_BASE_URL", v)
		if !strings.Contains(err.Error(), why) {
			t.Errorf("%q: error %q does not say %q", v, err, why)
		}
		if strings.Contains(err.Error(), "hunter2") {
			t.Errorf("%q: error shows the password: %v", v, err)
		}
	}
	for _, v := range []string{"http://127.0.0.1:4318", "https://logfire-eu.pydantic.dev/", "http://[::1]:4318", "https://ü.example/prefix"} {
		clearEnv(t)
		t.Setenv("LOGFIRE_BASE_URL", v)
		if _, err := Load(); err != nil {
			t.Errorf("%q: %v", v, err)
		}
	}
}

// TestNilReceivers: the methods of the package take nil pointers without
// a panic.
func TestNilReceivers(t *testing.T) {
	var e *Error
	if e.Error() != "logfire: invalid setting" || e.Unwrap() != nil {
		t.Errorf("nil *Error: %q %v", e.Error(), e.Unwrap())
	}
}
