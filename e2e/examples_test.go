package e2e_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/logfire-go/sdk/otellambdaflush/lambdatest"
)

// repoRoot returns the SDK's repository root: the parent of the e2e module.
func repoRoot(tb testing.TB) string {
	tb.Helper()
	wd, err := os.Getwd()
	if err != nil {
		tb.Fatal(err)
	}
	root := filepath.Dir(wd)
	mod, err := os.ReadFile(filepath.Join(root, "go.mod"))
	if err != nil || !strings.Contains(string(mod), "module github.com/logfire-go/sdk\n") {
		tb.Fatalf("%s does not look like the SDK's root (go.mod: %v)", root, err)
	}
	return root
}

// buildExample builds ./examples/<name> (see buildRepoPackage) and returns
// the binary's path.
func buildExample(tb testing.TB, name string) string {
	tb.Helper()
	if _, err := os.Stat(filepath.Join(repoRoot(tb), "examples", name)); err != nil {
		tb.Fatalf("example %s: %v", name, err)
	}
	return buildRepoPackage(tb, "./examples/"+name)
}

// buildRepoPackage builds the package at pkg, relative to the repository
// root (e.g. "./examples/basic"), with the SDK's own go.mod as a user
// would, for this machine, and returns the binary's path.
func buildRepoPackage(tb testing.TB, pkg string) string {
	tb.Helper()
	return buildProgram(tb, repoRoot(tb), pkg)
}

// buildFunction builds the Lambda function at pkg, relative to the
// repository root, the way Lambda runs one (lambdatest.Build: static,
// Linux, -tags lambda.norpc), and returns the binary's path. It skips the
// test where the emulator cannot run.
func buildFunction(tb testing.TB, pkg string) string {
	tb.Helper()
	return lambdatest.Build(tb, filepath.Join(repoRoot(tb), pkg))
}

// buildProgram builds the package pkg of the module in dir for this
// machine into the test's temporary directory.
func buildProgram(tb testing.TB, dir, pkg string) string {
	tb.Helper()
	out := filepath.Join(tb.TempDir(), filepath.Base(pkg))
	if runtime.GOOS == "windows" {
		out += ".exe"
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", "build", "-o", out, pkg)
	cmd.Dir = dir
	if b, err := cmd.CombinedOutput(); err != nil {
		tb.Fatalf("go build %s: %v\n%s", pkg, err, b)
	}
	return out
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
