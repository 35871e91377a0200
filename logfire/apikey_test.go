package logfire

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/logfire-go/sdk/config"
)

// TestAPIKeyNeverInOutput: the API key given with WithAPIKey is redacted
// from what spans carry, and a malformed one is an error that names
// logfire.WithAPIKey without quoting it.
func TestAPIKeyNeverInOutput(t *testing.T) {
	clearEnv(t)
	const secret = "ApiKey0Leak0Secret"
	key := "pylf_v2_us_9f9ba85a-b759-4181-9527-d812e03f9f7f_" + secret
	lf, mem := newTestInstance(t, WithAPIKey(key))
	lf.Info(context.Background(), "using {key}", "key", key)
	if err := lf.ForceFlush(context.Background()); err != nil {
		t.Fatal(err)
	}
	spans := mem.GetSpans()
	if len(spans) != 1 {
		t.Fatalf("%d spans, want 1", len(spans))
	}
	for _, kv := range spans[0].Attributes {
		if strings.Contains(kv.Value.Emit(), secret) {
			t.Errorf("attribute %s holds the API key", kv.Key)
		}
	}
	if strings.Contains(spans[0].Name, secret) {
		t.Errorf("the span name holds the API key")
	}

	_, err := Configure(context.Background(), notDefault(), WithConsole(nil), WithAPIKey("Bearer "+key))
	var ce *config.Error
	if !errors.As(err, &ce) || ce.Setting != "logfire.WithAPIKey" {
		t.Fatalf("a malformed key: %v", err)
	}
	if strings.Contains(err.Error(), secret) {
		t.Fatalf("the error quotes the key: %v", err)
	}
}
