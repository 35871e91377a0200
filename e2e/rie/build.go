//go:build linux

package rie

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Package is the emulator's command, pinned by the tool directive of this
// module's go.mod.
const Package = "github.com/aws/aws-lambda-runtime-interface-emulator/cmd/aws-lambda-rie"

// buildTimeout bounds one build of the emulator (a first build compiles
// it and its dependencies; later ones come from Go's build cache).
const buildTimeout = 5 * time.Minute

// Build builds the emulator into tb's temporary directory and returns the
// binary's path. It builds in the directory of this module (the e2e
// module), found from the test's working directory, so that the version
// pinned in its go.mod is the one used; Go's build cache makes every build
// after the first a link of about a second.
func Build(tb testing.TB) string {
	tb.Helper()
	dir, err := moduleDir()
	if err != nil {
		tb.Fatalf("rie: %v", err)
	}
	out := filepath.Join(tb.TempDir(), "aws-lambda-rie")
	ctx, cancel := context.WithTimeout(context.Background(), buildTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", "build", "-o", out, Package)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	cmd.WaitDelay = 5 * time.Second
	if b, err := cmd.CombinedOutput(); err != nil {
		tb.Fatalf("rie: go build %s (in %s): %v\n%s", Package, dir, err, b)
	}
	return out
}

// moduleDir returns the directory of the e2e module: the working
// directory of a test of this module or the closest parent holding its
// go.mod.
func moduleDir() (string, error) {
	wd, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for dir := wd; ; dir = filepath.Dir(dir) {
		if b, err := os.ReadFile(filepath.Join(dir, "go.mod")); err == nil && isE2EModule(b) {
			return dir, nil
		}
		if filepath.Dir(dir) == dir {
			return "", &os.PathError{Op: "find the e2e module's go.mod from", Path: wd, Err: os.ErrNotExist}
		}
	}
}

func isE2EModule(gomod []byte) bool {
	return strings.Contains(string(gomod), "module github.com/logfire-go/sdk/e2e\n")
}
