package collectordist

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/confmap/provider/fileprovider"
	"go.opentelemetry.io/collector/confmap/provider/yamlprovider"
	"go.opentelemetry.io/collector/otelcol"
)

// Config says what Start runs.
type Config struct {
	// Files are the collector's YAML configuration files, merged in order
	// as several --config flags are.
	Files []string
	// Env resolves ${env:NAME} in them (and nothing else does: the test's
	// own environment is not read), so that a token given to the collector
	// is never in the environment of the SDK running in the same process.
	Env map[string]string
	// Set overrides single values after the files, as --set does, keyed by
	// path ("exporters::otlphttp::endpoint").
	Set map[string]string
	// Listen is the address the OTLP/HTTP receiver listens on, such as
	// "127.0.0.1:43181"; empty picks a free port on 127.0.0.1.
	Listen string
	// Exporter is the OTLP/HTTP exporter's endpoint, the final receiver.
	// It must be set: the documented files name Logfire itself, which a
	// test must never reach.
	Exporter string
}

// lifecycle serialises the collectors' starts and stops.
var lifecycle sync.Mutex

// Running is a collector started by Start.
type Running struct {
	// Endpoint is the receiver's base URL, "http://127.0.0.1:PORT".
	Endpoint string
	// Listen is the receiver's address, "127.0.0.1:PORT".
	Listen string

	col  *otelcol.Collector
	done chan error
}

// Start runs the distribution in this process with cfg, waits until its
// OTLP/HTTP receiver accepts connections (at most 20 s), and stops it when
// the test ends (Stop stops it sooner). Its own telemetry is off (no
// metrics port) and it logs warnings and errors only.
func Start(t testing.TB, cfg Config) *Running {
	t.Helper()
	if !strings.HasPrefix(cfg.Exporter, "http://127.0.0.1:") {
		t.Fatalf("collectordist: the exporter endpoint must be a local receiver, not %q", cfg.Exporter)
	}
	listen := cfg.Listen
	if listen == "" {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		listen = l.Addr().String()
		l.Close()
	}
	set := map[string]string{
		"receivers::otlp::protocols::http::endpoint":   listen,
		"exporters::otlphttp::endpoint":                cfg.Exporter,
		"service::telemetry::metrics::level":           "none",
		"service::telemetry::logs::level":              "warn",
		"service::telemetry::logs::disable_stacktrace": "true",
	}
	for k, v := range cfg.Set {
		set[k] = v
	}
	var uris []string
	for _, f := range cfg.Files {
		if _, err := os.Stat(f); err != nil {
			t.Fatal(err)
		}
		uris = append(uris, "file:"+f)
	}
	keys := make([]string, 0, len(set))
	for k := range set {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		uris = append(uris, "yaml:"+k+": "+set[k])
	}
	col, err := otelcol.NewCollector(otelcol.CollectorSettings{
		BuildInfo:               BuildInfo,
		Factories:               Components,
		DisableGracefulShutdown: true,
		ConfigProviderSettings: otelcol.ConfigProviderSettings{
			ResolverSettings: confmap.ResolverSettings{
				URIs: uris,
				ProviderFactories: []confmap.ProviderFactory{
					fileprovider.NewFactory(), yamlprovider.NewFactory(),
					confmap.NewProviderFactory(func(confmap.ProviderSettings) confmap.Provider { return envProvider(cfg.Env) }),
				},
				DefaultScheme: "env",
			},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	r := &Running{Endpoint: "http://" + listen, Listen: listen, col: col, done: make(chan error, 1)}
	// A collector sets process-wide state as it starts (gRPC's logger):
	// collectors of one process start one at a time, each once running
	// (GetState is atomic, which orders its start before the next).
	lifecycle.Lock()
	defer lifecycle.Unlock()
	go func() { r.done <- col.Run(context.Background()) }()
	t.Cleanup(func() {
		if err := r.Stop(); err != nil {
			t.Errorf("collectordist: %v", err)
		}
	})
	deadline := time.Now().Add(20 * time.Second)
	for {
		if col.GetState() == otelcol.StateRunning {
			c, err := net.DialTimeout("tcp", listen, time.Second)
			if err == nil {
				c.Close()
				return r
			}
		}
		select {
		case err := <-r.done:
			r.done <- err
			t.Fatalf("collectordist: the collector stopped while starting: %v", err)
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("collectordist: the receiver does not listen on %s after 20 s", listen)
		}
	}
}

// Stop shuts the collector down (its exporters get the collector's own
// shutdown to send what they hold) and waits at most 15 s for it. Calling
// it again does nothing.
func (r *Running) Stop() error {
	if r.col == nil {
		return nil
	}
	lifecycle.Lock()
	defer lifecycle.Unlock()
	r.col.Shutdown()
	r.col = nil
	select {
	case err := <-r.done:
		return err
	case <-time.After(15 * time.Second):
		return errors.New("the collector did not stop within 15 s")
	}
}

// envProvider resolves ${env:NAME} from vars only.
type envProvider map[string]string

func (envProvider) Scheme() string                 { return "env" }
func (envProvider) Shutdown(context.Context) error { return nil }

func (p envProvider) Retrieve(_ context.Context, uri string, _ confmap.WatcherFunc) (*confmap.Retrieved, error) {
	name := strings.TrimPrefix(uri, "env:")
	v, ok := p[name]
	if !ok {
		return nil, fmt.Errorf("collectordist: ${env:%s} is not set in Config.Env", name)
	}
	return confmap.NewRetrievedFromYAML([]byte(v))
}
