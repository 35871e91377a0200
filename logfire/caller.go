package logfire

import (
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
	"sync"
	"sync/atomic"

	"go.opentelemetry.io/otel/attribute"

	"github.com/logfire-go/sdk/internal/keys"
)

// callerPC returns a program counter skip frames above the function that
// calls callerPC: inside Info, callerPC(1) is the line that called Info.
func callerPC(skip int) uintptr {
	var pcs [1]uintptr
	if runtime.Callers(skip+2, pcs[:]) == 0 {
		return 0
	}
	return pcs[0]
}

// callerCache maps a program counter to what is known of its call site,
// computed once.
var callerCache sync.Map // uintptr → *callSite

// callSite is what the SDK remembers of one line that calls it.
type callSite struct {
	code [3]attribute.KeyValue // code.filepath, code.lineno, code.function
	// schema is the logfire.json_schema last built here: a call site
	// usually passes the same keys with values of the same kinds each time.
	schema atomic.Pointer[siteSchema]
}

type siteSchema struct {
	keys    []attribute.Key
	entries []string
	value   string
}

// site returns the call site of pc.
func site(pc uintptr) *callSite {
	if v, ok := callerCache.Load(pc); ok {
		return v.(*callSite)
	}
	frame, _ := runtime.CallersFrames([]uintptr{pc}).Next()
	cs := &callSite{code: [3]attribute.KeyValue{
		attribute.String(keys.CodeFilepath, relativeFile(frame.File)),
		attribute.Int(keys.CodeLineno, frame.Line),
		attribute.String(keys.CodeFunction, shortFunction(frame.Function)),
	}}
	v, _ := callerCache.LoadOrStore(pc, cs)
	return v.(*callSite)
}

// jsonSchema returns c.jsonSchema(), reusing the one last built at this
// call site when the keys and schema entries are the same.
func (cs *callSite) jsonSchema(c *callAttrs) string {
	if len(c.attrs) == 0 {
		return ""
	}
	if last := cs.schema.Load(); last != nil && last.matches(c) {
		return last.value
	}
	s := &siteSchema{
		keys:    make([]attribute.Key, len(c.attrs)),
		entries: append([]string(nil), c.schemas...),
		value:   c.jsonSchema(),
	}
	for i, kv := range c.attrs {
		s.keys[i] = kv.Key
	}
	cs.schema.Store(s)
	return s.value
}

func (s *siteSchema) matches(c *callAttrs) bool {
	if len(s.keys) != len(c.attrs) {
		return false
	}
	for i, kv := range c.attrs {
		if s.keys[i] != kv.Key || s.entries[i] != c.schemas[i] {
			return false
		}
	}
	return true
}

// shortFunction drops the import path: "github.com/a/b/pkg.(*T).M" becomes
// "pkg.(*T).M".
func shortFunction(f string) string {
	if i := strings.LastIndexByte(f, '/'); i >= 0 {
		return f[i+1:]
	}
	return f
}

var (
	mainModuleOnce sync.Once
	mainModulePath string
	moduleRoots    sync.Map // directory → module root ("" if none)
)

// relativeFile makes a source path relative to its module root where it
// can: for a build with -trimpath the path starts with the main module's
// path; otherwise it is absolute and the root is the nearest directory
// with a go.mod.
func relativeFile(file string) string {
	if file == "" {
		return file
	}
	if !filepath.IsAbs(file) {
		mainModuleOnce.Do(func() {
			if bi, ok := debug.ReadBuildInfo(); ok {
				mainModulePath = bi.Main.Path
			}
		})
		if mainModulePath != "" && strings.HasPrefix(file, mainModulePath+"/") {
			return file[len(mainModulePath)+1:]
		}
		return file
	}
	root := moduleRoot(filepath.Dir(file))
	if root == "" {
		return file
	}
	if rel, err := filepath.Rel(root, file); err == nil {
		return filepath.ToSlash(rel)
	}
	return file
}

func moduleRoot(dir string) string {
	if v, ok := moduleRoots.Load(dir); ok {
		return v.(string)
	}
	root := ""
	if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
		root = dir
	} else if parent := filepath.Dir(dir); parent != dir {
		root = moduleRoot(parent)
	}
	moduleRoots.Store(dir, root)
	return root
}
