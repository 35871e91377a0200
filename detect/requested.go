package detect

import (
	"context"
	"slices"

	"go.opentelemetry.io/otel/sdk/resource"
)

// requestedOptions are OpenTelemetry's resource detectors, by the names
// LOGFIRE_RESOURCE_DETECTORS accepts (the names of the Python SDK's, where
// it has them). host and os run always; the others only when named.
var requestedOptions = map[string][]resource.Option{
	"host":      {resource.WithHost()},
	"host_id":   {resource.WithHostID()},
	"os":        {resource.WithOS()},
	"process":   {resource.WithProcess()},
	"container": {resource.WithContainer()},
}

// requestedDetectors runs the detectors names asks for (* for all), or
// returns nil when it names none. Their attributes win over
// OTEL_RESOURCE_ATTRIBUTES and lose to LOGFIRE_RESOURCE_ATTRIBUTES, as in
// the Python SDK. A detector that fails (a container id on a host without
// one) leaves out what it could not find.
func requestedDetectors(ctx context.Context, names []string) *resource.Resource {
	var opts []resource.Option
	for name, o := range requestedOptions {
		if slices.Contains(names, name) || slices.Contains(names, "*") {
			opts = append(opts, o...)
		}
	}
	if len(opts) == 0 {
		return nil
	}
	r, _ := resource.New(ctx, opts...)
	return r
}
