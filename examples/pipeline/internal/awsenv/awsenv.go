// Package awsenv builds the aws.Config of the pipeline example's programs
// from the environment, with every client instrumented by logfireaws.
//
// A real program would call config.LoadDefaultConfig (module
// github.com/aws/aws-sdk-go-v2/config), which reads the same variables and
// much more (profiles, SSO, IMDS), and then logfireaws.AppendMiddlewares on
// the result. The example reads the few variables it needs itself so that
// the SDK's go.mod does not grow by that module.
package awsenv

import (
	"context"
	"errors"
	"os"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/logfire-go/sdk/logfire"
	"github.com/logfire-go/sdk/logfire/logfireaws"
)

// Config returns an aws.Config from AWS_REGION, AWS_ACCESS_KEY_ID,
// AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN (what Lambda sets for a
// function), whose calls are spans of lf that carry the trace context.
// AWS_ENDPOINT_URL_<SERVICE> (AWS_ENDPOINT_URL_SQS, AWS_ENDPOINT_URL_SNS),
// else AWS_ENDPOINT_URL, point the clients at a local endpoint; service is
// the suffix to look for ("SQS", "SNS").
func Config(lf *logfire.Logfire, service string) (aws.Config, error) {
	region := os.Getenv("AWS_REGION")
	if region == "" {
		return aws.Config{}, errors.New("AWS_REGION is not set")
	}
	cfg := aws.Config{
		Region: region,
		Credentials: aws.NewCredentialsCache(aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			c := aws.Credentials{
				AccessKeyID:     os.Getenv("AWS_ACCESS_KEY_ID"),
				SecretAccessKey: os.Getenv("AWS_SECRET_ACCESS_KEY"),
				SessionToken:    os.Getenv("AWS_SESSION_TOKEN"),
				Source:          "environment",
			}
			if c.AccessKeyID == "" || c.SecretAccessKey == "" {
				return aws.Credentials{}, errors.New("AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set")
			}
			return c, nil
		})),
	}
	for _, k := range []string{"AWS_ENDPOINT_URL_" + service, "AWS_ENDPOINT_URL"} {
		if v := os.Getenv(k); v != "" {
			cfg.BaseEndpoint = aws.String(v)
			break
		}
	}
	// The one line that a program needs: every client made from cfg
	// records its calls and carries the trace context in its messages.
	logfireaws.AppendMiddlewares(lf, &cfg.APIOptions)
	return cfg, nil
}
