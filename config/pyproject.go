package config

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/logfire-go/sdk/internal/envconfig"
	"github.com/logfire-go/sdk/internal/pyproject"
	"github.com/logfire-go/sdk/internal/redact"
)

// LoadDir is Load, with the pyproject.toml of dir instead of the one of
// LOGFIRE_CONFIG_DIR (see Config.ConfigDir). logfire.WithConfigDir uses
// it.
func LoadDir(dir string) (Config, error) { return load(os.Getenv, dir) }

// fileSettings are the keys of [tool.logfire] this SDK reads, the
// Python SDK's names of the settings it allows in the file, and the
// variable of each. The token and the API key are not among them, as in
// the Python SDK: secrets do not go in a file under version control.
// Other keys (the Python SDK's own, such as pydantic_plugin_record) are
// ignored, as the Python SDK ignores the keys it does not know.
var fileSettings = map[string]string{
	"base_url":                  "LOGFIRE_BASE_URL",
	"send_to_logfire":           "LOGFIRE_SEND_TO_LOGFIRE",
	"min_level":                 "LOGFIRE_MIN_LEVEL",
	"service_name":              "LOGFIRE_SERVICE_NAME",
	"service_version":           "LOGFIRE_SERVICE_VERSION",
	"environment":               "LOGFIRE_ENVIRONMENT",
	"resource_attributes":       "LOGFIRE_RESOURCE_ATTRIBUTES",
	"resource_detectors":        "LOGFIRE_RESOURCE_DETECTORS",
	"trace_sample_rate":         "LOGFIRE_TRACE_SAMPLE_RATE",
	"data_dir":                  "LOGFIRE_CREDENTIALS_DIR",
	"console":                   "LOGFIRE_CONSOLE",
	"console_colors":            "LOGFIRE_CONSOLE_COLORS",
	"console_span_style":        "LOGFIRE_CONSOLE_SPAN_STYLE",
	"console_include_timestamp": "LOGFIRE_CONSOLE_INCLUDE_TIMESTAMPS",
	"console_include_tags":      "LOGFIRE_CONSOLE_INCLUDE_TAGS",
	"console_verbose":           "LOGFIRE_CONSOLE_VERBOSE",
	"console_min_log_level":     "LOGFIRE_CONSOLE_MIN_LOG_LEVEL",
	"console_show_project_link": "LOGFIRE_CONSOLE_SHOW_PROJECT_LINK",
	"distributed_tracing":       "LOGFIRE_DISTRIBUTED_TRACING",
	"emit_configuration_span":   "LOGFIRE_EMIT_CONFIGURATION_SPAN",
}

// readConfigFile sets the settings of the [tool.logfire] table of dir's
// pyproject.toml (dir "" means LOGFIRE_CONFIG_DIR, else the working
// directory), each decoded as its variable is: the environment and code,
// applied after, win over it. Each error names the file, the line and the
// key.
func (c *Config) readConfigFile(getenv func(string) string, dir string, tokens *redact.Tokens) error {
	if dir == "" {
		dir = getenv("LOGFIRE_CONFIG_DIR")
	}
	if dir == "" {
		dir = "."
	}
	c.ConfigDir = dir
	settings, err := pyproject.Read(dir)
	if err != nil {
		return &Error{Setting: "LOGFIRE_CONFIG_DIR", Err: fmt.Errorf("reading %s: %w", envconfig.Quote(filepath.Join(dir, pyproject.File), tokens), err)}
	}
	values, where := map[string]string{}, map[string]string{}
	for _, s := range settings {
		if env, ok := fileSettings[s.Key]; ok {
			values[env] = s.Value
			where[env] = fmt.Sprintf("%s:%d [tool.logfire] %s", filepath.Join(dir, pyproject.File), s.Line, s.Key)
		}
	}
	var errs []error
	envconfig.Read(c.vars(), func(name string) string { return values[name] }, tokens, func(name string, err error) {
		errs = append(errs, &Error{Setting: where[name], Err: err})
	})
	return errors.Join(errs...)
}
