// Command fn is the Lambda function that the lambdatest tests run.
//
// What it does during INIT is chosen with environment variables:
//
//	FN_SIGTERM=1          lambda.WithEnableSIGTERM with a callback printing "SIGTERM handler ran"
//	FN_SIGTERM_EXIT=1     ... and exiting with status 0 afterwards
//	FN_WATCH_SIGTERM=1    signal.Notify(SIGTERM) without any extension; prints "SIGTERM received"
//	FN_EXTENSION_DELAY=d  register the internal extension "fn-flush"; on each INVOKE it
//	                      sleeps d, prints "extension done <request id>", then calls next
//	FN_EXTENSION_EVENTS=  comma separated events for fn-flush (default INVOKE)
//	FN_EXTENSION_GATE=p   ... and before printing, fn-flush reads a line from the FIFO p
//	FN_INIT_ERROR=1       post /runtime/init/error and exit 1
//	FN_INIT_SLEEP=d       sleep d before starting the runtime loop
//	FN_TELEMETRY=f        register the internal extension "fn-telemetry" (no events) and
//	                      subscribe it to the Telemetry API's platform events; each batch
//	                      delivered is appended to the file f (see telemetry.go)
//	FN_TELEMETRY_SCHEMAS= comma separated schema versions to try, in order (default 2022-12-13)
//
// What an invocation does is chosen by the JSON event's "action": "echo"
// (default), "error", "sleep", "exit", "panic", "ticker" or "alloc"
// (allocate and touch allocMB megabytes, then sleep sleepMs).
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"

	"github.com/logfire-go/sdk/otellambdaflush/internal/memhog"
	"github.com/logfire-go/sdk/otellambdaflush/lambdatest/internal/fnreply"
)

type event struct {
	Action   string `json:"action"`
	Message  string `json:"message"`
	SleepMs  int    `json:"sleepMs"`
	TickFile string `json:"tickFile"`
	ExitCode int    `json:"exitCode"`
	AllocMB  int    `json:"allocMB"`
}

var reportedEnv = []string{
	"AWS_LAMBDA_RUNTIME_API", "AWS_LAMBDA_FUNCTION_NAME", "AWS_LAMBDA_FUNCTION_VERSION",
	"AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "AWS_REGION", "AWS_LAMBDA_LOG_GROUP_NAME",
	"AWS_LAMBDA_LOG_STREAM_NAME", "AWS_LAMBDA_INITIALIZATION_TYPE", "_HANDLER",
	"AWS_LAMBDA_MAX_CONCURRENCY", "LAMBDA_TASK_ROOT", "FN_EXTRA", "HOME",
}

var tickerOnce sync.Once

func handle(ctx context.Context, ev event) (fnreply.Reply, error) {
	switch ev.Action {
	case "error":
		return fnreply.Reply{}, errors.New(ev.Message)
	case "exit":
		os.Exit(ev.ExitCode)
	case "panic":
		panic(ev.Message)
	case "ticker":
		tickerOnce.Do(func() { go tick(ev.TickFile) })
	case "alloc":
		memhog.Allocate(ev.AllocMB)
	}
	if ev.SleepMs > 0 {
		time.Sleep(time.Duration(ev.SleepMs) * time.Millisecond)
	}
	r := fnreply.Reply{Action: ev.Action, Message: ev.Message, PID: os.Getpid(), Env: map[string]string{}}
	if lc, ok := lambdacontext.FromContext(ctx); ok {
		r.RequestID = lc.AwsRequestID
		r.FunctionARN = lc.InvokedFunctionArn
		r.ClientCustom = lc.ClientContext.Custom
		r.CognitoID = lc.Identity.CognitoIdentityID
		r.TenantID = lc.TenantID
	}
	if v, ok := ctx.Value("x-amzn-trace-id").(string); ok {
		r.TraceID = v
	}
	r.EnvTraceID = os.Getenv("_X_AMZN_TRACE_ID")
	if d, ok := ctx.Deadline(); ok {
		r.DeadlineMs = d.UnixMilli()
	}
	for _, k := range reportedEnv {
		if v, ok := os.LookupEnv(k); ok {
			r.Env[k] = v
		}
	}
	return r, nil
}

// tick appends the current time in Unix nanoseconds to path every 10 ms.
func tick(path string) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		fmt.Println("ticker:", err)
		return
	}
	for range 100000 {
		_, _ = fmt.Fprintf(f, "%d\n", time.Now().UnixNano())
		time.Sleep(10 * time.Millisecond)
	}
}

func main() {
	api := os.Getenv("AWS_LAMBDA_RUNTIME_API")
	client := &http.Client{Transport: &http.Transport{Proxy: nil}}

	if os.Getenv("FN_INIT_ERROR") != "" {
		body := `{"errorMessage":"init failed on purpose","errorType":"InitFailure"}`
		req, _ := http.NewRequest(http.MethodPost, "http://"+api+"/2018-06-01/runtime/init/error", strings.NewReader(body))
		req.Header.Set("Lambda-Runtime-Function-Error-Type", "InitFailure")
		if resp, err := client.Do(req); err == nil {
			fmt.Println("init error posted:", resp.StatusCode)
			_ = resp.Body.Close()
		}
		os.Exit(1)
	}
	if d, err := time.ParseDuration(os.Getenv("FN_INIT_SLEEP")); err == nil {
		time.Sleep(d)
	}
	if path := os.Getenv("FN_TELEMETRY"); path != "" {
		startTelemetry(client, api, path, os.Getenv("FN_TELEMETRY_SCHEMAS"))
	}
	if os.Getenv("FN_WATCH_SIGTERM") != "" {
		c := make(chan os.Signal, 1)
		signal.Notify(c, syscall.SIGTERM)
		go func() {
			<-c
			fmt.Println("SIGTERM received")
		}()
	}
	if d, err := time.ParseDuration(os.Getenv("FN_EXTENSION_DELAY")); err == nil {
		events := []string{"INVOKE"}
		if s := os.Getenv("FN_EXTENSION_EVENTS"); s != "" {
			events = strings.Split(s, ",")
		}
		startExtension(client, api, events, d, os.Getenv("FN_EXTENSION_GATE"))
	}

	var opts []lambda.Option
	if os.Getenv("FN_SIGTERM") != "" {
		exit := os.Getenv("FN_SIGTERM_EXIT") != ""
		opts = append(opts, lambda.WithEnableSIGTERM(func() {
			fmt.Println("SIGTERM handler ran")
			if exit {
				os.Exit(0)
			}
		}))
	}
	lambda.StartWithOptions(handle, opts...)
}

// startExtension registers the internal extension fn-flush and runs its
// event loop in a goroutine. If gate is not empty, each INVOKE also waits
// for a line on the FIFO gate, so that the test decides when the
// extension is done.
func startExtension(client *http.Client, api string, events []string, delay time.Duration, gate string) {
	base := "http://" + api + "/2020-01-01/extension/"
	body, _ := json.Marshal(map[string][]string{"events": events})
	req, _ := http.NewRequest(http.MethodPost, base+"register", bytes.NewReader(body))
	req.Header.Set("Lambda-Extension-Name", "fn-flush")
	resp, err := client.Do(req)
	if err != nil {
		fmt.Println("extension registration failed:", err)
		return
	}
	msg, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		fmt.Printf("extension registration failed: %d %s\n", resp.StatusCode, msg)
		return
	}
	id := resp.Header.Get("Lambda-Extension-Identifier")
	go func() {
		var lines *bufio.Reader
		if gate != "" {
			f, err := os.Open(gate) // blocks until the test has the FIFO open for writing
			if err != nil {
				fmt.Println("extension gate:", err)
				return
			}
			defer f.Close()
			lines = bufio.NewReader(f)
		}
		for range 100000 {
			req, _ := http.NewRequest(http.MethodGet, base+"event/next", nil)
			req.Header.Set("Lambda-Extension-Identifier", id)
			resp, err := client.Do(req)
			if err != nil {
				fmt.Println("extension next failed:", err)
				return
			}
			var ev struct {
				EventType      string `json:"eventType"`
				RequestID      string `json:"requestId"`
				ShutdownReason string `json:"shutdownReason"`
			}
			err = json.NewDecoder(resp.Body).Decode(&ev)
			_ = resp.Body.Close()
			if err != nil || resp.StatusCode != http.StatusOK {
				fmt.Println("extension next failed:", resp.StatusCode, err)
				return
			}
			switch ev.EventType {
			case "INVOKE":
				time.Sleep(delay)
				if lines != nil {
					if _, err := lines.ReadString('\n'); err != nil {
						fmt.Println("extension gate:", err)
						return
					}
				}
				fmt.Println("extension done", ev.RequestID)
			case "SHUTDOWN":
				fmt.Println("extension got SHUTDOWN", ev.ShutdownReason)
			}
		}
	}()
}
