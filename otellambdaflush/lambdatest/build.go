package lambdatest

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

// buildTimeout bounds one build.
const buildTimeout = 5 * time.Minute

// Build compiles the main package pkg the way AWS Lambda's provided.al2023
// and provided.al2 runtimes run it: a static binary (CGO_ENABLED=0), built
// with -tags lambda.norpc (aws-lambda-go without its RPC mode, which those
// runtimes do not use), for linux and the test machine's architecture
// (Lambda has amd64 and arm64). The binary is named bootstrap, as those
// runtimes expect, in a directory of the test's (t.TempDir), and Build
// returns its path, ready for Start.
//
// pkg is either the package's directory (".", "./cmd/myfunction",
// "../fn" or an absolute path), which is built in that directory and so
// with the go.mod that holds it, or an import path, which is built in the
// test's working directory.
//
// It fails the test, with the compiler's output, if the build fails, and
// skips it on an operating system other than Linux, where a Linux binary
// cannot run.
//
//	bin := lambdatest.Build(t, "./cmd/myfunction")
//	e := lambdatest.Start(t, bin, lambdatest.WithEnv("LOGFIRE_TOKEN", "test-token"))
func Build(t testing.TB, pkg string) string {
	t.Helper()
	if runtime.GOOS != "linux" {
		t.Skipf("lambdatest: a Lambda function is a Linux binary; this is %s", runtime.GOOS)
	}
	bin := filepath.Join(t.TempDir(), "bootstrap")
	dir, target := "", pkg
	if isDirectory(pkg) {
		dir, target = pkg, "."
	}
	args := []string{"build", "-tags", "lambda.norpc", "-o", bin, target}
	ctx, cancel := context.WithTimeout(context.Background(), buildTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH="+runtime.GOARCH)
	cmd.WaitDelay = 5 * time.Second
	if out, err := cmd.CombinedOutput(); err != nil {
		where := dir
		if where == "" {
			where = "the test's working directory"
		}
		t.Fatalf("lambdatest: go %s (in %s): %v\n%s", strings.Join(args, " "), where, err, out)
	}
	return bin
}

// isDirectory reports whether pkg names a directory rather than an import
// path, by the rule the go command uses: "." and "..", and paths that are
// absolute or start with "./" or "../".
func isDirectory(pkg string) bool {
	return pkg == "." || pkg == ".." || filepath.IsAbs(pkg) ||
		strings.HasPrefix(pkg, "./") || strings.HasPrefix(pkg, "../")
}
