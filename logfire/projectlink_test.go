package logfire

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/logfire-go/sdk/console"
)

// TestShowProjectLink: with the console on, Configure prints the project
// URL of the credentials file once; LOGFIRE_CONSOLE_SHOW_PROJECT_LINK=false,
// its alias LOGFIRE_SHOW_SUMMARY, console.Options.HideProjectLink or the
// console off print nothing, and so does a token the file does not hold.
func TestShowProjectLink(t *testing.T) {
	const fileToken = "pylf_v1_us_Project0Link0Token"
	const link = "Logfire project URL: https://logfire-us.pydantic.dev/acme/shop\n"
	for _, tc := range []struct {
		name string
		env  map[string]string
		opts []Option
		want string
	}{
		{"default", nil, nil, link},
		{"env off", map[string]string{"LOGFIRE_CONSOLE_SHOW_PROJECT_LINK": "false"}, nil, ""},
		{"alias off", map[string]string{"LOGFIRE_SHOW_SUMMARY": "false"}, nil, ""},
		{"name wins over alias", map[string]string{"LOGFIRE_SHOW_SUMMARY": "false", "LOGFIRE_CONSOLE_SHOW_PROJECT_LINK": "true"}, nil, link},
		{"option off", nil, []Option{WithConsole(&console.Options{Writer: io.Discard, HideProjectLink: true})}, ""},
		{"console off", nil, []Option{WithConsole(nil)}, ""},
		{"another token", nil, []Option{WithToken("pylf_v1_us_Other0Token")}, ""},
		{"the file's token given", nil, []Option{WithToken(fileToken)}, link},
	} {
		t.Run(tc.name, func(t *testing.T) {
			clearEnv(t)
			dir := t.TempDir()
			creds := `{"token": "` + fileToken + `", "project_name": "shop", "project_url": "https://logfire-us.pydantic.dev/acme/shop", "logfire_api_url": "http://127.0.0.1:9"}`
			if err := os.WriteFile(filepath.Join(dir, "logfire_credentials.json"), []byte(creds), 0o600); err != nil {
				t.Fatal(err)
			}
			for k, v := range tc.env {
				t.Setenv(k, v)
			}
			var out bytes.Buffer
			projectLinkOutput = &out
			t.Cleanup(func() { projectLinkOutput = os.Stderr })
			opts := append([]Option{notDefault(), withCredentialsDir(dir), WithBaseURL("http://127.0.0.1:9"), WithConsole(&console.Options{Writer: io.Discard})}, tc.opts...)
			lf, err := Configure(context.Background(), opts...)
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			_ = lf.Shutdown(ctx) // nothing to send; do not wait for the unreachable URL
			t.Cleanup(func() { _ = lf.Shutdown(context.Background()) })
			if out.String() != tc.want {
				t.Errorf("printed %q, want %q", out.String(), tc.want)
			}
		})
	}
}
