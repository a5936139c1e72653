package config

import (
	"fmt"
	"strings"
)

// Check runs the checks that need both files: every visible component a
// target feeds must be listed by a group in config.json. It reports each
// unlisted component once, at the first target that uses it. A config
// without groups adds nothing: ParseConfig has reported that already, and
// naming every component again would bury it.
func Check(c *Config, ts []Target) Problems {
	if c == nil || len(c.Groups) == 0 {
		return nil
	}
	known := map[string]bool{}
	for _, comp := range c.Components() {
		known[comp] = true
	}
	type use struct {
		first Target
		more  int
	}
	unlisted := map[string]*use{}
	var order []string
	for _, t := range ts {
		for _, comp := range t.Components {
			if known[comp] {
				continue
			}
			if u, ok := unlisted[comp]; ok {
				if u.first.Line != t.Line || u.first.Instance != t.Instance {
					u.more++ // another target, not the same one listing it twice
				}
				continue
			}
			unlisted[comp] = &use{first: t}
			order = append(order, comp)
		}
	}
	var ps Problems
	for _, comp := range order {
		u := unlisted[comp]
		also := ""
		if u.more > 0 {
			also = fmt.Sprintf(" and %d more", u.more)
		}
		fallback := fmt.Sprintf("add it to a group's status_page_components in %s", c.File)
		ps = append(ps, Problem{
			File:  u.first.File,
			Line:  u.first.Line,
			Field: labelComponent,
			Msg:   fmt.Sprintf("component %q (target %q%s) is not in any group of %s", comp, u.first.Instance, also, c.File),
			Hint:  suggestComponent(comp, c.Components(), fallback),
		})
	}
	return ps.sorted()
}

// suggestComponent is suggest with a case-insensitive exact match first,
// the most likely slip in a component name.
func suggestComponent(got string, names []string, fallback string) string {
	for _, n := range names {
		if strings.EqualFold(n, got) {
			return fmt.Sprintf("did you mean %q? names are case-sensitive", n)
		}
	}
	return suggest(got, names, fallback)
}

// Warnings lists what is legal but probably not meant. It is not part of
// the problems Load reports: a component that no target feeds stays as it
// is on the page, which is what a hand-managed component wants, and a
// major_when_down count above a component's targets still lets a critical
// target make it a Major Outage.
func Warnings(c *Config, ts []Target) Problems {
	if c == nil {
		return nil
	}
	var ps Problems
	if FormOf(c.NewIncidentName) != TemplateText {
		if ScanVerbs(c.NewIncidentName).Count == 0 {
			ps = append(ps, Problem{File: c.File, Field: keyNewIncidentName,
				Msg:  "has no %s, so every incident gets the same name",
				Hint: "add %s where the component name belongs"})
		}
	}
	fed := map[string]bool{}
	for _, t := range ts {
		for _, comp := range t.Components {
			fed[comp] = true
		}
	}
	for i, g := range c.Groups {
		for j, comp := range g.Components {
			if !fed[comp] {
				ps = append(ps, Problem{
					File:  c.File,
					Line:  g.Line,
					Field: fmt.Sprintf("%s[%d].%s[%d]", keyGroups, i, keyGroupComponents, j),
					Msg:   fmt.Sprintf("no target feeds component %q; its status will be left as it is", comp),
					Hint:  fmt.Sprintf("label a target with status_page_component: %q and status_page_alert: true, unless it is managed by hand", comp),
				})
			}
		}
	}
	ps = append(ps, ruleWarnings(c, ts)...)
	return ps.sorted()
}
