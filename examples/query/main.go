// Command query reads records back from Logfire with a read token: the
// errors of the last hour, as rows decoded into a struct, then the count
// of errors per service, as CSV.
//
// Make a read token in the Logfire UI (a project's Settings > Read
// tokens), then:
//
//	LOGFIRE_READ_TOKEN=pylf_v1_eu_… go run ./examples/query
//
// The token's region gives the API's address; LOGFIRE_BASE_URL replaces
// it.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/logfire-go/sdk/logfire/logfirequery"
)

func main() {
	if err := run(context.Background(), os.Stdout, time.Now()); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

// errorRow is one row of the first query.
type errorRow struct {
	Time    string `json:"start_timestamp"`
	Service string `json:"service_name"`
	Message string `json:"message"`
}

func run(ctx context.Context, w io.Writer, now time.Time) error {
	client, err := logfirequery.New()
	if err != nil {
		return err
	}
	res, err := client.QueryJSON(ctx, logfirequery.Query{
		SQL: `SELECT start_timestamp, service_name, message FROM records
		      WHERE level >= 'error' ORDER BY start_timestamp DESC`,
		MinTimestamp: now.Add(-time.Hour),
		Limit:        20,
	})
	if err != nil {
		return err
	}
	var rows []errorRow
	if err := res.Decode(&rows); err != nil {
		return err
	}
	fmt.Fprintf(w, "%d errors in the last hour\n", len(rows))
	for _, r := range rows {
		fmt.Fprintf(w, "%s  %-10s %s\n", r.Time, r.Service, r.Message)
	}

	perService, err := client.QueryCSV(ctx, logfirequery.Query{
		SQL: `SELECT service_name, count(*) AS errors FROM records
		      WHERE level >= 'error' GROUP BY service_name ORDER BY errors DESC`,
		MinTimestamp: now.Add(-time.Hour),
	})
	if err != nil {
		return err
	}
	_, err = w.Write(perService)
	return err
}
