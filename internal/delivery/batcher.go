package delivery

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// BatcherConfig sizes an export queue.
type BatcherConfig struct {
	// MaxQueueBytes bounds the estimated memory of the records waiting;
	// 0 means DefaultMaxQueueBytes.
	MaxQueueBytes int
	// MaxQueueLen bounds their number as well; 0 means no bound but the
	// bytes.
	MaxQueueLen int
	// MaxBatchLen is the most records in one export; 0 means 512.
	MaxBatchLen int
	// MaxBatchBytes is the most estimated bytes in one export; 0 means
	// DefaultMaxBatchBytes.
	MaxBatchBytes int
	// ScheduleDelay is the longest a record waits for an export to start
	// when no batch fills up; 0 means 500 ms.
	ScheduleDelay time.Duration
	// ExportTimeout bounds one export of the queue's own; 0 means 30 s.
	ExportTimeout time.Duration
	// MaxBlock is how long a producer may wait for room when the queue is
	// full and no batch leaves it; 0 means DefaultMaxBlock, and a negative
	// value never waits.
	MaxBlock time.Duration
}

// Defaults of an export queue.
const (
	DefaultMaxQueueBytes = 4 << 20
	DefaultMaxBatchBytes = 2 << 20
	DefaultMaxBlock      = 5 * time.Second
)

func (c BatcherConfig) withDefaults() BatcherConfig {
	if c.MaxQueueBytes <= 0 {
		c.MaxQueueBytes = DefaultMaxQueueBytes
	}
	if c.MaxBatchLen <= 0 {
		c.MaxBatchLen = 512
	}
	if c.MaxBatchBytes <= 0 {
		c.MaxBatchBytes = DefaultMaxBatchBytes
	}
	if c.ScheduleDelay <= 0 {
		c.ScheduleDelay = 500 * time.Millisecond
	}
	if c.ExportTimeout <= 0 {
		c.ExportTimeout = 30 * time.Second
	}
	if c.MaxBlock == 0 {
		c.MaxBlock = DefaultMaxBlock
	}
	return c
}

// Batcher is the export queue of one signal and destination. Records
// wait in it, bounded by their estimated size in bytes (and, if asked, by
// their number), and are exported in batches by its own goroutine: as
// soon as a full batch is waiting, and otherwise ScheduleDelay after the
// last export.
//
// When the queue is full, a producer waits for room for as long as batches
// keep leaving it, which lets a burst go out at the pace of the backend
// instead of being dropped, however slow that is. If no batch leaves for
// MaxBlock (the export is stuck: the backend hangs), the record is dropped
// and counted (QueueFull), and so are the records that find the queue full
// after it, without waiting, until the queue has drained to half: one
// stalled export costs a producer at most one wait.
//
// The export function delivers a batch; what became of its records is
// accounted for by the Sender behind it; it is told the Mode of the
// export (Background for the queue's own, Flush, Final for Shutdown).
type Batcher[T any] struct {
	cfg      BatcherConfig
	signal   Signal
	counters *Counters
	sizeOf   func(T) int
	export   func(ctx context.Context, mode Mode, batch []T)
	// extra, if set, returns records to add to an export that is not
	// just draining full batches (pending spans of spans still open).
	extra func() []T
	// fullCause is the reason given for a record dropped while the queue
	// is full, made once.
	fullCause string

	mu       sync.Mutex
	items    []T
	sizes    []int
	bytes    int
	space    chan struct{} // closed (and replaced) when room frees up
	overflow bool          // a producer's wait ran out: drop without waiting
	lastTake time.Time     // when a batch last left the queue
	stopped  bool
	inflight int
	idle     chan struct{} // closed (and replaced) when inflight drops to 0

	wake     chan struct{}
	stop     chan struct{}
	stopOnce sync.Once
	done     chan struct{}
	shut     chan struct{} // closed when Shutdown has finished
	shutErr  error
	ctx      context.Context // of the queue's own exports; cancelled to abort them
	cancel   context.CancelFunc
}

// NewBatcher returns a running export queue for sig that exports with
// export and estimates a record's size with sizeOf.
func NewBatcher[T any](cfg BatcherConfig, sig Signal, counters *Counters, sizeOf func(T) int, export func(context.Context, Mode, []T), extra func() []T) *Batcher[T] {
	b := &Batcher[T]{
		cfg:      cfg.withDefaults(),
		signal:   sig,
		counters: counters,
		sizeOf:   sizeOf,
		export:   export,
		extra:    extra,
		space:    make(chan struct{}),
		idle:     make(chan struct{}),
		wake:     make(chan struct{}, 1),
		stop:     make(chan struct{}),
		done:     make(chan struct{}),
		shut:     make(chan struct{}),
	}
	b.ctx, b.cancel = context.WithCancel(context.Background())
	go b.run()
	b.fullCause = fmt.Sprintf("the export queue was full (%d bytes) and the backend did not take records fast enough", b.cfg.MaxQueueBytes)
	return b
}

// full reports whether a record of size does not fit. A record always
// fits in an empty queue. b.mu is held.
func (b *Batcher[T]) full(size int) bool {
	n := len(b.items)
	if n == 0 {
		return false
	}
	return b.bytes+size > b.cfg.MaxQueueBytes || (b.cfg.MaxQueueLen > 0 && n >= b.cfg.MaxQueueLen)
}

// Enqueue adds a record, waiting for room as described on Batcher.
func (b *Batcher[T]) Enqueue(item T) {
	size := b.sizeOf(item)
	var waitFrom time.Time
	var timer *time.Timer
	defer func() {
		if timer != nil {
			timer.Stop()
		}
	}()
	b.mu.Lock()
	for {
		if b.stopped {
			b.mu.Unlock()
			b.counters.Dropped(b.signal, Shutdown, 1, "recorded after Shutdown")
			return
		}
		if !b.full(size) {
			break
		}
		if waitFrom.IsZero() {
			waitFrom = time.Now()
		}
		// The wait lasts while the queue moves: it runs out MaxBlock after
		// the last batch left (or after it began, if later).
		left := b.cfg.MaxBlock - time.Since(latest(b.lastTake, waitFrom))
		if b.overflow || b.cfg.MaxBlock < 0 || left <= 0 {
			if b.cfg.MaxBlock >= 0 {
				b.overflow = true
			}
			b.mu.Unlock()
			b.counters.Dropped(b.signal, QueueFull, 1, b.fullCause)
			return
		}
		space := b.space
		b.mu.Unlock()
		if timer == nil {
			timer = time.NewTimer(left)
		} else {
			timer.Reset(left)
		}
		select {
		case <-space:
		case <-timer.C:
		}
		b.mu.Lock()
	}
	b.items = append(b.items, item)
	b.sizes = append(b.sizes, size)
	b.bytes += size
	fullBatch := len(b.items) >= b.cfg.MaxBatchLen || b.bytes >= b.cfg.MaxBatchBytes
	b.mu.Unlock()
	b.counters.Queued(b.signal, 1)
	if fullBatch {
		select {
		case b.wake <- struct{}{}:
		default:
		}
	}
}

// take removes up to one batch from the front of the queue and counts it
// as in flight; only a full batch if fullOnly. b.mu is held.
func (b *Batcher[T]) take(fullOnly bool) []T {
	n, bytes := 0, 0
	for n < len(b.items) && n < b.cfg.MaxBatchLen && (n == 0 || bytes+b.sizes[n] <= b.cfg.MaxBatchBytes) {
		bytes += b.sizes[n]
		n++
	}
	if n == 0 || (fullOnly && n < b.cfg.MaxBatchLen && bytes+sizeAt(b.sizes, n) <= b.cfg.MaxBatchBytes) {
		return nil
	}
	batch := make([]T, n)
	copy(batch, b.items)
	var zero T
	for i := range n {
		b.items[i] = zero
	}
	b.items = b.items[n:]
	b.sizes = b.sizes[n:]
	if len(b.items) == 0 {
		// Let the backing arrays go rather than creep forward.
		b.items, b.sizes = nil, nil
	}
	b.bytes -= bytes
	b.lastTake = time.Now()
	if b.overflow && b.bytes <= b.cfg.MaxQueueBytes/2 {
		b.overflow = false
	}
	close(b.space)
	b.space = make(chan struct{})
	b.inflight++
	return batch
}

func latest(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// sizeAt is sizes[n], or 0 when there is none: a batch that took every
// record then has no next record that would have overfilled it, and is
// not mistaken for a full one.
func sizeAt(sizes []int, n int) int {
	if n < len(sizes) {
		return sizes[n]
	}
	return 0
}

// finished marks one taken batch as done. b.mu is held.
func (b *Batcher[T]) finished() {
	b.inflight--
	if b.inflight == 0 {
		close(b.idle)
		b.idle = make(chan struct{})
	}
}

func (b *Batcher[T]) exportBatch(ctx context.Context, mode Mode, batch []T) {
	// The records count as queued until their export has returned: an
	// export under way still holds them (and a flush waits for it).
	defer b.counters.Queued(b.signal, -len(batch))
	b.export(ctx, mode, batch)
	b.mu.Lock()
	b.finished()
	b.mu.Unlock()
}

// run is the queue's goroutine.
func (b *Batcher[T]) run() {
	defer close(b.done)
	timer := time.NewTimer(b.cfg.ScheduleDelay)
	defer timer.Stop()
	due := batcherNow().Add(b.cfg.ScheduleDelay)
	for {
		select {
		case <-b.stop:
			return
		case <-b.wake:
			// Full batches go at once; the schedule is left alone, so that
			// under sustained load the partial batch and the pending spans
			// of open spans still go out every ScheduleDelay.
			b.exportQueued(true)
		case <-timer.C:
			if now := batcherNow(); now.Sub(due) > max(b.cfg.ScheduleDelay, minLateness) {
				// The export fires far past its time: the process was
				// frozen (AWS Lambda freezes it between invocations) or
				// stalled. Right after a thaw the invocation that thawed
				// it is about to flush, within its deadline and, against a
				// failing backend, its probe; an export of the queue's own
				// started now would race that flush, which would wait for
				// it, unbounded by the probe. The schedule starts again.
				due = now.Add(b.cfg.ScheduleDelay)
				timer.Reset(b.cfg.ScheduleDelay)
				continue
			}
			b.exportQueued(false)
			timer.Reset(b.cfg.ScheduleDelay)
			due = batcherNow().Add(b.cfg.ScheduleDelay)
		}
	}
}

// minLateness is the least delay past its time after which a scheduled
// export counts as late (see run).
const minLateness = 100 * time.Millisecond

// batcherNow is the clock run reads to tell a late schedule, time.Now but
// in tests.
var batcherNow = time.Now

// exportQueued exports batches until the queue is empty (or holds less
// than a full batch, if fullOnly) or the queue is stopped. Unless
// fullOnly (the scheduled export), the records extra returns go too: with
// the last batch when they fit in it, so that a short program's first
// records and the pending spans of its open spans leave in one request,
// as the Python SDK's one batch does; else after it.
func (b *Batcher[T]) exportQueued(fullOnly bool) {
	extraDone := fullOnly
	for {
		b.mu.Lock()
		batch := b.take(fullOnly)
		last := len(b.items) == 0
		b.mu.Unlock()
		if batch == nil {
			break
		}
		var rest []T
		if last && !extraDone {
			batch, rest = b.withExtra(batch)
			extraDone = true
		}
		ctx, cancel := context.WithTimeout(b.ctx, b.cfg.ExportTimeout)
		b.exportBatch(ctx, Background, batch)
		cancel()
		if len(rest) > 0 {
			b.exportRecords(b.ctx, Background, b.cfg.ExportTimeout, rest)
		}
		select {
		case <-b.stop:
			return
		default:
		}
	}
	if !extraDone {
		b.exportExtra(b.ctx, Background, b.cfg.ExportTimeout)
	}
}

// withExtra adds the records extra returns to batch, the last of an
// export, when the two fit in one batch; else it returns them as rest,
// for an export of their own. Either way they are counted as queued.
// batch's records are in flight, so they cannot be taken by another
// export meanwhile.
func (b *Batcher[T]) withExtra(batch []T) (merged, rest []T) {
	if b.extra == nil {
		return batch, nil
	}
	more := b.extra()
	if len(more) == 0 {
		return batch, nil
	}
	b.counters.Queued(b.signal, len(more))
	if len(batch)+len(more) <= b.cfg.MaxBatchLen {
		return append(batch, more...), nil
	}
	return batch, more
}

// exportExtra exports the records extra returns, if any.
func (b *Batcher[T]) exportExtra(parent context.Context, mode Mode, timeout time.Duration) {
	if b.extra == nil {
		return
	}
	more := b.extra()
	if len(more) == 0 {
		return
	}
	b.counters.Queued(b.signal, len(more))
	b.exportRecords(parent, mode, timeout, more)
}

// exportRecords exports records that are counted as queued but are not
// in the queue (extra's), as one batch in flight.
func (b *Batcher[T]) exportRecords(parent context.Context, mode Mode, timeout time.Duration, more []T) {
	b.mu.Lock()
	b.inflight++
	b.mu.Unlock()
	ctx, cancel := parent, context.CancelFunc(func() {})
	if timeout > 0 {
		ctx, cancel = context.WithTimeout(parent, timeout)
	}
	b.exportBatch(ctx, mode, more)
	cancel()
}

// ForceFlush exports, within ctx and in the caller's goroutine, the
// records queued when it was called (in Flush mode), then waits for the
// exports already under way to finish. It returns ctx's error if ctx
// ended first.
func (b *Batcher[T]) ForceFlush(ctx context.Context) error { return b.flush(ctx, Flush) }

// flush is ForceFlush in mode.
func (b *Batcher[T]) flush(ctx context.Context, mode Mode) error {
	b.mu.Lock()
	left := len(b.items)
	b.mu.Unlock()
	extraDone := false
	for left > 0 {
		if err := ctx.Err(); err != nil {
			return err
		}
		b.mu.Lock()
		batch := b.take(false)
		b.mu.Unlock()
		if batch == nil {
			break
		}
		left -= len(batch)
		var rest []T
		if left <= 0 {
			// The last batch of the flush carries the extra records, as
			// the scheduled export's does (see exportQueued).
			batch, rest = b.withExtra(batch)
			extraDone = true
		}
		b.exportBatch(ctx, mode, batch)
		if len(rest) > 0 {
			b.exportRecords(ctx, mode, 0, rest)
		}
	}
	if !extraDone {
		b.exportExtra(ctx, mode, 0)
	}
	return b.waitIdle(ctx)
}

// waitIdle waits until no export is under way, or ctx ends.
func (b *Batcher[T]) waitIdle(ctx context.Context) error {
	for {
		b.mu.Lock()
		if b.inflight == 0 {
			b.mu.Unlock()
			return nil
		}
		idle := b.idle
		b.mu.Unlock()
		select {
		case <-idle:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// Shutdown stops the queue: it stops taking records, stops its goroutine
// (aborting its export under way if ctx ends first), exports what is left
// within ctx (in Final mode), and counts what it could not export as
// dropped (Shutdown).
// A second call waits for the first (or for its own ctx).
func (b *Batcher[T]) Shutdown(ctx context.Context) error {
	b.mu.Lock()
	if b.stopped {
		b.mu.Unlock()
		select {
		case <-b.shut:
		case <-ctx.Done():
			return ctx.Err()
		}
		return b.shutErr
	}
	b.stopped = true
	close(b.space) // producers waiting for room see the stop
	b.space = make(chan struct{})
	b.mu.Unlock()
	defer close(b.shut)
	b.stopOnce.Do(func() { close(b.stop) })
	select {
	case <-b.done:
	case <-ctx.Done():
		b.cancel()
		<-b.done
	}
	err := b.flush(ctx, Final)
	if err != nil {
		b.cancel()
		b.dropQueued()
	}
	b.shutErr = err
	return err
}

// dropQueued counts what is still queued as dropped (Shutdown).
func (b *Batcher[T]) dropQueued() {
	b.mu.Lock()
	n := len(b.items)
	b.items, b.sizes, b.bytes = nil, nil, 0
	b.mu.Unlock()
	b.counters.Queued(b.signal, -n)
	b.counters.Dropped(b.signal, Shutdown, n, "still in the export queue when Shutdown's context ended")
}

// Abort stops the queue at once: it cancels the queue's own export under
// way, waits for its goroutine to end and for the exports of other
// goroutines (which must have been given a context that is done) to
// return, and counts what is still queued as dropped. When it returns,
// nothing is exporting in the queue's name.
func (b *Batcher[T]) Abort() {
	b.mu.Lock()
	if !b.stopped {
		b.stopped = true
		close(b.space)
		b.space = make(chan struct{})
		close(b.shut)
	}
	b.mu.Unlock()
	b.cancel()
	b.stopOnce.Do(func() { close(b.stop) })
	<-b.done
	ctx, cancel := context.WithTimeout(context.Background(), abortWait)
	defer cancel()
	_ = b.waitIdle(ctx)
	b.dropQueued()
}

// abortWait bounds how long Abort waits for exports of other goroutines,
// whose contexts are done, to return.
const abortWait = 2 * time.Second
