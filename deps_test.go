package sdk_test

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// providerModules are the modules of the integrations' clients (the LLM
// providers' and AWS's), and of what they alone use: a program that
// imports only package logfire must not need them.
var providerModules = []string{
	"github.com/openai/",
	"github.com/anthropics/",
	"github.com/tidwall/",
	"github.com/aws/",
}

// TestCoreNeedsNoProviderClient: the packages of a program that imports
// only logfire come from no provider client's module, though the module's
// go.mod requires them for the integration packages.
func TestCoreNeedsNoProviderClient(t *testing.T) {
	t.Parallel()
	out, err := exec.Command("go", "list", "-deps", "-f", "{{with .Module}}{{.Path}}{{end}}",
		"./logfire", "./logfiretest", "./config", "./console").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	for _, mod := range strings.Fields(string(out)) {
		for _, p := range providerModules {
			if strings.HasPrefix(mod, p) {
				t.Errorf("package logfire needs a package of %s", mod)
			}
		}
	}
}

// TestCoreDownloadsNoProviderClient builds, with an empty module cache, a
// program that imports only logfire, and checks that no provider client's
// source was downloaded: only their go.mod files, which Go reads to build
// the module graph. The modules come from this machine's module cache,
// served as a file proxy, so nothing is fetched from the network; the same
// holds, with the network, for:
//
//	GOMODCACHE=$(mktemp -d) go build ./your/program && ls $GOMODCACHE/github.com
func TestCoreDownloadsNoProviderClient(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a program with an empty module cache")
	}
	t.Parallel()
	root, err := filepath.Abs(".")
	if err != nil {
		t.Fatal(err)
	}
	cacheOut, err := exec.Command("go", "env", "GOMODCACHE").Output()
	if err != nil {
		t.Fatal(err)
	}
	proxy := filepath.Join(strings.TrimSpace(string(cacheOut)), "cache", "download")

	// The program requires every module the SDK's go.mod does, so that Go
	// resolves the module graph from the go.mod files this repository's own
	// builds put in the cache; from the SDK's requirement alone it would
	// also read older versions' go.mod files, which a machine that has only
	// built this repository may not have. A requirement downloads a
	// module's go.mod, never its source: only building a package does.
	modJSON, err := exec.Command("go", "mod", "edit", "-json").Output()
	if err != nil {
		t.Fatal(err)
	}
	var mod struct {
		Require []struct{ Path, Version string }
	}
	if err := json.Unmarshal(modJSON, &mod); err != nil {
		t.Fatal(err)
	}
	var requires strings.Builder
	for _, r := range mod.Require {
		fmt.Fprintf(&requires, "require %s %s\n", r.Path, r.Version)
	}
	dir := t.TempDir()
	files := map[string]string{
		"go.mod": "module example.com/app\n\ngo 1.26.0\n\nrequire github.com/logfire-go/sdk v0.0.0\n\n" + requires.String() +
			"\nreplace github.com/logfire-go/sdk => " + root + "\n",
		"main.go": `package main

import (
	"context"

	"github.com/logfire-go/sdk/logfire"
)

func main() {
	lf, err := logfire.Configure(context.Background())
	if err == nil {
		lf.Info(context.Background(), "hello")
		_ = lf.Shutdown(context.Background())
	}
}
`,
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	modCache := filepath.Join(dir, "modcache")
	run := func(args ...string) {
		t.Helper()
		cmd := exec.Command("go", args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(),
			"GOMODCACHE="+modCache,
			"GOPROXY=file://"+filepath.ToSlash(proxy),
			"GOSUMDB=off",
			"GOFLAGS=-mod=mod",
			"GOWORK=off",
		)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	t.Cleanup(func() { run("clean", "-modcache") }) // its files are read-only
	run("build", "-o", filepath.Join(dir, "app"), ".")

	var sources []string
	err = filepath.WalkDir(modCache, func(path string, d os.DirEntry, err error) error {
		if err != nil || !d.IsDir() || strings.Contains(path, string(filepath.Separator)+"cache"+string(filepath.Separator)) {
			return err
		}
		if rel, _ := filepath.Rel(modCache, path); strings.Contains(filepath.Base(rel), "@") {
			sources = append(sources, filepath.ToSlash(rel))
			return filepath.SkipDir
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(sources) == 0 {
		t.Fatal("no module source was extracted: the build did not use the fresh cache")
	}
	for _, src := range sources {
		for _, p := range providerModules {
			if strings.HasPrefix(src, p) {
				t.Errorf("building a program that imports only logfire downloaded %s", src)
			}
		}
	}
	t.Logf("module sources downloaded: %s", strings.Join(sources, " "))
}
