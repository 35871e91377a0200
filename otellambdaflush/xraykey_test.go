package otellambdaflush

import (
	"context"
	"testing"
)

// TestXRayKeyPinnedVersion: xraykey.go spells a private context key of
// aws-lambda-go; it must be checked again whenever go.mod moves that
// module. TestXRayHeaderReachesTheInvocation checks the key against the
// real runtime loop, under the emulator.
func TestXRayKeyPinnedVersion(t *testing.T) {
	if got := moduleVersion(t, "github.com/aws/aws-lambda-go"); got != xrayKeyPinnedVersion {
		t.Fatalf("aws-lambda-go is %s, but xraykey.go was written against %s: check the context key under which "+
			"lambda/invoke_loop.go stores the Lambda-Runtime-Trace-Id header, then set xrayKeyPinnedVersion to %s",
			got, xrayKeyPinnedVersion, got)
	}
}

func TestXRayTraceHeaderFromContext(t *testing.T) {
	const h = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1"
	ctx := context.WithValue(context.Background(), "x-amzn-trace-id", h) //nolint:staticcheck // aws-lambda-go's key
	if got := xrayTraceHeader(ctx); got != h {
		t.Errorf("xrayTraceHeader = %q", got)
	}
	if sc, ok := xraySpanContext(ctx); !ok || sc.TraceID().String() != "5759e988bd862e3fe1be46a994272793" || sc.SpanID().String() != "53995c3f42cd8ad8" {
		t.Errorf("xraySpanContext = %v, %v", sc, ok)
	}
	if got := xrayTraceHeader(context.Background()); got != "" {
		t.Errorf("no header: %q", got)
	}
	wrongType := context.WithValue(context.Background(), "x-amzn-trace-id", 42) //nolint:staticcheck // aws-lambda-go's key
	if got := xrayTraceHeader(wrongType); got != "" {
		t.Errorf("non-string value: %q", got)
	}
	bad := context.WithValue(context.Background(), "x-amzn-trace-id", "Root=junk") //nolint:staticcheck // aws-lambda-go's key
	if _, ok := xraySpanContext(bad); ok {
		t.Errorf("a malformed header gave a span context")
	}
	if _, ok := xraySpanContext(context.Background()); ok {
		t.Errorf("no header gave a span context")
	}
}
