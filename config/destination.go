package config

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sync"
)

// Base URLs of Logfire's regions.
const (
	BaseURLUS        = "https://logfire-us.pydantic.dev"
	BaseURLEU        = "https://logfire-eu.pydantic.dev"
	BaseURLStagingUS = "https://logfire-us.pydantic.info"
	BaseURLStagingEU = "https://logfire-eu.pydantic.info"
)

// CredentialsFile is the name of the file in CredentialsDir that holds a
// project's token when none is given in code or the environment.
const CredentialsFile = "logfire_credentials.json"

// Destination is one Logfire project to export to.
type Destination struct {
	// Token is sent raw in the Authorization header. Never print it.
	Token string
	// BaseURL is the root that /v1/traces, /v1/metrics and /v1/logs are
	// appended to.
	BaseURL string
}

// String describes the destination without its token.
func (d Destination) String() string { return d.BaseURL + " (token " + TokenPrefix(d.Token) + "…)" }

var tokenRegion = regexp.MustCompile(`^pylf_v[0-9]+_([a-z]+)_`)

// TokenPrefix returns the non-secret prefix of a token, such as
// "pylf_v1_us_", or "" for a token without one. Use it to refer to a token in
// messages.
func TokenPrefix(token string) string {
	return tokenRegion.FindString(token)
}

var regionURLs = map[string]string{
	"us":        BaseURLUS,
	"eu":        BaseURLEU,
	"stagingus": BaseURLStagingUS,
	"stagingeu": BaseURLStagingEU,
}

// BaseURLForToken returns the base URL of the region named in a token of
// the form pylf_v<N>_<region>_…. Tokens without a region go to the US
// region. known is false when the token names a region this SDK does not
// know; such tokens go to the US region too.
func BaseURLForToken(token string) (baseURL string, known bool) {
	m := tokenRegion.FindStringSubmatch(token)
	if m == nil {
		return BaseURLUS, true
	}
	if u, ok := regionURLs[m[1]]; ok {
		return u, true
	}
	return BaseURLUS, false
}

// Credentials is the content of logfire_credentials.json.
type Credentials struct {
	Token         string `json:"token"`
	ProjectName   string `json:"project_name"`
	ProjectURL    string `json:"project_url"`
	LogfireAPIURL string `json:"logfire_api_url"`
}

// ReadCredentials reads dir/logfire_credentials.json. A missing file is
// not an error: it returns nil, nil.
func ReadCredentials(dir string) (*Credentials, error) {
	path := filepath.Join(dir, CredentialsFile)
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("logfire: reading credentials file %s: %w (set LOGFIRE_CREDENTIALS_DIR to another directory or LOGFIRE_TOKEN to skip it)", path, err)
	}
	var c Credentials
	if err := json.Unmarshal(data, &c); err != nil {
		// The JSON error may quote file content, which holds the token:
		// report only where the problem is.
		var se *json.SyntaxError
		where := ""
		if errors.As(err, &se) {
			where = fmt.Sprintf(" at byte %d", se.Offset)
		}
		return nil, fmt.Errorf("logfire: credentials file %s is not valid JSON%s: it must be an object like {\"token\": \"pylf_v1_us_...\"}; fix or delete it, or set LOGFIRE_TOKEN", path, where)
	}
	if c.Token == "" {
		return nil, fmt.Errorf("logfire: credentials file %s has no \"token\": add one, delete the file, or set LOGFIRE_TOKEN", path)
	}
	if c.LogfireAPIURL != "" {
		if err := checkBaseURL(c.LogfireAPIURL); err != nil {
			return nil, fmt.Errorf("logfire: credentials file %s: logfire_api_url: %w", path, err)
		}
	}
	return &c, nil
}

// Warn receives warnings the configuration emits at most once each, such as
// an unknown token region. It writes to standard error by default.
var Warn = func(msg string) { fmt.Fprintln(os.Stderr, "logfire: warning: "+msg) }

var warned sync.Map

func warnOnce(msg string) {
	if _, seen := warned.LoadOrStore(msg, true); !seen {
		Warn(msg)
	}
}

// Destinations resolves where to export: one destination per token, each
// with its base URL (BaseURL if set, else the token's region). With no
// token it reads the credentials file. It returns no destinations when
// SendToLogfire is false, or if-token-present with no token; it returns an
// error when SendToLogfire is true and there is no token.
func (c *Config) Destinations() ([]Destination, error) {
	if c.SendToLogfire == SendNever {
		return nil, nil
	}
	tokens := c.Tokens
	fileBaseURL := ""
	if len(tokens) == 0 {
		creds, err := ReadCredentials(c.CredentialsDir)
		if err != nil {
			return nil, err
		}
		if creds != nil {
			tokens = Tokens{creds.Token}
			fileBaseURL = creds.LogfireAPIURL
		}
	}
	if len(tokens) == 0 {
		if c.SendToLogfire == SendAlways {
			return nil, &Error{Setting: "LOGFIRE_SEND_TO_LOGFIRE", Err: fmt.Errorf("is true but no token was found: set LOGFIRE_TOKEN (or logfire.WithToken), write %s, or set LOGFIRE_SEND_TO_LOGFIRE=if-token-present", filepath.Join(c.CredentialsDir, CredentialsFile))}
		}
		return nil, nil
	}
	out := make([]Destination, 0, len(tokens))
	for _, tok := range tokens {
		base := string(c.BaseURL)
		if base == "" {
			base = fileBaseURL
		}
		if base == "" {
			var known bool
			base, known = BaseURLForToken(tok)
			if !known {
				warnOnce(fmt.Sprintf("the token starting %q names a region this SDK does not know; sending to the US region (%s). Set LOGFIRE_BASE_URL to choose.", TokenPrefix(tok), BaseURLUS))
			}
		}
		out = append(out, Destination{Token: tok, BaseURL: base})
	}
	return out, nil
}
