package logfire

import (
	"os"
	"path/filepath"
	"testing"

	"go.opentelemetry.io/otel/attribute"
)

// TestWithConfigDir: the service name in the [tool.logfire] table of the
// directory WithConfigDir names reaches the resource, over
// LOGFIRE_CONFIG_DIR's file; an option for the same setting wins over
// the file.
func TestWithConfigDir(t *testing.T) {
	clearEnv(t)
	write := func(service string) string {
		dir := t.TempDir()
		body := "[tool.logfire]\nservice_name = \"" + service + "\"\nservice_version = \"1.2.3\"\n"
		if err := os.WriteFile(filepath.Join(dir, "pyproject.toml"), []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return dir
	}
	t.Setenv("LOGFIRE_CONFIG_DIR", write("from-env-dir"))
	resourceOf := func(lf *Logfire) map[attribute.Key]string {
		m := map[attribute.Key]string{}
		for _, kv := range lf.resource.Attributes() {
			m[kv.Key] = kv.Value.Emit()
		}
		return m
	}
	lf, _ := newTestInstance(t)
	if r := resourceOf(lf); r["service.name"] != "from-env-dir" || r["service.version"] != "1.2.3" {
		t.Errorf("LOGFIRE_CONFIG_DIR: service %q version %q", r["service.name"], r["service.version"])
	}
	lf, _ = newTestInstance(t, WithConfigDir(write("from-option-dir")))
	if r := resourceOf(lf); r["service.name"] != "from-option-dir" {
		t.Errorf("WithConfigDir: service %q", r["service.name"])
	}
	lf, _ = newTestInstance(t, WithConfigDir(write("from-option-dir")), WithServiceName("from-code"))
	if r := resourceOf(lf); r["service.name"] != "from-code" {
		t.Errorf("WithServiceName over the file: service %q", r["service.name"])
	}
}
