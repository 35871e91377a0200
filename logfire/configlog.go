package logfire

import (
	"context"
	"runtime"
	"runtime/debug"

	"github.com/logfire-go/sdk/config"
)

// WithEmitConfigurationSpan records, when on, a "Logfire configured" log
// right after Configure, as the Python SDK does: logfire.config holds the
// settings that say how the instance behaves, none of them secret (whether
// a token or API key is set, never its value), and
// logfire.package_versions the program's Go version and module versions.
// It replaces LOGFIRE_EMIT_CONFIGURATION_SPAN.
func WithEmitConfigurationSpan(on bool) Option {
	return configOption(func(c *config.Config) { c.EmitConfigurationSpan = on })
}

// emitConfiguration records the configuration log of s.
func (lf *Logfire) emitConfiguration(ctx context.Context, s *settings) {
	c := &s.cfg
	var distributed any // null when unset, as the Python SDK writes None
	if c.DistributedTracing != nil {
		distributed = *c.DistributedTracing
	}
	var minLevel any
	if c.MinLevel != 0 {
		minLevel = c.MinLevel.String()
	}
	cfg := map[string]any{
		"send_to_logfire":            string(c.SendToLogfire),
		"console_enabled":            c.Console,
		"scrubbing_enabled":          c.Scrubbing,
		"min_level":                  minLevel,
		"distributed_tracing":        distributed,
		"head_sample_rate":           c.TraceSampleRate,
		"tail_sampling_enabled":      s.sampling.Tail != nil,
		"token_count":                len(c.Tokens),
		"api_key":                    c.APIKey != "",
		"service_name":               c.ServiceName != "" || c.OTelServiceName != "",
		"service_version":            c.ServiceVersion != "",
		"environment":                c.Environment != "",
		"resource_attributes":        len(c.ResourceAttributes),
		"resource_detectors":         len(c.ResourceDetectors),
		"additional_span_processors": len(s.spanProcessors),
	}
	lf.Info(ctx, "Logfire configured", "logfire.config", cfg, "logfire.package_versions", packageVersions())
}

// packageVersions are the Go version and the version of every module
// the program was built with, by path, as the build info holds them.
func packageVersions() map[string]string {
	out := map[string]string{"go": runtime.Version()}
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return out
	}
	if info.Main.Path != "" {
		out[info.Main.Path] = info.Main.Version
	}
	for _, d := range info.Deps {
		if d.Replace != nil {
			d = d.Replace
		}
		out[d.Path] = d.Version
	}
	return out
}
