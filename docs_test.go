package sdk_test

import (
	"bufio"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// These tests keep the repository's documentation honest: every file it
// links to exists, it cites nothing outside the repository, and every Go
// code block in it is code that is compiled (its lines appear, in order, in
// a Go file of the repository: an example, a test or a program that the
// tests build), unless it says it is a fragment in its first line
// ("// fragment: …").

// repoFiles returns the files under the repository root whose name ends
// with suffix, leaving out .git and testdata.
func repoFiles(t *testing.T, suffix string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == ".git" || d.Name() == "testdata" || d.Name() == "node_modules") {
			return filepath.SkipDir
		}
		if !d.IsDir() && strings.HasSuffix(p, suffix) {
			out = append(out, p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

var mdLink = regexp.MustCompile(`\]\(([^)\s]+)\)`)

// TestDocsCiteOnlyWhatExists: every relative link of every Markdown file
// points at a file of the repository, and no document or Go comment cites
// the product notes that live outside it.
func TestDocsCiteOnlyWhatExists(t *testing.T) {
	t.Parallel() // it only reads files
	for _, md := range repoFiles(t, ".md") {
		data, err := os.ReadFile(md)
		if err != nil {
			t.Fatal(err)
		}
		for i, line := range strings.Split(string(data), "\n") {
			for _, m := range mdLink.FindAllStringSubmatch(line, -1) {
				target := m[1]
				if strings.Contains(target, "://") || strings.HasPrefix(target, "mailto:") || strings.HasPrefix(target, "#") {
					continue
				}
				target, _, _ = strings.Cut(target, "#")
				if _, err := os.Stat(filepath.Join(filepath.Dir(md), target)); err != nil {
					t.Errorf("%s:%d links to %s, which is not in the repository", md, i+1, m[1])
				}
			}
			if citesOutside(line) {
				t.Errorf("%s:%d cites a file outside the repository: %s", md, i+1, strings.TrimSpace(line))
			}
		}
	}
	for _, src := range repoFiles(t, ".go") {
		data, err := os.ReadFile(src)
		if err != nil {
			t.Fatal(err)
		}
		for i, line := range strings.Split(string(data), "\n") {
			if strings.Contains(line, "//") && citesOutside(line) {
				t.Errorf("%s:%d cites a file outside the repository: %s", src, i+1, strings.TrimSpace(line))
			}
		}
	}
}

// outsideCitation matches the names of the design notes the SDK was built
// from, which are not in the repository. (The bracketed letters keep this
// file from matching itself.)
var outsideCitation = regexp.MustCompile(`SPEC[.]md|referenc[e]/|share[d]/`)

func citesOutside(line string) bool { return outsideCitation.MatchString(line) }

// codeBlock is a fenced block of a Markdown file.
type codeBlock struct {
	file  string
	line  int // of the opening fence
	lang  string
	lines []string
}

func codeBlocks(t *testing.T, md string) []codeBlock {
	t.Helper()
	f, err := os.Open(md)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []codeBlock
	var cur *codeBlock
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		fence := strings.TrimSpace(line)
		if strings.HasPrefix(fence, "```") {
			if cur == nil {
				cur = &codeBlock{file: md, line: n, lang: strings.Fields(fence[3:] + " x")[0]}
				continue
			}
			out = append(out, *cur)
			cur = nil
			continue
		}
		if cur != nil {
			cur.lines = append(cur.lines, line)
		}
	}
	return out
}

// codeLine normalises a line of Go for comparison: no indentation, no
// trailing comment, no trailing space. It returns "" for a line that says
// nothing (blank, comment only, an ellipsis).
func codeLine(s string) string {
	s = strings.TrimSpace(s)
	if i := commentStart(s); i >= 0 {
		s = strings.TrimSpace(s[:i])
	}
	if s == "..." || s == "…" {
		return ""
	}
	return s
}

// commentStart is the index of a // comment outside string literals, or
// -1.
func commentStart(s string) int {
	var quote byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case quote != 0:
			if c == '\\' && quote != '`' {
				i++
			} else if c == quote {
				quote = 0
			}
		case c == '"' || c == '`' || c == '\'':
			quote = c
		case c == '/' && i+1 < len(s) && s[i+1] == '/':
			return i
		}
	}
	return -1
}

// blockCode returns the lines of b that must be compiled code: for a go
// block all of them, for a diff block the lines of the new version.
func blockCode(b codeBlock) []string {
	var out []string
	for _, l := range b.lines {
		if b.lang == "diff" {
			switch {
			case strings.HasPrefix(l, "+"), strings.HasPrefix(l, " "):
				l = l[1:]
			case l == "":
			default:
				continue // removed lines, hunk headers
			}
		}
		if c := codeLine(l); c != "" {
			out = append(out, c)
		}
	}
	return out
}

// TestDocCodeIsCompiled: the Go code of the README and the guides is code
// the repository compiles, so it cannot drift from the API.
func TestDocCodeIsCompiled(t *testing.T) {
	type source struct {
		path  string
		lines []string
	}
	var sources []source
	for _, src := range repoFiles(t, ".go") {
		data, err := os.ReadFile(src)
		if err != nil {
			t.Fatal(err)
		}
		var lines []string
		for _, l := range strings.Split(string(data), "\n") {
			if c := codeLine(l); c != "" {
				lines = append(lines, c)
			}
		}
		sources = append(sources, source{src, lines})
	}
	// Test programs kept under testdata are compiled by the tests too.
	for _, dir := range []string{"otellambdaflush/testdata", "otellambdaflush/lambdatest/testdata"} {
		_ = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
			if err == nil && !d.IsDir() && strings.HasSuffix(p, ".go") {
				data, _ := os.ReadFile(p)
				var lines []string
				for _, l := range strings.Split(string(data), "\n") {
					if c := codeLine(l); c != "" {
						lines = append(lines, c)
					}
				}
				sources = append(sources, source{p, lines})
			}
			return nil
		})
	}

	docs := append([]string{"README.md"}, repoFiles(t, ".md")...)
	seen := map[string]bool{}
	checked := 0
	for _, md := range docs {
		if seen[md] || !(md == "README.md" || strings.HasPrefix(md, "docs"+string(filepath.Separator))) {
			continue
		}
		seen[md] = true
		for _, b := range codeBlocks(t, md) {
			if b.lang != "go" && b.lang != "diff" {
				continue
			}
			if len(b.lines) > 0 && strings.HasPrefix(strings.TrimSpace(b.lines[0]), "// fragment") {
				continue
			}
			want := blockCode(b)
			if len(want) == 0 {
				continue
			}
			checked++
			best, bestFile := 0, ""
			for _, src := range sources {
				n := matchInOrder(want, src.lines)
				if n == len(want) {
					best = n
					break
				}
				if n > best {
					best, bestFile = n, src.path
				}
			}
			if best < len(want) {
				t.Errorf("%s:%d: a %s block that is not compiled code (mark it \"// fragment: …\" in its first line, or put it in an example or test); the closest file, %s, lacks %q",
					b.file, b.line, b.lang, bestFile, want[best])
			}
		}
	}
	if checked == 0 {
		t.Fatal("no code block was checked")
	}
}

// matchInOrder returns how many of want, from the start, appear in lines
// in order.
func matchInOrder(want, lines []string) int {
	n := 0
	for _, l := range lines {
		if n < len(want) && l == want[n] {
			n++
		}
	}
	return n
}
