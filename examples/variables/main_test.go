package main

import (
	"context"
	"strings"
	"testing"

	"github.com/logfire-go/sdk/internal/varstest"
)

// setenv gives the example a clean environment: no token, no console, no
// credentials file, and the API key given ("" for none).
func setenv(t *testing.T, apiKey, baseURL string) {
	t.Setenv("LOGFIRE_TOKEN", "")
	t.Setenv("LOGFIRE_CONSOLE", "false")
	t.Setenv("LOGFIRE_CREDENTIALS_DIR", t.TempDir())
	t.Setenv("LOGFIRE_API_KEY", apiKey)
	t.Setenv("LOGFIRE_BASE_URL", baseURL)
}

// TestLocal: without an API key, the example prints what its doc comment
// says: the labels the Python SDK picks for these users (bob lands in the
// 20% candidate rollout, carol's plan has an override), from
// variables.json.
func TestLocal(t *testing.T) {
	setenv(t, "", "")
	var out strings.Builder
	if err := run(context.Background(), &out); err != nil {
		t.Fatal(err)
	}
	want := `alice (free): production v2: gpt-4o-mini at 0.7: Be brief and friendly.
bob (free): candidate v3: gpt-4o at 0.3: Answer thoroughly and cite the docs.
carol (enterprise): candidate v3: gpt-4o at 0.3: Answer thoroughly and cite the docs.
frank (free): production v2: gpt-4o-mini at 0.7: Be brief and friendly.
max_retries: 3 (production v1)
`
	if out.String() != want {
		t.Errorf("printed:\n%s\nwant:\n%s", out.String(), want)
	}
}

// TestRemote: with an API key, the example reads the variables from the
// Logfire API (here a fake on 127.0.0.1 whose project has only the agent's
// configuration, everyone on production), and serves the default of the
// variable the project lacks.
func TestRemote(t *testing.T) {
	const key = varstest.Key
	srv := varstest.Start(t, key)
	srv.Set(varstest.Single("support_agent_config", 7, AgentConfig{Instructions: "Be brief.", Model: "o3", Temperature: 0.1}))
	setenv(t, key, srv.URL)
	var out strings.Builder
	if err := run(context.Background(), &out); err != nil {
		t.Fatal(err)
	}
	want := `alice (free): production v7: o3 at 0.1: Be brief.
bob (free): production v7: o3 at 0.1: Be brief.
carol (enterprise): production v7: o3 at 0.1: Be brief.
frank (free): production v7: o3 at 0.1: Be brief.
max_retries: 2 (the default: unrecognized_variable)
`
	if out.String() != want {
		t.Errorf("printed:\n%s\nwant:\n%s", out.String(), want)
	}
	if st := srv.Stats(); st.Gets < 1 || st.Authorizations[0] != "bearer "+key {
		t.Errorf("the API was asked %+v", st)
	}
}
