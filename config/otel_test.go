package config

import (
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/logfire-go/sdk/internal/envconfig"
)

// TestLoadOTelSampler: OTEL_TRACES_SAMPLER and _ARG set the head sample
// rate when LOGFIRE_TRACE_SAMPLE_RATE is unset; LOGFIRE_TRACE_SAMPLE_RATE
// wins when both are set.
func TestLoadOTelSampler(t *testing.T) {
	cases := []struct {
		sampler, arg, logfire string
		kind                  envconfig.Sampler
		rate                  float64
	}{
		{"parentbased_traceidratio", "0.25", "", envconfig.SamplerParentBasedTraceIDRatio, 0.25},
		{"TraceIdRatio", "0.5", "", envconfig.SamplerTraceIDRatio, 0.5},
		{"traceidratio", "", "", envconfig.SamplerTraceIDRatio, 1},
		{"always_off", "0.5", "", envconfig.SamplerAlwaysOff, 0},
		{"parentbased_always_on", "", "", envconfig.SamplerParentBasedAlwaysOn, 1},
		{"traceidratio", "0.5", "0.1", "", 0.1}, // Logfire's variable wins
		{"", "0.5", "", "", 1},                  // an argument without a sampler does nothing
	}
	for _, tc := range cases {
		clearEnv(t)
		t.Setenv("OTEL_TRACES_SAMPLER", tc.sampler)
		t.Setenv("OTEL_TRACES_SAMPLER_ARG", tc.arg)
		t.Setenv("LOGFIRE_TRACE_SAMPLE_RATE", tc.logfire)
		c, err := Load()
		if err != nil {
			t.Fatalf("%+v: %v", tc, err)
		}
		// Package logfire reads the sampler's kind itself.
		kind := envconfig.LoadOTel(os.Getenv, nil, nil).TracesSampler
		if kind != tc.kind || c.TraceSampleRate != tc.rate {
			t.Errorf("%+v: sampler %q rate %v, want %q %v", tc, kind, c.TraceSampleRate, tc.kind, tc.rate)
		}
	}
}

// TestLoadOTelErrors: a value the SDK cannot accept names the variable and
// what it accepts, and never quotes a header's value.
func TestLoadOTelErrors(t *testing.T) {
	cases := []struct {
		env              map[string]string
		setting, message string
	}{
		{map[string]string{"OTEL_TRACES_SAMPLER": "jaeger_remote"}, "OTEL_TRACES_SAMPLER", "accepted values are always_on, always_off, traceidratio"},
		{map[string]string{"OTEL_TRACES_SAMPLER": "traceidratio", "OTEL_TRACES_SAMPLER_ARG": "half"}, "OTEL_TRACES_SAMPLER_ARG", "accepted values are numbers from 0 to 1"},
		{map[string]string{"OTEL_TRACES_SAMPLER": "traceidratio", "OTEL_TRACES_SAMPLER_ARG": "2"}, "OTEL_TRACES_SAMPLER_ARG", "accepted values are numbers from 0 to 1"},
		{map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "collector:4318"}, "OTEL_EXPORTER_OTLP_ENDPOINT", "accepted values are absolute http or https URLs"},
		{map[string]string{"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "ftp://x/v1/traces"}, "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "accepted values are absolute http or https URLs"},
		{map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:4317", "OTEL_EXPORTER_OTLP_PROTOCOL": "grpc"}, "OTEL_EXPORTER_OTLP_PROTOCOL", "accepted values are http/protobuf"},
		{map[string]string{"OTEL_TRACES_EXPORTER": "zipkin"}, "OTEL_TRACES_EXPORTER", "accepted values are otlp, none"},
	}
	for _, tc := range cases {
		clearEnv(t)
		for k, v := range tc.env {
			t.Setenv(k, v)
		}
		_, err := Load()
		var ce *Error
		if !errors.As(err, &ce) || ce.Setting != tc.setting || !strings.Contains(err.Error(), tc.message) {
			t.Errorf("%v: error %v, want one for %s saying %q", tc.env, err, tc.setting, tc.message)
		}
	}
}
