package otellambdaflush

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/lambda"
)

// moduleVersion returns the version of module path that the module's
// go.mod requires (the test binary carries no dependency versions).
func moduleVersion(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	f, err := parseRequires(data)
	if err != nil {
		t.Fatal(err)
	}
	v, ok := f[path]
	if !ok {
		t.Fatalf("go.mod does not require %s", path)
	}
	return v
}

// parseRequires returns the module versions that a go.mod requires, from
// its require lines and blocks.
func parseRequires(gomod []byte) (map[string]string, error) {
	out := map[string]string{}
	inBlock := false
	for _, line := range strings.Split(string(gomod), "\n") {
		line, _, _ = strings.Cut(line, "//")
		fields := strings.Fields(line)
		switch {
		case len(fields) == 0:
		case inBlock && fields[0] == ")":
			inBlock = false
		case inBlock && len(fields) == 2:
			out[fields[0]] = fields[1]
		case fields[0] == "require" && len(fields) == 2 && fields[1] == "(":
			inBlock = true
		case fields[0] == "require" && len(fields) == 3:
			out[fields[1]] = fields[2]
		}
	}
	if len(out) == 0 {
		return nil, errors.New("go.mod: no require found")
	}
	return out, nil
}

// TestLambdaOptsPinnedVersion: lambdaopts.go reads a private field of
// aws-lambda-go; it must be checked again whenever go.mod moves that
// module.
func TestLambdaOptsPinnedVersion(t *testing.T) {
	if got := moduleVersion(t, "github.com/aws/aws-lambda-go"); got != lambdaoptsPinnedVersion {
		t.Fatalf("aws-lambda-go is %s, but lambdaopts.go was written against %s: check that lambda.WithEnableSIGTERM "+
			"still sets the field handlerOptions.enableSIGTERM (lambda/handler.go), then set lambdaoptsPinnedVersion to %s",
			got, lambdaoptsPinnedVersion, got)
	}
}

// TestEnablesSIGTERM pins the detection of lambda.WithEnableSIGTERM among
// aws-lambda-go's options (see enablesSIGTERM) to the version in go.mod.
func TestEnablesSIGTERM(t *testing.T) {
	type key struct{}
	cases := map[string]struct {
		opt  lambda.Option
		want bool
	}{
		"WithEnableSIGTERM()":       {lambda.WithEnableSIGTERM(), true},
		"WithEnableSIGTERM(f)":      {lambda.WithEnableSIGTERM(func() {}), true},
		"WithContext":               {lambda.WithContext(context.Background()), false},
		"WithContextValue":          {lambda.WithContextValue(key{}, 1), false},
		"WithSetEscapeHTML":         {lambda.WithSetEscapeHTML(true), false},
		"WithSetIndent":             {lambda.WithSetIndent("", "  "), false},
		"WithUseNumber":             {lambda.WithUseNumber(true), false},
		"WithDisallowUnknownFields": {lambda.WithDisallowUnknownFields(true), false},
		"nil":                       {nil, false},
	}
	for name, tc := range cases {
		if got := enablesSIGTERM(tc.opt); got != tc.want {
			t.Errorf("%s: %v, want %v; lambdaopts.go no longer reads aws-lambda-go %s right",
				name, got, tc.want, moduleVersion(t, "github.com/aws/aws-lambda-go"))
		}
	}
}
