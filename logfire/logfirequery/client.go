// Package logfirequery reads records back from Logfire: SQL over the
// records and metrics of a project, with a read token, through Logfire's
// query API (POST /v2/query), as the Python SDK's query client and the
// Rust logfire-client crate do. Scripts use it to export data; tests use
// it to assert on what reached Logfire.
//
//	c, err := logfirequery.New() // LOGFIRE_READ_TOKEN; the region from the token
//	if err != nil { ... }
//	res, err := c.QueryJSON(ctx, logfirequery.Query{
//		SQL:          "SELECT message, start_timestamp FROM records WHERE level >= 'error'",
//		MinTimestamp: time.Now().Add(-time.Hour), // required
//	})
//
// A read token is made in the Logfire UI (a project's Settings > Read
// tokens). Its region (pylf_v1_eu_…) gives the base URL, as a write
// token's does; LOGFIRE_BASE_URL or WithBaseURL replaces it.
//
// Results come as JSON rows (Result, whose Decode fills a slice of your
// structs), as CSV, or as an Apache Arrow IPC stream, returned as bytes for
// a reader of your choosing. Errors the API answers with are *Error
// values that carry the status and the server's message; none quotes the
// token.
package logfirequery

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/logfire-go/sdk/internal/credentials"
	"github.com/logfire-go/sdk/internal/envconfig"
	"github.com/logfire-go/sdk/internal/redact"
	"github.com/logfire-go/sdk/internal/version"
)

// DefaultTimeout bounds one request of a Client whose HTTP client is the
// default one, as in the Python SDK: queries are slower than most calls.
const DefaultTimeout = 30 * time.Second

// userAgent is sent with every request.
const userAgent = "logfire-go/" + version.Version

// Client sends queries to one Logfire project with its read token. It is
// safe for concurrent use.
type Client struct {
	baseURL string
	token   string
	tokens  *redact.Tokens // token, redacted from every error
	http    *http.Client
}

// Option changes how New makes a Client. Options win over environment
// variables.
type Option interface {
	apply(*settings)
}

type settings struct {
	token, baseURL string
	httpClient     *http.Client
}

type optionFunc func(*settings)

func (f optionFunc) apply(s *settings) { f(s) }

// WithReadToken sets the read token. It replaces LOGFIRE_READ_TOKEN.
func WithReadToken(token string) Option {
	return optionFunc(func(s *settings) { s.token = token })
}

// WithBaseURL sets the root URL that /v2/query is appended to, instead of
// the one of the token's region. It replaces LOGFIRE_BASE_URL.
func WithBaseURL(url string) Option {
	return optionFunc(func(s *settings) { s.baseURL = url })
}

// WithHTTPClient sends the requests with c instead of a client whose
// timeout is DefaultTimeout; for example one whose transport is
// logfirehttp.NewTransport's, to trace the queries. A nil c is ignored.
func WithHTTPClient(c *http.Client) Option {
	return optionFunc(func(s *settings) {
		if c != nil {
			s.httpClient = c
		}
	})
}

// New makes a Client from the environment and opts (options win):
// LOGFIRE_READ_TOKEN, the read token, is required; LOGFIRE_BASE_URL, if
// set, replaces the base URL of the token's region. A missing or malformed
// token, a region this SDK does not know (set the base URL then) or a bad
// base URL is an error that names the setting and never quotes the token.
// New does no network I/O.
func New(opts ...Option) (*Client, error) {
	s := settings{
		token:   strings.TrimSpace(os.Getenv("LOGFIRE_READ_TOKEN")),
		baseURL: strings.TrimSpace(os.Getenv("LOGFIRE_BASE_URL")),
	}
	tokenSetting, urlSetting := "LOGFIRE_READ_TOKEN", "LOGFIRE_BASE_URL"
	for _, o := range opts {
		if o == nil {
			continue
		}
		before := s
		o.apply(&s)
		if s.token != before.token {
			tokenSetting = "logfirequery.WithReadToken"
		}
		if s.baseURL != before.baseURL {
			urlSetting = "logfirequery.WithBaseURL"
		}
	}
	c := &Client{token: s.token, tokens: redact.NewTokens(s.token), http: s.httpClient}
	if c.http == nil {
		c.http = &http.Client{Timeout: DefaultTimeout}
	}
	if s.token == "" {
		return nil, settingError(tokenSetting, errors.New("no read token: set LOGFIRE_READ_TOKEN (or use logfirequery.WithReadToken) to a read token made in the Logfire UI under a project's Settings > Read tokens"))
	}
	if s.baseURL != "" {
		// The base URL says where to go: the token need not name a region
		// (tokens made before regions existed do not), but it travels in
		// a header.
		if err := envconfig.TokensProblem([]string{s.token}); err != nil {
			return nil, settingError(tokenSetting, fmt.Errorf("the read token: %w", err))
		}
		if err := envconfig.CheckBaseURL(s.baseURL, c.tokens); err != nil {
			return nil, settingError(urlSetting, err)
		}
		c.baseURL = strings.TrimRight(s.baseURL, "/")
		return c, nil
	}
	u, err := credentials.RegionBaseURL("read token", s.token, "LOGFIRE_BASE_URL (or logfirequery.WithBaseURL)")
	if err != nil {
		return nil, settingError(tokenSetting, err)
	}
	c.baseURL = u
	return c, nil
}

// settingError is the error of a setting New cannot use.
func settingError(setting string, err error) error {
	return fmt.Errorf("logfirequery: %s: %w", setting, err)
}

// TokenInfo says which project a read token reads.
type TokenInfo struct {
	// OrganizationName is the organization of the project.
	OrganizationName string `json:"organization_name"`
	// ProjectName is the project the token reads.
	ProjectName string `json:"project_name"`
}

// Info asks Logfire which project the read token reads
// (GET /v1/read-token-info): a cheap way to check a token before a
// query.
func (c *Client) Info(ctx context.Context) (TokenInfo, error) {
	var info TokenInfo
	body, err := c.do(ctx, http.MethodGet, "/v1/read-token-info", "application/json", nil)
	if err != nil {
		return info, err
	}
	if err := decodeJSON(body, &info); err != nil {
		return info, c.unexpected("/v1/read-token-info", err)
	}
	if info.ProjectName == "" {
		return info, c.unexpected("/v1/read-token-info", errors.New("the answer has no project_name"))
	}
	return info, nil
}
