package detect

import (
	"context"
	"os"
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
	cfg.OTelResourceAttributes = config.Attributes{attribute.String("team", "otel"), attribute.String("service.name", "from-otel-attrs"), attribute.String("only.otel", "x")}
	if got := attrs(t, cfg)["service.name"]; got != "from-otel-attrs" {
		t.Errorf("service.name from OTEL_RESOURCE_ATTRIBUTES: %q", got)
	}
	cfg.ResourceAttributes = config.Attributes{attribute.String("team", "logfire"), attribute.String("service.instance.id", "fixed")}
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
