package e2e_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/logfire-go/sdk/e2e/collector"
)

// The load generators of scripts/bench (cmd/rate and
// scripts/node-bench) against its collector (cmd/benchcollector), each
// for half a second, so that they never rot: every record they make must
// arrive, and each prints its JSON line. Nothing here asserts on time or
// CPU. 2,000 records a second for 0.5 s is 1,000 records, fewer than a
// batch span processor's default queue (2,048) holds, so none can be
// dropped even on a loaded machine.
const (
	rateTestRate     = "2000"
	rateTestDuration = 500 * time.Millisecond
	rateTestRecords  = 1000
)

// rateLine is the JSON line a generator prints.
type rateLine struct {
	Name     string  `json:"name"`
	Mode     string  `json:"mode"`
	Records  int64   `json:"records"`
	CPU      float64 `json:"cpu_seconds"`
	Wall     float64 `json:"wall_seconds"`
	RSSKB    int64   `json:"rss_kb"`
	SetupCPU float64 `json:"setup_cpu_seconds"`
}

// benchCollector is a running cmd/benchcollector.
type benchCollector struct {
	otlp, control string
}

// startBenchCollector builds and starts cmd/benchcollector; when the test
// ends it stops it with SIGTERM and checks that it exited 0 after printing
// its final counts.
func startBenchCollector(t *testing.T) *benchCollector {
	t.Helper()
	bin := buildProgram(t, ".", "./cmd/benchcollector")
	cmd := exec.Command(bin)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := make(chan string, 8)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			lines <- sc.Text()
		}
	}()
	exited := make(chan error, 1)
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		var final string
		timeout := time.After(10 * time.Second)
	read:
		for { // until stdout closes, at exit
			select {
			case l, ok := <-lines:
				if !ok {
					break read
				}
				final = l
			case <-timeout:
				_ = cmd.Process.Kill()
				t.Errorf("benchcollector did not exit within 10s of SIGTERM")
				break read
			}
		}
		go func() { exited <- cmd.Wait() }()
		select {
		case err := <-exited:
			if err != nil {
				t.Errorf("benchcollector: %v\n%s", err, stderr.String())
			}
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			t.Errorf("benchcollector did not exit within 10s of SIGTERM")
		}
		if !strings.HasPrefix(final, "final {") {
			t.Errorf("benchcollector's last line = %q, want final {…}", final)
		}
	})
	c := &benchCollector{}
	deadline := time.After(30 * time.Second)
	for c.otlp == "" || c.control == "" {
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatalf("benchcollector exited before it listened:\n%s", stderr.String())
			}
			if v, ok := strings.CutPrefix(l, "otlp "); ok {
				c.otlp = v
			} else if v, ok := strings.CutPrefix(l, "control "); ok {
				c.control = v
			}
		case <-deadline:
			t.Fatalf("benchcollector printed no addresses within 30s:\n%s", stderr.String())
		}
	}
	return c
}

// counts asks the collector what it has received.
func (c *benchCollector) counts(t *testing.T) collector.Counts {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.control+"/counts", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /counts: %d %v %s", resp.StatusCode, err, body)
	}
	var n struct {
		collector.Counts
		Records int64 `json:"records"`
	}
	if err := json.Unmarshal(body, &n); err != nil {
		t.Fatalf("GET /counts: %v: %s", err, body)
	}
	if n.Records != n.Counts.Records() {
		t.Errorf("GET /counts: records %d, want %d: %s", n.Records, n.Counts.Records(), body)
	}
	return n.Counts
}

// runGenerator runs a generator with only PATH and HOME in its
// environment, plus env, and returns its JSON line.
func runGenerator(t *testing.T, dir string, env []string, name string, args ...string) (rateLine, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME")}, env...)
	cmd.WaitDelay = 5 * time.Second
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return rateLine{}, fmt.Errorf("%w\n%s", err, stderr.String())
	}
	var l rateLine
	if err := json.Unmarshal(stdout.Bytes(), &l); err != nil {
		t.Fatalf("%s: its output is not one JSON line: %v\nstdout: %s\nstderr: %s", name, err, stdout.String(), stderr.String())
	}
	return l, nil
}

// checkRun checks a generator's line and what the collector received
// during its run.
func checkRun(t *testing.T, l rateLine, got collector.Counts, mode string) {
	t.Helper()
	if l.Name != mode || l.Mode != mode {
		t.Errorf("name %q, mode %q, want %q", l.Name, l.Mode, mode)
	}
	if l.Records != rateTestRecords {
		t.Errorf("it made %d records, want %d (%s/s for %v)", l.Records, rateTestRecords, rateTestRate, rateTestDuration)
	}
	if got.Records() != l.Records || got.PendingSpans != 0 {
		t.Errorf("the collector received %+v (%d records) for %d made", got, got.Records(), l.Records)
	}
	if l.CPU <= 0 || l.Wall <= 0 || l.RSSKB <= 0 || l.SetupCPU <= 0 {
		t.Errorf("measurements missing: %+v", l)
	}
}

func TestRateGenerators(t *testing.T) {
	rate := buildProgram(t, ".", "./cmd/rate")
	c := startBenchCollector(t)
	for _, mode := range []string{"logfire-info", "otel-2attrs", "otel-logfire-attrs"} {
		t.Run(mode, func(t *testing.T) {
			before := c.counts(t)
			l, err := runGenerator(t, t.TempDir(), nil, rate, "-mode", mode, "-endpoint", c.otlp,
				"-rate", rateTestRate, "-duration", rateTestDuration.String())
			if err != nil {
				t.Fatalf("rate -mode %s: %v", mode, err)
			}
			checkRun(t, l, c.counts(t).Sub(before), mode)
		})
	}
	t.Run("refuses", func(t *testing.T) {
		before := c.counts(t)
		const loopbackOnly = "accepted values are http://127.0.0.1:PORT"
		for _, tc := range []struct {
			env  []string
			args []string
			want string // in its error
		}{
			// A name that never resolves (RFC 2606), should the check
			// ever let it through.
			{nil, []string{"-mode", "otel-2attrs", "-endpoint", "http://collector.invalid:4318"}, loopbackOnly},
			{nil, []string{"-mode", "otel-2attrs", "-endpoint", c.otlp + "/v1"}, loopbackOnly},
			{nil, []string{"-mode", "no-such-mode", "-endpoint", c.otlp}, `-mode "no-such-mode": accepted values are`},
			{[]string{"OTEL_EXPORTER_OTLP_ENDPOINT=" + c.otlp}, []string{"-mode", "logfire-info", "-endpoint", c.otlp}, "OTEL_EXPORTER_OTLP_ENDPOINT is set"},
		} {
			_, err := runGenerator(t, t.TempDir(), tc.env, rate, append(tc.args, "-duration", "100ms")...)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("rate %q with %q: %v; want an error saying %q", tc.args, tc.env, err, tc.want)
			}
		}
		if got := c.counts(t).Sub(before); got != (collector.Counts{}) {
			t.Errorf("refused runs sent %+v", got)
		}
	})
}

// TestRateNodeGenerator runs scripts/node-bench/bench.mjs, the official
// Node SDK's generator, when node and its packages are installed
// (scripts/bench installs them with npm ci); it is skipped otherwise.
func TestRateNodeGenerator(t *testing.T) {
	dir := filepath.Join(repoRoot(t), "scripts", "node-bench")
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("node is not on the PATH")
	}
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "@pydantic", "logfire-node")); err != nil {
		t.Skip("the Node SDK is not installed: run npm ci in scripts/node-bench (scripts/bench does)")
	}
	c := startBenchCollector(t)
	before := c.counts(t)
	l, err := runGenerator(t, dir, nil, node, "bench.mjs", "--endpoint", c.otlp,
		"--rate", rateTestRate, "--duration", "0.5", "--name", "node-logfire-info")
	if err != nil {
		t.Fatalf("node bench.mjs: %v", err)
	}
	checkRun(t, l, c.counts(t).Sub(before), "node-logfire-info")
}
