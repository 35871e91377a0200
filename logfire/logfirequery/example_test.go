package logfirequery_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/logfire-go/sdk/logfire/logfirequery"
)

// exampleAPI stands in for Logfire's query API: it answers every query
// with two rows, the token's information with its project, and a token
// other than the example's with 401.
func exampleAPI() *httptest.Server {
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "pylf_v1_eu_ExampleReadToken" {
			w.WriteHeader(http.StatusUnauthorized)
			_, _ = io.WriteString(w, `{"detail":"Invalid token"}`)
			return
		}
		if r.URL.Path == "/v1/read-token-info" {
			_, _ = io.WriteString(w, `{"organization_name":"acme","project_name":"shop"}`)
			return
		}
		_, _ = io.WriteString(w, `{"schema":{"fields":[{"name":"message","data_type":"Utf8","nullable":false},{"name":"level","data_type":"UInt16","nullable":false}]},
			"data":[{"message":"payment failed","level":17},{"message":"stock low","level":13}]}`)
	}))
}

// Rows decode into a slice of structs whose JSON names are the columns.
func ExampleClient_QueryJSON() {
	srv := exampleAPI()
	defer srv.Close()
	client, err := logfirequery.New(
		logfirequery.WithReadToken("pylf_v1_eu_ExampleReadToken"),
		logfirequery.WithBaseURL(srv.URL), // without it, the token's region: https://logfire-eu.pydantic.dev
	)
	if err != nil {
		fmt.Println(err)
		return
	}
	res, err := client.QueryJSON(context.Background(), logfirequery.Query{
		SQL:          "SELECT message, level FROM records WHERE level > 'info'",
		MinTimestamp: time.Now().Add(-24 * time.Hour),
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	var rows []struct {
		Message string `json:"message"`
		Level   int    `json:"level"`
	}
	if err := res.Decode(&rows); err != nil {
		fmt.Println(err)
		return
	}
	for _, r := range rows {
		fmt.Println(r.Level, r.Message)
	}
	// Output:
	// 17 payment failed
	// 13 stock low
}

// An answer other than 200 is an *Error with the status and the
// server's message.
func ExampleError() {
	srv := exampleAPI()
	defer srv.Close()
	client, err := logfirequery.New(
		logfirequery.WithReadToken("pylf_v1_eu_RevokedReadToken"),
		logfirequery.WithBaseURL(srv.URL),
	)
	if err != nil {
		fmt.Println(err)
		return
	}
	_, err = client.QueryCSV(context.Background(), logfirequery.Query{
		SQL:          "SELECT count(*) FROM records",
		MinTimestamp: time.Now().Add(-time.Hour),
	})
	var e *logfirequery.Error
	if errors.As(err, &e) {
		fmt.Println(e.StatusCode, e.Message)
	}
	// Output:
	// 401 Invalid token
}

// Info checks a read token before querying: which project it reads.
func ExampleClient_Info() {
	srv := exampleAPI()
	defer srv.Close()
	client, err := logfirequery.New(
		logfirequery.WithReadToken("pylf_v1_eu_ExampleReadToken"),
		logfirequery.WithBaseURL(srv.URL),
	)
	if err != nil {
		fmt.Println(err)
		return
	}
	info, err := client.Info(context.Background())
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(info.OrganizationName, info.ProjectName)
	// Output:
	// acme shop
}
