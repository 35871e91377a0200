package logfire

import (
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
	"sync"

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

// callerCache maps a program counter to its code.* attributes, computed
// once.
var callerCache sync.Map // uintptr → [3]attribute.KeyValue

// codeAttrs returns code.filepath, code.lineno and code.function for pc.
func codeAttrs(pc uintptr) [3]attribute.KeyValue {
	if v, ok := callerCache.Load(pc); ok {
		return v.([3]attribute.KeyValue)
	}
	frame, _ := runtime.CallersFrames([]uintptr{pc}).Next()
	attrs := [3]attribute.KeyValue{
		attribute.String(keys.CodeFilepath, relativeFile(frame.File)),
		attribute.Int(keys.CodeLineno, frame.Line),
		attribute.String(keys.CodeFunction, shortFunction(frame.Function)),
	}
	callerCache.Store(pc, attrs)
	return attrs
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
