package sdk_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/encoding/prototext"
	"google.golang.org/protobuf/proto"

	"github.com/logfire-go/sdk/config"
	"github.com/logfire-go/sdk/internal/capture"
	"github.com/logfire-go/sdk/internal/credentials"
	"github.com/logfire-go/sdk/internal/otlptest"
	"github.com/logfire-go/sdk/internal/testhook"
	"github.com/logfire-go/sdk/logfire"
	"github.com/logfire-go/sdk/logfiretest"
	"github.com/logfire-go/sdk/otellambdaflush/lambdatest"
)

// The tokens of the leak test: a Logfire-shaped one and one without the
// shape, both configured, recognisable in any output.
const (
	leakToken  = "pylf_v1_us_ExampleLeak0Secret0123456789"
	leakLegacy = "legacy-ExampleLeak-Secret-0123456789"
)

var (
	leakParts   = []string{"ExampleLeak0Secret", "ExampleLeak-Secret"}
	tokenShaped = regexp.MustCompile(`pylf_v[0-9]+_[a-z]+_[A-Za-z0-9_-]+`)
)

// noToken fails if out holds a token, or anything shaped like one.
func noToken(t *testing.T, where, out string) {
	t.Helper()
	for _, p := range leakParts {
		if i := strings.Index(out, p); i >= 0 {
			t.Errorf("the token reached %s: …%s…", where, out[max(i-100, 0):min(i+40, len(out))])
			return
		}
	}
	if m := tokenShaped.FindString(out); m != "" {
		t.Errorf("%q, shaped like a token, reached %s", m, where)
	}
}

// received is everything rcv accepted, as text (the headers apart: the
// Authorization header carries the token on purpose), and the headers
// but Authorization.
func received(rcv *otlptest.Receiver) string {
	var b strings.Builder
	add := func(m proto.Message) { b.WriteString(prototext.Format(m)) }
	for _, s := range rcv.Spans() {
		add(s.Raw)
		fmt.Fprintln(&b, s.Resource, s.Scope)
	}
	for _, l := range rcv.Logs() {
		add(l.Raw)
		fmt.Fprintln(&b, l.Resource, l.Scope)
	}
	for _, p := range rcv.Points() {
		add(p.Raw)
		fmt.Fprintln(&b, p.Metric, p.Attrs, p.Resource, p.Scope)
	}
	for _, h := range rcv.Headers() {
		for k, v := range h {
			if k != "Authorization" {
				fmt.Fprintln(&b, k, v)
			}
		}
	}
	return b.String()
}

// The programs TestExamplesLeakNoToken runs: ordinary ones, and the
// Lambda functions (on Linux only: they run under lambdatest's emulator).
var (
	leakPrograms = []string{"./examples/basic", "./examples/slog", "./examples/adopting/slogapp",
		"./examples/adopting/service", "./examples/multiservice"}
	leakFunctions = []string{"./examples/lambda", "./examples/adopting/lambdafn"}
)

// buildExamples builds pkgs into a directory with one go build, which
// compiles the packages they share once and links the programs in
// parallel, and returns it; a program is named after the last element of
// its package path. With lambda, everything is built as a Lambda function
// is (Linux, no cgo, -tags lambda.norpc: what lambdatest.Build does), so
// that the ordinary programs and the functions share one build too.
func buildExamples(t *testing.T, lambda bool, pkgs ...string) string {
	t.Helper()
	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	args := []string{"build", "-o", dir + string(filepath.Separator)}
	if lambda {
		args = append(args, "-tags", "lambda.norpc")
	}
	cmd := exec.CommandContext(ctx, "go", append(args, pkgs...)...)
	if lambda {
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH="+runtime.GOARCH)
	}
	cmd.WaitDelay = 5 * time.Second
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return dir
}

// runExample runs bin with only env (and PATH, HOME) for at most timeout;
// while it runs, during(ctx) is called, if not nil. It returns the
// program's standard output and error.
func runExample(t *testing.T, bin string, timeout time.Duration, during func(ctx context.Context), env ...string) (string, string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin)
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME"), "GOFLAGS=" + os.Getenv("GOFLAGS")}, env...)
	cmd.Dir = t.TempDir() // no credentials file of the repository's
	var stdout, stderr capture.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	cmd.WaitDelay = 5 * time.Second
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	if during != nil {
		during(ctx)
		_ = cmd.Process.Signal(os.Interrupt)
	}
	err := cmd.Wait()
	return stdout.String(), stderr.String(), err
}

// tokenEnv is the environment of an example run against rcv with both
// tokens, the console verbose, and the tokens in the resource too, so
// that every record carries them into the SDK.
func tokenEnv(rcv *otlptest.Receiver) []string {
	return []string{
		"LOGFIRE_TOKEN=" + leakToken + "," + leakLegacy,
		"LOGFIRE_BASE_URL=" + rcv.URL(),
		"LOGFIRE_CONSOLE_VERBOSE=true",
		"LOGFIRE_CONSOLE_COLORS=never",
		"LOGFIRE_RESOURCE_ATTRIBUTES=deploy.note=" + leakToken + ",deploy.legacy=" + leakLegacy,
	}
}

// redactedSomething fails unless the receiver got a [REDACTED]: the
// tokens of tokenEnv reached the SDK, and it took them out.
func redactedSomething(t *testing.T, got string) {
	t.Helper()
	if !strings.Contains(got, "[REDACTED]") {
		t.Error("nothing was redacted: the tokens never reached the records")
	}
}

// TestExamplesLeakNoToken runs every example program with two tokens
// (one shaped like a Logfire token, one not) against a local receiver,
// then again with the tokens pasted into the wrong variables and against
// a backend that answers 401 with the Authorization header in its body.
// Neither token, nor anything shaped like one, may appear in what the
// programs print or in what the receiver got. (examples/pipeline needs
// SQS and SNS emulators; the e2e module runs it.) Every program is built
// once, with one go build, and the runs, each against a receiver of its
// own, are parallel.
func TestExamplesLeakNoToken(t *testing.T) {
	t.Parallel() // its go build overlaps the other tests
	if testing.Short() {
		t.Skip("builds and runs the examples")
	}
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("no go command to build the examples with")
	}
	linux := runtime.GOOS == "linux"
	pkgs := leakPrograms
	if linux {
		pkgs = append(slices.Clone(pkgs), leakFunctions...)
	}
	dir := buildExamples(t, linux, pkgs...)
	bin := func(name string) string { return filepath.Join(dir, name) }

	plain := []string{"basic", "slog", "slogapp"}
	for _, name := range plain {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			rcv := otlptest.New(t)
			stdout, stderr, err := runExample(t, bin(name), time.Minute, nil, tokenEnv(rcv)...)
			if err != nil {
				t.Fatalf("%s: %v\n%s", name, err, stderr)
			}
			if rcv.Count(otlptest.Traces) == 0 {
				t.Fatalf("%s sent nothing: the test proves nothing\n%s", name, stderr)
			}
			noToken(t, name+"'s standard output", stdout)
			noToken(t, name+"'s standard error", stderr)
			noToken(t, "the receiver", received(rcv))
			redactedSomething(t, received(rcv))
		})
	}

	t.Run("service", func(t *testing.T) {
		t.Parallel()
		// It listens on 127.0.0.1:8080, as its documentation says.
		if l, err := net.Listen("tcp", "127.0.0.1:8080"); err != nil {
			t.Skipf("127.0.0.1:8080 is taken: %v", err)
		} else {
			l.Close()
		}
		rcv := otlptest.New(t)
		// One request, then Ctrl-C: the service stops and its Shutdown
		// sends the request's server span and log.
		stdout, stderr, err := runExample(t, bin("service"), time.Minute, func(ctx context.Context) {
			for ctx.Err() == nil {
				resp, err := http.Get("http://127.0.0.1:8080/orders/42")
				if err == nil {
					resp.Body.Close()
					return
				}
				time.Sleep(20 * time.Millisecond)
			}
		}, tokenEnv(rcv)...)
		if err != nil {
			t.Errorf("the service did not exit cleanly on Ctrl-C: %v\n%s", err, stderr)
		}
		// Two tokens: each record goes out once per token.
		if got := rcv.Count(otlptest.Traces); got != 4 {
			t.Errorf("the service delivered %d spans by the time it exited, want 4 (the request's server span and its log, for each of the two tokens)", got)
		}
		noToken(t, "service's standard output", stdout)
		noToken(t, "service's standard error", stderr)
		noToken(t, "the receiver", received(rcv))
	})

	t.Run("multiservice", func(t *testing.T) {
		t.Parallel()
		if !linux {
			t.Skip("runs a Lambda function under the Linux emulator")
		}
		rcv := otlptest.New(t)
		stdout, stderr, err := runExample(t, bin("multiservice"), 3*time.Minute, nil,
			append(tokenEnv(rcv), "MULTISERVICE_LAMBDA_BINARY="+bin("lambda"))...)
		if err != nil {
			t.Fatalf("multiservice: %v\n%s", err, stderr)
		}
		if rcv.Count(otlptest.Traces) == 0 {
			t.Fatal("multiservice sent nothing")
		}
		noToken(t, "multiservice's standard output", stdout)
		noToken(t, "multiservice's standard error", stderr)
		noToken(t, "the receiver", received(rcv))
		redactedSomething(t, received(rcv))
	})

	for _, name := range leakFunctions {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			if !linux {
				t.Skip("a Lambda function runs under the Linux emulator")
			}
			rcv := otlptest.New(t)
			fn := bin(filepath.Base(name))
			var logs capture.Buffer
			e := lambdatest.Start(t, fn,
				lambdatest.WithEnv("LOGFIRE_TOKEN", leakToken+","+leakLegacy),
				lambdatest.WithEnv("LOGFIRE_BASE_URL", rcv.URL()),
				lambdatest.WithEnv("LOGFIRE_CONSOLE_VERBOSE", "true"),
				lambdatest.WithEnv("LOGFIRE_RESOURCE_ATTRIBUTES", "deploy.note="+leakToken),
				lambdatest.WithLogf(func(format string, args ...any) { fmt.Fprintf(&logs, format+"\n", args...) }))
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			if _, err := e.Invoke(ctx, []byte(`{"command":"hi","id":"42"}`)); err != nil {
				t.Fatal(err)
			}
			if _, err := e.Shutdown(ctx); err != nil {
				t.Fatal(err)
			}
			if rcv.Count(otlptest.Traces) == 0 {
				t.Fatalf("%s sent nothing\n%s", name, e.Stderr())
			}
			noToken(t, "the function's standard output", e.Stdout())
			noToken(t, "the function's standard error", e.Stderr())
			noToken(t, "the emulator's log", logs.String())
			noToken(t, "the receiver", received(rcv))
			redactedSomething(t, received(rcv))
		})
	}

	t.Run("tokens in the wrong variables", func(t *testing.T) {
		t.Parallel()
		rcv := otlptest.New(t)
		for _, v := range []string{"LOGFIRE_BASE_URL", "LOGFIRE_CONSOLE_COLORS", "OTEL_BSP_EXPORT_TIMEOUT",
			"LOGFIRE_MIN_LEVEL", "LOGFIRE_RESOURCE_ATTRIBUTES", "OTEL_EXPORTER_OTLP_ENDPOINT"} {
			for _, tok := range []string{leakToken, leakLegacy, "https://user:" + leakLegacy + "@collector.invalid"} {
				env := append(tokenEnv(rcv), v+"="+tok)
				stdout, stderr, err := runExample(t, bin("basic"), time.Minute, nil, env...)
				if err == nil {
					t.Errorf("%s=<token>: basic ran", v)
				}
				if !strings.Contains(stderr, v) {
					t.Errorf("%s=<token>: the error does not name the variable:\n%s", v, stderr)
				}
				noToken(t, "basic's standard output", stdout)
				noToken(t, "basic's standard error", stderr)
			}
		}
	})

	t.Run("backend echoing the Authorization header", func(t *testing.T) {
		t.Parallel()
		rcv := otlptest.New(t)
		rcv.SetFault(otlptest.StatusBody(401, 0, func(r *http.Request) string {
			return "unknown token: " + r.Header.Get("Authorization")
		}))
		for _, name := range plain {
			stdout, stderr, _ := runExample(t, bin(name), time.Minute, nil, tokenEnv(rcv)...)
			if !strings.Contains(stderr, "401") {
				t.Errorf("%s does not say that the backend refused: %s", name, stderr)
			}
			noToken(t, name+"'s standard output", stdout)
			noToken(t, name+"'s standard error", stderr)
		}
	})
}

// TestHelpersLeakNoToken runs the test helpers with the tokens configured
// and put in every record: logfiretest's capture and its dumps,
// otlptest's errors, and the config and logfire errors a test would print.
func TestHelpersLeakNoToken(t *testing.T) {
	all := leakToken + " " + leakLegacy
	lf, capture := logfiretest.New(t, logfire.WithToken(leakToken, leakLegacy))
	ctx, span := lf.Span(context.Background(), "span "+all, "k", all, leakToken, all)
	lf.Error(ctx, "failed {err}", "err", errors.New(all))
	span.SetAttribute("url.full", "https://u:"+leakLegacy+"@example.com/?sig=x")
	span.End()
	counter, _ := lf.MeterProvider().Meter("shop").Int64Counter("orders")
	counter.Add(context.Background(), 1)
	var out strings.Builder
	fmt.Fprintln(&out, capture.Dump())
	for _, s := range capture.All() {
		fmt.Fprintln(&out, s.Name, s.Attributes, s.Events, s.Status, s.Resource)
	}
	for _, r := range capture.LogRecords() {
		fmt.Fprintln(&out, r.Body(), r.EventName())
	}
	fmt.Fprintln(&out, capture.Metrics())
	noToken(t, "logfiretest's capture", out.String())

	rcv := otlptest.New(t)
	wctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	noToken(t, "otlptest's wait error", fmt.Sprint(rcv.WaitCount(wctx, otlptest.Traces, 1)))

	for _, err := range []error{
		(&config.Config{Tokens: []string{leakToken, leakLegacy}, BaseURL: leakLegacy}).Validate(),
		credentials.Destination{Token: leakLegacy, BaseURL: "ftp://" + leakLegacy}.Validate("testhook.Settings.Destinations"),
	} {
		if err == nil {
			t.Fatal("accepted")
		}
		noToken(t, "a config error", err.Error())
	}
	noToken(t, "a destination", credentials.Destination{Token: leakToken, BaseURL: "https://" + leakLegacy + "@x"}.String())
	_, err := logfire.Configure(testhook.With(context.Background(), testhook.Settings{NotDefault: true}), logfire.WithToken(leakToken),
		logfire.WithBaseURL("https://u:"+leakLegacy+"@collector.invalid"))
	if err == nil {
		t.Fatal("accepted")
	}
	noToken(t, "a Configure error", err.Error())
}
