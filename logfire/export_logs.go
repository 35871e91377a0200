package logfire

import (
	"context"

	"go.opentelemetry.io/otel/attribute"
	sdklog "go.opentelemetry.io/otel/sdk/log"

	"github.com/logfire-go/sdk/internal/delivery"
	"github.com/logfire-go/sdk/internal/otlpwire"
)

// logExporter is the log exporter of one destination, as a log processor:
// the OpenTelemetry log records of the instance's LoggerProvider (from log
// bridges) wait in an export queue bounded by bytes, as spans do (see
// spanExporter), and go, encoded by otlpwire, to the destination's sender.
type logExporter struct {
	sender *delivery.Sender
	enc    *otlpwire.Encoder
	queue  *delivery.Batcher[sdklog.Record]
}

func newLogExporter(sender *delivery.Sender, enc *otlpwire.Encoder, cfg delivery.BatcherConfig, cnt *delivery.Counters) *logExporter {
	p := &logExporter{sender: sender, enc: enc}
	p.queue = delivery.NewBatcher(cfg, delivery.Logs, cnt, logSize, p.export, nil)
	return p
}

func (p *logExporter) Enabled(context.Context, sdklog.EnabledParameters) bool { return true }

// OnEmit queues a copy of r: the caller reuses r once OnEmit returns.
func (p *logExporter) OnEmit(_ context.Context, r *sdklog.Record) error {
	p.queue.Enqueue(r.Clone())
	return nil
}

func (p *logExporter) ForceFlush(ctx context.Context) error { return p.queue.ForceFlush(ctx) }

func (p *logExporter) Shutdown(ctx context.Context) error { return p.queue.Shutdown(ctx) }

// export encodes one batch and sends it.
func (p *logExporter) export(ctx context.Context, mode delivery.Mode, batch []sdklog.Record) {
	p.enc.Logs(batch, func(body []byte, n int) {
		p.sender.Send(ctx, mode, delivery.Logs, body, n)
	})
}

// logSize estimates the memory a log record holds while it waits.
func logSize(r sdklog.Record) int {
	n := 256 + valueSize(r.Body()) + len(r.EventName()) + len(r.SeverityText())
	r.WalkAttributes(func(kv attribute.KeyValue) bool {
		n += 48 + len(kv.Key) + valueSize(kv.Value)
		return true
	})
	return n
}
