package logfire

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"sync"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/baggage"

	"github.com/logfire-go/sdk/config"
	"github.com/logfire-go/sdk/detect"
	"github.com/logfire-go/sdk/internal/credentials"
	"github.com/logfire-go/sdk/internal/instance"
)

// Managed variables in an instance: where their configuration comes from
// (WithLocalVariables, or the Logfire API with the API key), and the
// Lambda integration's refresh at the start of an invocation.

// maxVariablesInterval bounds WithVariablePolling.
const maxVariablesInterval = 24 * time.Hour

// variablesSettings are what the options say about managed variables.
type variablesSettings struct {
	local       []byte // WithLocalVariables
	localSet    bool
	interval    time.Duration // WithVariablePolling; 0 for the default
	intervalSet bool

	parsed  *variablesConfig // local, once checked
	baseURL string           // of the API, once checked
}

// WithLocalVariables serves managed variables from config, a JSON document
// of the shape the Logfire API answers and the Python SDK's
// VariablesConfig has, instead of from the Logfire API: for tests, for
// offline use, or for a configuration kept with the program. With it, the
// API key is not used for variables.
//
//	{"variables": {"model": {
//	    "name": "model",
//	    "labels": {"production": {"version": 1, "serialized_value": "\"gpt-4o-mini\""}},
//	    "rollout": {"labels": {"production": 1}},
//	    "overrides": []
//	}}}
//
// Configure returns an error that says where config is not valid.
func WithLocalVariables(config []byte) Option {
	return optionFunc(func(s *settings) {
		s.variables.local = append([]byte(nil), config...)
		s.variables.localSet = true
	})
}

// WithVariablePolling sets how often the configuration of managed
// variables is fetched from the Logfire API: every interval in a
// long-running process (besides the updates the API pushes as they
// happen), and, on AWS Lambda, where a frozen process can neither poll
// nor hear of updates, at the start of an invocation when the last fetch
// is older than interval. The default is 1 minute; accepted values are
// 10 s to 24 h.
func WithVariablePolling(interval time.Duration) Option {
	return optionFunc(func(s *settings) {
		s.variables.interval = interval
		s.variables.intervalSet = true
	})
}

// validateVariables checks the variables settings, and keeps what it
// derives from them.
func (s *settings) validateVariables() error {
	v := &s.variables
	if v.intervalSet && (v.interval < minVariablesInterval || v.interval > maxVariablesInterval) {
		return &config.Error{Setting: "logfire.WithVariablePolling", Err: fmt.Errorf("%v: accepted values are %v to %v", v.interval, minVariablesInterval, maxVariablesInterval)}
	}
	if v.localSet {
		cfg, err := parseVariablesConfig(v.local)
		if err != nil {
			return &config.Error{Setting: "logfire.WithLocalVariables", Err: err}
		}
		v.parsed = cfg
		return nil
	}
	if s.cfg.APIKey == "" {
		return nil
	}
	u, err := credentials.APIBaseURL(&s.cfg)
	if err != nil {
		return err
	}
	v.baseURL = u
	return nil
}

// instanceVariables are the managed variables of an instance.
type instanceVariables struct {
	src      variableSource
	remote   *remoteVariables // when src is the API
	reported sync.Map         // what reportVariableOnce has reported
}

// variableSource gives the configuration to resolve variables with; nil
// when there is none yet.
type variableSource interface {
	current(ctx context.Context) *variablesConfig
}

type localVariables struct{ cfg *variablesConfig }

func (l localVariables) current(context.Context) *variablesConfig { return l.cfg }

// newVariables makes the instance's variables from settings that
// validateVariables has checked: nil without a local configuration or an
// API key. Nothing is fetched until a Get or an invocation needs it.
func (s *settings) newVariables(lf *Logfire) *instanceVariables {
	v := &s.variables
	switch {
	case v.parsed != nil:
		for _, e := range v.parsed.patterns {
			lf.handleError(fmt.Errorf("logfire: managed variables: %w", e))
		}
		return &instanceVariables{src: localVariables{v.parsed}}
	case v.baseURL != "":
		interval := defaultVariablesInterval
		if v.intervalSet {
			interval = v.interval
		}
		if d := s.hook.VariablesInterval; d > 0 {
			interval = d
		}
		redact := scrubberTokens(lf.scrubber).String
		r := newRemoteVariables(v.baseURL, s.cfg.APIKey, interval, detect.OnLambda(), lambdaFreezes(), lf.handleError, redact)
		warnings := &serverWarnings{out: s.ownLines(redact), redact: redact}
		r.warn = func(w string) { warnings.say(w, v.baseURL) }
		return &instanceVariables{src: r, remote: r}
	}
	return nil
}

// lambdaFreezes reports whether the process runs on AWS Lambda with
// on-demand concurrency, where it is frozen between invocations (on Lambda
// Managed Instances it never is).
func lambdaFreezes() bool {
	if !detect.OnLambda() || os.Getenv("AWS_LAMBDA_INITIALIZATION_TYPE") == "lambda-managed-instances" {
		return false
	}
	n, err := strconv.Atoi(os.Getenv("AWS_LAMBDA_MAX_CONCURRENCY"))
	return err != nil || n <= 1
}

// variableSource returns the source of lf's variables, nil if it has none.
func (lf *Logfire) variableSource() variableSource {
	if lf == nil || lf.vars == nil {
		return nil
	}
	return lf.vars.src
}

// shutdownVariables stops the goroutines of the remote source, within ctx.
func (lf *Logfire) shutdownVariables(ctx context.Context) {
	if lf.vars != nil && lf.vars.remote != nil {
		lf.vars.remote.shutdown(ctx)
	}
}

// reportVariableOnce gives err to the instance's error handler the first
// time key is seen.
func (lf *Logfire) reportVariableOnce(key string, err error) {
	if lf == nil || lf.vars == nil {
		(*Logfire)(nil).handleError(err)
		return
	}
	if _, seen := lf.vars.reported.LoadOrStore(key, true); !seen {
		lf.handleError(err)
	}
}

// variableAttributes are what the conditions of overrides see: the
// resource's attributes, then ctx's baggage, then args, later ones
// winning.
func (lf *Logfire) variableAttributes(ctx context.Context, args []any) map[string]attribute.Value {
	m := map[string]attribute.Value{}
	if lf != nil && lf.resource != nil {
		for _, kv := range lf.resource.Attributes() {
			m[string(kv.Key)] = kv.Value
		}
	}
	for _, mem := range baggage.FromContext(ctx).Members() {
		m[mem.Key()] = attribute.StringValue(mem.Value())
	}
	if len(args) > 0 {
		c := getCallAttrs()
		c.add(args)
		for _, kv := range c.attrs {
			m[string(kv.Key)] = kv.Value
		}
		c.release()
	}
	return m
}

// The Lambda integration calls beforeInvocation at the start of each
// invocation, with its context.
func init() {
	instance.BeforeInvocation = func(ctx context.Context, v any) {
		lf, _ := v.(*Logfire)
		if lf == nil {
			lf = current()
		}
		lf.beforeInvocation(ctx)
	}
}

// beforeInvocation refreshes the configuration of a program that declares
// variables, if it comes from the API and the last fetch is older than the
// polling interval, within ctx's deadline and a short timeout (see
// refreshIfStale). It never fails: problems go to the error handler, once.
func (lf *Logfire) beforeInvocation(ctx context.Context) {
	if lf == nil || lf.vars == nil || lf.vars.remote == nil || declaredVariables.Load() == 0 || lf.shutDown.Load() {
		return
	}
	if ctx == nil {
		ctx = context.Background()
	}
	if r := lf.vars.remote; r.onDemand {
		r.hooked.Store(true)
		r.refreshIfStale(ctx)
	}
}
