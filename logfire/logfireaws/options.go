package logfireaws

import (
	"go.opentelemetry.io/contrib/instrumentation/github.com/aws/aws-sdk-go-v2/otelaws"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/propagation"

	"github.com/logfire-go/sdk/internal/instance"
	"github.com/logfire-go/sdk/logfire"
)

// Option configures AppendMiddlewares.
type Option interface {
	apply(*config)
}

type optionFunc func(*config)

func (f optionFunc) apply(c *config) { f(c) }

// config is what AppendMiddlewares works from.
type config struct {
	lf         *logfire.Logfire
	propagator propagation.TextMapPropagator
	otelaws    []otelaws.Option
	report     func(error)
}

// WithOTelAWSOptions passes opts to otelaws after this package's own, so
// they win: otelaws.WithAttributeBuilder to add attributes, for example,
// or otelaws.WithTracerProvider to record the spans elsewhere.
func WithOTelAWSOptions(opts ...otelaws.Option) Option {
	return optionFunc(func(c *config) { c.otelaws = append(c.otelaws, opts...) })
}

// newConfig applies opts and fills in the instance (lf, else the default
// one), its propagator (or the global one without an instance) and where
// the middleware reports messages sent without the trace context.
func newConfig(lf *logfire.Logfire, opts []Option) config {
	c := config{lf: lf}
	for _, o := range opts {
		if o != nil {
			o.apply(&c)
		}
	}
	if c.lf == nil {
		c.lf, _ = instance.Default().(*logfire.Logfire)
	}
	if c.lf != nil {
		c.propagator = c.lf.Propagator()
	} else {
		c.propagator = otel.GetTextMapPropagator()
	}
	target := c.lf
	c.report = func(err error) { instance.HandleError(target, err) }
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
