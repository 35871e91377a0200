package collectordist

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"go.opentelemetry.io/collector/client"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/extension"
	"go.opentelemetry.io/collector/extension/extensionauth"
)

// The headers_setter extension of the Collector's contrib distribution
// (extension/headerssetterextension) is what a gateway uses to pass each
// application's Authorization header on to Logfire. Its module is not
// served at the Collector release this module pins, so the distribution
// carries this stand-in: the same type name and the same configuration
// keys for what docs/collector.md uses (key, value, from_context,
// default_value, action insert/update/upsert/delete), with the same
// behaviour for them, on the HTTP client side only. The documented YAML
// runs unchanged on otelcol-contrib.

// HeaderConfig is one header the extension sets on each outgoing request.
type HeaderConfig struct {
	// Key is the header's name.
	Key string `mapstructure:"key"`
	// Value is a fixed value.
	Value *string `mapstructure:"value"`
	// FromContext names the request metadata (the incoming request's
	// header, with the receiver's include_metadata on) the value comes
	// from.
	FromContext *string `mapstructure:"from_context"`
	// DefaultValue is used when FromContext finds nothing.
	DefaultValue *string `mapstructure:"default_value"`
	// Action is insert, update, upsert (the default) or delete.
	Action string `mapstructure:"action"`
}

// HeadersSetterConfig is the extension's configuration.
type HeadersSetterConfig struct {
	Headers []HeaderConfig `mapstructure:"headers"`
}

// Validate checks every header has a key, one source and a known action.
func (c *HeadersSetterConfig) Validate() error {
	if len(c.Headers) == 0 {
		return errors.New("headers_setter: no headers")
	}
	for i, h := range c.Headers {
		if h.Key == "" {
			return fmt.Errorf("headers_setter: header %d has no key", i)
		}
		switch strings.ToLower(h.Action) {
		case "", "insert", "update", "upsert":
			if (h.Value == nil) == (h.FromContext == nil) {
				return fmt.Errorf("headers_setter: header %q needs exactly one of value and from_context", h.Key)
			}
		case "delete":
		default:
			return fmt.Errorf("headers_setter: header %q: unknown action %q", h.Key, h.Action)
		}
	}
	return nil
}

// NewHeadersSetterFactory returns the factory of the headers_setter
// extension (see HeadersSetterConfig).
func NewHeadersSetterFactory() extension.Factory {
	return extension.NewFactory(
		component.MustNewType("headers_setter"),
		func() component.Config { return &HeadersSetterConfig{} },
		func(_ context.Context, _ extension.Settings, cfg component.Config) (extension.Extension, error) {
			return &headersSetter{headers: cfg.(*HeadersSetterConfig).Headers}, nil
		},
		component.StabilityLevelDevelopment,
	)
}

type headersSetter struct {
	headers []HeaderConfig
}

var _ extensionauth.HTTPClient = (*headersSetter)(nil)

func (*headersSetter) Start(context.Context, component.Host) error { return nil }
func (*headersSetter) Shutdown(context.Context) error              { return nil }

// RoundTripper sets the headers on each request, from the metadata of the
// request's context: the batch processor keeps it per batch when its
// metadata_keys name it, and the exporter sends with that context.
func (h *headersSetter) RoundTripper(base http.RoundTripper) (http.RoundTripper, error) {
	return roundTripperFunc(func(req *http.Request) (*http.Response, error) {
		req = req.Clone(req.Context())
		md := client.FromContext(req.Context()).Metadata
		for _, hc := range h.headers {
			action := strings.ToLower(hc.Action)
			if action == "delete" {
				req.Header.Del(hc.Key)
				continue
			}
			var value string
			switch {
			case hc.Value != nil:
				value = *hc.Value
			default:
				if v := md.Get(*hc.FromContext); len(v) > 0 {
					value = v[0]
				} else if hc.DefaultValue != nil {
					value = *hc.DefaultValue
				}
			}
			if value == "" {
				continue
			}
			_, present := req.Header[http.CanonicalHeaderKey(hc.Key)]
			if (action == "insert" && present) || (action == "update" && !present) {
				continue
			}
			req.Header.Set(hc.Key, value)
		}
		return base.RoundTrip(req)
	}), nil
}

type roundTripperFunc func(*http.Request) (*http.Response, error)

func (f roundTripperFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
