package logfire

import (
	"context"

	"go.opentelemetry.io/otel/attribute"
	sdklog "go.opentelemetry.io/otel/sdk/log"

	"github.com/logfire-go/sdk/internal/delivery"
)

// logExporter is the log processor in front of one destination's OTLP log
// exporter: the OpenTelemetry log records of the instance's
// LoggerProvider (from log bridges) wait in an export queue bounded by
// bytes, as spans do (see spanExporter).
type logExporter struct {
	exp   sdklog.Exporter
	queue *delivery.Batcher[sdklog.Record]
	cnt   *delivery.Counters
}

func newLogExporter(exp sdklog.Exporter, cfg delivery.BatcherConfig, cnt *delivery.Counters) *logExporter {
	p := &logExporter{exp: exp, cnt: cnt}
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

func (p *logExporter) Shutdown(ctx context.Context) error {
	err := p.queue.Shutdown(ctx)
	return joinErr(err, p.exp.Shutdown(ctx))
}

func (p *logExporter) export(ctx context.Context, batch []sdklog.Record) {
	for i := range batch {
		exportLog(&batch[i])
	}
	p.exportChecked(ctx, batch)
}

// exportChecked is spanExporter.exportChecked for log records.
func (p *logExporter) exportChecked(ctx context.Context, batch []sdklog.Record) {
	if len(batch) == 0 {
		return
	}
	if ctx.Err() != nil {
		ctx = delivery.KeepOnly(ctx)
	}
	cctx, seen := delivery.WithCall(ctx, delivery.Logs, len(batch))
	err := p.exp.Export(cctx, batch)
	if err == nil || seen() {
		return
	}
	if ctx.Err() != nil {
		cctx, seen = delivery.WithCall(delivery.KeepOnly(ctx), delivery.Logs, len(batch))
		if err = p.exp.Export(cctx, batch); err == nil || seen() {
			return
		}
	}
	if len(batch) == 1 {
		p.cnt.Dropped(delivery.Logs, delivery.Encoding, 1, err.Error())
		return
	}
	half := len(batch) / 2
	p.exportChecked(ctx, batch[:half])
	p.exportChecked(ctx, batch[half:])
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
