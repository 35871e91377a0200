package main

import (
	"fmt"
	"net"
	"net/url"
	"os"
)

// checkEndpoint accepts only an http URL whose host is a loopback IP
// address, and refuses to run while an OTEL_EXPORTER_OTLP_*ENDPOINT
// variable is set: the SDK would also export there, and the measurement
// would no longer be of one local export.
func checkEndpoint(endpoint string) error {
	u, err := url.Parse(endpoint)
	if err != nil {
		return fmt.Errorf("-endpoint: %w", err)
	}
	if ip := net.ParseIP(u.Hostname()); u.Scheme != "http" || ip == nil || !ip.IsLoopback() || u.Port() == "" || u.Path != "" || u.User != nil || u.RawQuery != "" {
		return fmt.Errorf("-endpoint %q: accepted values are http://127.0.0.1:PORT (a loopback IP address and a port, no path)", endpoint)
	}
	for _, v := range []string{"OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT", "OTEL_EXPORTER_OTLP_LOGS_ENDPOINT"} {
		if os.Getenv(v) != "" {
			return fmt.Errorf("%s is set: unset it, the benchmark exports to -endpoint only", v)
		}
	}
	return nil
}
