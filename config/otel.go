package config

import (
	"errors"
	"fmt"
	"net/url"
	"os"
	"strconv"
	"strings"

	"github.com/kelseyhightower/envconfig"

	"github.com/logfire-go/sdk/internal/redact"
)

// The standard OpenTelemetry variables the SDK reads besides its own. Where
// a LOGFIRE_ variable or a code option says the same thing, it wins.

// OTelConfig holds the OpenTelemetry environment variables that choose the
// propagators, the sampler and an extra OTLP backend. It is part of Config
// (Config.OTel), read by Load.
type OTelConfig struct {
	// Propagators are the propagators to use instead of the default W3C
	// Trace Context and Baggage (logfire.WithPropagator wins over them).
	// Env: OTEL_PROPAGATORS (comma-separated names, as
	// go.opentelemetry.io/contrib/propagators/autoprop accepts them).
	Propagators Names `envconfig:"OTEL_PROPAGATORS"`
	// TracesSampler is the head sampler, used when LOGFIRE_TRACE_SAMPLE_RATE
	// is unset and logfire.WithTraceSampleRate is not given.
	// Env: OTEL_TRACES_SAMPLER.
	TracesSampler Sampler `envconfig:"OTEL_TRACES_SAMPLER"`
	// TracesSamplerArg is the ratio of the traceidratio samplers, 0 to 1.
	// Env: OTEL_TRACES_SAMPLER_ARG. Default: 1.
	TracesSamplerArg string `envconfig:"OTEL_TRACES_SAMPLER_ARG"`

	// ExporterEndpoint, or a signal's own endpoint, turns on export to an
	// extra OTLP/HTTP backend, besides Logfire; the fields after it say
	// how requests are made to it, each for every signal and, in its
	// per-signal form, for one (which wins). Env:
	// OTEL_EXPORTER_OTLP_ENDPOINT.
	ExporterEndpoint string `envconfig:"OTEL_EXPORTER_OTLP_ENDPOINT"`
	// TracesEndpoint is the extra backend's URL for spans.
	// Env: OTEL_EXPORTER_OTLP_TRACES_ENDPOINT.
	TracesEndpoint string `envconfig:"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"`
	// MetricsEndpoint is the extra backend's URL for metrics.
	// Env: OTEL_EXPORTER_OTLP_METRICS_ENDPOINT.
	MetricsEndpoint string `envconfig:"OTEL_EXPORTER_OTLP_METRICS_ENDPOINT"`
	// LogsEndpoint is the extra backend's URL for log records.
	// Env: OTEL_EXPORTER_OTLP_LOGS_ENDPOINT.
	LogsEndpoint string `envconfig:"OTEL_EXPORTER_OTLP_LOGS_ENDPOINT"`
	// Headers are sent with every request to the extra backend, as
	// key=value pairs separated by commas, values percent-encoded. Env:
	// OTEL_EXPORTER_OTLP_HEADERS and OTEL_EXPORTER_OTLP_{TRACES,METRICS,LOGS}_HEADERS.
	Headers        Headers `envconfig:"OTEL_EXPORTER_OTLP_HEADERS"`
	TracesHeaders  Headers `envconfig:"OTEL_EXPORTER_OTLP_TRACES_HEADERS"`
	MetricsHeaders Headers `envconfig:"OTEL_EXPORTER_OTLP_METRICS_HEADERS"`
	LogsHeaders    Headers `envconfig:"OTEL_EXPORTER_OTLP_LOGS_HEADERS"`
	// Compression of the requests to the extra backend: gzip or none
	// (the default). Env: OTEL_EXPORTER_OTLP_COMPRESSION and the
	// per-signal forms.
	Compression        Compression `envconfig:"OTEL_EXPORTER_OTLP_COMPRESSION"`
	TracesCompression  Compression `envconfig:"OTEL_EXPORTER_OTLP_TRACES_COMPRESSION"`
	MetricsCompression Compression `envconfig:"OTEL_EXPORTER_OTLP_METRICS_COMPRESSION"`
	LogsCompression    Compression `envconfig:"OTEL_EXPORTER_OTLP_LOGS_COMPRESSION"`
	// Timeout bounds one request to the extra backend, in milliseconds
	// (default 10000). Env: OTEL_EXPORTER_OTLP_TIMEOUT and the per-signal
	// forms.
	Timeout        Millis `envconfig:"OTEL_EXPORTER_OTLP_TIMEOUT"`
	TracesTimeout  Millis `envconfig:"OTEL_EXPORTER_OTLP_TRACES_TIMEOUT"`
	MetricsTimeout Millis `envconfig:"OTEL_EXPORTER_OTLP_METRICS_TIMEOUT"`
	LogsTimeout    Millis `envconfig:"OTEL_EXPORTER_OTLP_LOGS_TIMEOUT"`
	// Certificate is a PEM file of the certificate authorities the extra
	// backend's certificate is checked against (instead of the system's).
	// Env: OTEL_EXPORTER_OTLP_CERTIFICATE and the per-signal forms.
	Certificate        string `envconfig:"OTEL_EXPORTER_OTLP_CERTIFICATE"`
	TracesCertificate  string `envconfig:"OTEL_EXPORTER_OTLP_TRACES_CERTIFICATE"`
	MetricsCertificate string `envconfig:"OTEL_EXPORTER_OTLP_METRICS_CERTIFICATE"`
	LogsCertificate    string `envconfig:"OTEL_EXPORTER_OTLP_LOGS_CERTIFICATE"`
	// ClientCertificate and ClientKey are PEM files of the certificate
	// and private key the SDK presents to the extra backend (mutual TLS).
	// Env: OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE,
	// OTEL_EXPORTER_OTLP_CLIENT_KEY and the per-signal forms.
	ClientCertificate        string `envconfig:"OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE"`
	TracesClientCertificate  string `envconfig:"OTEL_EXPORTER_OTLP_TRACES_CLIENT_CERTIFICATE"`
	MetricsClientCertificate string `envconfig:"OTEL_EXPORTER_OTLP_METRICS_CLIENT_CERTIFICATE"`
	LogsClientCertificate    string `envconfig:"OTEL_EXPORTER_OTLP_LOGS_CLIENT_CERTIFICATE"`
	ClientKey                string `envconfig:"OTEL_EXPORTER_OTLP_CLIENT_KEY"`
	TracesClientKey          string `envconfig:"OTEL_EXPORTER_OTLP_TRACES_CLIENT_KEY"`
	MetricsClientKey         string `envconfig:"OTEL_EXPORTER_OTLP_METRICS_CLIENT_KEY"`
	LogsClientKey            string `envconfig:"OTEL_EXPORTER_OTLP_LOGS_CLIENT_KEY"`
	// Protocol is the extra backend's protocol; only http/protobuf is
	// supported. Env: OTEL_EXPORTER_OTLP_PROTOCOL.
	Protocol string `envconfig:"OTEL_EXPORTER_OTLP_PROTOCOL"`
	// TracesExporter, MetricsExporter and LogsExporter turn the extra
	// backend off for one signal with "none". Env: OTEL_TRACES_EXPORTER,
	// OTEL_METRICS_EXPORTER, OTEL_LOGS_EXPORTER (otlp or none).
	TracesExporter  Exporter `envconfig:"OTEL_TRACES_EXPORTER"`
	MetricsExporter Exporter `envconfig:"OTEL_METRICS_EXPORTER"`
	LogsExporter    Exporter `envconfig:"OTEL_LOGS_EXPORTER"`
}

// Headers are the headers of OTEL_EXPORTER_OTLP_HEADERS:
// key=value pairs separated by commas, with percent-encoded values.
type Headers map[string]string

// Decode implements envconfig.Decoder.
func (h *Headers) Decode(value string) error {
	if h == nil {
		return errNilDecode
	}
	out := Headers{}
	for part := range strings.SplitSeq(value, ",") {
		if strings.TrimSpace(part) == "" {
			continue
		}
		k, v, ok := strings.Cut(part, "=")
		k = strings.TrimSpace(k)
		if !ok || k == "" {
			return badValue("%s is not a list of headers: accepted values are key=value pairs separated by commas, such as api-key=abc,team=x", value)
		}
		dv, err := url.PathUnescape(strings.TrimSpace(v))
		if err != nil {
			return badValue("%s is not a list of headers: a value is not percent-encoded correctly", value)
		}
		out[k] = dv
	}
	*h = out
	return nil
}

// Compression is the compression of OTEL_EXPORTER_OTLP_COMPRESSION.
type Compression string

// Decode implements envconfig.Decoder.
func (c *Compression) Decode(value string) error {
	if c == nil {
		return errNilDecode
	}
	switch v := strings.ToLower(strings.TrimSpace(value)); v {
	case "", "gzip", "none":
		*c = Compression(v)
		return nil
	}
	return badValue("%s is not a compression: accepted values are gzip and none", value)
}

// Names is a comma-separated list of names, such as propagators.
type Names []string

// Decode implements envconfig.Decoder.
func (n *Names) Decode(value string) error {
	if n == nil {
		return errNilDecode
	}
	*n = nil
	for part := range strings.SplitSeq(value, ",") {
		if p := strings.TrimSpace(part); p != "" {
			*n = append(*n, p)
		}
	}
	return nil
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

// Decode implements envconfig.Decoder.
func (s *Sampler) Decode(value string) error {
	if s == nil {
		return errNilDecode
	}
	switch v := Sampler(strings.ToLower(strings.TrimSpace(value))); v {
	case "":
	case SamplerAlwaysOn, SamplerAlwaysOff, SamplerTraceIDRatio, SamplerParentBasedAlwaysOn, SamplerParentBasedAlwaysOff, SamplerParentBasedTraceIDRatio:
		*s = v
	default:
		return badValue("%s is not a sampler this SDK supports: "+acceptedSamplers, value)
	}
	return nil
}

// Ratio reports whether the sampler takes OTEL_TRACES_SAMPLER_ARG.
func (s Sampler) Ratio() bool {
	return s == SamplerTraceIDRatio || s == SamplerParentBasedTraceIDRatio
}

// Exporter is the value of OTEL_TRACES_EXPORTER and its kind: otlp (or
// empty) exports to the extra backend when an endpoint is set, none does
// not.
type Exporter string

// Decode implements envconfig.Decoder.
func (e *Exporter) Decode(value string) error {
	if e == nil {
		return errNilDecode
	}
	switch v := strings.ToLower(strings.TrimSpace(value)); v {
	case "", "otlp", "none":
		*e = Exporter(v)
	default:
		return badValue("%s is not an exporter this SDK supports: accepted values are otlp, none", value)
	}
	return nil
}

// OTLPEndpoints says which signals go to the extra OTLP backend that the
// OTEL_EXPORTER_OTLP_ENDPOINT variables name.
type OTLPEndpoints struct {
	Traces, Metrics, Logs bool
}

// Any reports whether some signal goes there.
func (e OTLPEndpoints) Any() bool { return e.Traces || e.Metrics || e.Logs }

// OTLPEndpoints returns the signals exported to the extra backend: those
// with an endpoint (their own, or OTEL_EXPORTER_OTLP_ENDPOINT) and an
// exporter other than none.
func (o OTelConfig) OTLPEndpoints() OTLPEndpoints {
	return OTLPEndpoints{
		Traces:  o.TracesExporter != "none" && (o.ExporterEndpoint != "" || o.TracesEndpoint != ""),
		Metrics: o.MetricsExporter != "none" && (o.ExporterEndpoint != "" || o.MetricsEndpoint != ""),
		Logs:    o.LogsExporter != "none" && (o.ExporterEndpoint != "" || o.LogsEndpoint != ""),
	}
}

// loadOTel checks the OpenTelemetry variables that depend on each other
// and applies OTEL_TRACES_SAMPLER: when LOGFIRE_TRACE_SAMPLE_RATE is unset,
// the sampler's ratio (1 for always_on, 0 for always_off) becomes
// TraceSampleRate; when it is set, it wins and the OpenTelemetry sampler
// is ignored.
func (c *Config) loadOTel(tokens *redact.Tokens) error {
	if err := envconfig.Process("", &c.OTel); err != nil {
		return describeEnvError(err, tokens)
	}
	var errs []error
	o := &c.OTel
	if strings.TrimSpace(os.Getenv("LOGFIRE_TRACE_SAMPLE_RATE")) != "" {
		o.TracesSampler = ""
	} else if o.TracesSampler != "" {
		rate, err := o.TracesSampler.rate(o.TracesSamplerArg)
		if err != nil {
			errs = append(errs, &Error{Setting: "OTEL_TRACES_SAMPLER_ARG", Err: err})
		} else {
			c.TraceSampleRate = SampleRate(rate)
		}
	}
	if p := strings.ToLower(strings.TrimSpace(o.Protocol)); p != "" && p != "http/protobuf" && o.OTLPEndpoints().Any() {
		errs = append(errs, &Error{Setting: "OTEL_EXPORTER_OTLP_PROTOCOL",
			Err: badValue("%s is not supported for the extra OTLP backend: accepted values are http/protobuf", o.Protocol)})
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
		if f.value == "" || !o.OTLPEndpoints().Any() {
			continue
		}
		if _, err := os.Stat(f.value); err != nil {
			errs = append(errs, &Error{Setting: f.name, Err: fmt.Errorf("%s cannot be read (%v): accepted values are paths of PEM files", quote(f.value, tokens), errors.Unwrap(err))})
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
		if why := baseURLProblem(e.value); why != "" {
			errs = append(errs, &Error{Setting: e.name, Err: fmt.Errorf("%s is not an endpoint (%s): accepted values are absolute http or https URLs", quote(e.value, tokens), why)})
		}
	}
	return errors.Join(errs...)
}

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
		return 0, badValue("%s is not a sample rate for "+string(s)+": accepted values are numbers from 0 to 1", arg)
	}
	return f, nil
}
