package pyproject

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// TestRead: the [tool.logfire] table of a pyproject.toml as the Python SDK
// documents it, among other tables, with comments, every kind of value
// this reader takes and an array over several lines.
func TestRead(t *testing.T) {
	dir := t.TempDir()
	file := `[project]
name = "shop"
dependencies = [
    "logfire>=4",  # [tool.logfire] in a comment
]

[tool.logfire]
project_name = "shop"   # a comment
send_to_logfire = false
console_colors = 'never'
trace_sample_rate = 0.25
min_level = 9
service_name = "checkout \"eu\""
resource_detectors = [
  "process",
  "container",
]
resource_attributes = { team = "pay", "region.note" = "eu,west%" }

[tool.ruff]
line-length = 120
`
	if err := os.WriteFile(filepath.Join(dir, File), []byte(file), 0o600); err != nil {
		t.Fatal(err)
	}
	got, err := Read(dir)
	if err != nil {
		t.Fatal(err)
	}
	want := []Setting{
		{"project_name", "shop", 8},
		{"send_to_logfire", "false", 9},
		{"console_colors", "never", 10},
		{"trace_sample_rate", "0.25", 11},
		{"min_level", "9", 12},
		{"service_name", `checkout "eu"`, 13},
		{"resource_detectors", "process,container", 14},
		{"resource_attributes", "team=pay,region.note=eu%2Cwest%25", 18},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got  %+v\nwant %+v", got, want)
	}

	if s, err := Read(t.TempDir()); s != nil || err != nil {
		t.Errorf("no file: %v %v", s, err)
	}
}

// TestReadErrors: what the table holds that this reader does not take is
// an error naming the file, the line and what is wrong.
func TestReadErrors(t *testing.T) {
	for body, says := range map[string]string{
		"[tool.logfire]\nservice_name = \"\"\"multi\nline\"\"\"\n": ":2: [tool.logfire]: service_name: multi-line strings are not supported",
		"[tool.logfire]\nconsole = yes\n":                          `:2: [tool.logfire]: console: "yes" is not a value this reader takes`,
		"[tool.logfire]\nservice_name = \"open\n":                  ":2: [tool.logfire]: service_name: a string is not closed",
		"[tool.logfire]\njust a line\n":                            `:2: [tool.logfire]: "just a line" is not a key = value line`,
		"[tool.logfire]\ntags = [\"a\" \"b\"]\n":                   `:2: [tool.logfire]: tags: unexpected "\"b\"]" in an array`,
		"\n\n[tool . \"logfire\"]\nx = 1 2\n":                      `:4: [tool.logfire]: x: unexpected "2" after the value`,
	} {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, File), []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		_, err := Read(dir)
		if err == nil || !strings.Contains(err.Error(), says) || !strings.Contains(err.Error(), File) {
			t.Errorf("%q: error %v, want one saying %q", body, err, says)
		}
	}
}
