package console

import (
	"context"
	"io"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/logfire-go/sdk/config"
	"github.com/logfire-go/sdk/internal/envconfig"
	"github.com/logfire-go/sdk/internal/keys"
)

// benchLog is a typical log record: a message with one argument, its
// source location, and a span around it.
func benchLog() sdktrace.ReadOnlySpan {
	return logRecord(traceA, 1, 1.234, "Hello world!",
		level(envconfig.LevelInfo),
		attribute.String(keys.MsgTemplate, "Hello {name}!"),
		attribute.String(keys.CodeFilepath, "cmd/server/main.go"),
		attribute.Int(keys.CodeLineno, 42),
		attribute.String(keys.CodeFunction, "main.handle"),
		attribute.String("name", "world"),
		schema(`{"type":"object","properties":{"name":{}}}`),
	)
}

func benchProcessor(b *testing.B, opts ...option) *processor {
	p := newTest(append([]option{withWriter(io.Discard), withColors(config.ColorsAlways)}, opts...)...)
	p.OnEnd(pendingSpan(traceA, 1, 0, 1, "request"))
	b.Cleanup(func() { _ = p.Shutdown(context.Background()) })
	return p
}

// BenchmarkConsoleOnEnd measures what the instrumented goroutine pays for a
// log: formatting it and queueing the text (written to io.Discard).
func BenchmarkConsoleOnEnd(b *testing.B) {
	p := benchProcessor(b)
	s := benchLog()
	b.ReportAllocs()
	for b.Loop() {
		p.OnEnd(s)
	}
}

// BenchmarkConsoleOnEndParallel is BenchmarkConsoleOnEnd from many
// goroutines at once.
func BenchmarkConsoleOnEndParallel(b *testing.B) {
	p := benchProcessor(b)
	s := benchLog()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			p.OnEnd(s)
		}
	})
}

// BenchmarkConsoleOnEndVerbose is BenchmarkConsoleOnEnd with verbose output.
func BenchmarkConsoleOnEndVerbose(b *testing.B) {
	p := benchProcessor(b, withVerbose(true))
	s := benchLog()
	b.ReportAllocs()
	for b.Loop() {
		p.OnEnd(s)
	}
}

// BenchmarkConsoleOnEndFiltered measures a log below the minimum level.
func BenchmarkConsoleOnEndFiltered(b *testing.B) {
	p := benchProcessor(b, withMinLevel(envconfig.LevelWarn))
	s := benchLog()
	b.ReportAllocs()
	for b.Loop() {
		p.OnEnd(s)
	}
}
