package detect

import (
	"context"
	"os"
	"runtime"
	"strings"
	"testing"

	"go.opentelemetry.io/otel/attribute"

	"github.com/logfire-go/sdk/config"
)

func clearLambdaEnv(t *testing.T) {
	t.Helper()
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(k, "AWS_") || strings.HasPrefix(k, "LOGFIRE_") || strings.HasPrefix(k, "OTEL_") {
			t.Setenv(k, "")
			os.Unsetenv(k)
		}
	}
}

func attrs(t *testing.T, cfg config.Config) map[string]string {
	t.Helper()
	r, err := Resource(context.Background(), cfg, "9.9.9")
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]string{}
	for _, kv := range r.Attributes() {
		m[string(kv.Key)] = kv.Value.Emit()
	}
	return m
}

func TestResourceOutsideLambda(t *testing.T) {
	clearLambdaEnv(t)
	cfg := config.Default()
	cfg.ServiceVersion = "1.0.0"
	cfg.Environment = "prod"
	m := attrs(t, cfg)
	if !strings.HasPrefix(m["service.name"], "unknown_service:") {
		t.Errorf("service.name = %q", m["service.name"])
	}
	for k, want := range map[string]string{
		"service.version":             "1.0.0",
		"deployment.environment.name": "prod",
		"logfire.version":             "9.9.9",
		"telemetry.sdk.language":      "go",
		"telemetry.sdk.name":          "opentelemetry",
	} {
		if m[k] != want {
			t.Errorf("%s = %q, want %q", k, m[k], want)
		}
	}
	if len(m["service.instance.id"]) != 32 {
		t.Errorf("service.instance.id = %q", m["service.instance.id"])
	}
	for _, k := range []string{"cloud.platform", "cloud.provider", "faas.name"} {
		if _, ok := m[k]; ok {
			t.Errorf("%s set outside Lambda", k)
		}
	}
	if OnLambda() {
		t.Fatal("OnLambda outside Lambda")
	}
}

func TestResourceOnLambda(t *testing.T) {
	clearLambdaEnv(t)
	t.Setenv("AWS_LAMBDA_FUNCTION_NAME", "checkout-fn")
	t.Setenv("AWS_REGION", "eu-west-1")
	t.Setenv("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
	t.Setenv("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128")
	t.Setenv("AWS_LAMBDA_LOG_STREAM_NAME", "2026/11/24/[$LATEST]abc")
	m := attrs(t, config.Default())
	for k, want := range map[string]string{
		"service.name":    "checkout-fn",
		"cloud.platform":  "aws_lambda",
		"cloud.provider":  "aws",
		"cloud.region":    "eu-west-1",
		"faas.name":       "checkout-fn",
		"faas.version":    "$LATEST",
		"faas.instance":   "2026/11/24/[$LATEST]abc",
		"faas.max_memory": "134217728",
	} {
		if m[k] != want {
			t.Errorf("%s = %q, want %q", k, m[k], want)
		}
	}

	// The whole chain on Lambda: LOGFIRE_SERVICE_NAME > OTEL_SERVICE_NAME >
	// the function name.
	cfg := config.Default()
	cfg.OTelServiceName = "otel-name"
	if got := attrs(t, cfg)["service.name"]; got != "otel-name" {
		t.Errorf("OTEL_SERVICE_NAME should beat the function name, got %q", got)
	}
	cfg.ServiceName = "explicit"
	if got := attrs(t, cfg)["service.name"]; got != "explicit" {
		t.Errorf("LOGFIRE_SERVICE_NAME should beat OTEL_SERVICE_NAME and the function name, got %q", got)
	}
}

func TestServiceNameChainAndAttributeLayers(t *testing.T) {
	clearLambdaEnv(t)
	cfg := config.Default()
	cfg.OTelResourceAttributes = []attribute.KeyValue{attribute.String("team", "otel"), attribute.String("service.name", "from-otel-attrs"), attribute.String("only.otel", "x")}
	if got := attrs(t, cfg)["service.name"]; got != "from-otel-attrs" {
		t.Errorf("service.name from OTEL_RESOURCE_ATTRIBUTES: %q", got)
	}
	cfg.ResourceAttributes = []attribute.KeyValue{attribute.String("team", "logfire"), attribute.String("service.instance.id", "fixed")}
	m := attrs(t, cfg)
	if m["team"] != "logfire" || m["only.otel"] != "x" || m["service.instance.id"] != "fixed" {
		t.Errorf("layering: %v", m)
	}
	cfg.OTelServiceName = "otel-name"
	if got := attrs(t, cfg)["service.name"]; got != "otel-name" {
		t.Errorf("OTEL_SERVICE_NAME: %q", got)
	}
	cfg.ServiceName = "logfire-name"
	if got := attrs(t, cfg)["service.name"]; got != "logfire-name" {
		t.Errorf("LOGFIRE_SERVICE_NAME: %q", got)
	}
}

// TestResourceDescribesTheMachine: the machine attributes the Python SDK
// sends are there: os.type, os.description, os.version (Linux), host.arch,
// host.name and process.runtime.{name,version,description}.
func TestResourceDescribesTheMachine(t *testing.T) {
	clearLambdaEnv(t)
	m := attrs(t, config.Default())
	wantArch := map[string]string{"amd64": "amd64", "arm64": "arm64", "386": "x86"}[runtime.GOARCH]
	if wantArch == "" {
		wantArch = m["host.arch"] // another architecture: only its presence is checked below
	}
	for k, want := range map[string]string{
		"os.type":              runtime.GOOS,
		"host.arch":            wantArch,
		"process.runtime.name": "go",
	} {
		if m[k] != want {
			t.Errorf("%s = %q, want %q", k, m[k], want)
		}
	}
	for _, k := range []string{"os.description", "host.name", "process.runtime.version", "process.runtime.description", "host.arch"} {
		if m[k] == "" {
			t.Errorf("%s missing", k)
		}
	}
	if runtime.GOOS == "linux" {
		b, err := os.ReadFile("/proc/sys/kernel/osrelease")
		if err != nil {
			t.Skipf("no kernel release to compare with: %v", err)
		}
		if want := strings.TrimSpace(string(b)); m["os.version"] != want {
			t.Errorf("os.version = %q, want the kernel release %q", m["os.version"], want)
		}
	}
}

func TestHostArch(t *testing.T) {
	for goarch, want := range map[string]string{
		"amd64": "amd64", "arm64": "arm64", "386": "x86", "arm": "arm32", "ppc64le": "ppc64", "s390x": "s390x", "riscv64": "riscv64",
	} {
		if got := hostArch(goarch).Value.AsString(); got != want {
			t.Errorf("hostArch(%q) = %q, want %q", goarch, got, want)
		}
	}
}
