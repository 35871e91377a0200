package e2e_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// repoRoot returns the SDK's repository root: the parent of the e2e module.
func repoRoot(t *testing.T) string {
	t.Helper()
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	root := filepath.Dir(wd)
	mod, err := os.ReadFile(filepath.Join(root, "go.mod"))
	if err != nil || !strings.Contains(string(mod), "module github.com/logfire-go/sdk\n") {
		t.Fatalf("%s does not look like the SDK's root (go.mod: %v)", root, err)
	}
	return root
}

// buildExample builds ./examples/<name> from the repository root, with the
// SDK's own go.mod as a user would, and returns the binary's path.
func buildExample(t *testing.T, name string) string {
	t.Helper()
	if _, err := os.Stat(filepath.Join(repoRoot(t), "examples", name)); err != nil {
		t.Fatalf("example %s: %v", name, err)
	}
	bin := filepath.Join(t.TempDir(), name)
	// The first build compiles the SDK and OpenTelemetry; later ones hit the
	// build cache.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, "./examples/"+name)
	cmd.Dir = repoRoot(t)
	cmd.WaitDelay = 5 * time.Second
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("go build ./examples/%s: %v\n%s", name, err, out)
	}
	return bin
}

// result is what a run of an example printed and how it ended.
type result struct {
	stdout, stderr string
	err            error
	took           time.Duration
}

func (r result) String() string {
	return "exit: " + errString(r.err) + ", took " + r.took.Round(time.Millisecond).String() +
		"\n--- stdout ---\n" + r.stdout + "\n--- stderr ---\n" + r.stderr
}

func errString(err error) string {
	if err == nil {
		return "0"
	}
	return err.Error()
}

// runExample runs bin with only PATH, HOME and env in its environment and
// waits at most timeout for it to exit.
func runExample(t *testing.T, bin string, timeout time.Duration, env ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin)
	cmd.Dir = t.TempDir()
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME")}, env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	cmd.WaitDelay = 2 * time.Second
	start := time.Now()
	err := cmd.Run()
	r := result{stdout: stdout.String(), stderr: stderr.String(), err: err, took: time.Since(start)}
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		r.err = errors.Join(r.err, errors.New("killed: did not exit within "+timeout.String()))
	}
	return r
}
