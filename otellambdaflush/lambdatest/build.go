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

// BuildOption changes how Build builds a function.
type BuildOption func(*buildConfig)

// buildTimeout bounds one build.
const buildTimeout = 5 * time.Minute

type buildConfig struct {
	dir  string
	tags []string
	env  []string
}

// BuildIn runs go build in dir (a directory of the module that holds the
// package) instead of the test's working directory.
func BuildIn(dir string) BuildOption { return func(c *buildConfig) { c.dir = dir } }

// BuildTags adds build tags to lambda.norpc.
func BuildTags(tags ...string) BuildOption {
	return func(c *buildConfig) { c.tags = append(c.tags, tags...) }
}

// BuildEnv adds "KEY=value" entries to go build's environment, after the
// ones Build sets (so they win).
func BuildEnv(env ...string) BuildOption {
	return func(c *buildConfig) { c.env = append(c.env, env...) }
}

// Build compiles the main package pkg (a path relative to the build
// directory, such as "./cmd/myfunction", or an import path) the way AWS
// Lambda's provided.al2023 and provided.al2 runtimes run it: a static
// binary (CGO_ENABLED=0), built with -tags lambda.norpc (aws-lambda-go
// without its RPC mode, which those runtimes do not use), for linux and the
// test machine's architecture (Lambda has amd64 and arm64). The binary is
// named bootstrap, as those runtimes expect, in a directory of the test's
// (t.TempDir), and Build returns its path, ready for Start.
//
// It fails the test, with the compiler's output, if the build fails, and
// skips it on an operating system other than Linux, where a Linux binary
// cannot run.
//
//	bin := lambdatest.Build(t, "./cmd/myfunction")
//	e := lambdatest.Start(t, bin, lambdatest.WithEnv("LOGFIRE_TOKEN", "test-token"))
func Build(t testing.TB, pkg string, opts ...BuildOption) string {
	t.Helper()
	if runtime.GOOS != "linux" {
		t.Skipf("lambdatest: a Lambda function is a Linux binary; this is %s", runtime.GOOS)
	}
	c := buildConfig{}
	for _, o := range opts {
		if o != nil {
			o(&c)
		}
	}
	bin := filepath.Join(t.TempDir(), "bootstrap")
	tags := append([]string{"lambda.norpc"}, c.tags...)
	args := []string{"build", "-tags", strings.Join(tags, ","), "-o", bin, pkg}
	ctx, cancel := context.WithTimeout(context.Background(), buildTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = c.dir
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH="+runtime.GOARCH)
	cmd.Env = append(cmd.Env, c.env...)
	cmd.WaitDelay = 5 * time.Second
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("lambdatest: go %v: %v\n%s", args, err, out)
	}
	return bin
}
