package console

import (
	"context"
	"io"
	"sync"
)

// maxSpare is the largest buffer the queue keeps for reuse after a write;
// a bigger one, left by a burst of output, goes to the garbage collector.
const maxSpare = 1 << 20

// queue hands finished text to a single writer goroutine. Appending never
// blocks on the writer: text waits in memory, without a bound, until the
// writer takes it. Whatever is waiting when the writer becomes free is
// written in one Write call; a record's text is never split across calls.
type queue struct {
	w io.Writer

	mu sync.Mutex
	// pending is the text waiting for the writer; spare is an empty buffer
	// the writer handed back, which becomes pending at the next swap.
	pending, spare []byte
	// queued and written count the bytes appended and written so far.
	queued, written uint64
	// progress, when not nil, is closed the next time written advances or
	// the writer stops. Flushers create it; the writer closes it.
	progress chan struct{}
	started  bool
	closed   bool

	// wake tells the writer that there is text, or that the queue closed.
	wake chan struct{}
	// done is closed when the writer goroutine has returned.
	done chan struct{}
}

func newQueue(w io.Writer) *queue {
	return &queue{
		w:    w,
		wake: make(chan struct{}, 1),
		done: make(chan struct{}),
	}
}

// push appends text. It starts the writer goroutine the first time. After
// close it drops the text and returns false.
func (q *queue) push(text []byte) bool {
	if len(text) == 0 {
		return true
	}
	q.mu.Lock()
	if q.closed {
		q.mu.Unlock()
		return false
	}
	q.pending = append(q.pending, text...)
	q.queued += uint64(len(text))
	if !q.started {
		q.started = true
		go q.run()
	}
	q.mu.Unlock()
	select {
	case q.wake <- struct{}{}:
	default: // the writer has a wake-up waiting already
	}
	return true
}

// run is the writer goroutine: it writes what is pending until the queue is
// closed and empty.
func (q *queue) run() {
	defer close(q.done)
	for {
		q.mu.Lock()
		for len(q.pending) == 0 && !q.closed {
			q.mu.Unlock()
			<-q.wake
			q.mu.Lock()
		}
		if len(q.pending) == 0 { // closed, and everything is written
			q.notify()
			q.mu.Unlock()
			return
		}
		batch, mark := q.pending, q.queued
		q.pending, q.spare = q.spare[:0], nil
		q.mu.Unlock()

		q.write(batch)

		q.mu.Lock()
		if cap(batch) <= maxSpare {
			q.spare = batch[:0]
		}
		q.written = mark
		q.notify()
		q.mu.Unlock()
	}
}

// write writes one batch. Errors are ignored: there is nowhere to report a
// console that cannot be written to, and the program must go on. A writer
// that panics loses its batch but does not crash the program.
func (q *queue) write(batch []byte) {
	defer func() { _ = recover() }()
	_, _ = q.w.Write(batch)
}

// notify wakes the flushers waiting for progress. q.mu must be held.
func (q *queue) notify() {
	if q.progress != nil {
		close(q.progress)
		q.progress = nil
	}
}

// flush waits until every byte appended before the call has been written,
// or until ctx is done.
func (q *queue) flush(ctx context.Context) error {
	q.mu.Lock()
	target := q.queued
	for q.written < target {
		if q.progress == nil {
			q.progress = make(chan struct{})
		}
		progress := q.progress
		q.mu.Unlock()
		select {
		case <-progress:
		case <-q.done:
			return nil // stopped: nothing more will be written
		case <-ctx.Done():
			return ctx.Err()
		}
		q.mu.Lock()
	}
	q.mu.Unlock()
	return nil
}

// close stops accepting text and waits, until ctx is done, for the writer to
// write everything pending and return. It may be called more than once.
func (q *queue) close(ctx context.Context) error {
	q.mu.Lock()
	if !q.closed {
		q.closed = true
		if !q.started {
			q.started = true
			close(q.done)
		}
	}
	q.mu.Unlock()
	select {
	case q.wake <- struct{}{}:
	default:
	}
	select {
	case <-q.done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
