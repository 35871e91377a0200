package config

import (
	"fmt"
	"slices"
	"strings"

	"github.com/logfire-go/sdk/internal/envconfig"
	"github.com/logfire-go/sdk/internal/redact"
)

// resourceDetectorNames are the names LOGFIRE_RESOURCE_DETECTORS and
// Config.ResourceDetectors accept (besides *, every one of them).
var resourceDetectorNames = []string{"container", "host", "host_id", "os", "process"}

// pythonVars lists the variables of the settings the Python SDK 4.41 has
// beyond the ones every SDK has: the tracing, configuration-log and
// console switches and the resource detectors.
func (c *Config) pythonVars() []envconfig.Var {
	return []envconfig.Var{
		// The alias first, so that the variable of the setting's own name
		// wins when both are set.
		{Name: "LOGFIRE_SHOW_SUMMARY", Decode: envconfig.Bool(&c.ConsoleShowProjectLink)},
		{Name: "LOGFIRE_CONSOLE_SHOW_PROJECT_LINK", Decode: envconfig.Bool(&c.ConsoleShowProjectLink)},
		{Name: "LOGFIRE_RESOURCE_DETECTORS", Decode: detectorList(&c.ResourceDetectors)},
		{Name: "LOGFIRE_DISTRIBUTED_TRACING", Decode: optionalBool(&c.DistributedTracing)},
		{Name: "LOGFIRE_EMIT_CONFIGURATION_SPAN", Decode: envconfig.Bool(&c.EmitConfigurationSpan)},
	}
}

// optionalBool is envconfig.Bool for a setting whose default is neither
// true nor false.
func optionalBool(p **bool) func(string) error {
	return func(value string) error {
		if strings.TrimSpace(value) == "" {
			return nil
		}
		var b bool
		if err := envconfig.Bool(&b)(value); err != nil {
			return err
		}
		*p = &b
		return nil
	}
}

// detectorsProblem returns the first name of names that is not a
// resource detector, or "".
func detectorsProblem(names []string) (string, bool) {
	for _, n := range names {
		if n != "*" && !slices.Contains(resourceDetectorNames, n) {
			return n, true
		}
	}
	return "", false
}

// acceptedDetectors says what a detector name may be.
var acceptedDetectors = "accepted values are " + strings.Join(resourceDetectorNames, ", ") + ", or * for all of them, comma-separated"

// detectorList is envconfig.List for detector names, which it checks.
func detectorList(p *[]string) func(string) error {
	return func(value string) error {
		names := envconfig.SplitList(value)
		if bad, ok := detectorsProblem(names); ok {
			return envconfig.BadValue("%s is not a resource detector: "+acceptedDetectors, bad)
		}
		*p = names
		return nil
	}
}

// checkResourceDetectors checks the detector names code set.
func (c *Config) checkResourceDetectors() error {
	if bad, ok := detectorsProblem(c.ResourceDetectors); ok {
		return &Error{Setting: "logfire.WithResourceDetectors", Err: fmt.Errorf("%s is not a resource detector: %s", envconfig.Quote(bad, redact.NewTokens(append(slices.Clone(c.Tokens), c.APIKey)...)), acceptedDetectors)}
	}
	return nil
}
