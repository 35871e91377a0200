package sdk_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/logfire-go/sdk/internal/apisnapshot"
)

// apiSnapshot is the checked-in list of the exported API of the public
// packages; internal/cmd/apisnapshot writes it.
var apiSnapshot = filepath.Join("api", "v1.txt")

// TestAPISnapshot fails when the exported API differs from api/v1.txt, so
// that every change to the public surface is a deliberate diff of that
// file, reviewed with the code.
func TestAPISnapshot(t *testing.T) {
	t.Parallel()
	got, err := apisnapshot.Generate(".")
	if err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile(apiSnapshot)
	if err != nil {
		t.Fatalf("%v: write it with: go run ./internal/cmd/apisnapshot", err)
	}
	if string(got) == string(want) {
		return
	}
	removed, added := lineDiff(strings.Split(string(want), "\n"), strings.Split(string(got), "\n"))
	var b strings.Builder
	for _, l := range removed {
		b.WriteString("\n- " + l)
	}
	for _, l := range added {
		b.WriteString("\n+ " + l)
	}
	t.Errorf("the exported API differs from %s (- only in the file, + only in the code):%s\n\n"+
		"If the change is deliberate, regenerate the file and commit it with the change:\n\tgo run ./internal/cmd/apisnapshot",
		apiSnapshot, b.String())
}

// lineDiff returns the lines only in a and those only in b, in order.
func lineDiff(a, b []string) (onlyA, onlyB []string) {
	inA, inB := map[string]bool{}, map[string]bool{}
	for _, l := range a {
		inA[l] = true
	}
	for _, l := range b {
		inB[l] = true
	}
	for _, l := range a {
		if !inB[l] {
			onlyA = append(onlyA, l)
		}
	}
	for _, l := range b {
		if !inA[l] {
			onlyB = append(onlyB, l)
		}
	}
	return onlyA, onlyB
}
