package collector

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"sync"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/config/configgrpc"
	"go.opentelemetry.io/collector/config/configoptional"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/receiver/otlpreceiver"
	"go.opentelemetry.io/collector/receiver/receivertest"
)

// Counts is what a Counter has received so far. Only accepted requests
// count; a Counter accepts every request it can decode.
type Counts struct {
	// Spans counts every span, pending spans included.
	Spans int64 `json:"spans"`
	// PendingSpans counts the spans whose logfire.span_type is
	// "pending_span".
	PendingSpans int64 `json:"pending_spans"`
	// LogRecords counts OTel log records.
	LogRecords int64 `json:"log_records"`
	// DataPoints counts metric data points.
	DataPoints int64 `json:"data_points"`
	// Requests counts export requests, all signals together.
	Requests int64 `json:"requests"`
}

// Records returns the spans that are not pending spans plus the log
// records: what a program recorded, one for each span it ended and each
// log it wrote, whichever signal the SDK sends logs as.
func (c Counts) Records() int64 {
	return c.Spans - c.PendingSpans + c.LogRecords
}

// Sub returns the counts received since before was taken.
func (c Counts) Sub(before Counts) Counts {
	return Counts{
		Spans:        c.Spans - before.Spans,
		PendingSpans: c.PendingSpans - before.PendingSpans,
		LogRecords:   c.LogRecords - before.LogRecords,
		DataPoints:   c.DataPoints - before.DataPoints,
		Requests:     c.Requests - before.Requests,
	}
}

// Counter is the collector's OTLP/HTTP receiver, as Start runs it, that
// only counts what it receives and keeps nothing else, so that its memory
// stays the same however long it runs: the backend of benchmarks that send
// hundreds of thousands of records. It is safe for concurrent use.
type Counter struct {
	endpoint string
	stop     func(context.Context) error

	mu     sync.Mutex
	counts Counts
}

// StartCounter runs a Counter on addr, "127.0.0.1:PORT" or another
// loopback address; port 0 picks a free port. Unlike Start it needs no
// test: the caller stops it with Shutdown.
func StartCounter(addr string) (*Counter, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("collector: counter address %q: %w", addr, err)
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return nil, fmt.Errorf("collector: counter address %q: the host must be a loopback IP address such as 127.0.0.1", addr)
	}
	c := &Counter{}
	tc, mc, lc, err := newConsumers(c.consumeTraces, c.consumeMetrics, c.consumeLogs)
	if err != nil {
		return nil, err
	}
	c.endpoint, c.stop, err = startOn(host, port, options{shutdownWait: 5 * time.Second}, tc, mc, lc)
	if err != nil {
		return nil, err
	}
	return c, nil
}

// startOn starts the OTLP/HTTP receiver on host:port and returns its base
// URL. Port "0" is replaced by a free port, found by binding and releasing
// one; another process may take it in between, so that is tried a few
// times.
func startOn(host, port string, o options, tc consumer.Traces, mc consumer.Metrics, lc consumer.Logs) (string, func(context.Context) error, error) {
	tries := 1
	if port == "0" {
		tries = 5
	}
	var lastErr error
	for range tries {
		p := port
		if p == "0" {
			n, err := freePort()
			if err != nil {
				return "", nil, fmt.Errorf("collector: finding a free port: %w", err)
			}
			p = strconv.Itoa(n)
		}
		endpoint := net.JoinHostPort(host, p)
		stop, err := startOTLPHTTP(endpoint, o, tc, mc, lc)
		if err == nil {
			return "http://" + endpoint, stop, nil
		}
		lastErr = err
	}
	return "", nil, fmt.Errorf("collector: starting the OTLP receiver: %w", lastErr)
}

// newConsumers wraps the three consume functions of a Collector or a
// Counter as the receiver's consumers.
func newConsumers(traces consumer.ConsumeTracesFunc, metrics consumer.ConsumeMetricsFunc, logs consumer.ConsumeLogsFunc) (consumer.Traces, consumer.Metrics, consumer.Logs, error) {
	tc, err := consumer.NewTraces(traces)
	if err != nil {
		return nil, nil, nil, err
	}
	mc, err := consumer.NewMetrics(metrics)
	if err != nil {
		return nil, nil, nil, err
	}
	lc, err := consumer.NewLogs(logs)
	if err != nil {
		return nil, nil, nil, err
	}
	return tc, mc, lc, nil
}

// startOTLPHTTP starts the OTLP receiver's three signals on endpoint,
// HTTP only, include_metadata on, o's body limit (if any) and the
// receiver's defaults otherwise, delivering to the consumers. It returns
// the function that stops them. (Collector.start does the same with its
// own consumers.)
func startOTLPHTTP(endpoint string, o options, tc consumer.Traces, mc consumer.Metrics, lc consumer.Logs) (func(context.Context) error, error) {
	factory := otlpreceiver.NewFactory()
	cfg := factory.CreateDefaultConfig().(*otlpreceiver.Config)
	cfg.Protocols.GRPC = configoptional.None[configgrpc.ServerConfig]()
	httpCfg := cfg.Protocols.HTTP.GetOrInsertDefault()
	httpCfg.ServerConfig.NetAddr.Endpoint = endpoint
	httpCfg.ServerConfig.IncludeMetadata = true
	if o.maxBodySize > 0 {
		httpCfg.ServerConfig.MaxRequestBodySize = o.maxBodySize
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	ctx := context.Background()
	set := receivertest.NewNopSettings(factory.Type())
	var comps []component.Component
	stop := func(ctx context.Context) error {
		var errs []error
		for _, comp := range comps {
			errs = append(errs, comp.Shutdown(ctx))
		}
		return errors.Join(errs...)
	}
	create := []func() (component.Component, error){
		func() (component.Component, error) { return factory.CreateTraces(ctx, set, cfg, tc) },
		func() (component.Component, error) { return factory.CreateMetrics(ctx, set, cfg, mc) },
		func() (component.Component, error) { return factory.CreateLogs(ctx, set, cfg, lc) },
	}
	for _, f := range create {
		comp, err := f()
		if err != nil {
			return nil, errors.Join(err, stop(ctx))
		}
		comps = append(comps, comp)
	}
	host := componenttest.NewNopHost()
	for _, comp := range comps {
		if err := comp.Start(ctx, host); err != nil {
			sctx, cancel := context.WithTimeout(ctx, o.shutdownWait)
			defer cancel()
			return nil, errors.Join(err, stop(sctx))
		}
	}
	return stop, nil
}

// Endpoint returns the base URL of the receiver, "http://127.0.0.1:PORT";
// the OTLP paths /v1/traces, /v1/metrics and /v1/logs are under it.
func (c *Counter) Endpoint() string {
	return c.endpoint
}

// Counts returns what the Counter has received so far.
func (c *Counter) Counts() Counts {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.counts
}

// Shutdown stops the receiver, waiting for the requests in flight until
// ctx ends.
func (c *Counter) Shutdown(ctx context.Context) error {
	return c.stop(ctx)
}

func (c *Counter) add(n Counts) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.counts.Spans += n.Spans
	c.counts.PendingSpans += n.PendingSpans
	c.counts.LogRecords += n.LogRecords
	c.counts.DataPoints += n.DataPoints
	c.counts.Requests += n.Requests
}

func (c *Counter) consumeTraces(_ context.Context, td ptrace.Traces) error {
	n := Counts{Spans: int64(td.SpanCount()), Requests: 1}
	for _, rs := range td.ResourceSpans().All() {
		for _, ss := range rs.ScopeSpans().All() {
			for _, s := range ss.Spans().All() {
				if v, ok := s.Attributes().Get(SpanTypeKey); ok && v.Str() == PendingSpanType {
					n.PendingSpans++
				}
			}
		}
	}
	c.add(n)
	return nil
}

func (c *Counter) consumeMetrics(_ context.Context, md pmetric.Metrics) error {
	c.add(Counts{DataPoints: int64(md.DataPointCount()), Requests: 1})
	return nil
}

func (c *Counter) consumeLogs(_ context.Context, ld plog.Logs) error {
	c.add(Counts{LogRecords: int64(ld.LogRecordCount()), Requests: 1})
	return nil
}
