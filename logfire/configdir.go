package logfire

import "github.com/logfire-go/sdk/config"

// WithConfigDir reads the settings of the [tool.logfire] table of
// dir/pyproject.toml, as the Python SDK does with its config_dir, instead
// of the one in LOGFIRE_CONFIG_DIR (or the working directory). The
// environment and the other options win over the file. It replaces
// LOGFIRE_CONFIG_DIR.
func WithConfigDir(dir string) Option {
	return configOption(func(c *config.Config) { c.ConfigDir = dir })
}

// loadConfig loads the configuration of the environment and of the
// pyproject.toml of the directory WithConfigDir names among opts, if any
// (the file is read before options apply, so the option is looked for
// first), else of LOGFIRE_CONFIG_DIR's.
func loadConfig(opts []Option) (config.Config, error) {
	var probe settings
	for _, o := range opts {
		if o != nil {
			o.apply(&probe)
		}
	}
	if dir := probe.cfg.ConfigDir; dir != "" {
		return config.LoadDir(dir)
	}
	return config.Load()
}
