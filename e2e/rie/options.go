//go:build linux

package rie

import (
	"fmt"
	"time"
)

// Option configures Start.
type Option func(*config)

type config struct {
	functionName string
	timeout      time.Duration
	concurrency  int // 0: the classic mode
	env          []string
}

// WithFunctionName sets the function's name (AWS_LAMBDA_FUNCTION_NAME);
// the default is "test_function", the emulator's.
func WithFunctionName(name string) Option {
	return func(c *config) { c.functionName = name }
}

// WithTimeout sets the function's timeout (AWS_LAMBDA_FUNCTION_TIMEOUT),
// rounded up to whole seconds as Lambda counts it; the emulator's default
// is 300 s.
func WithTimeout(d time.Duration) Option {
	return func(c *config) { c.timeout = d }
}

// WithManagedInstances runs the emulator in its Lambda Managed Instances
// mode, with up to concurrency invocations at once in the one process
// (AWS_LAMBDA_MAX_CONCURRENCY). That mode runs INIT when the emulator
// starts, offers the Telemetry API (schema 2025-01-29) and refuses an
// invocation when every runtime worker is busy (see Emulator.Invoke).
func WithManagedInstances(concurrency int) Option {
	return func(c *config) { c.concurrency = concurrency }
}

// WithEnv adds the variable key=value to the environment of the emulator,
// which passes its environment on to the function. Nothing of the test's
// own environment is passed on but PATH.
func WithEnv(key, value string) Option {
	return func(c *config) { c.env = append(c.env, key+"="+value) }
}

// environ is the emulator's environment for c.
func (c config) environ(path string) []string {
	env := []string{"PATH=" + path}
	if c.functionName != "" {
		env = append(env, "AWS_LAMBDA_FUNCTION_NAME="+c.functionName)
	}
	if c.timeout > 0 {
		secs := (c.timeout + time.Second - 1) / time.Second
		env = append(env, fmt.Sprintf("AWS_LAMBDA_FUNCTION_TIMEOUT=%d", secs))
	}
	if c.concurrency > 0 {
		env = append(env, fmt.Sprintf("AWS_LAMBDA_MAX_CONCURRENCY=%d", c.concurrency))
	}
	return append(env, c.env...)
}
