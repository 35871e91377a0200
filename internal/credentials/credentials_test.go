package credentials

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/logfire-go/sdk/config"
)

// secretToken is recognisable in any output: no test may find it.
const secretToken = "pylf_v1_us_Hardening0Secret0Token0xyz"

// TestRegionRouting: a token goes to the region it names; one without a
// region, or with a region this SDK does not know, goes to the US.
func TestRegionRouting(t *testing.T) {
	cases := []struct {
		token, url string
		known      bool
	}{
		{"pylf_v1_us_abc123", BaseURLUS, true},
		{"pylf_v1_eu_abc123", BaseURLEU, true},
		{"pylf_v2_stagingus_abc", BaseURLStagingUS, true},
		{"pylf_v2_stagingeu_abc", BaseURLStagingEU, true},
		{"pylf_v1_mars_abc123", BaseURLUS, false},
		{"some-old-token-without-region", BaseURLUS, true},
	}
	for _, tc := range cases {
		url, known := BaseURLForToken(tc.token)
		if url != tc.url || known != tc.known {
			t.Errorf("%s: got %s %v, want %s %v", tc.token, url, known, tc.url, tc.known)
		}
	}
}

// TestDestinations: one destination per token, with its region's base
// URL unless LOGFIRE_BASE_URL says otherwise; an unknown region is said
// by its prefix only; nothing when sending is off.
func TestDestinations(t *testing.T) {
	var warnings []string
	warn := func(err error) { warnings = append(warnings, err.Error()) }

	c := config.Default()
	c.CredentialsDir = t.TempDir()
	c.Tokens = []string{"pylf_v1_us_a1", "pylf_v1_eu_b2", "pylf_v1_venus_c3", "legacytoken"}
	d, err := Destinations(&c, warn)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{BaseURLUS, BaseURLEU, BaseURLUS, BaseURLUS}
	if len(d) != len(want) {
		t.Fatalf("got %d destinations", len(d))
	}
	for i := range want {
		if d[i].BaseURL != want[i] || d[i].Token != c.Tokens[i] {
			t.Errorf("destination %d: %+v", i, d[i])
		}
		if strings.Contains(d[i].String(), c.Tokens[i][len(TokenPrefix(c.Tokens[i])):]) {
			t.Errorf("String leaks the token: %s", d[i])
		}
	}
	if len(warnings) != 1 || !strings.Contains(warnings[0], "pylf_v1_venus_") || strings.Contains(warnings[0], "c3") {
		t.Fatalf("want one warning naming the prefix only, got %q", warnings)
	}
	// Without a warn function the token is still routed.
	if d, err := Destinations(&c, nil); err != nil || len(d) != 4 {
		t.Fatalf("got %v %v", d, err)
	}

	c.BaseURL = "http://127.0.0.1:1"
	d, _ = Destinations(&c, warn)
	for _, x := range d {
		if x.BaseURL != "http://127.0.0.1:1" {
			t.Fatalf("LOGFIRE_BASE_URL not used: %+v", x)
		}
	}

	c.SendToLogfire = config.SendNever
	if d, _ := Destinations(&c, warn); len(d) != 0 {
		t.Fatalf("send=false still exports: %+v", d)
	}
}

func TestFile(t *testing.T) {
	write := func(t *testing.T, content string) string {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, File), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return dir
	}
	t.Run("missing file is ignored", func(t *testing.T) {
		c := config.Default()
		c.CredentialsDir = filepath.Join(t.TempDir(), "nope")
		d, err := Destinations(&c, nil)
		if err != nil || len(d) != 0 {
			t.Fatalf("got %v %v", d, err)
		}
	})
	t.Run("missing file with send=true is an error", func(t *testing.T) {
		c := config.Default()
		c.CredentialsDir = t.TempDir()
		c.SendToLogfire = config.SendAlways
		_, err := Destinations(&c, nil)
		var ce *config.Error
		if !errors.As(err, &ce) || ce.Setting != "LOGFIRE_SEND_TO_LOGFIRE" || !strings.Contains(err.Error(), "LOGFIRE_TOKEN") {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("token and api url from file", func(t *testing.T) {
		c := config.Default()
		c.CredentialsDir = write(t, `{"token":"pylf_v1_eu_fromfile","project_name":"p","project_url":"https://x","logfire_api_url":"https://logfire-eu.pydantic.dev"}`)
		d, err := Destinations(&c, nil)
		if err != nil || len(d) != 1 || d[0].Token != "pylf_v1_eu_fromfile" || d[0].BaseURL != BaseURLEU {
			t.Fatalf("got %+v %v", d, err)
		}
	})
	t.Run("env token wins over file", func(t *testing.T) {
		c := config.Default()
		c.CredentialsDir = write(t, `{"token":"pylf_v1_eu_fromfile"}`)
		c.Tokens = []string{"pylf_v1_us_fromenv"}
		d, err := Destinations(&c, nil)
		if err != nil || len(d) != 1 || d[0].Token != "pylf_v1_us_fromenv" || d[0].BaseURL != BaseURLUS {
			t.Fatalf("got %+v %v", d, err)
		}
	})
	t.Run("malformed file is a clear error without content", func(t *testing.T) {
		c := config.Default()
		c.CredentialsDir = write(t, `{"token": "pylf_v1_us_secretvalue",`)
		_, err := Destinations(&c, nil)
		if err == nil || !strings.Contains(err.Error(), "not valid JSON") || !strings.Contains(err.Error(), File) {
			t.Fatalf("got %v", err)
		}
		if strings.Contains(err.Error(), "secretvalue") {
			t.Fatalf("error leaks the token: %v", err)
		}
	})
	t.Run("file without token is an error", func(t *testing.T) {
		c := config.Default()
		c.CredentialsDir = write(t, `{"project_name":"p"}`)
		if _, err := Destinations(&c, nil); err == nil || !strings.Contains(err.Error(), `no "token"`) {
			t.Fatalf("got %v", err)
		}
	})
}

// TestCredentialsErrorsAreConfigErrors: every problem with the
// credentials file is a *Error naming the setting that chose the file.
func TestCredentialsErrorsAreConfigErrors(t *testing.T) {
	for name, content := range map[string]string{
		"not JSON":       `{"token":`,
		"no token":       `{"project_name":"shop"}`,
		"bad token":      `{"token":"has spaces in it"}`,
		"bad api url":    `{"token":"pylf_v1_us_abc","logfire_api_url":"ftp://x"}`,
		"unreadable dir": "",
	} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, File)
			if content == "" {
				if err := os.Mkdir(path, 0o700); err != nil { // a directory where the file should be
					t.Fatal(err)
				}
			} else if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
				t.Fatal(err)
			}
			_, err := Read(dir)
			var ce *config.Error
			if !errors.As(err, &ce) || (ce.Setting != "LOGFIRE_CREDENTIALS_DIR" && ce.Setting != "logfire_api_url in the credentials file") {
				t.Fatalf("got %T %v, want a *config.Error", err, err)
			}
		})
	}
}

// TestFileErrorsQuoteNoToken: a logfire_api_url holding the
// token, a bad token and an unreadable path make errors without the
// token or the whole path.
func TestFileErrorsQuoteNoToken(t *testing.T) {
	dir := t.TempDir()
	write := func(content string) {
		if err := os.WriteFile(filepath.Join(dir, File), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	for _, content := range []string{
		`{"token":"` + secretToken + `","logfire_api_url":"` + secretToken + `"}`,
		`{"token":"` + secretToken + `","logfire_api_url":"https://x:` + secretToken + `@example.com"}`,
		`{"token":"` + secretToken + ` with a space"}`,
	} {
		write(content)
		_, err := Read(dir)
		if err == nil {
			t.Fatalf("%s accepted", content)
		}
		if strings.Contains(err.Error(), "Hardening0Secret") {
			t.Fatalf("error leaks the token: %v", err)
		}
	}
	long := filepath.Join(t.TempDir(), strings.Repeat("d", 200))
	c := config.Default()
	c.CredentialsDir = long + "\x00"
	_, err := Destinations(&c, nil)
	if err == nil || strings.Contains(err.Error(), strings.Repeat("d", 100)) || !strings.Contains(err.Error(), File) {
		t.Fatalf("got %v", err)
	}
}

// TestDestinationDescribesNoCredentials: String and Validate of a
// destination never show its token or URL credentials.
func TestDestinationDescribesNoCredentials(t *testing.T) {
	d := Destination{Token: secretToken, BaseURL: "https://u:hunter2@example.com/" + secretToken}
	if s := d.String(); strings.Contains(s, "hunter2") || strings.Contains(s, "Hardening0Secret") || !strings.Contains(s, "pylf_v1_us_") {
		t.Fatalf("String: %s", s)
	}
	for _, bad := range []Destination{{}, {Token: secretToken}, {Token: "a b", BaseURL: "http://127.0.0.1:1"}, d} {
		err := bad.Validate("testhook.Settings.Destinations")
		var ce *config.Error
		if !errors.As(err, &ce) || ce.Setting != "testhook.Settings.Destinations" || strings.Contains(err.Error(), "Hardening0Secret") || strings.Contains(err.Error(), "hunter2") {
			t.Errorf("%v: %v", bad, err)
		}
	}
	if err := (Destination{Token: secretToken, BaseURL: "http://127.0.0.1:4318"}).Validate("x"); err != nil {
		t.Fatal(err)
	}
}

// TestNilConfig: no configuration, no destinations.
func TestNilConfig(t *testing.T) {
	if d, err := Destinations(nil, nil); d != nil || err != nil {
		t.Errorf("nil Destinations: %v %v", d, err)
	}
}
