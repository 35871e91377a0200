package otlpwire

import (
	"slices"

	"go.opentelemetry.io/otel/sdk/instrumentation"
	"go.opentelemetry.io/otel/sdk/resource"
)

// A request holds one group per resource, and in it one group per
// instrumentation scope, as OpenTelemetry's exporters send them: scopes in
// the order their first record comes, records in the order given.

// group is the records of one resource and scope.
type group struct {
	res   *resource.Resource
	scope instrumentation.Scope
	resAt int // the index of the resource's first group
	n     int // records
	at    int // where its records start in state.order
}

// sameResource reports whether a and b are the same resource: the same
// pointer (every record of a provider), or equal attributes (a nil
// resource is the empty one, as for OpenTelemetry's exporters).
func sameResource(a, b *resource.Resource) bool {
	return a == b || a.Equivalent() == b.Equivalent()
}

// groupBy sorts the records 0..n-1, whose resource and scope key gives,
// into groups: s.groups in the order they are written, s.order the
// records of each group in turn.
func (s *state) groupBy(n int, key func(i int) (*resource.Resource, instrumentation.Scope)) {
	s.groups = s.groups[:0]
	s.order = slices.Grow(s.order[:0], n)[:n]
	last := -1
	for i := range n {
		res, sc := key(i)
		g := -1
		if last >= 0 && s.groups[last].res == res && s.groups[last].scope == sc {
			g = last // the usual case: as the record before
		} else {
			for j := range s.groups {
				if sameResource(s.groups[j].res, res) && s.groups[j].scope == sc {
					g = j
					break
				}
			}
		}
		if g < 0 {
			resAt := len(s.groups)
			for j := range s.groups {
				if sameResource(s.groups[j].res, res) {
					resAt = s.groups[j].resAt
					break
				}
			}
			s.groups = append(s.groups, group{res: res, scope: sc, resAt: resAt})
			g = len(s.groups) - 1
		}
		s.groups[g].n++
		s.order[i] = int32(g) // the group, for now
		last = g
	}
	if len(s.groups) == 1 {
		for i := range n {
			s.order[i] = int32(i)
		}
		return
	}
	// Groups of one resource together, each resource where its first
	// record came.
	ids := make([]int, len(s.groups))
	for i := range ids {
		ids[i] = i
	}
	slices.SortStableFunc(ids, func(a, b int) int { return s.groups[a].resAt - s.groups[b].resAt })
	pos := make([]int, len(s.groups)) // group id → position in the sorted order
	at := 0
	sorted := make([]group, len(s.groups))
	for p, id := range ids {
		pos[id] = p
		sorted[p] = s.groups[id]
		sorted[p].at = at
		at += sorted[p].n
	}
	next := make([]int, len(sorted))
	for p := range sorted {
		next[p] = sorted[p].at
	}
	byGroup := make([]int32, n)
	for i := range n {
		p := pos[s.order[i]]
		byGroup[next[p]] = int32(i)
		next[p]++
	}
	copy(s.order, byGroup)
	s.groups = append(s.groups[:0], sorted...)
}

// eachGroup writes the groups of s.groups as nested resource and scope
// groups, calling record for each record index; resHead and scopeHead
// give the starts of the groups (see headerCache).
func (s *state) eachGroup(resHead func(*resource.Resource) []byte, scopeHead func(instrumentation.Scope) []byte, record func(i int)) {
	for gi := 0; gi < len(s.groups); {
		g := s.groups[gi]
		s.push(groupHead, groupMsg, resHead(g.res))
		for ; gi < len(s.groups) && s.groups[gi].resAt == g.resAt; gi++ {
			sg := s.groups[gi]
			s.push(groupRecords, groupMsg, scopeHead(sg.scope))
			for _, i := range s.order[sg.at : sg.at+sg.n] {
				record(int(i))
			}
			s.pop()
		}
		s.pop()
	}
}
