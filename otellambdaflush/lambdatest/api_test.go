//go:build linux

package lambdatest_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/logfire-go/sdk/otellambdaflush/lambdatest"
)

// TestMalformedRequestsGet4xx sends requests a broken runtime or extension
// could send; each gets a 4xx reply and the emulator keeps working.
func TestMalformedRequestsGet4xx(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	e := start(t)
	base := "http://" + e.Addr()
	client := &http.Client{Timeout: 5 * time.Second}

	cases := []struct {
		name, method, path string
		header             map[string]string
		body               string
		status             int
		errorType          string
	}{
		{"response for unknown id", "POST", "/2018-06-01/runtime/invocation/nope/response", nil, "{}", 400, "InvalidRequestID"},
		{"error for unknown id", "POST", "/2018-06-01/runtime/invocation/nope/error", nil, "not json", 400, "InvalidRequestID"},
		{"next without a process", "GET", "/2018-06-01/runtime/invocation/next", nil, "", 403, "InvalidStateTransition"},
		{"init error without a process", "POST", "/2018-06-01/runtime/init/error", nil, "{}", 403, "InvalidStateTransition"},
		{"next with wrong method", "PUT", "/2018-06-01/runtime/invocation/next", nil, "", 405, ""},
		{"unknown path", "GET", "/2018-06-01/runtime/whatever", nil, "", 404, ""},
		{"telemetry without id", "PUT", "/2022-07-01/telemetry", nil, "{}", 403, "Extension.MissingHeader"},
		{"telemetry with wrong method", "POST", "/2022-07-01/telemetry", nil, "{}", 405, ""},
		{"register without name", "POST", "/2020-01-01/extension/register", nil, `{"events":[]}`, 403, "Extension.InvalidExtensionName"},
		{"register with bad JSON", "POST", "/2020-01-01/extension/register", map[string]string{"Lambda-Extension-Name": "x"}, `{"events":`, 403, "InvalidRequestFormat"},
		{"register outside INIT", "POST", "/2020-01-01/extension/register", map[string]string{"Lambda-Extension-Name": "x"}, `{"events":["INVOKE"]}`, 403, "Extension.RegistrationClosed"},
		{"event next without id", "GET", "/2020-01-01/extension/event/next", nil, "", 403, "Extension.MissingHeader"},
		{"event next with unknown id", "GET", "/2020-01-01/extension/event/next", map[string]string{"Lambda-Extension-Identifier": "bogus"}, "", 403, "Extension.UnknownExtensionIdentifier"},
		{"exit error with unknown id", "POST", "/2020-01-01/extension/exit/error", map[string]string{"Lambda-Extension-Identifier": "bogus", "Lambda-Extension-Function-Error-Type": "X"}, "", 403, "Extension.UnknownExtensionIdentifier"},
		{"oversized response", "POST", "/2018-06-01/runtime/invocation/nope/response", nil, strings.Repeat("x", 7<<20), 413, "RequestEntityTooLarge"},
	}
	for _, c := range cases {
		req, err := http.NewRequestWithContext(ctx, c.method, base+c.path, strings.NewReader(c.body))
		if err != nil {
			t.Fatal(err)
		}
		for k, v := range c.header {
			req.Header.Set(k, v)
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		body, _ := io.ReadAll(resp.Body)
		_ = resp.Body.Close()
		if resp.StatusCode != c.status {
			t.Errorf("%s: status %d, want %d (%s)", c.name, resp.StatusCode, c.status, body)
			continue
		}
		if c.errorType != "" {
			var apiErr struct{ ErrorType string }
			if err := json.Unmarshal(body, &apiErr); err != nil || apiErr.ErrorType != c.errorType {
				t.Errorf("%s: body %s, want errorType %s", c.name, body, c.errorType)
			}
		}
	}

	// Still usable, and a duplicate response for a finished invocation is refused.
	inv := invoke(t, ctx, e, `{"message":"ok"}`)
	requireFrozen(t, inv)
	resp, err := client.Post(base+"/2018-06-01/runtime/invocation/"+inv.RequestID+"/response", "application/json", bytes.NewReader([]byte("{}")))
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("late duplicate response: status %d, want 400", resp.StatusCode)
	}
	if decodeReply(t, inv).Message != "ok" {
		t.Errorf("response %s", inv.Response)
	}
}

// TestExtensionErrorsAreRecorded: an extension's /extension/exit/error is
// accepted and returned by ExtensionErrors; one without the error type
// header is refused.
func TestExtensionErrorsAreRecorded(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	e := start(t, lambdatest.WithEnv("FN_EXTENSION_DELAY", "0s"))
	requireFrozen(t, invoke(t, ctx, e, `{}`))
	exts := e.Extensions()
	if len(exts) != 1 {
		t.Fatalf("Extensions() = %+v", exts)
	}
	client := &http.Client{Timeout: 5 * time.Second}
	post := func(errorType string) int {
		t.Helper()
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, "http://"+e.Addr()+"/2020-01-01/extension/exit/error", strings.NewReader("bye"))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Lambda-Extension-Identifier", exts[0].ID)
		if errorType != "" {
			req.Header.Set("Lambda-Extension-Function-Error-Type", errorType)
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		_ = resp.Body.Close()
		return resp.StatusCode
	}
	if s := post(""); s != http.StatusForbidden {
		t.Errorf("exit error without a type: status %d, want 403", s)
	}
	if s := post("Extension.Crash"); s != http.StatusAccepted {
		t.Errorf("exit error: status %d, want 202", s)
	}
	errs := e.ExtensionErrors()
	if len(errs) != 1 || errs[0].Name != "fn-flush" || errs[0].ID != exts[0].ID || errs[0].Kind != "exit" ||
		errs[0].ErrorType != "Extension.Crash" || string(errs[0].Body) != "bye" || errs[0].Time.IsZero() {
		t.Errorf("ExtensionErrors() = %+v", errs)
	}
}
