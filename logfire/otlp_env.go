package logfire

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/logfire-go/sdk/config"
	"github.com/logfire-go/sdk/internal/credentials"
	"github.com/logfire-go/sdk/internal/delivery"
)

// The extra OTLP backend: when OTEL_EXPORTER_OTLP_ENDPOINT (or a signal's
// own OTEL_EXPORTER_OTLP_<SIGNAL>_ENDPOINT) is set, the SDK also exports to
// it, as the Python SDK does: real spans (no pending spans), log records
// and metrics, with the headers, compression, timeout and certificates of
// the other OTEL_EXPORTER_OTLP_* variables. It is a destination like a
// Logfire project: the same exporters and delivery (retries, retry
// buffer, breaker), and its records are counted in DeliveryStats.

// defaultOTLPTimeout is OTEL_EXPORTER_OTLP_TIMEOUT's default.
const defaultOTLPTimeout = 10 * time.Second

// newOTLPBackend makes the destination the OTEL_EXPORTER_OTLP_* variables
// describe, or returns nil when they name none. An endpoint that is one of
// the destinations' (Logfire's own, set in both places) is not exported to
// twice.
func newOTLPBackend(s *settings, dests []credentials.Destination, sc *scrubber, hooks deliveryHooks) (*destination, error) {
	o := s.otel
	on := o.Endpoints()
	if !on.Any() {
		return nil, nil
	}
	if ep := strings.TrimSuffix(o.ExporterEndpoint, "/"); ep != "" && o.TracesEndpoint == "" {
		for _, d := range dests {
			if strings.TrimSuffix(d.BaseURL, "/") == ep {
				s.handleError(fmt.Errorf("OTEL_EXPORTER_OTLP_ENDPOINT is %s, where the SDK exports already: not sending everything there twice", redactedURL(ep)))
				return nil, nil
			}
		}
	}
	type signal struct {
		on                        bool
		sig                       delivery.Signal
		name                      string // in the variables' names
		endpoint                  string
		headers                   map[string]string
		compression               string
		timeout                   time.Duration
		ca, clientCert, clientKey string
	}
	signals := []signal{
		{on.Traces, delivery.Spans, "TRACES", o.TracesEndpoint, o.TracesHeaders, o.TracesCompression, o.TracesTimeout, o.TracesCertificate, o.TracesClientCertificate, o.TracesClientKey},
		{on.Metrics, delivery.Metrics, "METRICS", o.MetricsEndpoint, o.MetricsHeaders, o.MetricsCompression, o.MetricsTimeout, o.MetricsCertificate, o.MetricsClientCertificate, o.MetricsClientKey},
		{on.Logs, delivery.Logs, "LOGS", o.LogsEndpoint, o.LogsHeaders, o.LogsCompression, o.LogsTimeout, o.LogsCertificate, o.LogsClientCertificate, o.LogsClientKey},
	}
	var eps [3]delivery.Endpoint
	clients := map[[3]string]*http.Client{} // one per set of certificates
	where := ""
	for _, sg := range signals {
		if !sg.on {
			continue
		}
		ep := delivery.Endpoint{URL: sg.endpoint, Headers: map[string]string{"User-Agent": userAgent}}
		if ep.URL == "" {
			ep.URL = strings.TrimSuffix(o.ExporterEndpoint, "/") + sg.sig.Path()
		}
		headers := o.Headers
		if sg.headers != nil {
			headers = sg.headers
		}
		for k, v := range headers {
			ep.Headers[k] = v
		}
		compression := or(sg.compression, o.Compression)
		// As OpenTelemetry's exporters do: gzip asks for every request
		// compressed, anything else for none.
		ep.NoCompression, ep.CompressAll = compression != "gzip", compression == "gzip"
		ep.AttemptTimeout = or(sg.timeout, o.Timeout)
		if ep.AttemptTimeout <= 0 {
			ep.AttemptTimeout = defaultOTLPTimeout
		}
		certs := [3]string{or(sg.ca, o.Certificate), or(sg.clientCert, o.ClientCertificate), or(sg.clientKey, o.ClientKey)}
		if certs != [3]string{} {
			c, ok := clients[certs]
			if !ok {
				tc, err := tlsConfig(sg.name, certs)
				if err != nil {
					return nil, err
				}
				tr := http.DefaultTransport.(*http.Transport).Clone()
				tr.TLSClientConfig = tc
				c = &http.Client{Transport: tr}
				clients[certs] = c
			}
			ep.Client = c
		}
		eps[sg.sig] = ep
		if where == "" {
			where = redactedURL(ep.URL)
		}
	}
	d, err := newSender(s, eps, hooks, "the OTLP endpoint "+where)
	if err != nil {
		return nil, &config.Error{Setting: "OTEL_EXPORTER_OTLP_ENDPOINT", Err: err}
	}
	d.addExporters(s, sc, false)
	return d, nil
}

// or is v, or else, when v is the zero value, def.
func or[T comparable](v, def T) T {
	var zero T
	if v == zero {
		return def
	}
	return v
}

// tlsConfig is the TLS configuration of the extra backend's requests of a
// signal: the certificate authorities of the PEM file certs[0] (the
// system's when empty) and the client certificate and key of certs[1] and
// certs[2].
func tlsConfig(signal string, certs [3]string) (*tls.Config, error) {
	tc := &tls.Config{MinVersion: tls.VersionTLS12}
	if certs[0] != "" {
		pem, err := os.ReadFile(certs[0])
		if err != nil {
			return nil, &config.Error{Setting: "OTEL_EXPORTER_OTLP_" + signal + "_CERTIFICATE", Err: err}
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, &config.Error{Setting: "OTEL_EXPORTER_OTLP_" + signal + "_CERTIFICATE",
				Err: fmt.Errorf("%s holds no PEM certificate: accepted values are paths of PEM files of CA certificates", certs[0])}
		}
		tc.RootCAs = pool
	}
	if (certs[1] == "") != (certs[2] == "") {
		return nil, &config.Error{Setting: "OTEL_EXPORTER_OTLP_" + signal + "_CLIENT_CERTIFICATE",
			Err: fmt.Errorf("a client certificate needs its key, and a key its certificate: set both OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE and OTEL_EXPORTER_OTLP_CLIENT_KEY (or their %s forms)", signal)}
	}
	if certs[1] != "" {
		cert, err := tls.LoadX509KeyPair(certs[1], certs[2])
		if err != nil {
			return nil, &config.Error{Setting: "OTEL_EXPORTER_OTLP_" + signal + "_CLIENT_CERTIFICATE",
				Err: fmt.Errorf("loading the client certificate and key: %w: accepted values are paths of PEM files", err)}
		}
		tc.Certificates = []tls.Certificate{cert}
	}
	return tc, nil
}
