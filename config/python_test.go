package config

import (
	"errors"
	"strings"
	"testing"
)

// TestPythonSettings: the variables of the settings the Python SDK has
// are read, with their defaults when unset; a detector name it does not
// know is an error naming the variable.
func TestPythonSettings(t *testing.T) {
	clearEnv(t)
	c, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	if !c.ConsoleIncludeTags || !c.ConsoleShowProjectLink || c.DistributedTracing != nil || c.EmitConfigurationSpan || len(c.ResourceDetectors) != 0 {
		t.Fatalf("defaults: %+v", c)
	}
	for k, v := range map[string]string{
		"LOGFIRE_CONSOLE_INCLUDE_TAGS":      "false",
		"LOGFIRE_SHOW_SUMMARY":              "false",
		"LOGFIRE_RESOURCE_DETECTORS":        "process, container",
		"LOGFIRE_DISTRIBUTED_TRACING":       "F",
		"LOGFIRE_EMIT_CONFIGURATION_SPAN":   "1",
		"LOGFIRE_CONSOLE_SHOW_PROJECT_LINK": "",
	} {
		t.Setenv(k, v)
	}
	if c, err = Load(); err != nil {
		t.Fatal(err)
	}
	if c.ConsoleIncludeTags || c.ConsoleShowProjectLink || c.DistributedTracing == nil || *c.DistributedTracing ||
		!c.EmitConfigurationSpan || strings.Join(c.ResourceDetectors, "|") != "process|container" {
		t.Fatalf("read: %+v", c)
	}
	t.Setenv("LOGFIRE_CONSOLE_SHOW_PROJECT_LINK", "true") // wins over its alias
	t.Setenv("LOGFIRE_DISTRIBUTED_TRACING", "true")
	if c, err = Load(); err != nil || !c.ConsoleShowProjectLink || !*c.DistributedTracing {
		t.Fatalf("the setting's own name, true: %+v %v", c, err)
	}

	for k, v := range map[string]string{"LOGFIRE_RESOURCE_DETECTORS": "process,gpu", "LOGFIRE_DISTRIBUTED_TRACING": "sometimes"} {
		clearEnv(t)
		t.Setenv(k, v)
		_, err := Load()
		var ce *Error
		if !errors.As(err, &ce) || ce.Setting != k {
			t.Errorf("%s=%s: error %v does not name it", k, v, err)
		}
	}
	c = Default()
	c.ResourceDetectors = []string{"Process"}
	if err := c.Validate(); err == nil || !strings.Contains(err.Error(), "logfire.WithResourceDetectors") || !strings.Contains(err.Error(), "container, host, host_id, os, process") {
		t.Errorf("Validate: %v", err)
	}
}
