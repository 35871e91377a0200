package lambdatest

import (
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// Settings of the emulated function that have no option: a test that needs
// another value sets the variable with WithEnv.
const (
	// defaultTimeout is the function timeout unless WithTimeout is given:
	// the Lambda console default for new functions.
	defaultTimeout = 3 * time.Second
	// defaultInitTimeout bounds the INIT phase of an on-demand execution
	// environment, as Lambda does (10 s).
	defaultInitTimeout = 10 * time.Second
	// defaultFunctionName is AWS_LAMBDA_FUNCTION_NAME unless
	// WithFunctionName is given.
	defaultFunctionName = "lambdatest-function"
	// defaultFunctionVersion is AWS_LAMBDA_FUNCTION_VERSION.
	defaultFunctionVersion = "$LATEST"
	// defaultRegion is AWS_REGION unless WithRegion is given.
	defaultRegion = "us-east-1"
	// accountID is the account of the invoked function ARN and of the
	// Extensions API's register reply.
	accountID = "123456789012"
	// defaultMemorySizeMB is AWS_LAMBDA_FUNCTION_MEMORY_SIZE unless WithEnv
	// sets it: Lambda's default memory size.
	defaultMemorySizeMB = 128
	// defaultHandler is _HANDLER: OS-only runtimes (provided.al2023)
	// conventionally use "bootstrap".
	defaultHandler = "bootstrap"
)

// The environment variables that the emulator also reads back from WithEnv,
// so that its own replies agree with what the function sees.
const (
	envFunctionName    = "AWS_LAMBDA_FUNCTION_NAME"
	envFunctionVersion = "AWS_LAMBDA_FUNCTION_VERSION"
	envRegion          = "AWS_REGION"
	envHandler         = "_HANDLER"
	envMemorySize      = "AWS_LAMBDA_FUNCTION_MEMORY_SIZE"
)

// Lambda's bounds on a function's memory size, in MB.
const (
	minMemorySizeMB = 128
	maxMemorySizeMB = 10240
)

// Shutdown budgets documented by AWS for the SHUTDOWN phase. The runtime
// gets SIGTERM only when at least one extension is registered; it then has
// runtimeGraceInternal when an internal extension is registered, or
// runtimeGraceExternal when only external extensions are. External
// extensions share the remainder of shutdownBudgetExternal.
const (
	runtimeGraceInternal   = 500 * time.Millisecond
	runtimeGraceExternal   = 300 * time.Millisecond
	shutdownBudgetExternal = 2000 * time.Millisecond
)

// maxExtensions is Lambda's limit on registered extensions per function.
const maxExtensions = 10

// config is the private configuration assembled from Options.
type config struct {
	timeout        time.Duration
	initTimeout    time.Duration
	functionName   string
	functionVer    string
	region         string
	handler        string
	extraEnv       []string
	stdout         io.Writer
	stderr         io.Writer
	external       map[string]bool
	managed        bool
	maxConcurrency int
	memorySizeMB   int
	memorySizeErr  error // AWS_LAMBDA_FUNCTION_MEMORY_SIZE given with WithEnv is not a number
	logf           func(format string, args ...any)
}

func defaultConfig() config {
	return config{
		timeout:        defaultTimeout,
		initTimeout:    defaultInitTimeout,
		functionName:   defaultFunctionName,
		functionVer:    defaultFunctionVersion,
		region:         defaultRegion,
		handler:        defaultHandler,
		external:       map[string]bool{},
		maxConcurrency: 1,
		memorySizeMB:   defaultMemorySizeMB,
	}
}

// newConfig applies opts to the defaults, reads back the variables of
// WithEnv that the emulator reports itself, and validates the result.
func newConfig(opts []Option) (config, error) {
	c := defaultConfig()
	for _, o := range opts {
		if o != nil {
			o.apply(&c)
		}
	}
	for _, kv := range c.extraEnv {
		k, v, _ := strings.Cut(kv, "=")
		switch k {
		case envFunctionName:
			c.functionName = v
		case envFunctionVersion:
			c.functionVer = v
		case envRegion:
			c.region = v
		case envHandler:
			c.handler = v
		case envMemorySize:
			c.memorySizeMB, c.memorySizeErr = strconv.Atoi(v)
		}
	}
	return c, c.validate()
}

func (c *config) validate() error {
	var errs []error
	if c.timeout <= 0 {
		errs = append(errs, fmt.Errorf("WithTimeout: the function timeout must be positive, got %v", c.timeout))
	}
	if c.initTimeout <= 0 {
		errs = append(errs, fmt.Errorf("the init timeout must be positive, got %v", c.initTimeout))
	}
	if c.functionName == "" {
		errs = append(errs, errors.New("WithFunctionName: the function name must not be empty"))
	}
	if c.memorySizeErr != nil || c.memorySizeMB < minMemorySizeMB || c.memorySizeMB > maxMemorySizeMB {
		errs = append(errs, fmt.Errorf("WithEnv: %s must be a memory size in MB from %d to %d, as on Lambda, got %d",
			envMemorySize, minMemorySizeMB, maxMemorySizeMB, c.memorySizeMB))
	}
	if c.maxConcurrency < 1 {
		errs = append(errs, fmt.Errorf("WithManagedInstances: the maximum concurrency must be at least 1, got %d", c.maxConcurrency))
	}
	return errors.Join(errs...)
}

func (c *config) log(format string, args ...any) {
	if c.logf != nil {
		c.logf("lambdatest: "+format, args...)
	}
}

// functionARN is the unqualified ARN of the emulated function.
func (c *config) functionARN() string {
	return "arn:aws:lambda:" + c.region + ":" + accountID + ":function:" + c.functionName
}

// Option configures an Emulator. Options are applied in order; a later
// option overrides an earlier one.
type Option interface {
	apply(*config)
}

// optionFunc is an Option that calls a function.
type optionFunc func(*config)

func (f optionFunc) apply(c *config) { f(c) }

// WithTimeout sets the function timeout (default 3 s, the Lambda console's
// default). The deadline of an invocation is the moment its event is
// offered to the runtime's /next plus this timeout (on managed instances
// the event may wait there for a free runtime worker); it bounds the whole
// Invoke phase, extensions included, as on Lambda.
func WithTimeout(d time.Duration) Option {
	return optionFunc(func(c *config) { c.timeout = d })
}

// WithFunctionName sets AWS_LAMBDA_FUNCTION_NAME, the log group name and the
// invoked function ARN (default "lambdatest-function").
func WithFunctionName(name string) Option {
	return optionFunc(func(c *config) { c.functionName = name })
}

// WithRegion sets AWS_REGION, AWS_DEFAULT_REGION and the region of the
// invoked function ARN (default "us-east-1").
func WithRegion(region string) Option {
	return optionFunc(func(c *config) { c.region = region })
}

// WithEnv adds an environment variable to the function process. Variables
// given here are applied last, so they override the emulator's Lambda
// variables of the same name; the emulator then reports the same values
// itself: AWS_LAMBDA_FUNCTION_NAME and AWS_REGION name the invoked function
// ARN, AWS_LAMBDA_FUNCTION_VERSION and _HANDLER (defaults "$LATEST" and
// "bootstrap") go into the log stream name and the Extensions API's
// register reply, and AWS_LAMBDA_FUNCTION_MEMORY_SIZE (default 128, from
// 128 to 10240 as on Lambda) is the memory size the emulator enforces and
// reports in the Telemetry API's platform.report.
//
// The function's environment holds only the Lambda variables, PATH and
// the variables given here: settings of the developer's shell (for example
// OTEL_EXPORTER_OTLP_ENDPOINT) do not leak into the function.
func WithEnv(key, value string) Option {
	return optionFunc(func(c *config) { c.extraEnv = append(c.extraEnv, key+"="+value) })
}

// WithStdout copies the function's standard output to w, in addition to the
// buffer returned by Emulator.Stdout. w must not block for long: a blocked
// writer stalls the function when its pipe fills up.
func WithStdout(w io.Writer) Option {
	return optionFunc(func(c *config) { c.stdout = w })
}

// WithStderr copies the function's standard error to w, in addition to the
// buffer returned by Emulator.Stderr. The same caveat as for WithStdout
// applies.
func WithStderr(w io.Writer) Option {
	return optionFunc(func(c *config) { c.stderr = w })
}

// WithManagedInstances emulates Lambda Managed Instances:
// AWS_LAMBDA_INITIALIZATION_TYPE is "lambda-managed-instances",
// AWS_LAMBDA_MAX_CONCURRENCY is maxConcurrency (at least 1), up to
// maxConcurrency invocations may be in flight at once (see Emulator.Send),
// extension registrations for INVOKE are rejected, the process is never
// frozen, and a timed-out invocation is only recorded (the process keeps
// running).
func WithManagedInstances(maxConcurrency int) Option {
	return optionFunc(func(c *config) {
		c.managed = true
		c.maxConcurrency = maxConcurrency
	})
}

// WithExternalExtensions declares extension names that the emulator treats
// as external extensions (on Lambda: executables in /opt/extensions, such
// as a layer's). Every other registration is treated as an internal
// extension, which, as on Lambda, may subscribe to INVOKE only. External
// extensions may subscribe to INVOKE and SHUTDOWN, and when only external
// extensions are registered the runtime gets 300 ms instead of 500 ms
// between SIGTERM and SIGKILL at shutdown. The extension itself is whatever
// process of the function's process group registers under the name.
func WithExternalExtensions(names ...string) Option {
	return optionFunc(func(c *config) {
		for _, n := range names {
			c.external[strings.TrimSpace(n)] = true
		}
	})
}

// WithLogf makes the emulator describe what it does (process starts,
// freezes, signals, rejected requests, errors posted by extensions) through
// logf, for example t.Logf. Nothing is logged after Close has returned.
func WithLogf(logf func(format string, args ...any)) Option {
	return optionFunc(func(c *config) { c.logf = logf })
}

// InvokeOption configures a single invocation.
type InvokeOption interface {
	apply(*invokeConfig)
}

// invokeOptionFunc is an InvokeOption that calls a function.
type invokeOptionFunc func(*invokeConfig)

func (f invokeOptionFunc) apply(c *invokeConfig) { f(c) }

type invokeConfig struct {
	clientContext string
	cognito       string
	traceID       string
	tenantID      string
}

func newInvokeConfig(opts []InvokeOption) invokeConfig {
	var c invokeConfig
	for _, o := range opts {
		if o != nil {
			o.apply(&c)
		}
	}
	return c
}

// WithTraceID sets the Lambda-Runtime-Trace-Id header (an X-Ray trace
// header such as "Root=1-...;Parent=...;Sampled=1"), which aws-lambda-go
// puts into the handler's context and _X_AMZN_TRACE_ID. By default a fresh
// sampled trace header is generated for every invocation.
func WithTraceID(header string) InvokeOption {
	return invokeOptionFunc(func(c *invokeConfig) { c.traceID = header })
}

// WithClientContext sets the Lambda-Runtime-Client-Context header, a JSON
// document that aws-lambda-go decodes into lambdacontext.ClientContext, as
// when a caller passes ClientContext to the Lambda Invoke API. A trace
// context in its "custom" object, such as
// {"custom":{"traceparent":"00-..."}} (what logfire/logfireaws sends), is
// the caller's trace that an otellambdaflush handler continues.
func WithClientContext(json string) InvokeOption {
	return invokeOptionFunc(func(c *invokeConfig) { c.clientContext = json })
}

// WithCognitoIdentity sets the Lambda-Runtime-Cognito-Identity header, a
// JSON document that aws-lambda-go decodes into
// lambdacontext.CognitoIdentity.
func WithCognitoIdentity(json string) InvokeOption {
	return invokeOptionFunc(func(c *invokeConfig) { c.cognito = json })
}

// WithTenantID sets the Lambda-Runtime-Aws-Tenant-Id header of a function
// in tenant isolation mode, which aws-lambda-go puts into
// lambdacontext.LambdaContext.TenantID.
func WithTenantID(id string) InvokeOption {
	return invokeOptionFunc(func(c *invokeConfig) { c.tenantID = id })
}
