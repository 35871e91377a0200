package envconfig

import (
	"slices"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"

	"github.com/logfire-go/sdk/internal/redact"
)

// secretToken is recognisable in any output: no test may find it.
const secretToken = "pylf_v1_us_Hardening0Secret0Token0xyz"

// env is a getenv holding the given pairs.
func env(pairs map[string]string) func(string) string {
	return func(k string) string { return pairs[k] }
}

// TestDecodeErrorsQuoteShort: the decoders quote a short, redacted
// prefix of a bad value, and Read redacts the tokens it is given.
func TestDecodeErrorsQuoteShort(t *testing.T) {
	long := secretToken + strings.Repeat("z", 100)
	var b bool
	var d time.Duration
	var l int
	var s string
	var f float64
	var a []attribute.KeyValue
	var h map[string]string
	decoders := []func(string) error{Bool(&b), Millis(&d), Level(&l), OneOf(&s, "unknown mode %s: accepted values are a, b", "a", "b"),
		BaseURL(&s), SendMode(&s), SampleRate(&f), Attributes(&a), Headers(&h)}
	for i, dec := range decoders {
		err := dec(long)
		if err == nil || strings.Contains(err.Error(), "Hardening0Secret") || strings.Contains(err.Error(), strings.Repeat("z", redact.MaxExcerpt)) {
			t.Errorf("decoder %d: got %v", i, err)
		}
	}
	if _, err := ParseAttributes("k=%zz," + long); err == nil || strings.Contains(err.Error(), "Hardening0Secret") {
		t.Errorf("got %v", err)
	}
	legacy := "legacy-Secret-Token-0123456789"
	var got []string
	Read([]Var{{"X", Bool(&b)}}, env(map[string]string{"X": legacy}), redact.NewTokens(legacy), func(name string, err error) {
		got = append(got, name+": "+err.Error())
	})
	if len(got) != 1 || strings.Contains(got[0], "Secret-Token") || !strings.Contains(got[0], "X: ") || !strings.Contains(got[0], "accepted") {
		t.Errorf("Read reported %q", got)
	}
}

// TestBlankLeavesTheDefault: a blank value is no value, but for plain
// strings, which keep what they are given.
func TestBlankLeavesTheDefault(t *testing.T) {
	b, d, l, s, f := true, time.Second, LevelInfo, "keep", 0.5
	for _, dec := range []func(string) error{Bool(&b), Millis(&d), Level(&l), OneOf(&s, "%s", "a"), BaseURL(&s), SendMode(&s), SampleRate(&f)} {
		if err := dec(" \t"); err != nil {
			t.Fatal(err)
		}
	}
	if !b || d != time.Second || l != LevelInfo || s != "keep" || f != 0.5 {
		t.Fatalf("a blank changed a value: %v %v %v %q %v", b, d, l, s, f)
	}
	if err := String(&s)(" "); err != nil || s != " " {
		t.Fatalf("String: %q %v", s, err)
	}
}

// TestLevels: every name, in any case, and the numbers from 1 to 24.
func TestLevels(t *testing.T) {
	for in, want := range map[string]int{"trace": 1, "DEBUG": 5, "info": 9, "Notice": 10, "warn": 13, "warning": 13, "error": 17, "fatal": 21, " 11 ": 11, "24": 24} {
		if got, err := ParseLevel(in); err != nil || got != want {
			t.Errorf("%q: %v %v", in, got, err)
		}
	}
	for _, bad := range []string{"0", "25", "loud", ""} {
		if _, err := ParseLevel(bad); err == nil || !strings.Contains(err.Error(), "accepted values are trace, debug") {
			t.Errorf("%q: %v", bad, err)
		}
	}
	if LevelName(LevelWarn) != "warn" || LevelName(11) != "11" {
		t.Fatal("LevelName")
	}
}

func TestLoadOTelPropagators(t *testing.T) {
	o := LoadOTel(env(map[string]string{"OTEL_PROPAGATORS": " tracecontext, xray ,,baggage"}), nil, nil)
	if want := []string{"tracecontext", "xray", "baggage"}; !slices.Equal(o.Propagators, want) {
		t.Errorf("Propagators = %q, want %q", o.Propagators, want)
	}
}

// TestLoadOTelReports: each problem is reported with its variable.
func TestLoadOTelReports(t *testing.T) {
	var got []string
	LoadOTel(env(map[string]string{
		"OTEL_EXPORTER_OTLP_COMPRESSION": "brotli",
		"OTEL_EXPORTER_OTLP_TIMEOUT":     "soon",
		"OTEL_TRACES_SAMPLER":            "traceidratio",
		"OTEL_TRACES_SAMPLER_ARG":        "2",
	}), nil, func(name string, err error) { got = append(got, name) })
	slices.Sort(got)
	if want := []string{"OTEL_EXPORTER_OTLP_COMPRESSION", "OTEL_EXPORTER_OTLP_TIMEOUT", "OTEL_TRACES_SAMPLER_ARG"}; !slices.Equal(got, want) {
		t.Errorf("reported %q, want %q", got, want)
	}
}

func TestOTLPEndpoints(t *testing.T) {
	cases := []struct {
		o    OTel
		want Endpoints
	}{
		{OTel{}, Endpoints{}},
		{OTel{ExporterEndpoint: "http://c:4318"}, Endpoints{true, true, true}},
		{OTel{TracesEndpoint: "http://c:4318/v1/traces"}, Endpoints{Traces: true}},
		{OTel{ExporterEndpoint: "http://c:4318", MetricsExporter: "none", LogsExporter: "none"}, Endpoints{Traces: true}},
		{OTel{ExporterEndpoint: "http://c:4318", TracesExporter: "otlp"}, Endpoints{true, true, true}},
	}
	for _, tc := range cases {
		if got := tc.o.Endpoints(); got != tc.want {
			t.Errorf("%+v: %+v, want %+v", tc.o, got, tc.want)
		}
	}
}
