package main

import (
	"path/filepath"
	"testing"
)

// TestValidateConfigs: the collector accepts every configuration of
// docs/collector.md (otelcol validate, as otelcol-contrib would run it;
// synchronous.yaml is an overlay of agent.yaml).
func TestValidateConfigs(t *testing.T) {
	t.Setenv("LOGFIRE_TOKEN", "validate-only")
	files, err := filepath.Glob("../../testdata/collector/*.yaml")
	if err != nil || len(files) < 3 {
		t.Fatalf("the configurations: %v %v", files, err)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			args := []string{"validate", "--config", f}
			if filepath.Base(f) == "synchronous.yaml" {
				// An overlay, given after agent.yaml.
				args = []string{"validate", "--config", filepath.Join(filepath.Dir(f), "agent.yaml"), "--config", f}
			}
			cmd := newCommand()
			cmd.SetArgs(args)
			if err := cmd.Execute(); err != nil {
				t.Errorf("validate %s: %v", f, err)
			}
		})
	}
}
