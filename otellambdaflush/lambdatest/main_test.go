//go:build linux

package lambdatest_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/logfire-go/sdk/otellambdaflush/lambdatest"
	"github.com/logfire-go/sdk/otellambdaflush/lambdatest/internal/fnreply"
)

// fnPath is the test function binary built from testdata/fn by TestMain.
var fnPath string

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	dir, err := os.MkdirTemp("", "lambdatest-fn-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	fnPath = filepath.Join(dir, "bootstrap")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	build := exec.CommandContext(ctx, "go", "build", "-o", fnPath, "./testdata/fn")
	if out, err := build.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "building testdata/fn: %v\n%s", err, out)
		return 1
	}
	return m.Run()
}

// testContext bounds every test.
func testContext(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// start runs the test function under a new emulator.
func start(t *testing.T, opts ...lambdatest.Option) *lambdatest.Emulator {
	t.Helper()
	return lambdatest.Start(t, fnPath, append([]lambdatest.Option{lambdatest.WithLogf(t.Logf)}, opts...)...)
}

// decodeReply decodes the test function's response.
func decodeReply(t *testing.T, inv *lambdatest.Invocation) fnreply.Reply {
	t.Helper()
	var r fnreply.Reply
	if err := json.Unmarshal(inv.Response, &r); err != nil {
		t.Fatalf("response %q: %v (error payload %+v)", inv.Response, err, inv.ErrorPayload)
	}
	return r
}

// invoke invokes and fails the test on an emulator error.
func invoke(t *testing.T, ctx context.Context, e *lambdatest.Emulator, payload string, opts ...lambdatest.InvokeOption) *lambdatest.Invocation {
	t.Helper()
	inv, err := e.Invoke(ctx, []byte(payload), opts...)
	if err != nil {
		t.Fatalf("Invoke(%s): %v", payload, err)
	}
	return inv
}

// requireFrozen checks that the invocation ended with a freeze.
func requireFrozen(t *testing.T, inv *lambdatest.Invocation) {
	t.Helper()
	if inv.TimedOut || inv.Crashed || inv.Frozen.IsZero() {
		t.Fatalf("invocation not frozen: timedOut=%v crashed=%v (%s) frozen=%v", inv.TimedOut, inv.Crashed, inv.ExitState, inv.Frozen)
	}
	// Completed ≤ FreezeSent ≤ Frozen.
	if inv.FreezeSent.IsZero() || inv.FreezeSent.Before(inv.Completed) || inv.Frozen.Before(inv.FreezeSent) {
		t.Fatalf("freeze times out of order: completed %v, SIGSTOP sent %v, frozen %v", inv.Completed, inv.FreezeSent, inv.Frozen)
	}
}

// procState returns the state letter of /proc/<pid>/stat ('R', 'S', 'T', ...).
func procState(t *testing.T, pid int) byte {
	t.Helper()
	s, err := lambdatest.ProcState(pid)
	if err != nil || s == 0 {
		t.Fatalf("reading the state of %d: %q, %v", pid, s, err)
	}
	return s
}

// processGone reports whether pid no longer exists (or is a zombie).
func processGone(pid int) bool {
	s, err := lambdatest.ProcState(pid)
	return err != nil || s == 'Z' || s == 'X'
}
