package logfire

import (
	"encoding/json"
	"runtime"
	"strings"
	"testing"
)

// TestEmitConfigurationSpan: with the variable or the option, Configure
// records one "Logfire configured" log whose logfire.config says how the
// instance behaves without any secret, and whose
// logfire.package_versions holds the Go version; without them, nothing.
func TestEmitConfigurationSpan(t *testing.T) {
	const key = "pylf_v1_us_Config0Log0Secret"
	for _, tc := range []struct {
		env  string
		opts []Option
		logs int
	}{
		{logs: 0},
		{env: "true", logs: 1},
		{opts: []Option{WithEmitConfigurationSpan(true)}, logs: 1},
		{env: "true", opts: []Option{WithEmitConfigurationSpan(false)}, logs: 0},
	} {
		clearEnv(t)
		if tc.env != "" {
			t.Setenv("LOGFIRE_EMIT_CONFIGURATION_SPAN", tc.env)
		}
		_, mem := newTestInstance(t, append([]Option{WithAPIKey(key), WithDistributedTracing(false)}, tc.opts...)...)
		spans := mem.GetSpans()
		if len(spans) != tc.logs {
			t.Fatalf("env %q, %d options: %d records, want %d", tc.env, len(tc.opts), len(spans), tc.logs)
		}
		if tc.logs == 0 {
			continue
		}
		attrs := map[string]string{}
		for _, kv := range spans[0].Attributes {
			attrs[string(kv.Key)] = kv.Value.Emit()
		}
		if attrs["logfire.msg"] != "Logfire configured" || attrs["logfire.level_num"] != "9" {
			t.Errorf("message %q level %q", attrs["logfire.msg"], attrs["logfire.level_num"])
		}
		var cfg map[string]any
		if err := json.Unmarshal([]byte(attrs["logfire.config"]), &cfg); err != nil {
			t.Fatalf("logfire.config %q: %v", attrs["logfire.config"], err)
		}
		if cfg["api_key"] != true || cfg["distributed_tracing"] != false || cfg["scrubbing_enabled"] != true || cfg["send_to_logfire"] != "if-token-present" || len(cfg) != 15 {
			t.Errorf("logfire.config %v", cfg)
		}
		var versions map[string]string
		if err := json.Unmarshal([]byte(attrs["logfire.package_versions"]), &versions); err != nil || versions["go"] != runtime.Version() {
			t.Errorf("logfire.package_versions %q: %v", attrs["logfire.package_versions"], err)
		}
		for k, v := range attrs {
			if strings.Contains(v, "Config0Log0Secret") {
				t.Errorf("%s holds the API key", k)
			}
		}
	}
}
