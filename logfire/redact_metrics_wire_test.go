package logfire

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"

	"github.com/logfire-go/sdk/internal/otlptest"
)

// TestTokenNotInMetrics: the configured token in a metric's name, in a
// data point's attribute key or value, never reaches the backend.
func TestTokenNotInMetrics(t *testing.T) {
	clearEnv(t)
	rcv := otlptest.New(t)
	lf := deliveryInstance(t, rcv.URL())
	ctx := context.Background()
	c, err := lf.MeterProvider().Meter("m").Int64Counter("requests." + testToken)
	if err != nil {
		t.Fatal(err)
	}
	c.Add(ctx, 1, metric.WithAttributes(attribute.String("who", "token "+testToken), attribute.String(testToken, "v")))
	if err := lf.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	points := rcv.Points()
	if len(points) != 1 {
		t.Fatalf("%d points", len(points))
	}
	p := points[0]
	if strings.Contains(p.Metric, testToken) {
		t.Errorf("metric name %q holds the token", p.Metric)
	}
	for k, v := range p.Attrs {
		if strings.Contains(k, testToken) || strings.Contains(fmt.Sprint(v), testToken) {
			t.Errorf("attribute %q=%v holds the token", k, v)
		}
	}
}
