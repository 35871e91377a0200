package delivery

import (
	"context"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"go.uber.org/goleak"
)

func itemSize(int) int { return 100 }

// The batcher's tests run under testing/synctest: its schedule, a
// producer's wait for room and the contexts of Shutdown run on the
// bubble's clock, which moves only when every goroutine in the bubble
// waits, so the waits are measured exactly and sleeps are not guesses.
// goleak checks, outside the bubble, that the batcher's goroutine ended.

// TestBatcherWaitsForRoom: a burst far larger than the queue, against a
// slow exporter, is exported whole: the producer waits for room.
func TestBatcherWaitsForRoom(t *testing.T) {
	defer goleak.VerifyNone(t)
	synctest.Test(t, func(t *testing.T) {
		var c Counters
		var got atomic.Int64
		b := NewBatcher(BatcherConfig{MaxQueueBytes: 1000, MaxBatchLen: 5, ScheduleDelay: time.Hour}, Spans, &c, itemSize,
			func(ctx context.Context, _ Mode, batch []int) {
				time.Sleep(time.Millisecond)
				got.Add(int64(len(batch)))
			}, nil)
		for i := range 500 {
			b.Enqueue(i)
		}
		if err := b.Shutdown(context.Background()); err != nil {
			t.Fatal(err)
		}
		if got.Load() != 500 || c.Snapshot().DroppedTotal(Spans) != 0 || c.Snapshot().Queued[Spans] != 0 {
			t.Errorf("exported %d, %+v", got.Load(), c.Snapshot())
		}
	})
}

// TestBatcherDropsWhileExportStalls: when the export does not make room
// within MaxBlock, the record is dropped and counted, and the records
// after it are dropped without waiting until the queue has drained to
// half: twenty records cost one wait of MaxBlock.
func TestBatcherDropsWhileExportStalls(t *testing.T) {
	defer goleak.VerifyNone(t)
	synctest.Test(t, func(t *testing.T) {
		var c Counters
		release := make(chan struct{})
		started := make(chan struct{}, 1)
		var exported atomic.Int64
		const maxBlock = 30 * time.Millisecond
		b := NewBatcher(BatcherConfig{MaxQueueBytes: 1000, MaxBatchLen: 2, MaxBlock: maxBlock, ScheduleDelay: time.Hour}, Spans, &c, itemSize,
			func(ctx context.Context, _ Mode, batch []int) {
				select {
				case started <- struct{}{}:
				default:
				}
				select {
				case <-release:
				case <-ctx.Done():
				}
				exported.Add(int64(len(batch)))
			}, nil)
		for i := range 2 {
			b.Enqueue(i) // a full batch: the export takes it and stalls
		}
		<-started
		for i := range 10 {
			b.Enqueue(i) // fills the queue
		}
		start := time.Now()
		for i := range 20 {
			b.Enqueue(i) // no room
		}
		waited := time.Since(start)
		s := c.Snapshot()
		if s.Dropped[Spans][QueueFull] != 20 {
			t.Errorf("dropped %d, want 20", s.Dropped[Spans][QueueFull])
		}
		// One wait of MaxBlock for the first, none for the others.
		if waited != maxBlock {
			t.Errorf("20 records took %v to drop, want one wait of MaxBlock (%v)", waited, maxBlock)
		}
		close(release)
		if err := b.Shutdown(context.Background()); err != nil {
			t.Fatal(err)
		}
		if exported.Load() != 12 {
			t.Errorf("exported %d, want 12", exported.Load())
		}
	})
}

// TestBatcherShutdownCountsWhatIsLeft: a Shutdown whose context ends
// while the export hangs aborts it when its context ends, counts what was
// still queued as dropped, and leaves no goroutine behind.
func TestBatcherShutdownCountsWhatIsLeft(t *testing.T) {
	defer goleak.VerifyNone(t)
	synctest.Test(t, func(t *testing.T) {
		var c Counters
		var taken atomic.Int64 // by exports, which account for them themselves
		b := NewBatcher(BatcherConfig{MaxQueueBytes: 1 << 20, MaxBatchLen: 3, ScheduleDelay: time.Hour}, Logs, &c, itemSize,
			func(ctx context.Context, _ Mode, batch []int) { taken.Add(int64(len(batch))); <-ctx.Done() }, nil)
		for i := range 10 {
			b.Enqueue(i)
		}
		const budget = 50 * time.Millisecond
		ctx, cancel := context.WithTimeout(context.Background(), budget)
		defer cancel()
		start := time.Now()
		if err := b.Shutdown(ctx); err == nil {
			t.Fatal("Shutdown returned nil with a hanging export")
		}
		if took := time.Since(start); took != budget {
			t.Errorf("Shutdown took %v with a %v context", took, budget)
		}
		b.Abort()
		s := c.Snapshot()
		// 10 records: some were taken by exports (the transport accounts
		// for those: the one that hung, and possibly a full batch the
		// queue's goroutine handed on, with its context already cancelled,
		// as it stopped), the rest is counted here; nothing is queued any
		// more.
		if s.Queued[Logs] != 0 || s.Dropped[Logs][Shutdown] == 0 || taken.Load()+s.Dropped[Logs][Shutdown] != 10 {
			t.Errorf("queued %d, taken by exports %d, dropped %d; want 0 queued and taken + dropped = 10",
				s.Queued[Logs], taken.Load(), s.Dropped[Logs][Shutdown])
		}
		b.Enqueue(99)
		if got := c.Snapshot().Dropped[Logs][Shutdown]; got != s.Dropped[Logs][Shutdown]+1 {
			t.Errorf("a record after Shutdown was not counted")
		}
	})
}

// TestBatcherForceFlushExportsExtra: a flush also exports the extra
// records (pending spans), once.
func TestBatcherForceFlushExportsExtra(t *testing.T) {
	defer goleak.VerifyNone(t)
	var c Counters
	var mu sync.Mutex
	var got []int
	extra := []int{100, 101}
	b := NewBatcher(BatcherConfig{ScheduleDelay: time.Hour}, Spans, &c, itemSize,
		func(ctx context.Context, _ Mode, batch []int) {
			mu.Lock()
			got = append(got, batch...)
			mu.Unlock()
		}, func() []int { e := extra; extra = nil; return e })
	b.Enqueue(1)
	if err := b.ForceFlush(context.Background()); err != nil {
		t.Fatal(err)
	}
	_ = b.Shutdown(context.Background())
	mu.Lock()
	defer mu.Unlock()
	if len(got) != 3 {
		t.Errorf("exported %v", got)
	}
}

// TestBatcherScheduleUnderSustainedLoad: full batches arriving faster than
// the schedule delay do not put off the scheduled export, which also
// exports what extra returns (the pending spans of open spans): over
// 200 ms with a full batch every 10 ms, it runs every 50 ms, four times.
func TestBatcherScheduleUnderSustainedLoad(t *testing.T) {
	defer goleak.VerifyNone(t)
	synctest.Test(t, func(t *testing.T) {
		var c Counters
		var extras, exported atomic.Int64
		b := NewBatcher(BatcherConfig{MaxQueueBytes: 100000, MaxBatchLen: 4, ScheduleDelay: 50 * time.Millisecond}, Spans, &c, itemSize,
			func(_ context.Context, _ Mode, batch []int) { exported.Add(int64(len(batch))) },
			func() []int { extras.Add(1); return nil })
		for range 20 {
			for j := range 4 {
				b.Enqueue(j)
			}
			time.Sleep(10 * time.Millisecond)
		}
		synctest.Wait() // the export due at 200 ms has run
		if n := extras.Load(); n != 4 {
			t.Errorf("the scheduled export ran %d times in 200 ms under a full batch every 10 ms, want every 50 ms: 4", n)
		}
		if err := b.Shutdown(context.Background()); err != nil {
			t.Fatal(err)
		}
		if n := exported.Load(); n != 80 {
			t.Errorf("%d records exported, want 80", n)
		}
	})
}

// TestBatcherExtraRidesWithTheLastBatch: the extra records (pending
// spans) leave in the same export as the last batch, scheduled or
// flushed, so that a short program's first records and its pending spans
// make one request, as in the Python SDK; when the two would overfill a
// batch, the extras leave in an export of their own after it.
func TestBatcherExtraRidesWithTheLastBatch(t *testing.T) {
	defer goleak.VerifyNone(t)
	synctest.Test(t, func(t *testing.T) {
		for _, tc := range []struct {
			name     string
			maxBatch int
			records  int
			flush    bool
			want     []int // records per export
		}{
			{"scheduled", 0, 1, false, []int{3}},
			{"flushed", 0, 1, true, []int{3}},
			{"scheduled, two batches", 4, 6, false, []int{4, 4}},
			{"flushed, would overfill", 4, 4, true, []int{4, 2}},
			{"nothing queued", 0, 0, true, []int{2}},
		} {
			var c Counters
			var mu sync.Mutex
			var exports []int
			extra := []int{100, 101}
			b := NewBatcher(BatcherConfig{MaxBatchLen: tc.maxBatch, ScheduleDelay: 100 * time.Millisecond}, Spans, &c, itemSize,
				func(_ context.Context, _ Mode, batch []int) {
					mu.Lock()
					exports = append(exports, len(batch))
					mu.Unlock()
				}, func() []int { e := extra; extra = nil; return e })
			for i := range tc.records {
				b.Enqueue(i)
			}
			if tc.flush {
				if err := b.ForceFlush(context.Background()); err != nil {
					t.Fatal(err)
				}
			} else {
				time.Sleep(100 * time.Millisecond)
				synctest.Wait()
			}
			mu.Lock()
			got := append([]int(nil), exports...)
			mu.Unlock()
			if !slices.Equal(got, tc.want) {
				t.Errorf("%s: exports of %v records, want %v", tc.name, got, tc.want)
			}
			if err := b.Shutdown(context.Background()); err != nil {
				t.Fatal(err)
			}
			if q := c.Snapshot().Queued[Spans]; q != 0 {
				t.Errorf("%s: %d records still counted as queued", tc.name, q)
			}
		}
	})
}

// TestBatcherSkipsALateSchedule: a scheduled export whose timer fires far
// past its time (the process was frozen, as AWS Lambda freezes it between
// invocations) is not run then, so that it does not race the flush of the
// invocation that thawed the process; the schedule starts again, and the
// next export on time sends the queue. The freeze is a clock that jumps.
func TestBatcherSkipsALateSchedule(t *testing.T) {
	defer goleak.VerifyNone(t)
	synctest.Test(t, func(t *testing.T) {
		var offset atomic.Int64 // the clock's jump, in nanoseconds
		batcherNow = func() time.Time { return time.Now().Add(time.Duration(offset.Load())) }
		defer func() { batcherNow = time.Now }()
		var c Counters
		var exported atomic.Int64
		b := NewBatcher(BatcherConfig{ScheduleDelay: 50 * time.Millisecond}, Spans, &c, itemSize,
			func(_ context.Context, _ Mode, batch []int) { exported.Add(int64(len(batch))) }, nil)
		b.Enqueue(1)
		time.Sleep(60 * time.Millisecond) // on time at 50 ms
		if n := exported.Load(); n != 1 {
			t.Fatalf("the export on time sent %d records, want 1", n)
		}
		b.Enqueue(2)
		offset.Store(int64(10 * time.Second)) // a freeze: the export due at 100 ms fires 10 s late
		time.Sleep(50 * time.Millisecond)
		if n := exported.Load(); n != 1 {
			t.Errorf("the late export ran: %d records sent, want 1", n)
		}
		time.Sleep(50 * time.Millisecond) // on time again at 150 ms
		if n := exported.Load(); n != 2 {
			t.Errorf("the next export on time sent %d records in all, want 2", n)
		}
		if err := b.Shutdown(context.Background()); err != nil {
			t.Fatal(err)
		}
	})
}
