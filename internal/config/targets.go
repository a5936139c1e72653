package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"gopkg.in/yaml.v3"

	"statusbridge/internal/status"
)

// Target is one scraped endpoint that feeds the status page.
type Target struct {
	Instance      string   // the target string as written
	Job           string   // the job it is listed under
	ComponentsRaw string   // status_page_component exactly as written; it forms the invisible component name
	Components    []string // status.SplitComponents(ComponentsRaw)
	Critical      bool     // status_page_critical_target
	File          string
	Line          int // line of the target string
}

// InvisibleName is the name of the target's per-target Cachet component,
// "<instance> | <status_page_component as written>".
func (t Target) InvisibleName() string {
	return status.InvisibleName(t.Instance, t.ComponentsRaw)
}

// The labels statusbridge reads. Other labels are Prometheus's business.
const (
	labelAlert     = "status_page_alert"
	labelComponent = "status_page_component"
	labelCritical  = "status_page_critical_target"
	labelPrefix    = "status_page_"
)

var (
	ourLabels   = []string{labelAlert, labelComponent, labelCritical}
	groupFields = []string{"targets", "labels"}
)

// maxTargets bounds the targets and target groups read, which YAML aliases
// can multiply a small file into.
const maxTargets = 100_000

// ParseTargets reads the targets of prometheus.yml in either of its two
// shapes: an Ansible-style vars file whose prometheus_targets maps job names
// to lists of {targets, labels}, or a Prometheus config whose scrape_configs
// carry static_configs. Both may appear; other top-level keys, and
// scrape_config keys other than job_name and static_configs, are ignored
// because the file is shared with other tooling.
//
// Every target group is validated, but only targets whose status_page_alert
// is true are returned, in file order. Booleans are YAML's true and false
// (in any case, as YAML 1.2 has them) or those words as strings in any
// case; YAML 1.1's yes/no/on/off and numbers are problems, because
// Prometheus passes a label on to the alert as written, and "yes" would
// never count there.
//
// The targets read so far are returned even when there are problems, so
// that Check can report cross-file problems in the same run; do not use
// them when there are problems.
func ParseTargets(file string, data []byte) ([]Target, Problems) {
	p := &targetParser{problems: problems{file: file}}
	root := p.document(data)
	if root == nil {
		return nil, p.result()
	}
	if !p.shapes(root) {
		p.noTargets(root.Line)
	}
	p.checkDuplicates()
	return p.targets, p.result()
}

// document decodes data and returns its top-level mapping, or nil, with the
// problem reported, when the file holds none.
func (p *targetParser) document(data []byte) *yaml.Node {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	switch err := dec.Decode(&doc); {
	case errors.Is(err, io.EOF):
		p.noTargets(0)
		return nil
	case err != nil:
		p.yamlError(err)
		return nil
	}
	p.extraDocument(dec)
	root := deref(&doc)
	if root.Kind == yaml.DocumentNode && len(root.Content) > 0 {
		root = deref(root.Content[0])
	}
	switch {
	case isNull(root) || root.Kind == yaml.DocumentNode:
		p.noTargets(0)
		return nil
	case root.Kind != yaml.MappingNode:
		p.add(root.Line, "", "the file is a mapping with prometheus_targets: or scrape_configs: at the top", "want a mapping, got %s", describe(root))
		return nil
	}
	return root
}

// extraDocument reports a second YAML document after the first: only the
// first is read, so targets listed after a "---" would be silently lost.
func (p *targetParser) extraDocument(dec *yaml.Decoder) {
	var extra yaml.Node
	switch err := dec.Decode(&extra); {
	case errors.Is(err, io.EOF):
	case err != nil:
		p.yamlError(err)
	case len(extra.Content) > 0 && !isNull(extra.Content[0]): // a trailing "---" is harmless
		p.add(extra.Line, "", `put everything in one document, without "---" separators`, "more than one YAML document")
	}
}

// shapes reads the targets of both shapes under the top-level mapping and
// reports whether either key was there.
func (p *targetParser) shapes(root *yaml.Node) (found bool) {
	for _, kv := range p.pairs(root, "") {
		switch kv.key.Value {
		case "prometheus_targets":
			found = true
			p.ansible(kv.val)
		case "scrape_configs":
			found = true
			p.scrapeConfigs(kv.val)
		}
	}
	return found
}

type targetParser struct {
	problems
	targets []Target
	count   int
}

// tooMany counts a target or target group read and reports, once, when
// there are more than maxTargets of them: YAML aliases can make a small
// file name one long list thousands of times.
func (p *targetParser) tooMany(line int, field string) bool {
	p.count++
	if p.count == maxTargets+1 {
		p.add(line, field, "list fewer; check YAML aliases (*name) that repeat a long list", "more than %d targets", maxTargets)
	}
	return p.count > maxTargets
}

func (p *targetParser) noTargets(line int) {
	p.add(line, "", "list targets under prometheus_targets: <job>: [{targets: [...], labels: {...}}], or under scrape_configs: [{job_name: ..., static_configs: [...]}]; see prometheus.yml.example",
		"neither prometheus_targets nor scrape_configs found")
}

var yamlLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

func (p *targetParser) yamlError(err error) {
	msg := err.Error()
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		line, _ := strconv.Atoi(m[1])
		p.add(line, "", "check the indentation, quoting and brackets near this line", "invalid YAML: %s", m[2])
		return
	}
	p.add(0, "", "", "invalid YAML: %s", strings.TrimPrefix(msg, "yaml: "))
}

// ansible reads prometheus_targets: a map of job name to target groups.
func (p *targetParser) ansible(n *yaml.Node) {
	n = deref(n)
	const field = "prometheus_targets"
	if isNull(n) {
		p.add(n.Line, field, "list at least one job, or remove the key", "is empty")
		return
	}
	if n.Kind != yaml.MappingNode {
		p.add(n.Line, field, "write a mapping of job name to a list of {targets: [...], labels: {...}}", "want a mapping, got %s", describe(n))
		return
	}
	for _, kv := range p.pairs(n, field) {
		job := kv.key.Value
		path := field + "." + job
		if strings.TrimSpace(job) == "" {
			p.add(kv.key.Line, path, "give the job a name", "job name is empty")
		}
		p.targetGroups(job, kv, path, "list its targets, or remove the job")
	}
}

// scrapeConfigs reads a Prometheus config's static targets. Jobs without
// static_configs use service discovery; their targets are created when their
// alerts first arrive, so they are not a problem here.
func (p *targetParser) scrapeConfigs(n *yaml.Node) {
	n = deref(n)
	const field = "scrape_configs"
	if isNull(n) {
		p.add(n.Line, field, "list at least one scrape config, or remove the key", "is empty")
		return
	}
	if n.Kind != yaml.SequenceNode {
		p.add(n.Line, field, "write a list of {job_name: ..., static_configs: [...]}", "want a list, got %s", describe(n))
		return
	}
	for i, sc := range n.Content {
		p.scrapeConfig(deref(sc), fmt.Sprintf("%s[%d]", field, i))
	}
}

// scrapeConfig reads one scrape config. Of its keys only job_name and
// static_configs matter here.
func (p *targetParser) scrapeConfig(sc *yaml.Node, path string) {
	if sc.Kind != yaml.MappingNode {
		p.add(sc.Line, path, "write each scrape config as {job_name: ..., static_configs: [...]}", "want a mapping, got %s", describe(sc))
		return
	}
	var job string
	var jobSeen bool
	var statics *pair
	for _, kv := range p.pairs(sc, path) {
		switch kv.key.Value {
		case "job_name":
			jobSeen = true
			job = p.jobName(kv.val, path+".job_name")
		case "static_configs":
			statics = &kv
		}
	}
	if !jobSeen {
		p.add(sc.Line, path+".job_name", "add job_name: <name>", "missing")
	}
	if statics != nil {
		p.targetGroups(job, *statics, path+".static_configs", "list its targets, or remove static_configs")
	}
}

// jobName reads a scrape config's job_name; it reports an empty one and
// returns "".
func (p *targetParser) jobName(n *yaml.Node, field string) string {
	v := deref(n)
	if v.Kind != yaml.ScalarNode || isNull(v) || strings.TrimSpace(v.Value) == "" {
		p.add(v.Line, field, "give the job a name", "job_name is empty")
		return ""
	}
	return v.Value
}

// targetGroups reads the list of {targets, labels} groups of one job: an
// Ansible job's value or a scrape config's static_configs, kv being that
// key and its value. emptyHint tells how to fix an empty list in that shape.
func (p *targetParser) targetGroups(job string, kv pair, path, emptyHint string) {
	groups := deref(kv.val)
	switch {
	case isNull(groups) || (groups.Kind == yaml.SequenceNode && len(groups.Content) == 0):
		p.add(kv.key.Line, path, emptyHint, "job %q has no targets", job)
	case groups.Kind != yaml.SequenceNode:
		p.add(groups.Line, path, "write a list of {targets: [...], labels: {...}}", "want a list, got %s", describe(groups))
	default:
		for i, g := range groups.Content {
			p.group(job, g, fmt.Sprintf("%s[%d]", path, i))
		}
	}
}

// labels is what a target group's labels say about the status page.
type labels struct {
	alert, critical bool
	raw             string
	rawSet          bool // status_page_component is given
	bad             bool // some label is malformed and has been reported
}

// group reads one {targets, labels} entry.
func (p *targetParser) group(job string, n *yaml.Node, path string) {
	n = deref(n)
	if p.tooMany(n.Line, path) {
		return
	}
	if n.Kind != yaml.MappingNode {
		p.add(n.Line, path, "write the target group as {targets: [...], labels: {...}}", "want a mapping, got %s", describe(n))
		return
	}
	var targets, labelsNode *yaml.Node
	for _, kv := range p.pairs(n, path) {
		switch kv.key.Value {
		case "targets":
			targets = kv.val
		case "labels":
			labelsNode = kv.val
		default:
			p.add(kv.key.Line, path+"."+kv.key.Value, suggest(kv.key.Value, groupFields, "a target group has only targets: and labels:; move it under labels: or remove it"),
				"unknown key")
		}
	}
	l := p.labels(labelsNode, path+".labels")
	instances := p.instances(targets, n.Line, path+".targets")
	if !l.alert || l.bad {
		return
	}
	if !l.rawSet {
		line := n.Line
		if labelsNode != nil {
			line = deref(labelsNode).Line
		}
		p.add(line, path+".labels", `add status_page_component: "<component>[, <component>...]", or set status_page_alert: false`,
			"status_page_alert is true but status_page_component is missing")
		return
	}
	comps := status.SplitComponents(l.raw)
	for _, in := range instances {
		t := Target{
			Instance:      in.node.Value,
			Job:           job,
			ComponentsRaw: l.raw,
			Components:    slices.Clone(comps),
			Critical:      l.critical,
			File:          p.file,
			Line:          in.node.Line,
		}
		p.targets = append(p.targets, t)
	}
}

// labels reads and checks a target group's labels.
func (p *targetParser) labels(n *yaml.Node, path string) labels {
	var l labels
	if n == nil {
		return l
	}
	n = deref(n)
	if isNull(n) {
		return l
	}
	if n.Kind != yaml.MappingNode {
		p.add(n.Line, path, "write labels as a mapping {name: value, ...}", "want a mapping, got %s", describe(n))
		return l
	}
	for _, kv := range p.pairs(n, path) {
		name := kv.key.Value
		field := path + "." + name
		switch name {
		case labelAlert:
			var ok bool
			l.alert, ok = p.boolean(kv.val, field)
			l.bad = l.bad || !ok
		case labelCritical:
			var ok bool
			l.critical, ok = p.boolean(kv.val, field)
			l.bad = l.bad || !ok
		case labelComponent:
			v := deref(kv.val)
			if v.Kind != yaml.ScalarNode || isNull(v) {
				p.add(v.Line, field, `write one string, comma-separated: "Backend, API Services"`, "want a string, got %s", describe(v))
				l.bad = true
				continue
			}
			l.raw, l.rawSet = v.Value, true
			l.bad = !p.checkComponents(v.Line, field, v.Value) || l.bad
		default:
			if strings.HasPrefix(name, labelPrefix) {
				p.add(kv.key.Line, field, suggest(name, ourLabels, "statusbridge reads only "+strings.Join(ourLabels, ", ")), "unknown status page label")
			}
		}
	}
	return l
}

// boolean reads a true/false label; ok is false when it is neither.
func (p *targetParser) boolean(n *yaml.Node, field string) (v, ok bool) {
	n = deref(n)
	if n.Kind == yaml.ScalarNode && (n.ShortTag() == "!!bool" || n.ShortTag() == "!!str") {
		switch {
		case strings.EqualFold(n.Value, "true"):
			return true, true
		case strings.EqualFold(n.Value, "false"):
			return false, true
		}
	}
	p.add(n.Line, field, "write true or false (yes, no, on, off and numbers are not accepted)", "%s is not a boolean", describe(n))
	return false, false
}

// checkComponents checks a status_page_component value. It is split on
// commas into visible component names, and as written it forms the
// per-target component's name, which Cachet would trim. ok is false when
// it names no component at all.
func (p *targetParser) checkComponents(line int, field, raw string) (ok bool) {
	comps := status.SplitComponents(raw)
	switch {
	case len(comps) == 0:
		p.add(line, field, `name at least one component: "Web Server" or "Backend, API Services"`, "is empty")
		return false
	case strings.TrimSpace(raw) != raw:
		p.add(line, field, fmt.Sprintf("write %q", strings.TrimSpace(raw)), "%q has spaces around it", raw)
	}
	parts := strings.Split(raw, ",")
	if len(parts) != len(comps) {
		p.add(line, field, "remove the extra comma", "%q has an empty name between commas", raw)
	}
	seen := map[string]bool{}
	for _, c := range comps {
		if seen[c] {
			p.add(line, field, "list each component once", "%q lists %q twice", raw, c)
		}
		seen[c] = true
		if n := utf8.RuneCountInString(c); n > maxName {
			p.add(line, field, fmt.Sprintf("shorten it; Cachet accepts at most %d characters", maxName), "component name is %d characters long", n)
		}
	}
	return true
}

// instance is one target string and its key path.
type instance struct {
	node  *yaml.Node
	field string
}

// instances reads a target group's targets list.
func (p *targetParser) instances(n *yaml.Node, groupLine int, path string) []instance {
	if n == nil {
		p.add(groupLine, path, `add targets: ["host:port", ...]`, "missing")
		return nil
	}
	n = deref(n)
	switch {
	case isNull(n) || (n.Kind == yaml.SequenceNode && len(n.Content) == 0):
		p.add(n.Line, path, `list at least one target: ["host:port", ...], or remove the group`, "is empty")
		return nil
	case n.Kind != yaml.SequenceNode:
		p.add(n.Line, path, `write a list, even of one target: ["host:port"]`, "want a list, got %s", describe(n))
		return nil
	}
	var out []instance
	for i, t := range n.Content {
		field := fmt.Sprintf("%s[%d]", path, i)
		t = deref(t)
		if p.tooMany(t.Line, field) {
			return out
		}
		switch {
		case t.Kind != yaml.ScalarNode:
			p.add(t.Line, field, `write the target as a string: "host:port"`, "want a string, got %s", describe(t))
		case isNull(t) || strings.TrimSpace(t.Value) == "":
			p.add(t.Line, field, `write "host:port" or a URL, or remove the entry`, "target is empty")
		case strings.IndexFunc(t.Value, unicode.IsSpace) >= 0:
			// Cachet trims names, and " | " separates the target from its
			// components in the per-target component's name.
			p.add(t.Line, field, "remove the spaces", "target %q contains whitespace", t.Value)
		default:
			out = append(out, instance{t, field})
		}
	}
	return out
}

// checkDuplicates reports targets listed twice for the same components:
// they would be counted twice when their status is aggregated.
func (p *targetParser) checkDuplicates() {
	first := map[string]Target{}
	for _, t := range p.targets {
		comps := slices.Clone(t.Components)
		slices.Sort(comps)
		key := t.Instance + "\x00" + strings.Join(slices.Compact(comps), "\x00")
		if prev, dup := first[key]; dup {
			p.add(t.Line, "targets", "remove one of them",
				"target %q for %q is listed twice: line %d (job %q) and line %d (job %q)", t.Instance, t.ComponentsRaw, prev.Line, prev.Job, t.Line, t.Job)
			continue
		}
		first[key] = t
	}
}

// pair is one key and value of a YAML mapping.
type pair struct{ key, val *yaml.Node }

// pairs returns a mapping's entries with merge keys (<<) expanded, as
// Ansible vars files use them for shared labels. Explicit keys win over
// merged ones; an explicit key given twice is a problem.
func (p *targetParser) pairs(n *yaml.Node, path string) []pair {
	var out []pair
	first := map[string]int{}
	var merges []*yaml.Node
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Kind == yaml.ScalarNode && k.ShortTag() == "!!merge" {
			merges = append(merges, v)
			continue
		}
		if k.Kind != yaml.ScalarNode {
			p.add(k.Line, path, "keys are plain names", "want a name as key, got %s", describe(k))
			continue
		}
		if l, dup := first[k.Value]; dup {
			p.add(k.Line, join(path, k.Value), "keep one of them", "key appears twice (also line %d)", l)
			continue
		}
		first[k.Value] = k.Line
		out = append(out, pair{k, v})
	}
	ms := &merger{p: p, path: path, have: first, active: map[*yaml.Node]bool{n: true}, done: map[*yaml.Node]bool{}}
	for _, m := range merges {
		ms.merge(m, &out, 0)
	}
	return out
}

// merger expands the merge keys of one mapping.
type merger struct {
	p      *targetParser
	path   string
	have   map[string]int      // keys present so far, which win over merged ones
	active map[*yaml.Node]bool // mappings being merged, to catch one that merges itself
	done   map[*yaml.Node]bool // mappings merged already; a second merge adds nothing
}

// merge adds the entries of a merged mapping (or list of them) that are
// not there yet.
func (ms *merger) merge(m *yaml.Node, out *[]pair, depth int) {
	m = deref(m)
	if depth > 8 || ms.active[m] {
		ms.p.add(m.Line, ms.path, "", "merge (<<) refers to itself")
		return
	}
	if ms.done[m] {
		return
	}
	switch m.Kind {
	case yaml.SequenceNode:
		for _, e := range m.Content {
			ms.merge(e, out, depth+1)
		}
		return
	case yaml.MappingNode:
	default:
		ms.p.add(m.Line, ms.path, "merge a mapping: <<: *anchor", "merge (<<) of %s", describe(m))
		return
	}
	ms.active[m], ms.done[m] = true, true
	defer delete(ms.active, m)
	var nested []*yaml.Node
	for i := 0; i+1 < len(m.Content); i += 2 {
		k, v := m.Content[i], m.Content[i+1]
		if k.Kind == yaml.ScalarNode && k.ShortTag() == "!!merge" {
			nested = append(nested, v)
			continue
		}
		if k.Kind != yaml.ScalarNode {
			continue
		}
		if _, ok := ms.have[k.Value]; ok {
			continue
		}
		ms.have[k.Value] = k.Line
		*out = append(*out, pair{k, v})
	}
	for _, v := range nested {
		ms.merge(v, out, depth+1)
	}
}

// deref follows an alias (*name) to its anchored node.
func deref(n *yaml.Node) *yaml.Node {
	for i := 0; n.Kind == yaml.AliasNode && n.Alias != nil && i < 8; i++ {
		n = n.Alias
	}
	return n
}

func isNull(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null"
}

// describe names a node for a message: its value when it is a scalar.
func describe(n *yaml.Node) string {
	switch {
	case isNull(n):
		return "an empty value"
	case n.Kind == yaml.ScalarNode:
		return strconv.Quote(n.Value)
	case n.Kind == yaml.SequenceNode:
		return "a list"
	case n.Kind == yaml.MappingNode:
		return "a mapping"
	case n.Kind == yaml.AliasNode:
		return "an alias"
	default:
		return "a document"
	}
}
