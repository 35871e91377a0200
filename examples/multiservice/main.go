// Command multiservice shows one request crossing three services as one
// trace: an HTTP front service ("shop-front") calls a second HTTP service
// ("inventory") and then invokes a Lambda function (examples/lambda)
// through an API Gateway-shaped event that carries the W3C traceparent
// header, the way API Gateway passes a client's headers on.
//
// Everything runs on 127.0.0.1 with ephemeral ports, and stops by itself
// after one request: the two HTTP services in this process, each with its
// own *logfire.Logfire (two services, two service names), and the Lambda
// function as a child process under the local Lambda emulator
// (otellambdaflush/lambdatest), built from examples/lambda with go build.
//
// Run it from the repository root:
//
//	go run ./examples/multiservice
//
// With no token it prints every span to the console (the function's lines
// come from its own process). With LOGFIRE_TOKEN set, all three services
// send to Logfire, where the trace shows the front's request span, its
// calls to the inventory service and to the function, and their spans
// beneath. The function gets the LOGFIRE_* and OTEL_* variables of this
// process, except the service name. MULTISERVICE_LAMBDA_BINARY names an
// already built examples/lambda binary to run instead of building one.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"go.opentelemetry.io/otel/propagation"

	"github.com/logfire-go/sdk/logfire"
	"github.com/logfire-go/sdk/logfire/logfirehttp"
	"github.com/logfire-go/sdk/otellambdaflush/lambdatest"
)

// functionName is the Lambda function's name, which is also its
// service.name.
const functionName = "order-processor"

func main() {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	if err := run(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "multiservice:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context) (err error) {
	// The inventory service would be another program; here it is another
	// instance, so that it has its own service name. Each service gets
	// its own *logfire.Logfire, passed to the integrations explicitly.
	inventory, err := logfire.Configure(ctx, logfire.WithServiceName("inventory"))
	if err != nil {
		return err
	}
	defer shutdown(inventory, &err)
	// The front service is configured last, so it is the default instance:
	// its propagator (W3C traceparent, tracestate and baggage) becomes the
	// global one. (The SDK says on standard error, once, that it replaced
	// the inventory instance as the default.)
	front, err := logfire.Configure(ctx, logfire.WithServiceName("shop-front"))
	if err != nil {
		return err
	}
	defer shutdown(front, &err)

	fn, cleanup, err := startFunction(ctx)
	if err != nil {
		return err
	}
	defer func() {
		sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		// SHUTDOWN: the function gets SIGTERM and flushes what it still
		// holds before it exits.
		_, serr := fn.Shutdown(sctx)
		err = errors.Join(err, serr, fn.Close())
		cleanup()
	}()

	inventoryURL, stopInventory, err := serve(logfirehttp.NewHandler(inventory, inventoryMux(inventory), "inventory"))
	if err != nil {
		return err
	}
	defer stopInventory()
	frontURL, stopFront, err := serve(logfirehttp.NewHandler(front, frontMux(front, inventoryURL, fn), "shop-front"))
	if err != nil {
		return err
	}
	defer stopFront()

	// A customer's request: a plain client, with no trace context, so the
	// front's request span is the root of the trace.
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, frontURL+"/checkout/widget", nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("checkout: %s: %s", resp.Status, body)
	}
	var out checkout
	if err := json.Unmarshal(body, &out); err != nil {
		return fmt.Errorf("checkout answer %q: %w", body, err)
	}
	fmt.Printf("checkout answered: stock %d, function said %q\n", out.Stock, out.Function.Msg)
	fmt.Printf("trace id: %s\n", out.TraceID)
	return nil
}

// checkout is the front's answer.
type checkout struct {
	TraceID  string `json:"trace_id"`
	Stock    int    `json:"stock"`
	Function struct {
		ReqID string `json:"req_id"`
		Msg   string `json:"msg"`
	} `json:"function"`
}

// frontMux is the front service: POST /checkout/{item} asks the inventory
// service for the stock, then has the function process the order.
func frontMux(lf *logfire.Logfire, inventoryURL string, fn *lambdatest.Emulator) http.Handler {
	client := &http.Client{Transport: logfirehttp.NewTransport(lf, nil), Timeout: 30 * time.Second}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /checkout/{item}", func(w http.ResponseWriter, r *http.Request) {
		ctx, span := lf.Span(r.Context(), "checkout of {item}", "item", r.PathValue("item"))
		defer span.End()

		stock, err := getStock(ctx, client, inventoryURL, r.PathValue("item"))
		if err != nil {
			span.RecordError(err)
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		answer, err := invokeFunction(ctx, lf, fn, r.PathValue("item"))
		if err != nil {
			span.RecordError(err)
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		out := checkout{TraceID: span.SpanContext().TraceID().String(), Stock: stock}
		if err := json.Unmarshal(answer, &out.Function); err != nil {
			http.Error(w, "function answer: "+err.Error(), http.StatusBadGateway)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(out)
	})
	return mux
}

// getStock calls the inventory service. The request carries ctx, so the
// client span is the child of the checkout span, and logfirehttp puts its
// context in the traceparent header.
func getStock(ctx context.Context, client *http.Client, base, item string) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/stock/"+item, nil)
	if err != nil {
		return 0, err
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("inventory: %s", resp.Status)
	}
	var s struct {
		Left int `json:"left"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&s); err != nil {
		return 0, fmt.Errorf("inventory answer: %w", err)
	}
	return s.Left, nil
}

// inventoryMux is the inventory service: GET /stock/{item}.
func inventoryMux(lf *logfire.Logfire) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /stock/{item}", func(w http.ResponseWriter, r *http.Request) {
		// r.Context() holds the server span, the child of the front's
		// client span.
		_, span := lf.Span(r.Context(), "checking stock for {item}", "item", r.PathValue("item"))
		defer span.End()
		w.Header().Set("Content-Type", "application/json")
		_, _ = fmt.Fprintf(w, `{"item":%q,"left":3}`, r.PathValue("item"))
	})
	return mux
}

// invokeFunction invokes the function with the event API Gateway would
// send for POST /orders: the trace context goes in its headers, where
// otellambdaflush.Start finds it for the invocation span.
func invokeFunction(ctx context.Context, lf *logfire.Logfire, fn *lambdatest.Emulator, item string) ([]byte, error) {
	ctx, span := lf.Span(ctx, "invoking {function}", "function", functionName)
	defer span.End()

	headers := map[string]string{"Content-Type": "application/json"}
	lf.Propagator().Inject(ctx, propagation.MapCarrier(headers))
	ev := apiGatewayEvent{
		APIGatewayProxyRequest: events.APIGatewayProxyRequest{
			Resource: "/orders", Path: "/orders", HTTPMethod: http.MethodPost,
			Headers: headers, Body: fmt.Sprintf(`{"command":"ship %s"}`, item),
			RequestContext: events.APIGatewayProxyRequestContext{
				Stage: "prod", HTTPMethod: http.MethodPost, ResourcePath: "/orders",
			},
		},
		Command: "ship " + item,
	}
	payload, err := json.Marshal(ev)
	if err != nil {
		return nil, err
	}
	inv, err := fn.Invoke(ctx, payload)
	if err != nil {
		return nil, err
	}
	switch {
	case inv.ErrorPayload != nil:
		err = fmt.Errorf("%s: %s: %s", functionName, inv.ErrorPayload.Type, inv.ErrorPayload.Message)
	case inv.TimedOut:
		err = fmt.Errorf("%s timed out", functionName)
	case inv.Crashed:
		err = fmt.Errorf("%s crashed: %s", functionName, inv.ExitState)
	}
	if err != nil {
		span.RecordError(err)
		return nil, err
	}
	span.SetAttribute("faas.invocation_id", inv.RequestID)
	return inv.Response, nil
}

// apiGatewayEvent is an API Gateway REST API proxy event. examples/lambda
// takes {"command": "…"}, so the event carries the command at its top
// level too (a real API Gateway event has it only in the body).
type apiGatewayEvent struct {
	events.APIGatewayProxyRequest
	Command string `json:"command"`
}

// serve runs h on 127.0.0.1 with an ephemeral port and returns its URL and
// a function that stops it.
func serve(h http.Handler) (url string, stop func(), err error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	return "http://" + ln.Addr().String(), func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
	}, nil
}

// startFunction builds examples/lambda (unless MULTISERVICE_LAMBDA_BINARY
// names a binary) and starts the emulator for it, with the function's
// process initialised. cleanup removes the binary it built.
func startFunction(ctx context.Context) (fn *lambdatest.Emulator, cleanup func(), err error) {
	cleanup = func() {}
	bin := os.Getenv("MULTISERVICE_LAMBDA_BINARY")
	if bin == "" {
		dir, err := os.MkdirTemp("", "multiservice")
		if err != nil {
			return nil, nil, err
		}
		cleanup = func() { _ = os.RemoveAll(dir) }
		bin = filepath.Join(dir, "bootstrap")
		bctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(bctx, "go", "build", "-o", bin, "github.com/logfire-go/sdk/examples/lambda")
		cmd.WaitDelay = 5 * time.Second
		if out, err := cmd.CombinedOutput(); err != nil {
			cleanup()
			return nil, nil, fmt.Errorf("building examples/lambda (run from the repository root, or set MULTISERVICE_LAMBDA_BINARY): %v\n%s", err, out)
		}
	}
	opts := []lambdatest.Option{
		lambdatest.WithFunctionName(functionName),
		lambdatest.WithTimeout(30 * time.Second),
		lambdatest.WithStdout(os.Stdout),
		lambdatest.WithStderr(os.Stderr),
	}
	for _, kv := range functionEnv() {
		k, v, _ := strings.Cut(kv, "=")
		opts = append(opts, lambdatest.WithEnv(k, v))
	}
	if fn, err = lambdatest.New(bin, opts...); err != nil {
		cleanup()
		return nil, nil, err
	}
	if err := fn.Init(ctx); err != nil {
		_ = fn.Close()
		cleanup()
		return nil, nil, fmt.Errorf("starting %s: %w", functionName, err)
	}
	return fn, cleanup, nil
}

// functionEnv is the function's share of this process's environment: the
// LOGFIRE_* and OTEL_* variables, but not the service name (the function's
// is its own name), and the credentials directory as an absolute path,
// since the function runs elsewhere.
func functionEnv() []string {
	var env []string
	credentials := false
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		switch {
		case k == "LOGFIRE_SERVICE_NAME" || k == "OTEL_SERVICE_NAME":
		case k == "LOGFIRE_CREDENTIALS_DIR":
			credentials = true
			if abs, err := filepath.Abs(os.Getenv(k)); err == nil {
				env = append(env, k+"="+abs)
			}
		case strings.HasPrefix(k, "LOGFIRE_") || strings.HasPrefix(k, "OTEL_"):
			env = append(env, kv)
		}
	}
	if !credentials {
		if abs, err := filepath.Abs(".logfire"); err == nil {
			env = append(env, "LOGFIRE_CREDENTIALS_DIR="+abs)
		}
	}
	return env
}

// shutdown flushes and stops lf, joining its error to *err.
func shutdown(lf *logfire.Logfire, err *error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	*err = errors.Join(*err, lf.Shutdown(ctx))
}
