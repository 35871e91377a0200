package console

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"go.opentelemetry.io/otel/attribute"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"

	"github.com/logfire-go/sdk/config"
	"github.com/logfire-go/sdk/internal/envconfig"
	"github.com/logfire-go/sdk/internal/keys"
)

func TestConcurrentLogging(t *testing.T) {
	const goroutines, perGoroutine = 32, 200
	w := &countingWriter{}
	p := newTest(withWriter(w), withTimestamps(false), withColors(config.ColorsNever), withVerbose(true))
	filler := strings.Repeat("x", 100)
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Go(func() {
			for i := range perGoroutine {
				msg := fmt.Sprintf("g%03d-%04d %s", g, i, filler)
				p.OnEnd(logRecord(traceA, 0, 1, msg, attribute.String(keys.CodeFilepath, fmt.Sprintf("g%03d.go", g))))
			}
		})
	}
	wg.Wait()
	if err := p.Shutdown(t.Context()); err != nil {
		t.Fatal(err)
	}

	out := w.String()
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if len(lines) != 2*goroutines*perGoroutine {
		t.Fatalf("got %d lines, want %d", len(lines), 2*goroutines*perGoroutine)
	}
	msgLine := regexp.MustCompile(`^g(\d{3})-(\d{4}) x{100}$`)
	next := make(map[string]int)
	for i := 0; i < len(lines); i += 2 {
		m := msgLine.FindStringSubmatch(lines[i])
		if m == nil {
			t.Fatalf("line %d is damaged: %q", i, lines[i])
		}
		// Each record's detail line follows its own message line.
		if want := "│ g" + m[1] + ".go info"; lines[i+1] != want {
			t.Fatalf("line %d is %q, want %q", i+1, lines[i+1], want)
		}
		// Lines of one goroutine keep their order.
		n, _ := strconv.Atoi(m[2])
		if n != next[m[1]] {
			t.Fatalf("goroutine %s: got record %d, want %d", m[1], n, next[m[1]])
		}
		next[m[1]]++
	}
}

func TestRecordsAreNotSplitAcrossWrites(t *testing.T) {
	w := &recordingWriter{delay: time.Millisecond}
	p := newTest(withWriter(w), withTimestamps(false), withColors(config.ColorsNever), withVerbose(true))
	for i := range 50 {
		p.OnEnd(logRecord(traceA, 0, 1, fmt.Sprintf("record %d", i), attribute.String(keys.CodeFilepath, "f.go")))
	}
	if err := p.Shutdown(t.Context()); err != nil {
		t.Fatal(err)
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	total := 0
	for _, chunk := range w.chunks {
		if !strings.HasPrefix(chunk, "record ") || !strings.HasSuffix(chunk, "│ f.go info\n") {
			t.Errorf("a Write call does not hold whole records: %q", chunk)
		}
		total += strings.Count(chunk, "record ")
	}
	if total != 50 {
		t.Errorf("got %d records, want 50", total)
	}
}

func TestShutdownWritesEverything(t *testing.T) {
	// On the bubble's clock, the writer's delay and the 10 s bound of the
	// shutdown are exact, not a guess about the machine's speed.
	synctest.Test(t, testShutdownWritesEverything)
}

func testShutdownWritesEverything(t *testing.T) {
	w := &countingWriter{delay: 200 * time.Microsecond}
	p := newTest(withWriter(w), withTimestamps(false), withColors(config.ColorsNever))
	const n = 500
	for i := range n {
		p.OnEnd(logRecord(traceA, 0, 1, fmt.Sprintf("line %d", i)))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := p.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(w.String(), "\n"), "\n")
	if len(lines) != n {
		t.Fatalf("got %d lines after Shutdown, want %d", len(lines), n)
	}
	for i, l := range lines {
		if want := fmt.Sprintf("line %d", i); l != want {
			t.Fatalf("line %d is %q, want %q", i, l, want)
		}
	}

	// Later records are ignored, and Shutdown and ForceFlush still work.
	p.OnEnd(logRecord(traceA, 0, 1, "too late"))
	if err := p.Shutdown(ctx); err != nil {
		t.Errorf("second Shutdown: %v", err)
	}
	if err := p.ForceFlush(ctx); err != nil {
		t.Errorf("ForceFlush after Shutdown: %v", err)
	}
	if strings.Contains(w.String(), "too late") {
		t.Error("a record ended after Shutdown was printed")
	}
	select {
	case <-p.queue.done:
	default:
		t.Error("the writer goroutine is still running after Shutdown")
	}
}

func TestShutdownWithoutOutput(t *testing.T) {
	p := newTest(withWriter(&countingWriter{}))
	if err := p.Shutdown(t.Context()); err != nil {
		t.Fatal(err)
	}
	if err := p.Shutdown(t.Context()); err != nil {
		t.Fatal(err)
	}
	if p.queue.started && !isClosed(p.queue.done) {
		t.Error("writer goroutine left running")
	}
}

func TestForceFlush(t *testing.T) {
	w := &countingWriter{delay: time.Millisecond}
	p := newTest(withWriter(w), withTimestamps(false), withColors(config.ColorsNever))
	defer p.Shutdown(context.Background())

	if err := p.ForceFlush(t.Context()); err != nil {
		t.Fatalf("ForceFlush with nothing queued: %v", err)
	}
	for i := range 20 {
		p.OnEnd(logRecord(traceA, 0, 1, fmt.Sprintf("line %d", i)))
		if i == 9 {
			if err := p.ForceFlush(t.Context()); err != nil {
				t.Fatal(err)
			}
			if got := strings.Count(w.String(), "\n"); got < 10 {
				t.Fatalf("ForceFlush returned with %d lines written, want at least 10", got)
			}
		}
	}
	if err := p.ForceFlush(t.Context()); err != nil {
		t.Fatal(err)
	}
	if got := strings.Count(w.String(), "\n"); got != 20 {
		t.Fatalf("%d lines written after ForceFlush, want 20", got)
	}
}

func TestBlockedWriterDoesNotBlockOnEnd(t *testing.T) {
	// In a synctest bubble, a call that blocks for good fails the test as
	// a deadlock at once, and the 50 ms contexts run on the bubble's clock.
	synctest.Test(t, testBlockedWriterDoesNotBlockOnEnd)
}

func testBlockedWriterDoesNotBlockOnEnd(t *testing.T) {
	w := newGatedWriter()
	p := newTest(withWriter(w), withTimestamps(false), withColors(config.ColorsNever))
	t.Cleanup(func() {
		w.open()
		_ = p.Shutdown(context.Background())
	})

	p.OnEnd(logRecord(traceA, 0, 1, "first"))
	<-w.entered // the writer is now stuck in Write

	const n = 10000
	for i := range n { // would deadlock the bubble if OnEnd waited for the writer
		p.OnEnd(logRecord(traceA, 0, 1, fmt.Sprintf("queued %d", i)))
	}

	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if err := p.ForceFlush(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("ForceFlush with a blocked writer returned %v, want the context's error", err)
	}
	ctx2, cancel2 := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel2()
	if err := p.Shutdown(ctx2); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Shutdown with a blocked writer returned %v, want the context's error", err)
	}

	// Once the writer moves again, everything queued arrives.
	w.open()
	if err := p.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	out := w.String()
	if got := strings.Count(out, "\n"); got != n+1 {
		t.Fatalf("got %d lines, want %d", got, n+1)
	}
	if !strings.HasPrefix(out, "first\nqueued 0\n") || !strings.HasSuffix(out, fmt.Sprintf("queued %d\n", n-1)) {
		t.Errorf("unexpected output order: %.40q ... %.40q", out, out[len(out)-40:])
	}
}

func TestWriterErrorsAndPanicsAreIgnored(t *testing.T) {
	p := newTest(withWriter(failingWriter{}), withTimestamps(false))
	p.OnEnd(logRecord(traceA, 0, 1, "lost"))
	if err := p.ForceFlush(t.Context()); err != nil {
		t.Fatal(err)
	}
	if err := p.Shutdown(t.Context()); err != nil {
		t.Fatal(err)
	}
	p = newTest(withWriter(panickingWriter{}), withTimestamps(false))
	p.OnEnd(logRecord(traceA, 0, 1, "lost"))
	p.OnEnd(logRecord(traceA, 0, 1, "lost too"))
	if err := p.Shutdown(t.Context()); err != nil {
		t.Fatal(err)
	}
}

func TestZeroProcessor(t *testing.T) {
	var p processor
	p.OnStart(context.Background(), nil)
	p.OnEnd(logRecord(traceA, 0, 1, "nowhere"))
	if err := p.ForceFlush(t.Context()); err != nil {
		t.Fatal(err)
	}
	if err := p.Shutdown(t.Context()); err != nil {
		t.Fatal(err)
	}
}

func TestNilInputs(t *testing.T) {
	p := newTest(nil, withWriter(nil), withLocation(nil), withGetenv(nil))
	p.OnStart(context.Background(), nil)
	p.OnEnd(nil)
	if err := p.Shutdown(t.Context()); err != nil {
		t.Fatal(err)
	}
}

// pendingProcessor stands in for the SDK's pending-span processor: it gives
// the console a pending span when a real span starts, then every ended span.
type pendingProcessor struct {
	next sdktrace.SpanProcessor
	ids  sdktrace.IDGenerator
}

func (p pendingProcessor) OnStart(ctx context.Context, s sdktrace.ReadWriteSpan) {
	for _, kv := range s.Attributes() {
		if kv.Key == keys.SpanType && kv.Value.AsString() != keys.SpanTypeSpan {
			return
		}
	}
	parent := "0000000000000000"
	if s.Parent().IsValid() {
		parent = s.Parent().SpanID().String()
	}
	p.next.OnEnd(pendingRecord{
		ReadOnlySpan: s,
		id:           trace.SpanID{0xff, 1, 2, 3, 4, 5, 6, 7},
		attrs: append(s.Attributes(),
			attribute.String(keys.SpanType, keys.SpanTypePending),
			attribute.String(keys.PendingParentID, parent)),
	})
}

func (p pendingProcessor) OnEnd(s sdktrace.ReadOnlySpan)        { p.next.OnEnd(s) }
func (p pendingProcessor) Shutdown(ctx context.Context) error   { return p.next.Shutdown(ctx) }
func (p pendingProcessor) ForceFlush(ctx context.Context) error { return p.next.ForceFlush(ctx) }

// pendingRecord is a real span seen as its own pending span.
type pendingRecord struct {
	sdktrace.ReadOnlySpan
	id    trace.SpanID
	attrs []attribute.KeyValue
}

func (r pendingRecord) SpanContext() trace.SpanContext {
	return r.ReadOnlySpan.SpanContext().WithSpanID(r.id)
}
func (r pendingRecord) Parent() trace.SpanContext        { return r.ReadOnlySpan.SpanContext() }
func (r pendingRecord) EndTime() time.Time               { return r.ReadOnlySpan.StartTime() }
func (r pendingRecord) Attributes() []attribute.KeyValue { return r.attrs }

func TestWithTracerProvider(t *testing.T) {
	w := &countingWriter{}
	console := newTest(withWriter(w), withTimestamps(false), withColors(config.ColorsNever))
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(pendingProcessor{next: console}))
	tracer := tp.Tracer("test")

	logAt := func(ctx context.Context, msg string, lvl config.Level) {
		_, s := tracer.Start(ctx, msg, trace.WithAttributes(
			attribute.String(keys.SpanType, keys.SpanTypeLog),
			attribute.Int(keys.LevelNum, int(lvl)),
			attribute.String(keys.Msg, msg)))
		s.End()
	}
	ctx, root := tracer.Start(context.Background(), "handle {path}", trace.WithAttributes(
		attribute.String(keys.SpanType, keys.SpanTypeSpan),
		attribute.String(keys.Msg, "handle /users"),
		attribute.StringSlice(keys.Tags, []string{"http"})))
	ctx2, child := tracer.Start(ctx, "query") // a foreign span: no Logfire attributes
	logAt(ctx2, "3 rows", envconfig.LevelInfo)
	logAt(ctx2, "hidden", envconfig.LevelDebug)
	child.End()
	logAt(ctx, "slow", envconfig.LevelWarn)
	root.End()
	logAt(context.Background(), "bye", envconfig.LevelInfo)

	if err := tp.Shutdown(t.Context()); err != nil {
		t.Fatal(err)
	}
	checkGolden(t, w.String(), ""+
		"handle /users [http]\n"+
		"  query\n"+
		"    3 rows\n"+
		"  slow\n"+
		"bye\n")
	console.mu.Lock()
	defer console.mu.Unlock()
	if len(console.tree.open) != 0 {
		t.Errorf("%d spans still tracked after they all ended", len(console.tree.open))
	}
}
