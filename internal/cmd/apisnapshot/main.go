// Command apisnapshot writes the exported API of the module's public
// packages to api/v1.txt (see package internal/apisnapshot for the
// format). Run it from the repository's root after a deliberate change to
// the API, and commit the file with the change:
//
//	go run ./internal/cmd/apisnapshot
//
// The root package's TestAPISnapshot fails while the file and the code
// differ.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/logfire-go/sdk/internal/apisnapshot"
)

func main() {
	out := flag.String("o", filepath.Join("api", "v1.txt"), "the file to write")
	dir := flag.String("C", ".", "the module's root directory")
	flag.Parse()
	b, err := apisnapshot.Generate(*dir)
	if err == nil {
		path := *out
		if !filepath.IsAbs(path) {
			path = filepath.Join(*dir, path)
		}
		if err = os.MkdirAll(filepath.Dir(path), 0o755); err == nil {
			err = os.WriteFile(path, b, 0o644)
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "apisnapshot:", err)
		os.Exit(1)
	}
}
