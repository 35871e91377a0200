package logfire

import (
	"fmt"
	"io"
	"os"
	"slices"

	"github.com/logfire-go/sdk/internal/credentials"
)

// projectLinkOutput is where the project's URL is printed; a variable
// for the tests.
var projectLinkOutput io.Writer = os.Stderr

// showProjectLink prints "Logfire project URL: …" on standard error, as
// the Python SDK does, when the console is on, its project link is not
// hidden (LOGFIRE_CONSOLE_SHOW_PROJECT_LINK, console.Options.HideProjectLink)
// and the credentials file names the project of a token the instance
// exports with. Configure does no network I/O, so a token given without
// the file prints nothing: only the file knows the project's URL.
func (s *settings) showProjectLink(tokens []string) {
	if !s.cfg.Console || !s.cfg.ConsoleShowProjectLink || len(tokens) == 0 {
		return
	}
	creds, err := credentials.Read(s.cfg.CredentialsDir)
	if err != nil || creds == nil || creds.ProjectURL == "" || !slices.Contains(tokens, creds.Token) {
		return
	}
	fmt.Fprintf(projectLinkOutput, "Logfire project URL: %s\n", creds.ProjectURL)
}
