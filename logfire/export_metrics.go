package logfire

import (
	"context"
	"sync"
	"time"

	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/logfire-go/sdk/internal/delivery"
	"github.com/logfire-go/sdk/internal/metricpref"
	"github.com/logfire-go/sdk/internal/otlpwire"
	"github.com/logfire-go/sdk/internal/redact"
)

// metricExporter collects the instance's metrics through a manual reader
// and exports them to one destination (encoded by otlpwire, to its sender)
// every interval, and on ForceFlush and Shutdown in the caller's
// goroutine, within the caller's context.
//
// It stands in for sdkmetric.PeriodicReader, whose ForceFlush exports
// from the reader's own goroutine, with the reader's context: a flush
// bounded by a Lambda invocation's deadline could return while its export
// went on, and the process would freeze mid-request.
type metricExporter struct {
	reader   *sdkmetric.ManualReader
	sender   *delivery.Sender
	enc      *otlpwire.Encoder
	cnt      *delivery.Counters
	tokens   *redact.Tokens // redacted from names and attributes; nil: none
	interval time.Duration
	timeout  time.Duration

	collect  sync.Mutex // one collection and export at a time: delta sums must go in order
	stopOnce sync.Once
	stop     chan struct{}
	done     chan struct{}
	ctx      context.Context // of the periodic exports; cancelled by abort
	cancel   context.CancelFunc
}

func newMetricExporter(sender *delivery.Sender, enc *otlpwire.Encoder, interval, timeout time.Duration, cnt *delivery.Counters, tokens *redact.Tokens) *metricExporter {
	m := &metricExporter{
		reader: sdkmetric.NewManualReader(
			sdkmetric.WithTemporalitySelector(metricpref.Temporality),
			sdkmetric.WithAggregationSelector(metricpref.Aggregation),
		),
		sender:   sender,
		enc:      enc,
		cnt:      cnt,
		tokens:   tokens,
		interval: interval,
		timeout:  timeout,
		stop:     make(chan struct{}),
		done:     make(chan struct{}),
	}
	m.ctx, m.cancel = context.WithCancel(context.Background())
	go m.run()
	return m
}

func (m *metricExporter) run() {
	defer close(m.done)
	t := time.NewTicker(m.interval)
	defer t.Stop()
	for {
		select {
		case <-m.stop:
			return
		case <-t.C:
			ctx, cancel := context.WithTimeout(m.ctx, m.timeout)
			_ = m.export(ctx, delivery.Background)
			cancel()
		}
	}
}

// ForceFlush collects and exports now.
func (m *metricExporter) ForceFlush(ctx context.Context) error {
	return m.export(ctx, delivery.Flush)
}

// Shutdown stops the periodic export and exports a last time.
func (m *metricExporter) Shutdown(ctx context.Context) error {
	var err error
	m.stopOnce.Do(func() {
		close(m.stop)
		<-m.done
		// The meter provider shuts the reader down.
		err = m.export(ctx, delivery.Final)
	})
	m.cancel()
	return err
}

// abort stops the periodic export without a last one and waits for an
// export under way (whose context must be done) to return.
func (m *metricExporter) abort() {
	m.cancel()
	m.stopOnce.Do(func() {
		close(m.stop)
		<-m.done
	})
	m.collect.Lock()
	m.collect.Unlock() //nolint:staticcheck // waits for an export under way
}

// export collects and exports, in mode, what was recorded since the last
// export; with no data points it sends nothing.
func (m *metricExporter) export(ctx context.Context, mode delivery.Mode) error {
	m.collect.Lock()
	defer m.collect.Unlock()
	var rm metricdata.ResourceMetrics
	if err := m.reader.Collect(context.WithoutCancel(ctx), &rm); err != nil {
		return err
	}
	if dataPoints(&rm) == 0 {
		return nil
	}
	if m.tokens != nil {
		redactMetrics(m.tokens, &rm)
	}
	dropped, err := m.enc.Metrics(&rm, func(body []byte, n int) {
		m.sender.Send(ctx, mode, delivery.Metrics, body, n)
	})
	if dropped > 0 {
		m.cnt.Dropped(delivery.Metrics, delivery.Encoding, dropped, err.Error())
	}
	return nil
}

// dataPoints counts the data points of rm.
func dataPoints(rm *metricdata.ResourceMetrics) int {
	n := 0
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			n += eachPoint(m.Data, nil)
		}
	}
	return n
}
