package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// writePyproject writes a pyproject.toml with body in a new directory.
func writePyproject(t *testing.T, body string) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "pyproject.toml"), []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestConfigFile: the [tool.logfire] table of LOGFIRE_CONFIG_DIR's (or
// LoadDir's) pyproject.toml sets what the environment does not, by the
// Python SDK's names; the environment wins; a token in the file is not
// read; a bad value is an error naming the file, line and key.
func TestConfigFile(t *testing.T) {
	clearEnv(t)
	dir := writePyproject(t, `[tool.logfire]
service_name = "from-file"
environment = "staging"
console_colors = "never"
console_include_timestamp = false
send_to_logfire = false
trace_sample_rate = 0.5
resource_attributes = { team = "pay" }
resource_detectors = ["process"]
distributed_tracing = false
token = "pylf_v1_us_FileToken0Secret"
pydantic_plugin_record = "all"
`)
	t.Setenv("LOGFIRE_CONFIG_DIR", dir)
	t.Setenv("LOGFIRE_ENVIRONMENT", "prod") // wins over the file
	c, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	if c.ServiceName != "from-file" || c.Environment != "prod" || c.ConsoleColors != ColorsNever || c.ConsoleIncludeTimestamps ||
		c.SendToLogfire != SendNever || c.TraceSampleRate != 0.5 || len(c.ResourceAttributes) != 1 || c.ResourceAttributes[0].Value.AsString() != "pay" ||
		len(c.ResourceDetectors) != 1 || c.DistributedTracing == nil || *c.DistributedTracing || len(c.Tokens) != 0 || c.ConfigDir != dir {
		t.Fatalf("from the file: %+v", c)
	}

	clearEnv(t)
	if c, err = LoadDir(dir); err != nil || c.ServiceName != "from-file" || c.Environment != "staging" {
		t.Fatalf("LoadDir: %+v %v", c, err)
	}
	if c, err = Load(); err != nil || c.ServiceName != "" || c.ConfigDir != "." {
		t.Fatalf("without the variable, the working directory (which has no pyproject.toml): %+v %v", c, err)
	}

	bad := writePyproject(t, "[tool.logfire]\n\nconsole_colors = \"rainbow\"\n")
	_, err = LoadDir(bad)
	var ce *Error
	if !errors.As(err, &ce) || ce.Setting != filepath.Join(bad, "pyproject.toml")+":3 [tool.logfire] console_colors" || !strings.Contains(err.Error(), "accepted values are auto, always, never") {
		t.Errorf("a bad value: %v", err)
	}
	broken := writePyproject(t, "[tool.logfire]\nconsole = yes\n")
	if _, err = LoadDir(broken); !errors.As(err, &ce) || ce.Setting != "LOGFIRE_CONFIG_DIR" || !strings.Contains(err.Error(), ":2: [tool.logfire]: console:") {
		t.Errorf("a value the reader does not take: %v", err)
	}
}
