package logfireaws

import (
	"go.opentelemetry.io/contrib/instrumentation/github.com/aws/aws-sdk-go-v2/otelaws"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/propagation"

	"github.com/logfire-go/sdk/logfire"
)

// Option configures AppendMiddlewares.
type Option interface {
	apply(*config)
}

type optionFunc func(*config)

func (f optionFunc) apply(c *config) { f(c) }

// config is what the options set.
type config struct {
	lf         *logfire.Logfire
	propagator propagation.TextMapPropagator
	otelaws    []otelaws.Option
	logf       func(format string, args ...any)
}

// WithLogfire records the spans with lf's tracer provider and injects with
// lf's propagator. Without it (or with a nil lf), the default instance is
// used, or OpenTelemetry's global tracer provider and propagator if there
// is none.
func WithLogfire(lf *logfire.Logfire) Option {
	return optionFunc(func(c *config) { c.lf = lf })
}

// WithPropagator injects with p (into the messages, and into the AWS
// requests' headers) instead of the instance's propagator. A nil p keeps
// the instance's.
func WithPropagator(p propagation.TextMapPropagator) Option {
	return optionFunc(func(c *config) { c.propagator = p })
}

// WithOTelAWSOptions passes opts to otelaws after this package's own, so
// they win: otelaws.WithAttributeBuilder to add attributes, for example,
// or otelaws.WithTracerProvider to record the spans elsewhere.
func WithOTelAWSOptions(opts ...otelaws.Option) Option {
	return optionFunc(func(c *config) { c.otelaws = append(c.otelaws, opts...) })
}

// newConfig applies opts and fills in the instance's (or the global)
// propagator.
func newConfig(opts []Option) config {
	var c config
	for _, o := range opts {
		if o != nil {
			o.apply(&c)
		}
	}
	if c.lf == nil {
		c.lf = logfire.Default()
	}
	if c.propagator == nil {
		if c.lf != nil {
			c.propagator = c.lf.Propagator()
		} else {
			c.propagator = otel.GetTextMapPropagator()
		}
	}
	if c.logf == nil {
		c.logf = stderrf
	}
	return c
}

// otelawsOptions point otelaws at the instance's tracer provider (the
// global one without an instance) and at the propagator, then add the
// user's.
func (c config) otelawsOptions() []otelaws.Option {
	opts := []otelaws.Option{otelaws.WithTextMapPropagator(c.propagator)}
	if c.lf != nil {
		opts = append(opts, otelaws.WithTracerProvider(c.lf.TracerProvider()))
	}
	return append(opts, c.otelaws...)
}
