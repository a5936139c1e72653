package config

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/common/model"
)

// Rules are a visible component's status rules (spec §12); the zero value
// is not valid, use DefaultRules.
type Rules struct {
	MajorWhenDown      Threshold     // "major_when_down": a count (3) or a share ("50%")
	DegradedSeverities []string      // "degraded_severities": severity label values that make a target degraded, not down
	OpenIncidentAt     string        // "open_incident_at": IncidentAtMajor (default), IncidentAtPartial or IncidentAtNever
	OutageAfter        time.Duration // "outage_after", Prometheus-style duration, default 0
	RecoveryAfter      time.Duration // "recovery_after", default 0
	ManualHold         time.Duration // "manual_hold", default 0 (spec §13)
}

// The values of open_incident_at.
const (
	IncidentAtMajor   = "major"
	IncidentAtPartial = "partial"
	IncidentAtNever   = "never"
)

// DefaultRules are the rules of spec §2: Major Outage only when every
// target is down, an incident at Major, no damping.
func DefaultRules() Rules {
	return Rules{MajorWhenDown: Threshold{Percent: 100}, OpenIncidentAt: IncidentAtMajor}
}

// Threshold is major_when_down: exactly one of Count (≥1) and Percent
// (1..100) is set.
type Threshold struct{ Count, Percent int }

// Reached reports whether down of members targets reach the threshold; a
// share is rounded up (50% of 3 members is 2). Nothing down never reaches
// it, and a zero Threshold counts as 100%, the default, so that a Rules
// built by hand keeps today's behaviour.
func (t Threshold) Reached(down, members int) bool {
	if down <= 0 {
		return false
	}
	if t.Count > 0 {
		return down >= t.Count
	}
	pct := t.Percent
	if pct <= 0 {
		pct = 100
	}
	return down*100 >= pct*members
}

// RulesFor returns component's resolved rules: its own block over the
// defaults, or the defaults. A Config built by hand, without defaults,
// gets DefaultRules.
func (c *Config) RulesFor(component string) Rules {
	if r, ok := c.Rules[component]; ok {
		return r
	}
	if c.Defaults.OpenIncidentAt == "" {
		return DefaultRules()
	}
	return c.Defaults
}

const (
	keyDefaults   = "defaults"
	keyComponents = "components"

	keyMajorWhenDown      = "major_when_down"
	keyDegradedSeverities = "degraded_severities"
	keyOpenIncidentAt     = "open_incident_at"
	keyOutageAfter        = "outage_after"
	keyRecoveryAfter      = "recovery_after"
	keyManualHold         = "manual_hold"
)

var (
	ruleKeys = []string{keyMajorWhenDown, keyDegradedSeverities, keyOpenIncidentAt,
		keyOutageAfter, keyRecoveryAfter, keyManualHold}
	incidentAtValues = []string{IncidentAtMajor, IncidentAtPartial, IncidentAtNever}
)

// componentPath is the field path of a component's rules block.
func componentPath(name string) string {
	return fmt.Sprintf("%s[%s]", keyComponents, strconv.Quote(name))
}

// parseRules reads the defaults and components blocks (either may be nil)
// into c's Defaults, Rules and RuleLines. It runs once the groups are
// known, so that components may come before them in the file.
func parseRules(ps *problems, defaults, comps *jsonMember, c *Config) {
	c.Defaults = DefaultRules()
	lines := map[string]int{}
	if defaults != nil {
		rulesBlock(ps, defaults.val, keyDefaults, &c.Defaults, lines)
	}
	if comps != nil {
		c.Rules = componentRules(ps, comps.val, c, lines)
	}
	if len(lines) > 0 {
		c.RuleLines = lines
	}
}

func componentRules(ps *problems, n *jsonNode, c *Config, lines map[string]int) map[string]Rules {
	const example = `{"Web Server": {"major_when_down": "50%"}}`
	if n.kind != jsonObject {
		ps.add(n.line, keyComponents, "write an object of component names to rules: "+example, "want an object, got %s", n.kind)
		return nil
	}
	names := c.Components()
	out := map[string]Rules{}
	first := map[string]int{}
	for _, m := range n.members {
		path := componentPath(m.name)
		if l, dup := first[m.name]; dup {
			ps.add(m.line, path, "merge the two blocks into one", "component appears twice (also line %d)", l)
			continue
		}
		first[m.name] = m.line
		// Without groups every name would be unknown; ParseConfig has
		// reported the missing groups already.
		known := len(c.Groups) == 0 || slices.Contains(names, m.name)
		if !known {
			ps.add(m.line, path, suggestComponent(m.name, names, "name a component listed in groups_configuration's status_page_components"),
				"component %q is not in any group of groups_configuration", m.name)
		}
		r := c.Defaults
		r.DegradedSeverities = slices.Clone(r.DegradedSeverities) // each component owns its rules
		// A block of an unknown component is still read, so that its other
		// mistakes show in the same run.
		rulesBlock(ps, m.val, path, &r, lines)
		if known {
			out[m.name] = r
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// rulesBlock overlays the keys a rules block sets on r.
func rulesBlock(ps *problems, n *jsonNode, path string, r *Rules, lines map[string]int) {
	if n.kind != jsonObject {
		ps.add(n.line, path, `write an object of rules, e.g. {"major_when_down": "50%", "outage_after": "2m"}`, "want an object, got %s", n.kind)
		return
	}
	for _, m := range members(ps, n, path, ruleKeys) {
		field := join(path, m.name)
		lines[field] = m.val.line
		switch m.name {
		case keyMajorWhenDown:
			if t, ok := threshold(ps, m.val, field); ok {
				r.MajorWhenDown = t
			}
		case keyDegradedSeverities:
			if s, ok := severities(ps, m.val, field); ok {
				r.DegradedSeverities = s
			}
		case keyOpenIncidentAt:
			if v, ok := incidentAt(ps, m.val, field); ok {
				r.OpenIncidentAt = v
			}
		case keyOutageAfter:
			r.OutageAfter = duration(ps, m.val, field, r.OutageAfter)
		case keyRecoveryAfter:
			r.RecoveryAfter = duration(ps, m.val, field, r.RecoveryAfter)
		case keyManualHold:
			r.ManualHold = duration(ps, m.val, field, r.ManualHold)
		}
	}
}

func threshold(ps *problems, n *jsonNode, field string) (Threshold, bool) {
	const hint = `write a count like 3 or a share like "50%"`
	switch n.kind {
	case jsonNumber:
		c, err := n.num.Int64()
		switch {
		case err != nil:
			ps.add(n.line, field, hint, "%s is not a whole number", n.num)
		case c < 1:
			ps.add(n.line, field, hint, "%d is below 1", c)
		case c > math.MaxInt32:
			ps.add(n.line, field, hint, "%d is out of range", c)
		default:
			return Threshold{Count: int(c)}, true
		}
	case jsonString:
		digits, isShare := strings.CutSuffix(n.str, "%")
		p, err := strconv.Atoi(digits)
		switch {
		case !isShare && err == nil && p > 0:
			ps.add(n.line, field, fmt.Sprintf("write %d without quotes for a count, or %q for a share", p, n.str+"%"), "%q has no %% sign", n.str)
		case !isShare || err != nil || strings.TrimLeft(digits, "0123456789") != "":
			ps.add(n.line, field, hint, "%q is neither a count nor a share", n.str)
		case p < 1 || p > 100:
			ps.add(n.line, field, `write a share from "1%" to "100%"`, "%q is out of range", n.str)
		default:
			return Threshold{Percent: p}, true
		}
	default:
		ps.add(n.line, field, hint, "want a number or a string, got %s", n.kind)
	}
	return Threshold{}, false
}

func severities(ps *problems, n *jsonNode, field string) ([]string, bool) {
	if n.kind != jsonArray {
		ps.add(n.line, field, `write a list of severity label values, e.g. ["warning"]`, "want a list, got %s", n.kind)
		return nil, false
	}
	var out []string
	ok := true
	for i, e := range n.elems {
		path := fmt.Sprintf("%s[%d]", field, i)
		switch {
		case e.kind != jsonString:
			ps.add(e.line, path, `write the severity in double quotes, e.g. "warning"`, "want a string, got %s", e.kind)
			ok = false
		case strings.TrimSpace(e.str) == "":
			ps.add(e.line, path, "write a severity or remove the entry", "is empty")
			ok = false
		case slices.Contains(out, e.str):
			ps.add(e.line, path, "remove one of them", "%q is listed twice", e.str)
		default:
			out = append(out, e.str)
		}
	}
	return out, ok
}

func incidentAt(ps *problems, n *jsonNode, field string) (string, bool) {
	fallback := "write one of " + strings.Join(quoteAll(incidentAtValues), ", ")
	if n.kind != jsonString {
		ps.add(n.line, field, fallback, "want a string, got %s", n.kind)
		return "", false
	}
	if !slices.Contains(incidentAtValues, n.str) {
		ps.add(n.line, field, suggest(n.str, incidentAtValues, fallback), "%q is not a status to open an incident at", n.str)
		return "", false
	}
	return n.str, true
}

func quoteAll(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = strconv.Quote(s)
	}
	return out
}

// duration reads a Prometheus-style duration, keeping old when it cannot.
func duration(ps *problems, n *jsonNode, field string, old time.Duration) time.Duration {
	const hint = `use a duration like "30s", "2m" or "1h"`
	if n.kind != jsonString {
		ps.add(n.line, field, hint, "want a string, got %s", n.kind)
		return old
	}
	if strings.HasPrefix(strings.TrimSpace(n.str), "-") {
		ps.add(n.line, field, hint, "%q is negative", n.str)
		return old
	}
	d, err := model.ParseDuration(n.str)
	if err != nil {
		ps.add(n.line, field, hint, "%q is not a duration", n.str)
		return old
	}
	return time.Duration(d)
}

// ruleWarnings reports count thresholds that the targets feeding a
// component can never reach: such a component never shows Major Outage
// for down targets, only for a critical one.
func ruleWarnings(c *Config, ts []Target) Problems {
	targets := map[string]int{}
	for _, t := range ts {
		for _, comp := range t.Components {
			targets[comp]++
		}
	}
	var ps Problems
	for _, comp := range c.Components() {
		th := c.RulesFor(comp).MajorWhenDown
		n := targets[comp]
		// A component no target feeds has a warning of its own.
		if th.Count == 0 || n == 0 || th.Count <= n {
			continue
		}
		field := join(componentPath(comp), keyMajorWhenDown)
		line, own := c.RuleLines[field]
		hint := fmt.Sprintf(`lower it to at most %d, or use a share like "100%%"`, n)
		if !own {
			field = join(keyDefaults, keyMajorWhenDown)
			line = c.RuleLines[field]
			hint = fmt.Sprintf("give %s its own major_when_down, or lower this one to at most %d", componentPath(comp), n)
		}
		ps = append(ps, Problem{
			File:  c.File,
			Line:  line,
			Field: field,
			Msg: fmt.Sprintf("component %q has %d %s, fewer than %d, so down targets never make it a Major Outage",
				comp, n, plural(n, "target"), th.Count),
			Hint: hint,
		})
	}
	return ps
}

func plural(n int, word string) string {
	if n == 1 {
		return word
	}
	return word + "s"
}
