package detect

import (
	"os"
	"testing"

	"go.opentelemetry.io/otel/attribute"

	"github.com/logfire-go/sdk/config"
)

// TestResourceDetectors: process adds the process attributes the SDK does
// not add by itself, * adds them too; LOGFIRE_RESOURCE_ATTRIBUTES wins over
// a detector and a detector over OTEL_RESOURCE_ATTRIBUTES; none named adds
// nothing.
func TestResourceDetectors(t *testing.T) {
	clearLambdaEnv(t)
	exe, err := os.Executable()
	if err != nil {
		t.Skip("no executable path on this platform")
	}
	plain := attrs(t, config.Default())
	if _, ok := plain["process.executable.path"]; ok {
		t.Fatal("process.executable.path without the process detector")
	}
	for _, names := range [][]string{{"process"}, {"*"}, {"host", "process"}} {
		cfg := config.Default()
		cfg.ResourceDetectors = names
		cfg.OTelResourceAttributes = []attribute.KeyValue{attribute.String("process.owner", "from-otel"), attribute.String("process.runtime.name", "kept")}
		cfg.ResourceAttributes = []attribute.KeyValue{attribute.String("process.executable.name", "from-logfire")}
		got := attrs(t, cfg)
		if got["process.executable.path"] != exe {
			t.Errorf("%v: process.executable.path = %q, want %q", names, got["process.executable.path"], exe)
		}
		if got["process.executable.name"] != "from-logfire" {
			t.Errorf("%v: LOGFIRE_RESOURCE_ATTRIBUTES lost to a detector: %q", names, got["process.executable.name"])
		}
		if got["process.owner"] == "from-otel" {
			t.Errorf("%v: a detector lost to OTEL_RESOURCE_ATTRIBUTES", names)
		}
	}
}
