package logfire

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/resource"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"

	"github.com/logfire-go/sdk/config"
	"github.com/logfire-go/sdk/console"
)

// TestPrecedence proves code > env > default for every variable.
func TestPrecedence(t *testing.T) {
	resourceValue := func(key attribute.Key) func(*Logfire) any {
		return func(lf *Logfire) any {
			v, _ := lf.resource.Set().Value(key)
			return v.Emit()
		}
	}
	cases := []struct {
		env                     string
		envValue                string
		option                  Option
		get                     func(*Logfire) any
		wantDef, wantEnv, wantC any
	}{
		{"LOGFIRE_TOKEN", "pylf_v1_us_env", WithToken("pylf_v1_eu_code"),
			func(lf *Logfire) any { return fmt.Sprint(lf.cfg.Tokens) }, "[]", "[pylf_v1_us_env]", "[pylf_v1_eu_code]"},
		{"LOGFIRE_SEND_TO_LOGFIRE", "false", WithSendToLogfire(config.SendIfTokenPresent),
			func(lf *Logfire) any { return lf.cfg.SendToLogfire }, config.SendIfTokenPresent, config.SendNever, config.SendIfTokenPresent},
		{"LOGFIRE_SERVICE_NAME", "env-svc", WithServiceName("code-svc"),
			resourceValue(semconv.ServiceNameKey), "unknown_service:", "env-svc", "code-svc"},
		{"OTEL_SERVICE_NAME", "otel-svc", WithServiceName("code-svc"),
			resourceValue(semconv.ServiceNameKey), "unknown_service:", "otel-svc", "code-svc"},
		{"LOGFIRE_SERVICE_VERSION", "1.0.0", WithServiceVersion("2.0.0"),
			resourceValue(semconv.ServiceVersionKey), "", "1.0.0", "2.0.0"},
		{"LOGFIRE_ENVIRONMENT", "staging", WithEnvironment("prod"),
			resourceValue("deployment.environment.name"), "", "staging", "prod"},
		{"LOGFIRE_BASE_URL", "http://127.0.0.1:1", WithBaseURL("http://127.0.0.1:2"),
			func(lf *Logfire) any { return lf.cfg.BaseURL }, "", "http://127.0.0.1:1", "http://127.0.0.1:2"},
		{"LOGFIRE_CREDENTIALS_DIR", "/env/dir", withCredentialsDir("/code/dir"),
			func(lf *Logfire) any { return lf.cfg.CredentialsDir }, ".logfire", "/env/dir", "/code/dir"},
		{"LOGFIRE_CONSOLE", "false", WithConsole(&console.Options{}),
			func(lf *Logfire) any { return lf.cfg.Console }, true, false, true},
		{"LOGFIRE_CONSOLE_COLORS", "never", WithConsole(&console.Options{Colors: config.ColorsAlways}),
			func(lf *Logfire) any { return lf.cfg.ConsoleColors }, config.ColorsAuto, config.ColorsNever, config.ColorsAlways},
		{"LOGFIRE_CONSOLE_SPAN_STYLE", "simple", WithConsole(&console.Options{SpanStyle: config.SpanStyleIndented}),
			func(lf *Logfire) any { return lf.cfg.ConsoleSpanStyle }, config.SpanStyleShowParents, config.SpanStyleSimple, config.SpanStyleIndented},
		{"LOGFIRE_CONSOLE_INCLUDE_TIMESTAMPS", "true", WithConsole(&console.Options{HideTimestamps: true}),
			func(lf *Logfire) any { return lf.cfg.ConsoleIncludeTimestamps }, true, true, false},
		{"LOGFIRE_CONSOLE_VERBOSE", "false", WithConsole(&console.Options{Verbose: true}),
			func(lf *Logfire) any { return lf.cfg.ConsoleVerbose }, false, false, true},
		{"LOGFIRE_CONSOLE_MIN_LOG_LEVEL", "debug", WithConsole(&console.Options{MinLevel: LevelError}),
			func(lf *Logfire) any { return lf.cfg.ConsoleMinLogLevel }, LevelInfo, LevelDebug, LevelError},
		{"LOGFIRE_MIN_LEVEL", "warn", WithMinLevel(LevelDebug),
			func(lf *Logfire) any { return lf.minLevel }, Level(0), LevelWarn, LevelDebug},
		{"LOGFIRE_TRACE_SAMPLE_RATE", "0.5", withHeadRate(0.1),
			func(lf *Logfire) any { return lf.cfg.TraceSampleRate }, 1.0, 0.5, 0.1},
		{"LOGFIRE_RESOURCE_ATTRIBUTES", "team=env", WithResource(resource.NewSchemaless(attribute.String("team", "code"))),
			resourceValue("team"), "", "env", "code"},
		{"OTEL_RESOURCE_ATTRIBUTES", "team=otel", WithResource(resource.NewSchemaless(attribute.String("team", "code"))),
			resourceValue("team"), "", "otel", "code"},
		{"LOGFIRE_SCRUBBING", "false", WithScrubbing(&ScrubbingOptions{}),
			func(lf *Logfire) any { return lf.cfg.Scrubbing }, true, false, true},
		{"OTEL_BSP_SCHEDULE_DELAY", "100", withScheduleDelay(2 * time.Second),
			func(lf *Logfire) any { return lf.cfg.BatchScheduleDelay }, 500 * time.Millisecond, 100 * time.Millisecond, 2 * time.Second},
		{"OTEL_BSP_EXPORT_TIMEOUT", "1000", withExportTimeout(3 * time.Second),
			func(lf *Logfire) any { return lf.cfg.BatchExportTimeout }, 30 * time.Second, time.Second, 3 * time.Second},
		{"OTEL_BSP_MAX_QUEUE_SIZE", "10", withBatchSizes(20, 5),
			func(lf *Logfire) any { return lf.cfg.BatchMaxQueueSize }, 0, 10, 20},
		{"OTEL_BSP_MAX_EXPORT_BATCH_SIZE", "7", withBatchSizes(20, 5),
			func(lf *Logfire) any { return lf.cfg.BatchMaxExportSize }, 512, 7, 5},
	}
	for _, tc := range cases {
		t.Run(tc.env, func(t *testing.T) {
			check := func(t *testing.T, stage string, want any, opts ...Option) {
				t.Helper()
				lf, err := Configure(context.Background(), append([]Option{notDefault(), WithSendToLogfire(config.SendNever)}, opts...)...)
				if tc.env == "LOGFIRE_SEND_TO_LOGFIRE" {
					// This case checks the send mode itself.
					lf, err = Configure(context.Background(), append([]Option{notDefault()}, opts...)...)
				}
				if err != nil {
					t.Fatalf("%s: %v", stage, err)
				}
				defer lf.Shutdown(context.Background())
				got := tc.get(lf)
				if want == "unknown_service:" {
					if gs, _ := got.(string); strings.HasPrefix(gs, "unknown_service:") && len(gs) > len("unknown_service:") {
						return
					}
				}
				if got != want {
					t.Fatalf("%s: got %#v, want %#v", stage, got, want)
				}
			}
			clearEnv(t)
			if tc.env == "LOGFIRE_CREDENTIALS_DIR" {
				// clearEnv points it at an empty directory; the default
				// is seen with the variable unset, from a directory with
				// no credentials in it.
				t.Chdir(t.TempDir())
				os.Unsetenv(tc.env)
			}
			check(t, "default", tc.wantDef)
			t.Setenv(tc.env, tc.envValue)
			check(t, "env", tc.wantEnv)
			check(t, "code", tc.wantC, tc.option)
		})
	}
}
