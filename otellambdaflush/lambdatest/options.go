package lambdatest

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
)

// Default values used when the corresponding option is not given.
const (
	// DefaultTimeout is the function timeout used unless WithTimeout is given.
	// It is the Lambda console default for new functions.
	DefaultTimeout = 3 * time.Second
	// DefaultInitTimeout bounds the INIT phase of an on-demand execution
	// environment, as Lambda does (10 s).
	DefaultInitTimeout = 10 * time.Second
	// DefaultFunctionName is the value of AWS_LAMBDA_FUNCTION_NAME unless
	// WithFunctionName is given.
	DefaultFunctionName = "lambdatest-function"
	// DefaultRegion is the value of AWS_REGION unless WithRegion is given.
	DefaultRegion = "us-east-1"
	// DefaultAccountID is the account used in the invoked function ARN
	// unless WithAccountID is given.
	DefaultAccountID = "123456789012"
	// DefaultMemorySizeMB is the value of AWS_LAMBDA_FUNCTION_MEMORY_SIZE
	// unless WithMemorySize is given.
	DefaultMemorySizeMB = 128
	// DefaultHandler is the value of _HANDLER unless WithHandler is given.
	// OS-only runtimes (provided.al2023) conventionally use "bootstrap".
	DefaultHandler = "bootstrap"
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
	grace          time.Duration // 0 means "the Lambda default for the registered extensions"
	functionName   string
	functionVer    string
	memoryMB       int
	region         string
	accountID      string
	handler        string
	extraEnv       []string
	inheritEnv     bool
	stdout         io.Writer
	stderr         io.Writer
	external       map[string]bool
	managed        bool
	maxConcurrency int
	logf           func(format string, args ...any)
}

func defaultConfig() config {
	return config{
		timeout:        DefaultTimeout,
		initTimeout:    DefaultInitTimeout,
		functionName:   DefaultFunctionName,
		functionVer:    "$LATEST",
		memoryMB:       DefaultMemorySizeMB,
		region:         DefaultRegion,
		accountID:      DefaultAccountID,
		handler:        DefaultHandler,
		external:       map[string]bool{},
		maxConcurrency: 1,
	}
}

func (c *config) validate() error {
	var errs []error
	if c.timeout <= 0 {
		errs = append(errs, fmt.Errorf("timeout must be positive, got %v", c.timeout))
	}
	if c.initTimeout <= 0 {
		errs = append(errs, fmt.Errorf("init timeout must be positive, got %v", c.initTimeout))
	}
	if c.grace < 0 {
		errs = append(errs, fmt.Errorf("shutdown grace must not be negative, got %v", c.grace))
	}
	if c.memoryMB <= 0 {
		errs = append(errs, fmt.Errorf("memory size must be positive, got %d", c.memoryMB))
	}
	if c.functionName == "" {
		errs = append(errs, errors.New("function name must not be empty"))
	}
	if c.maxConcurrency < 1 {
		errs = append(errs, fmt.Errorf("max concurrency must be at least 1, got %d", c.maxConcurrency))
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
	return "arn:aws:lambda:" + c.region + ":" + c.accountID + ":function:" + c.functionName
}

// Option configures an Emulator. Options are applied in order; a later
// option overrides an earlier one.
type Option func(*config)

// WithTimeout sets the function timeout (default DefaultTimeout). The
// deadline of an invocation is the moment its event is offered to the
// runtime's /next plus this timeout (on managed instances the event may
// wait there for a free runtime worker); it bounds the whole Invoke phase,
// extensions included, as on Lambda.
func WithTimeout(d time.Duration) Option {
	return func(c *config) { c.timeout = d }
}

// WithInitTimeout bounds the INIT phase: from process start until the
// runtime and every registered extension have called their next endpoint
// (default DefaultInitTimeout).
func WithInitTimeout(d time.Duration) Option {
	return func(c *config) { c.initTimeout = d }
}

// WithShutdownGrace overrides the time the runtime process is given between
// SIGTERM and SIGKILL during a shutdown or reset. By default it is the Lambda
// figure: 500 ms when an internal extension is registered, 300 ms when only
// external extensions are. Without any registered extension no SIGTERM is
// sent and this value is not used.
func WithShutdownGrace(d time.Duration) Option {
	return func(c *config) { c.grace = d }
}

// WithFunctionName sets AWS_LAMBDA_FUNCTION_NAME, the log group name and the
// invoked function ARN (default DefaultFunctionName).
func WithFunctionName(name string) Option {
	return func(c *config) { c.functionName = name }
}

// WithFunctionVersion sets AWS_LAMBDA_FUNCTION_VERSION (default "$LATEST").
func WithFunctionVersion(version string) Option {
	return func(c *config) { c.functionVer = version }
}

// WithMemorySize sets AWS_LAMBDA_FUNCTION_MEMORY_SIZE in MiB (default
// DefaultMemorySizeMB). Memory is not actually limited.
func WithMemorySize(mb int) Option {
	return func(c *config) { c.memoryMB = mb }
}

// WithRegion sets AWS_REGION and AWS_DEFAULT_REGION (default DefaultRegion).
func WithRegion(region string) Option {
	return func(c *config) { c.region = region }
}

// WithAccountID sets the account used in the invoked function ARN and in
// the accountId field of extension registration responses (default
// DefaultAccountID).
func WithAccountID(id string) Option {
	return func(c *config) { c.accountID = id }
}

// WithHandler sets _HANDLER (default DefaultHandler).
func WithHandler(handler string) Option {
	return func(c *config) { c.handler = handler }
}

// WithEnv adds an environment variable to the function process. Variables
// given here are applied last, so they override the emulator's Lambda
// variables of the same name.
func WithEnv(key, value string) Option {
	return func(c *config) { c.extraEnv = append(c.extraEnv, key+"="+value) }
}

// WithInheritedEnv starts the function's environment from the test
// process's environment instead of an empty one. By default only PATH is
// inherited, so that settings of the developer's shell (for example
// OTEL_EXPORTER_OTLP_ENDPOINT) do not leak into the function.
func WithInheritedEnv() Option {
	return func(c *config) { c.inheritEnv = true }
}

// WithStdout copies the function's standard output to w, in addition to the
// buffer returned by Emulator.Stdout. w must not block for long: a blocked
// writer stalls the function when its pipe fills up.
func WithStdout(w io.Writer) Option {
	return func(c *config) { c.stdout = w }
}

// WithStderr copies the function's standard error to w, in addition to the
// buffer returned by Emulator.Stderr. The same caveat as for WithStdout
// applies.
func WithStderr(w io.Writer) Option {
	return func(c *config) { c.stderr = w }
}

// WithExternalExtensions declares extension names that the emulator treats
// as external extensions (on Lambda: executables in /opt/extensions). Every
// other registration is treated as an internal extension, which, as on
// Lambda, may subscribe to INVOKE only. External extensions may subscribe to
// INVOKE and SHUTDOWN.
func WithExternalExtensions(names ...string) Option {
	return func(c *config) {
		for _, n := range names {
			c.external[strings.TrimSpace(n)] = true
		}
	}
}

// WithManagedInstances emulates Lambda Managed Instances:
// AWS_LAMBDA_INITIALIZATION_TYPE is "lambda-managed-instances",
// AWS_LAMBDA_MAX_CONCURRENCY is maxConcurrency, up to maxConcurrency
// invocations may be in flight at once, extension registrations for INVOKE
// are rejected, the process is never frozen, and a timed-out invocation is
// only recorded (the process keeps running).
func WithManagedInstances(maxConcurrency int) Option {
	return func(c *config) {
		c.managed = true
		c.maxConcurrency = maxConcurrency
	}
}

// WithLogf makes the emulator describe what it does (process starts,
// freezes, signals, rejected requests) through logf, for example t.Logf.
// Nothing is logged after Close has returned.
func WithLogf(logf func(format string, args ...any)) Option {
	return func(c *config) { c.logf = logf }
}

// InvokeOption configures a single invocation.
type InvokeOption func(*invokeConfig)

type invokeConfig struct {
	clientContext string
	cognito       string
	traceID       string
	tenantID      string
}

// WithClientContext sets the Lambda-Runtime-Client-Context header, a JSON
// document that aws-lambda-go decodes into lambdacontext.ClientContext.
func WithClientContext(json string) InvokeOption {
	return func(c *invokeConfig) { c.clientContext = json }
}

// WithCognitoIdentity sets the Lambda-Runtime-Cognito-Identity header, a
// JSON document that aws-lambda-go decodes into
// lambdacontext.CognitoIdentity.
func WithCognitoIdentity(json string) InvokeOption {
	return func(c *invokeConfig) { c.cognito = json }
}

// WithTraceID sets the Lambda-Runtime-Trace-Id header (an X-Ray trace
// header such as "Root=1-...;Parent=...;Sampled=1"). By default a fresh
// sampled trace header is generated for every invocation.
func WithTraceID(header string) InvokeOption {
	return func(c *invokeConfig) { c.traceID = header }
}

// WithTenantID sets the Lambda-Runtime-Aws-Tenant-Id header.
func WithTenantID(id string) InvokeOption {
	return func(c *invokeConfig) { c.tenantID = id }
}
