package delivery

import (
	"context"
	"encoding/binary"
	"testing"
	"testing/synctest"
	"time"

	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/protobuf/proto"
)

// spansFrom encodes a request of n spans whose ids are first, first+1,
// ...: every span of a test made with it is told apart by the backend.
func spansFrom(t testing.TB, first, n int) []byte {
	t.Helper()
	ss := &tracepb.ScopeSpans{Scope: &commonpb.InstrumentationScope{Name: "s"}}
	for i := first; i < first+n; i++ {
		id := make([]byte, 8)
		binary.BigEndian.PutUint64(id, uint64(i)+1)
		ss.Spans = append(ss.Spans, &tracepb.Span{TraceId: make([]byte, 16), SpanId: id, Name: "span"})
	}
	b, err := proto.Marshal(&coltracepb.ExportTraceServiceRequest{ResourceSpans: []*tracepb.ResourceSpans{{ScopeSpans: []*tracepb.ScopeSpans{ss}}}})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// outage buffers batches requests of size spans each through the queue's
// own exports while be refuses, and returns the next span id.
func outage(t *testing.T, tr *Sender, be *fakeBackend, batches, size int) int {
	t.Helper()
	be.set(answer{refuse: true})
	next := 0
	for range batches {
		tr.Send(context.Background(), Background, Spans, spansFrom(t, next, size), size)
		next += size
	}
	if got := tr.Buffered()[Spans]; got != int64(batches*size) {
		t.Fatalf("buffered %d spans in the outage, want %d", got, batches*size)
	}
	return next
}

// TestFlushCoalescesTheBacklog: the first flush after an outage sends the
// 90 requests the outage left and its own in one request, as the issue's
// fleet needed (one request per stored batch made the recovery a
// stampede).
func TestFlushCoalescesTheBacklog(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		be := &fakeBackend{}
		tr := newFakeSender(t, be, Config{})
		next := outage(t, tr, be, 90, 25)
		before := be.requests()
		be.set(accept)
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		end := tr.BeginFlush()
		tr.Send(ctx, Flush, Spans, spansFrom(t, next, 25), 25)
		end()
		if n := be.requests() - before; n != 1 {
			t.Errorf("the flush made %d requests, want 1", n)
		}
		if sizes := be.perRequest(); len(sizes) != 1 || sizes[0] != 91*25 {
			t.Errorf("accepted requests of %v spans, want one of %d", sizes, 91*25)
		}
		distinct, twice := be.unique()
		s := tr.Counters().Snapshot()
		if distinct != 91*25 || twice != 0 || s.Delivered[Spans] != 91*25 || s.Buffered[Spans] != 0 {
			t.Errorf("%d distinct spans (%d twice), %d delivered, %d buffered; want %d, 0, %d, 0",
				distinct, twice, s.Delivered[Spans], s.Buffered[Spans], 91*25, 91*25)
		}
	})
}

// TestRetryLoopPacesTheBacklog: with nothing else exported, the retry loop
// drains a backlog of several requests' worth (the coalescing limit is
// made small here) at one request every drainPace, each as large as the
// limit allows, and delivers every span once.
func TestRetryLoopPacesTheBacklog(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		be := &fakeBackend{}
		tr := newFakeSender(t, be, Config{})
		one := int64(len(spansFrom(t, 0, 25)))
		tr.coalesceLimit.Store(10 * one) // ten stored requests per request
		outage(t, tr, be, 40, 25)
		before := be.requests()
		be.set(accept)
		time.Sleep(maxProbeInterval*3/2 + 4*drainPace + retryInterval)
		synctest.Wait()
		at := be.arrivals()[before:]
		if len(at) != 4 {
			t.Fatalf("the retry loop made %d requests after recovery, want 4 (40 stored, 10 a request)", len(at))
		}
		for i := 1; i < len(at); i++ {
			if gap := at[i].Sub(at[i-1]); gap < drainPace {
				t.Errorf("request %d came %v after the one before, want at least %v", i, gap, drainPace)
			}
		}
		sizes := be.perRequest()
		for _, n := range sizes {
			if n != 250 {
				t.Errorf("accepted requests of %v spans, want 4 of 250", sizes)
				break
			}
		}
		if distinct, twice := be.unique(); distinct != 1000 || twice != 0 || tr.Buffered()[Spans] != 0 {
			t.Errorf("%d distinct spans, %d twice, %d buffered; want 1000, 0, 0", distinct, twice, tr.Buffered()[Spans])
		}
	})
}

// TestCoalescingLearnsTheSizeLimit: a backend that answers 413 to a
// request of more than 100 spans gets the first coalesced backlog split
// (in halves, as any request it refuses), and the requests coalesced
// after that stay under what it took: no later request is refused, and
// every span is delivered once.
func TestCoalescingLearnsTheSizeLimit(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		be := &fakeBackend{}
		tr := newFakeSender(t, be, Config{})
		tr.coalesceLimit.Store(1 << 40) // as if requests were tiny against the limit
		next := outage(t, tr, be, 40, 20)
		be.set(accept)
		be.mu.Lock()
		be.tooLargeOver = 100
		be.mu.Unlock()
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		flush := func() {
			end := tr.BeginFlush()
			defer end()
			tr.Send(ctx, Flush, Spans, spansFrom(t, next, 20), 20)
			next += 20
		}
		refused := func() int { return be.requests() - len(be.perRequest()) }
		flush()
		if limit := tr.coalesceLimit.Load(); limit >= 1<<40 {
			t.Fatalf("the coalescing limit is still %d after a 413", limit)
		}
		// Another outage (its refused connections count as requests
		// here), and flushes after it.
		be.set(answer{refuse: true})
		for range 30 {
			tr.Send(context.Background(), Background, Spans, spansFrom(t, next, 20), 20)
			next += 20
		}
		be.set(accept)
		first := refused()
		for range 4 {
			flush()
		}
		if n := refused() - first; n != 0 {
			t.Errorf("%d requests answered 413 after the limit was learned, want 0", n)
		}
		if distinct, twice := be.unique(); distinct != next || twice != 0 || tr.Buffered()[Spans] != 0 {
			t.Errorf("%d distinct spans, %d twice, %d buffered; want %d, 0, 0", distinct, twice, tr.Buffered()[Spans], next)
		}
		for _, n := range be.perRequest() {
			if n > 100 {
				t.Errorf("a request of %d spans was accepted by a backend that takes 100", n)
			}
		}
	})
}
