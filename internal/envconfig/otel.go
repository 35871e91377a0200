package envconfig

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/logfire-go/sdk/internal/redact"
)

// OTel holds the standard OpenTelemetry variables that choose the
// propagators, the head sampler and an extra OTLP backend. Package config
// checks them when it loads (and takes the sampler's ratio as the trace
// sample rate); package logfire reads them again with LoadOTel to use
// them. Where a LOGFIRE_ variable or a code option says the same thing,
// it wins.
type OTel struct {
	// Propagators are the propagators to use instead of the default W3C
	// Trace Context and Baggage (logfire.WithPropagator wins over them).
	// Env: OTEL_PROPAGATORS (comma-separated names, as
	// go.opentelemetry.io/contrib/propagators/autoprop accepts them).
	Propagators []string
	// TracesSampler is the head sampler, used when
	// LOGFIRE_TRACE_SAMPLE_RATE is unset (LoadOTel leaves it empty
	// otherwise) and code sets no rate. Env: OTEL_TRACES_SAMPLER.
	TracesSampler Sampler
	// TracesSamplerArg is the ratio of the traceidratio samplers, 0 to 1.
	// Env: OTEL_TRACES_SAMPLER_ARG. Default: 1.
	TracesSamplerArg string
	// SampleRate is the share of traces TracesSampler keeps at the root,
	// when TracesSampler is set.
	SampleRate float64

	// ExporterEndpoint, or a signal's own endpoint, turns on export to an
	// extra OTLP/HTTP backend, besides Logfire; the fields after it say
	// how requests are made to it, each for every signal and, in its
	// per-signal form, for one (which wins). Env:
	// OTEL_EXPORTER_OTLP_ENDPOINT and
	// OTEL_EXPORTER_OTLP_{TRACES,METRICS,LOGS}_ENDPOINT.
	ExporterEndpoint, TracesEndpoint, MetricsEndpoint, LogsEndpoint string
	// Headers are sent with every request to the extra backend, as
	// key=value pairs separated by commas, values percent-encoded. Env:
	// OTEL_EXPORTER_OTLP_HEADERS and the per-signal forms.
	Headers, TracesHeaders, MetricsHeaders, LogsHeaders map[string]string
	// Compression of the requests to the extra backend: gzip or none
	// (the default). Env: OTEL_EXPORTER_OTLP_COMPRESSION and the
	// per-signal forms.
	Compression, TracesCompression, MetricsCompression, LogsCompression string
	// Timeout bounds one request to the extra backend (default 10 s).
	// Env: OTEL_EXPORTER_OTLP_TIMEOUT and the per-signal forms, in
	// milliseconds.
	Timeout, TracesTimeout, MetricsTimeout, LogsTimeout time.Duration
	// Certificate is a PEM file of the certificate authorities the extra
	// backend's certificate is checked against (instead of the system's).
	// Env: OTEL_EXPORTER_OTLP_CERTIFICATE and the per-signal forms.
	Certificate, TracesCertificate, MetricsCertificate, LogsCertificate string
	// ClientCertificate and ClientKey are PEM files of the certificate
	// and private key the SDK presents to the extra backend (mutual TLS).
	// Env: OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE,
	// OTEL_EXPORTER_OTLP_CLIENT_KEY and the per-signal forms.
	ClientCertificate, TracesClientCertificate, MetricsClientCertificate, LogsClientCertificate string
	ClientKey, TracesClientKey, MetricsClientKey, LogsClientKey                                 string
	// Protocol is the extra backend's protocol; only http/protobuf is
	// supported. Env: OTEL_EXPORTER_OTLP_PROTOCOL.
	Protocol string
	// TracesExporter, MetricsExporter and LogsExporter turn the extra
	// backend off for one signal with "none". Env: OTEL_TRACES_EXPORTER,
	// OTEL_METRICS_EXPORTER, OTEL_LOGS_EXPORTER (otlp or none).
	TracesExporter, MetricsExporter, LogsExporter string
}

// Vars lists the variables of o, each decoded into its field.
func (o *OTel) Vars() []Var {
	compression := func(p *string) func(string) error {
		return OneOf(p, "%s is not a compression: accepted values are gzip and none", "gzip", "none")
	}
	exporter := func(p *string) func(string) error {
		return OneOf(p, "%s is not an exporter this SDK supports: accepted values are otlp, none", "otlp", "none")
	}
	return []Var{
		{"OTEL_PROPAGATORS", List(&o.Propagators)},
		{"OTEL_TRACES_SAMPLER", OneOf((*string)(&o.TracesSampler), "%s is not a sampler this SDK supports: "+acceptedSamplers,
			string(SamplerAlwaysOn), string(SamplerAlwaysOff), string(SamplerTraceIDRatio),
			string(SamplerParentBasedAlwaysOn), string(SamplerParentBasedAlwaysOff), string(SamplerParentBasedTraceIDRatio))},
		{"OTEL_TRACES_SAMPLER_ARG", String(&o.TracesSamplerArg)},
		{"OTEL_EXPORTER_OTLP_ENDPOINT", String(&o.ExporterEndpoint)},
		{"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", String(&o.TracesEndpoint)},
		{"OTEL_EXPORTER_OTLP_METRICS_ENDPOINT", String(&o.MetricsEndpoint)},
		{"OTEL_EXPORTER_OTLP_LOGS_ENDPOINT", String(&o.LogsEndpoint)},
		{"OTEL_EXPORTER_OTLP_HEADERS", Headers(&o.Headers)},
		{"OTEL_EXPORTER_OTLP_TRACES_HEADERS", Headers(&o.TracesHeaders)},
		{"OTEL_EXPORTER_OTLP_METRICS_HEADERS", Headers(&o.MetricsHeaders)},
		{"OTEL_EXPORTER_OTLP_LOGS_HEADERS", Headers(&o.LogsHeaders)},
		{"OTEL_EXPORTER_OTLP_COMPRESSION", compression(&o.Compression)},
		{"OTEL_EXPORTER_OTLP_TRACES_COMPRESSION", compression(&o.TracesCompression)},
		{"OTEL_EXPORTER_OTLP_METRICS_COMPRESSION", compression(&o.MetricsCompression)},
		{"OTEL_EXPORTER_OTLP_LOGS_COMPRESSION", compression(&o.LogsCompression)},
		{"OTEL_EXPORTER_OTLP_TIMEOUT", Millis(&o.Timeout)},
		{"OTEL_EXPORTER_OTLP_TRACES_TIMEOUT", Millis(&o.TracesTimeout)},
		{"OTEL_EXPORTER_OTLP_METRICS_TIMEOUT", Millis(&o.MetricsTimeout)},
		{"OTEL_EXPORTER_OTLP_LOGS_TIMEOUT", Millis(&o.LogsTimeout)},
		{"OTEL_EXPORTER_OTLP_CERTIFICATE", String(&o.Certificate)},
		{"OTEL_EXPORTER_OTLP_TRACES_CERTIFICATE", String(&o.TracesCertificate)},
		{"OTEL_EXPORTER_OTLP_METRICS_CERTIFICATE", String(&o.MetricsCertificate)},
		{"OTEL_EXPORTER_OTLP_LOGS_CERTIFICATE", String(&o.LogsCertificate)},
		{"OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE", String(&o.ClientCertificate)},
		{"OTEL_EXPORTER_OTLP_TRACES_CLIENT_CERTIFICATE", String(&o.TracesClientCertificate)},
		{"OTEL_EXPORTER_OTLP_METRICS_CLIENT_CERTIFICATE", String(&o.MetricsClientCertificate)},
		{"OTEL_EXPORTER_OTLP_LOGS_CLIENT_CERTIFICATE", String(&o.LogsClientCertificate)},
		{"OTEL_EXPORTER_OTLP_CLIENT_KEY", String(&o.ClientKey)},
		{"OTEL_EXPORTER_OTLP_TRACES_CLIENT_KEY", String(&o.TracesClientKey)},
		{"OTEL_EXPORTER_OTLP_METRICS_CLIENT_KEY", String(&o.MetricsClientKey)},
		{"OTEL_EXPORTER_OTLP_LOGS_CLIENT_KEY", String(&o.LogsClientKey)},
		{"OTEL_EXPORTER_OTLP_PROTOCOL", String(&o.Protocol)},
		{"OTEL_TRACES_EXPORTER", exporter(&o.TracesExporter)},
		{"OTEL_METRICS_EXPORTER", exporter(&o.MetricsExporter)},
		{"OTEL_LOGS_EXPORTER", exporter(&o.LogsExporter)},
	}
}

// LoadOTel reads the OpenTelemetry variables and checks those that
// depend on each other, reporting each problem (report may be nil, for a
// caller that knows config.Load has reported them). When
// LOGFIRE_TRACE_SAMPLE_RATE is set, it wins: TracesSampler is left empty.
func LoadOTel(getenv func(string) string, tokens *redact.Tokens, report Report) OTel {
	if report == nil {
		report = func(string, error) {}
	}
	var o OTel
	Read(o.Vars(), getenv, tokens, report)
	if strings.TrimSpace(getenv("LOGFIRE_TRACE_SAMPLE_RATE")) != "" {
		o.TracesSampler = ""
	} else if o.TracesSampler != "" {
		rate, err := o.TracesSampler.rate(o.TracesSamplerArg)
		if err != nil {
			report("OTEL_TRACES_SAMPLER_ARG", withTokens(err, tokens))
			o.TracesSampler = ""
		} else {
			o.SampleRate = rate
		}
	}
	on := o.Endpoints()
	if p := strings.ToLower(strings.TrimSpace(o.Protocol)); p != "" && p != "http/protobuf" && on.Any() {
		report("OTEL_EXPORTER_OTLP_PROTOCOL",
			withTokens(BadValue("%s is not supported for the extra OTLP backend: accepted values are http/protobuf", o.Protocol), tokens))
	}
	for _, f := range []struct{ name, value string }{
		{"OTEL_EXPORTER_OTLP_CERTIFICATE", o.Certificate},
		{"OTEL_EXPORTER_OTLP_TRACES_CERTIFICATE", o.TracesCertificate},
		{"OTEL_EXPORTER_OTLP_METRICS_CERTIFICATE", o.MetricsCertificate},
		{"OTEL_EXPORTER_OTLP_LOGS_CERTIFICATE", o.LogsCertificate},
		{"OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE", o.ClientCertificate},
		{"OTEL_EXPORTER_OTLP_TRACES_CLIENT_CERTIFICATE", o.TracesClientCertificate},
		{"OTEL_EXPORTER_OTLP_METRICS_CLIENT_CERTIFICATE", o.MetricsClientCertificate},
		{"OTEL_EXPORTER_OTLP_LOGS_CLIENT_CERTIFICATE", o.LogsClientCertificate},
		{"OTEL_EXPORTER_OTLP_CLIENT_KEY", o.ClientKey},
		{"OTEL_EXPORTER_OTLP_TRACES_CLIENT_KEY", o.TracesClientKey},
		{"OTEL_EXPORTER_OTLP_METRICS_CLIENT_KEY", o.MetricsClientKey},
		{"OTEL_EXPORTER_OTLP_LOGS_CLIENT_KEY", o.LogsClientKey},
	} {
		if f.value == "" || !on.Any() {
			continue
		}
		if _, err := os.Stat(f.value); err != nil {
			report(f.name, fmt.Errorf("%s cannot be read (%v): accepted values are paths of PEM files", Quote(f.value, tokens), errors.Unwrap(err)))
		}
	}
	for _, e := range []struct{ name, value string }{
		{"OTEL_EXPORTER_OTLP_ENDPOINT", o.ExporterEndpoint},
		{"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", o.TracesEndpoint},
		{"OTEL_EXPORTER_OTLP_METRICS_ENDPOINT", o.MetricsEndpoint},
		{"OTEL_EXPORTER_OTLP_LOGS_ENDPOINT", o.LogsEndpoint},
	} {
		if e.value == "" {
			continue
		}
		if why := BaseURLProblem(e.value); why != "" {
			report(e.name, fmt.Errorf("%s is not an endpoint (%s): accepted values are absolute http or https URLs", Quote(e.value, tokens), why))
		}
	}
	return o
}

// Endpoints says which signals go to the extra OTLP backend that the
// OTEL_EXPORTER_OTLP_ENDPOINT variables name.
type Endpoints struct {
	Traces, Metrics, Logs bool
}

// Any reports whether some signal goes there.
func (e Endpoints) Any() bool { return e.Traces || e.Metrics || e.Logs }

// Endpoints returns the signals exported to the extra backend: those
// with an endpoint (their own, or OTEL_EXPORTER_OTLP_ENDPOINT) and an
// exporter other than none.
func (o OTel) Endpoints() Endpoints {
	return Endpoints{
		Traces:  o.TracesExporter != "none" && (o.ExporterEndpoint != "" || o.TracesEndpoint != ""),
		Metrics: o.MetricsExporter != "none" && (o.ExporterEndpoint != "" || o.MetricsEndpoint != ""),
		Logs:    o.LogsExporter != "none" && (o.ExporterEndpoint != "" || o.LogsEndpoint != ""),
	}
}

// Sampler names one of OpenTelemetry's built-in head samplers.
type Sampler string

// The samplers of OTEL_TRACES_SAMPLER.
const (
	SamplerAlwaysOn                Sampler = "always_on"
	SamplerAlwaysOff               Sampler = "always_off"
	SamplerTraceIDRatio            Sampler = "traceidratio"
	SamplerParentBasedAlwaysOn     Sampler = "parentbased_always_on"
	SamplerParentBasedAlwaysOff    Sampler = "parentbased_always_off"
	SamplerParentBasedTraceIDRatio Sampler = "parentbased_traceidratio"
)

const acceptedSamplers = "accepted values are always_on, always_off, traceidratio, parentbased_always_on, parentbased_always_off, parentbased_traceidratio"

// rate is the share of traces the sampler keeps at the root.
func (s Sampler) rate(arg string) (float64, error) {
	switch s {
	case SamplerAlwaysOff, SamplerParentBasedAlwaysOff:
		return 0, nil
	case SamplerAlwaysOn, SamplerParentBasedAlwaysOn:
		return 1, nil
	}
	arg = strings.TrimSpace(arg)
	if arg == "" {
		return 1, nil // OpenTelemetry's default ratio
	}
	f, err := strconv.ParseFloat(arg, 64)
	if err != nil || f < 0 || f > 1 {
		return 0, BadValue("%s is not a sample rate for "+string(s)+": accepted values are numbers from 0 to 1", arg)
	}
	return f, nil
}
