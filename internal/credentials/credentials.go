// Package credentials finds where the SDK exports to: the Logfire
// projects of the configured tokens, each with its base URL (the one
// configured, or the region the token names), or the project of the
// credentials file when no token is configured.
//
// Its errors are *config.Error values that name the setting to change;
// none quotes a token.
package credentials

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"

	"github.com/logfire-go/sdk/config"
	"github.com/logfire-go/sdk/internal/envconfig"
	"github.com/logfire-go/sdk/internal/redact"
)

// Base URLs of Logfire's regions.
const (
	BaseURLUS        = "https://logfire-us.pydantic.dev"
	BaseURLEU        = "https://logfire-eu.pydantic.dev"
	BaseURLStagingUS = "https://logfire-us.pydantic.info"
	BaseURLStagingEU = "https://logfire-eu.pydantic.info"
)

// File is the name of the file in the credentials directory that holds a
// project's token when none is given in code or the environment.
const File = "logfire_credentials.json"

// Destination is one Logfire project to export to.
type Destination struct {
	// Token is sent raw in the Authorization header. Never print it.
	Token string
	// BaseURL is the root that /v1/traces, /v1/metrics and /v1/logs are
	// appended to.
	BaseURL string
}

// String describes the destination without its token: the base URL
// without credentials, and the token's non-secret prefix.
func (d Destination) String() string {
	base := redact.NewTokens(d.Token).String(d.BaseURL)
	if u, changed := redact.URL(base, nil); changed {
		base = u
	}
	return base + " (token " + TokenPrefix(d.Token) + "…)"
}

// Validate checks that d has a token and a base URL that can be used, for
// the code option setting. The error never quotes the token.
func (d Destination) Validate(setting string) error {
	if d.Token == "" {
		return &config.Error{Setting: setting, Err: errors.New("a destination has no token: accepted values are a Logfire write token (pylf_v1_…) and a base URL (https://…)")}
	}
	if err := envconfig.TokensProblem([]string{d.Token}); err != nil {
		return &config.Error{Setting: setting, Err: err}
	}
	if d.BaseURL == "" {
		return &config.Error{Setting: setting, Err: fmt.Errorf("the destination of token %s… has no base URL: %s", TokenPrefix(d.Token), envconfig.AcceptedBaseURLs)}
	}
	if err := envconfig.CheckBaseURL(d.BaseURL, redact.NewTokens(d.Token)); err != nil {
		return &config.Error{Setting: setting, Err: err}
	}
	return nil
}

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

// Read reads dir/logfire_credentials.json. A missing file is not an
// error: it returns nil, nil. Errors name the file (its directory quoted
// short) and never quote its content.
func Read(dir string) (*Credentials, error) {
	path := filepath.Join(dir, File)
	where := credentialsPath(dir)
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err // without the path, quoted short above
		}
		return nil, credentialsError(fmt.Errorf("reading the credentials file %s: %w (set LOGFIRE_CREDENTIALS_DIR to another directory or LOGFIRE_TOKEN to skip it)", where, err))
	}
	var c Credentials
	if err := json.Unmarshal(data, &c); err != nil {
		// The JSON error may quote file content, which holds the token:
		// report only where the problem is.
		var se *json.SyntaxError
		at := ""
		if errors.As(err, &se) {
			at = fmt.Sprintf(" at byte %d", se.Offset)
		}
		return nil, credentialsError(fmt.Errorf("the credentials file %s is not valid JSON%s: it must be an object like {\"token\": \"pylf_v1_us_...\"}; fix or delete it, or set LOGFIRE_TOKEN", where, at))
	}
	if c.Token == "" {
		return nil, credentialsError(fmt.Errorf("the credentials file %s has no \"token\": add one, delete the file, or set LOGFIRE_TOKEN", where))
	}
	if err := envconfig.TokensProblem([]string{c.Token}); err != nil {
		return nil, credentialsError(fmt.Errorf("the credentials file %s: the %w", where, err))
	}
	if c.LogfireAPIURL != "" {
		if err := envconfig.CheckBaseURL(c.LogfireAPIURL, redact.NewTokens(c.Token)); err != nil {
			return nil, &config.Error{Setting: "logfire_api_url in the credentials file", Err: fmt.Errorf("%s: %w", where, err)}
		}
	}
	return &c, nil
}

// credentialsError is an error about the credentials file, which
// LOGFIRE_CREDENTIALS_DIR chooses.
func credentialsError(err error) error {
	return &config.Error{Setting: "LOGFIRE_CREDENTIALS_DIR", Err: err}
}

// credentialsPath is how messages name the credentials file in dir: the
// directory quoted short, then the file name.
func credentialsPath(dir string) string {
	return envconfig.Quote(dir, nil) + string(filepath.Separator) + File
}

// Destinations resolves where c exports: one destination per token, each
// with its base URL (c.BaseURL if set, else the credentials file's, else
// the token's region). With no token it reads the credentials file. It
// returns no destinations when c.SendToLogfire is never, or
// if-token-present with no token; it returns an error when it is always
// and there is no token. A token naming a region this SDK does not know
// goes to the US region, and warn (if not nil) is told so, with the
// token's non-secret prefix only.
func Destinations(c *config.Config, warn func(error)) ([]Destination, error) {
	if c == nil || c.SendToLogfire == config.SendNever {
		return nil, nil
	}
	tokens := c.Tokens
	fileBaseURL := ""
	if len(tokens) == 0 {
		creds, err := Read(c.CredentialsDir)
		if err != nil {
			return nil, err
		}
		if creds != nil {
			tokens = []string{creds.Token}
			fileBaseURL = creds.LogfireAPIURL
		}
	}
	if len(tokens) == 0 {
		if c.SendToLogfire == config.SendAlways {
			return nil, &config.Error{Setting: "LOGFIRE_SEND_TO_LOGFIRE", Err: fmt.Errorf("is true but no token was found: set LOGFIRE_TOKEN (or logfire.WithToken), write %s, or set LOGFIRE_SEND_TO_LOGFIRE=if-token-present", credentialsPath(c.CredentialsDir))}
		}
		return nil, nil
	}
	out := make([]Destination, 0, len(tokens))
	for _, tok := range tokens {
		base := c.BaseURL
		if base == "" {
			base = fileBaseURL
		}
		if base == "" {
			var known bool
			base, known = BaseURLForToken(tok)
			if !known && warn != nil {
				warn(fmt.Errorf("the token starting %q names a region this SDK does not know; sending to the US region (%s). Set LOGFIRE_BASE_URL to choose", TokenPrefix(tok), BaseURLUS))
			}
		}
		out = append(out, Destination{Token: tok, BaseURL: base})
	}
	return out, nil
}
