package config

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// maxName is Cachet's limit on component, group and incident names
// (validated as max:255, counted in characters).
const maxName = 255

// Problem is one thing wrong in a config file, with where it is and what
// to do about it.
type Problem struct {
	File  string // path as the operator gave it
	Line  int    // 1-based; 0 when the problem is not tied to a line
	Field string // dotted key path, e.g. groups_configuration[1].status_page_group
	Msg   string // what is wrong
	Hint  string // what to do; may be empty
}

// Error renders the problem as `file:line: field: message; hint`, leaving
// out the line when it is 0 and the field and hint when they are empty.
func (p Problem) Error() string {
	var b strings.Builder
	if p.File != "" {
		b.WriteString(p.File)
		if p.Line > 0 {
			b.WriteString(":")
			b.WriteString(strconv.Itoa(p.Line))
		}
		b.WriteString(": ")
	}
	if p.Field != "" {
		b.WriteString(p.Field)
		b.WriteString(": ")
	}
	b.WriteString(p.Msg)
	if p.Hint != "" {
		b.WriteString("; ")
		b.WriteString(p.Hint)
	}
	return b.String()
}

// Problems is every problem found in one run. As an error it renders one
// problem per line, sorted by file and line; use errors.As to get the list.
type Problems []Problem

// Error renders the problems one per line, sorted by file and line.
func (ps Problems) Error() string {
	lines := make([]string, 0, len(ps))
	for _, p := range ps.sorted() {
		lines = append(lines, p.Error())
	}
	return strings.Join(lines, "\n")
}

// sorted returns a copy ordered by file and line; problems on the same line
// keep the order in which they were found, which follows the file.
func (ps Problems) sorted() Problems {
	out := slices.Clone(ps)
	slices.SortStableFunc(out, func(a, b Problem) int {
		return cmp.Or(cmp.Compare(a.File, b.File), cmp.Compare(a.Line, b.Line))
	})
	return out
}

// problems collects Problems for one file.
type problems struct {
	file string
	list Problems
}

func (ps *problems) add(line int, field, hint, format string, args ...any) {
	ps.list = append(ps.list, Problem{File: ps.file, Line: line, Field: field, Msg: fmt.Sprintf(format, args...), Hint: hint})
}

// maxProblems caps the problems reported for one file; past that, more
// lines bury the first ones, which are the ones to fix.
const maxProblems = 200

// result returns the collected problems sorted, or nil when there are none.
func (ps *problems) result() Problems {
	if len(ps.list) == 0 {
		return nil
	}
	out := ps.list.sorted()
	if len(out) > maxProblems {
		n := len(out) - maxProblems
		out = append(out[:maxProblems], Problem{File: ps.file, Line: out[maxProblems].Line,
			Msg: fmt.Sprintf("%d more problems not shown", n), Hint: "fix the ones above first"})
	}
	return out
}

// checkName reports the problems of a name that becomes a Cachet group or
// component name. what says which kind of name it is, for the message.
func (ps *problems) checkName(line int, field, what, name string) {
	switch {
	case strings.TrimSpace(name) == "":
		ps.add(line, field, "write a name or remove the entry", "%s is empty", what)
	case strings.TrimSpace(name) != name:
		// Cachet trims input, so the stored name would never match this one
		// and every run would create it again.
		ps.add(line, field, fmt.Sprintf("write %q", strings.TrimSpace(name)), "%s %q has spaces around it", what, name)
	}
	if n := utf8.RuneCountInString(name); n > maxName {
		ps.add(line, field, fmt.Sprintf("shorten it; Cachet accepts at most %d characters", maxName), "%s is %d characters long", what, n)
	}
}

// suggest returns a hint naming the candidate closest to got, or fallback
// when none is close enough to be a likely typo.
func suggest(got string, candidates []string, fallback string) string {
	// Long strings are never typos of a key, and the distance is quadratic.
	if utf8.RuneCountInString(got) > maxName {
		return fallback
	}
	lower := strings.ToLower(got)
	best, bestDist := "", -1
	for _, c := range candidates {
		if strings.TrimSpace(c) == "" || utf8.RuneCountInString(c) > maxName {
			continue
		}
		lc := strings.ToLower(c)
		// A key cut short or run on is a typo however many runes differ.
		if len(lower) >= 5 && (strings.HasPrefix(lc, lower) || strings.HasPrefix(lower, lc)) {
			return fmt.Sprintf("did you mean %q?", c)
		}
		d := distance(lower, lc)
		if bestDist < 0 || d < bestDist {
			best, bestDist = c, d
		}
	}
	limit := max(2, utf8.RuneCountInString(got)/4)
	if bestDist >= 0 && bestDist <= limit {
		return fmt.Sprintf("did you mean %q?", best)
	}
	return fallback
}

// distance is the Levenshtein edit distance between a and b, in runes.
func distance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}
