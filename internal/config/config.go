// Package config loads and validates statusbridge's two config files:
// config.json (incident texts and the component groups) and prometheus.yml
// (the targets and their status-page labels). It reports every problem at
// once, each with file, line and a fix, for serve, setup and validate alike.
package config

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"
)

// Defaults for keys missing from config.json.
const (
	defaultNewIncidentName         = "%s is experiencing issues"
	defaultNewIncidentMessage      = "We are currently investigating this issue."
	defaultResolvedIncidentMessage = "The issue has been resolved."
	defaultPerPage                 = 50
)

// maxPerPage caps cachet_per_page_param: Cachet itself does not, and one
// huge page is one slow query.
const maxPerPage = 100

// Config is config.json: the incident texts and the component groups.
type Config struct {
	// NewIncidentName names a new incident. It is either a printf form with
	// at most one %s for the component name, or a Go template whose syntax
	// the caller checks (see FormOf).
	NewIncidentName             string
	NewIncidentMessage          string
	ResolvedIncidentMessage     string
	RecurringAlertUpdateMessage string // empty: no updates while an incident is open
	PerPage                     int    // page size for Cachet list calls, 1..100
	Groups                      []Group
	File                        string // the path it was read from
	NameLine                    int    // line of new_incident_name; 0 when left out

	// Defaults are DefaultRules overlaid with the defaults block.
	Defaults Rules
	// Rules are the resolved rules of each visible component that has a
	// block in components: Defaults overlaid with that block. Use RulesFor.
	Rules map[string]Rules
	// RuleLines is the line of every rules key the file sets, by field
	// path (defaults.outage_after, components["Web Server"].major_when_down),
	// so that Warnings can point at the key.
	RuleLines map[string]int
}

// Group is one component group and its visible components, as listed.
type Group struct {
	Name       string
	Components []string
	Line       int // line of the group's entry in config.json
}

// GroupOf returns the name of the group that lists component.
func (c *Config) GroupOf(component string) (group string, ok bool) {
	for _, g := range c.Groups {
		if slices.Contains(g.Components, component) {
			return g.Name, true
		}
	}
	return "", false
}

// Components returns every visible component name, in file order.
func (c *Config) Components() []string {
	var out []string
	for _, g := range c.Groups {
		out = append(out, g.Components...)
	}
	return out
}

const (
	keyNewIncidentName         = "new_incident_name"
	keyNewIncidentMessage      = "new_incident_message"
	keyResolvedIncidentMessage = "resolved_incident_message"
	keyRecurringMessage        = "recurring_alert_update_message"
	keyPerPage                 = "cachet_per_page_param"
	keyGroups                  = "groups_configuration"
	keyGroupName               = "status_page_group"
	keyGroupComponents         = "status_page_components"
)

var (
	configKeys = []string{keyNewIncidentName, keyNewIncidentMessage, keyResolvedIncidentMessage,
		keyRecurringMessage, keyPerPage, keyGroups, keyDefaults, keyComponents}
	groupKeys = []string{keyGroupName, keyGroupComponents}
)

// ParseConfig decodes and validates config.json. Unknown keys, wrong types,
// empty texts, a malformed new_incident_name, out-of-range paging,
// malformed, empty or repeated groups and components, and status rules
// with bad values or for unknown components are all problems.
//
// Whenever data is a JSON object the Config is returned, filled as far as
// it could be read, so that Check can report cross-file problems in the same
// run; do not use it when there are problems.
func ParseConfig(file string, data []byte) (*Config, Problems) {
	ps := &problems{file: file}
	data = trimBOM(data)
	if len(bytes.TrimSpace(data)) == 0 {
		ps.add(0, "", "start from config.json.example", "the file is empty")
		return nil, ps.result()
	}
	root, err := parseJSON(data)
	if err != nil {
		ps.syntax(err)
		return nil, ps.result()
	}
	if root.kind != jsonObject {
		ps.add(root.line, "", `config.json is an object of settings; see config.json.example`,
			"want a JSON object {...}, got %s", root.kind)
		return nil, ps.result()
	}
	c := &Config{
		NewIncidentName:         defaultNewIncidentName,
		NewIncidentMessage:      defaultNewIncidentMessage,
		ResolvedIncidentMessage: defaultResolvedIncidentMessage,
		PerPage:                 defaultPerPage,
		File:                    file,
	}
	seenGroups := false
	var compLines [][]int
	var defaults, comps *jsonMember
	for _, m := range members(ps, root, "", configKeys) {
		switch m.name {
		case keyNewIncidentName:
			c.NewIncidentName, c.NameLine = text(ps, m, true), m.val.line
			checkIncidentName(ps, m, c.NewIncidentName)
		case keyNewIncidentMessage:
			c.NewIncidentMessage = text(ps, m, true)
		case keyResolvedIncidentMessage:
			c.ResolvedIncidentMessage = text(ps, m, true)
		case keyRecurringMessage:
			// Optional: an empty value turns the updates off, as leaving it out does.
			c.RecurringAlertUpdateMessage = text(ps, m, false)
		case keyPerPage:
			c.PerPage = perPage(ps, m)
		case keyGroups:
			seenGroups = true
			c.Groups, compLines = groups(ps, m)
		case keyDefaults:
			defaults = &m
		case keyComponents:
			comps = &m
		}
	}
	if !seenGroups {
		ps.add(root.line, keyGroups, `add "groups_configuration": [{"status_page_group": "...", "status_page_components": ["..."]}]`,
			"missing; there is nothing to put on the status page")
	}
	checkGroups(ps, c.Groups, compLines)
	parseRules(ps, defaults, comps, c)
	checkNameLength(ps, root, c)
	return c, ps.result()
}

func trimBOM(data []byte) []byte {
	// Windows editors save JSON with a byte order mark, which encoding/json rejects.
	if len(data) >= 3 && data[0] == 0xEF && data[1] == 0xBB && data[2] == 0xBF {
		return data[3:]
	}
	return data
}

func (ps *problems) syntax(err error) {
	var je *jsonError
	if !errors.As(err, &je) {
		ps.add(0, "", "", "invalid JSON: %v", err)
		return
	}
	hint := je.hint
	switch {
	case hint != "":
	case strings.Contains(je.msg, "invalid character '/'"), strings.Contains(je.msg, "invalid character '#'"):
		hint = "JSON has no comments; remove them"
	case strings.Contains(je.msg, "invalid character '\\''"):
		hint = "JSON strings use double quotes"
	case strings.Contains(je.msg, "'}' looking for beginning of object key string"),
		strings.Contains(je.msg, "']' looking for beginning of value"):
		hint = "remove the comma after the last entry; JSON allows no trailing comma"
	default:
		hint = "check for a missing comma, quote or bracket near this line"
	}
	ps.add(je.line, "", hint, "invalid JSON: %s", strings.TrimPrefix(je.msg, "json: "))
}

// members returns an object's members, reporting unknown and repeated keys.
func members(ps *problems, n *jsonNode, path string, known []string) []jsonMember {
	var out []jsonMember
	first := map[string]int{}
	for _, m := range n.members {
		field := join(path, m.name)
		if !slices.Contains(known, m.name) {
			ps.add(m.line, field, suggest(m.name, known, "remove it; known keys are "+strings.Join(known, ", ")), "unknown key")
			continue
		}
		if l, dup := first[m.name]; dup {
			ps.add(m.line, field, "keep one of them", "key appears twice (also line %d)", l)
			continue
		}
		first[m.name] = m.line
		out = append(out, m)
	}
	return out
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// text reads a message string. A present key must say something: an empty
// incident text is almost always a mistake, and leaving the key out gives
// the default.
func text(ps *problems, m jsonMember, required bool) string {
	if m.val.kind != jsonString {
		ps.add(m.val.line, m.name, `write the text in double quotes, or leave the key out`, "want a string, got %s", m.val.kind)
		return ""
	}
	if required && strings.TrimSpace(m.val.str) == "" {
		ps.add(m.val.line, m.name, "write a text, or remove the key to use the default", "is empty")
	}
	return m.val.str
}

// checkIncidentName checks the printf form: the bridge formats it with one
// argument, the component name. A Go template is the caller's to check.
func checkIncidentName(ps *problems, m jsonMember, name string) {
	if FormOf(name) == TemplateText {
		return
	}
	v := ScanVerbs(name)
	const hint = "use one %s for the component name and %% for a literal percent sign"
	switch {
	case v.Bad != "":
		// The loader has always named a verb by its first character ("%1"
		// for "%10s"); validate's text check shows it whole.
		_, size := utf8.DecodeRuneInString(v.Bad[1:])
		ps.add(m.val.line, m.name, hint, "has the verb %q; only %%s is allowed", v.Bad[:1+size])
	case v.Count > 1:
		ps.add(m.val.line, m.name, hint, "has %d %%s verbs; at most one is allowed", v.Count)
	}
}

// checkNameLength checks that the incident name stays within Cachet's limit
// for the longest component name it will be formatted with.
func checkNameLength(ps *problems, root *jsonNode, c *Config) {
	if FormOf(c.NewIncidentName) == TemplateText {
		return
	}
	if v := ScanVerbs(c.NewIncidentName); v.Count > 1 || v.Bad != "" {
		return
	}
	longest := ""
	for _, comp := range c.Components() {
		// A component over the limit is reported on its own.
		if n := utf8.RuneCountInString(comp); n > utf8.RuneCountInString(longest) && n <= maxName {
			longest = comp
		}
	}
	name := strings.ReplaceAll(strings.Replace(c.NewIncidentName, "%s", longest, 1), "%%", "%")
	if n := utf8.RuneCountInString(name); n > maxName {
		line := root.line
		for _, m := range root.members {
			if m.name == keyNewIncidentName {
				line = m.val.line
			}
		}
		ps.add(line, keyNewIncidentName, fmt.Sprintf("shorten it; Cachet accepts incident names of at most %d characters", maxName),
			"is %d characters long with the component %q", n, longest)
	}
}

func perPage(ps *problems, m jsonMember) int {
	const hint = "write a whole number from 1 to 100 without quotes, or leave the key out for 50"
	if m.val.kind != jsonNumber {
		ps.add(m.val.line, m.name, hint, "want a number, got %s", m.val.kind)
		return defaultPerPage
	}
	n, err := m.val.num.Int64()
	if err != nil {
		ps.add(m.val.line, m.name, hint, "%s is not a whole number", m.val.num)
		return defaultPerPage
	}
	if n < 1 || n > maxPerPage {
		ps.add(m.val.line, m.name, hint, "%d is out of range", n)
		return defaultPerPage
	}
	return int(n)
}

// groups reads groups_configuration. Names are kept even when they have
// problems, so that Check does not also report every target of a group
// whose only fault is a stray space.
func groups(ps *problems, m jsonMember) ([]Group, [][]int) {
	const example = `[{"status_page_group": "Web Services", "status_page_components": ["Web Server"]}]`
	if m.val.kind != jsonArray {
		ps.add(m.val.line, m.name, "write a list of groups: "+example, "want a list, got %s", m.val.kind)
		return nil, nil
	}
	if len(m.val.elems) == 0 {
		ps.add(m.val.line, m.name, "add at least one group: "+example, "is empty")
		return nil, nil
	}
	var out []Group
	var lines [][]int
	for i, e := range m.val.elems {
		path := fmt.Sprintf("%s[%d]", m.name, i)
		if e.kind != jsonObject {
			ps.add(e.line, path, "write each group as "+strings.Trim(example, "[]"), "want an object, got %s", e.kind)
			continue
		}
		g := Group{Line: e.line}
		var compLines []int
		var seenName, seenComps bool
		for _, gm := range members(ps, e, path, groupKeys) {
			field := join(path, gm.name)
			switch gm.name {
			case keyGroupName:
				seenName = true
				if gm.val.kind != jsonString {
					ps.add(gm.val.line, field, "write the group name in double quotes", "want a string, got %s", gm.val.kind)
					continue
				}
				g.Name = gm.val.str
				ps.checkName(gm.val.line, field, "group name", g.Name)
			case keyGroupComponents:
				seenComps = true
				g.Components, compLines = components(ps, gm, field)
			}
		}
		if !seenName {
			ps.add(e.line, join(path, keyGroupName), `add "status_page_group": "<group name>"`, "missing")
		}
		if !seenComps {
			ps.add(e.line, join(path, keyGroupComponents), `add "status_page_components": ["<component name>", ...]`, "missing")
		}
		out = append(out, g)
		lines = append(lines, compLines)
	}
	return out, lines
}

func components(ps *problems, m jsonMember, field string) (names []string, lines []int) {
	if m.val.kind != jsonArray {
		ps.add(m.val.line, field, `write a list of names: ["Web Server", "Database"]`, "want a list, got %s", m.val.kind)
		return nil, nil
	}
	if len(m.val.elems) == 0 {
		ps.add(m.val.line, field, "list at least one component, or remove the group", "is empty")
		return nil, nil
	}
	for i, e := range m.val.elems {
		path := fmt.Sprintf("%s[%d]", field, i)
		if e.kind != jsonString {
			ps.add(e.line, path, "write the component name in double quotes", "want a string, got %s", e.kind)
			continue
		}
		ps.checkName(e.line, path, "component name", e.str)
		if strings.Contains(e.str, ",") {
			// status_page_component labels are split on commas, so no
			// target could ever feed this name.
			ps.add(e.line, path, "component names cannot contain commas; rename it", "%q contains a comma", e.str)
		}
		if strings.Contains(e.str, "|") {
			ps.add(e.line, path, `rename it; statusbridge reserves "|" for the per-target components "<instance> | <components>"`,
				"%q contains %q", e.str, "|")
		}
		names = append(names, e.str)
		lines = append(lines, e.line)
	}
	return names, lines
}

// checkGroups reports groups and components listed more than once: Cachet
// names must be unique for setup to adopt them, and a component can sit in
// one group only.
func checkGroups(ps *problems, gs []Group, compLines [][]int) {
	groupLine := map[string]int{}
	type place struct {
		group string
		line  int
	}
	compAt := map[string]place{}
	for i, g := range gs {
		if g.Name != "" {
			if l, dup := groupLine[g.Name]; dup {
				ps.add(g.Line, fmt.Sprintf("%s[%d].%s", keyGroups, i, keyGroupName), "merge the two entries into one",
					"group %q is listed twice (also line %d)", g.Name, l)
			} else {
				groupLine[g.Name] = g.Line
			}
		}
		for j, comp := range g.Components {
			if comp == "" {
				continue
			}
			line := compLines[i][j]
			field := fmt.Sprintf("%s[%d].%s[%d]", keyGroups, i, keyGroupComponents, j)
			prev, dup := compAt[comp]
			switch {
			case !dup:
				compAt[comp] = place{g.Name, line}
			case prev.group == g.Name:
				ps.add(line, field, "remove one of them", "component %q is listed twice in group %q (also line %d)", comp, g.Name, prev.line)
			default:
				ps.add(line, field, "a component belongs to one group; remove it from one of them",
					"component %q is in group %q and also in group %q (line %d)", comp, g.Name, prev.group, prev.line)
			}
		}
	}
}
