package selflog

import (
	"fmt"
	"strings"
	"sync"
	"time"
)

// maxKinds bounds the kinds of line a Kinds follows apart.
const maxKinds = 64

// Kinds is a Limiter per kind of line, for a source of lines that say
// different things: one line of each kind passes per interval, so that a
// line that repeats does not hide the others. Lines whose text differs
// only in its digits (counts, durations, ports) are of one kind. Past
// maxKinds kinds, the lines of any new kind share one Limiter. The zero
// value lets one line of each kind through per minute.
type Kinds struct {
	// Every is the least time between two lines of a kind; zero means a
	// minute.
	Every time.Duration

	mu    sync.Mutex
	kinds map[string]*Limiter
	other *Limiter
}

// Printf writes the line unless a line of its kind was written less than
// Every ago.
func (k *Kinds) Printf(format string, args ...any) {
	line := fmt.Sprintf(format, args...)
	k.limiter(kindOf(line)).Printf("%s", line)
}

// limiter returns the Limiter of kind.
func (k *Kinds) limiter(kind string) *Limiter {
	k.mu.Lock()
	defer k.mu.Unlock()
	if l, ok := k.kinds[kind]; ok {
		return l
	}
	if len(k.kinds) >= maxKinds {
		if k.other == nil {
			k.other = &Limiter{Every: k.Every}
		}
		return k.other
	}
	if k.kinds == nil {
		k.kinds = map[string]*Limiter{}
	}
	l := &Limiter{Every: k.Every}
	k.kinds[kind] = l
	return l
}

// kindOf is line with each run of digits replaced by one '#', cut short:
// what lines of one kind share.
func kindOf(line string) string {
	var b strings.Builder
	digits := false
	for _, r := range line {
		if b.Len() >= 200 {
			break
		}
		if '0' <= r && r <= '9' {
			if !digits {
				b.WriteByte('#')
			}
			digits = true
			continue
		}
		digits = false
		b.WriteRune(r)
	}
	return b.String()
}
