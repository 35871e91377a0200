// Package exampletb gives Example functions, which have no *testing.T, a
// testing.TB for helpers that need one, such as logfiretest.New:
//
//	func ExampleSomething() {
//		t := exampletb.New()
//		defer t.Done()
//		lf, capture := logfiretest.New(t)
//		...
//	}
//
// It implements the methods those helpers call (Helper, Cleanup, TempDir,
// Logf, Errorf, Fatalf, Error, Fatal, Name, Failed); a failure panics with
// its message, which fails the example. Any other method of testing.TB
// panics: this is for examples only.
package exampletb

import (
	"fmt"
	"os"
	"sync"
	"testing"
)

// TB is a testing.TB for an Example function. Make it with New.
type TB struct {
	testing.TB // nil: only the methods below may be called

	mu       sync.Mutex
	cleanups []func()
	dirs     []string
}

// New returns a TB; call Done when the example ends.
func New() *TB { return &TB{} }

// Done runs the cleanup functions, last added first, and removes the
// temporary directories.
func (t *TB) Done() {
	t.mu.Lock()
	cleanups, dirs := t.cleanups, t.dirs
	t.cleanups, t.dirs = nil, nil
	t.mu.Unlock()
	for i := len(cleanups) - 1; i >= 0; i-- {
		cleanups[i]()
	}
	for _, d := range dirs {
		_ = os.RemoveAll(d)
	}
}

// Helper does nothing.
func (t *TB) Helper() {}

// Name names the example.
func (t *TB) Name() string { return "Example" }

// Failed reports false: a failure panics.
func (t *TB) Failed() bool { return false }

// Cleanup registers f to run in Done.
func (t *TB) Cleanup(f func()) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.cleanups = append(t.cleanups, f)
}

// TempDir returns a new directory that Done removes.
func (t *TB) TempDir() string {
	dir, err := os.MkdirTemp("", "example")
	if err != nil {
		panic(fmt.Sprintf("exampletb: %v", err))
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	t.dirs = append(t.dirs, dir)
	return dir
}

// Logf does nothing: an example's output is what it prints.
func (t *TB) Logf(string, ...any) {}

// Errorf panics with the message.
func (t *TB) Errorf(format string, args ...any) { panic(fmt.Sprintf(format, args...)) }

// Fatalf panics with the message.
func (t *TB) Fatalf(format string, args ...any) { panic(fmt.Sprintf(format, args...)) }

// Error panics with the message.
func (t *TB) Error(args ...any) { panic(fmt.Sprint(args...)) }

// Fatal panics with the message.
func (t *TB) Fatal(args ...any) { panic(fmt.Sprint(args...)) }
