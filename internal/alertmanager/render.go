package alertmanager

import (
	"errors"
	"fmt"
	"strings"
	tmpltext "text/template"
	"text/template/parse"
	"time"

	"github.com/prometheus/alertmanager/template"

	"statusbridge/internal/config"
)

// Renderer renders incident names and messages from config.json strings. It
// is safe for concurrent use.
type Renderer struct {
	tmpl *template.Template
}

// IncidentData is what an incident template sees as its dot.
type IncidentData struct {
	// Component is the visible component's name.
	Component string
	// Group is the component group's name.
	Group string
	// Status is the component's status label, e.g. "Major Outage".
	Status string
	// Alerts are the alerts currently firing on the targets that feed the
	// component. It is empty once everything has recovered, so a resolve
	// message must not index into it.
	Alerts template.Alerts
}

// NewRenderer returns a Renderer built on Alertmanager's template engine, so
// operators get the functions they already use in Alertmanager templates
// (title, toUpper, join, reReplaceAll, ...).
func NewRenderer() (*Renderer, error) {
	t, err := template.New()
	if err != nil {
		return nil, fmt.Errorf("create template engine: %w", err)
	}
	return &Renderer{tmpl: t}, nil
}

// Render produces an incident text, read as config.FormOf says: a Go text
// template executed with data, a printf format for data.Component, or a
// text used as it is.
func (r *Renderer) Render(text string, data IncidentData) (string, error) {
	switch config.FormOf(text) {
	case config.TemplateText:
		out, err := r.tmpl.ExecuteTextString(text, data)
		if err != nil {
			return "", fmt.Errorf("render incident template: %w", err)
		}
		return out, nil
	case config.PrintfText:
		return fmt.Sprintf(text, data.Component), nil
	default:
		return text, nil
	}
}

// Check validates a text without real data, for `statusbridge validate`.
// A Go template must parse, must not also use %s, and must execute against
// a sample incident with one firing alert (which catches misspelt fields
// such as {{ .component }}). A printf-form text may hold one %s and no
// other verb except %%.
func (r *Renderer) Check(text string) error {
	switch config.FormOf(text) {
	case config.TemplateText:
		return r.checkTemplate(text)
	case config.PrintfText:
		return checkPrintf(text)
	default:
		return nil
	}
}

func (r *Renderer) checkTemplate(text string) error {
	// Parsed here with the same functions and options as
	// template.ExecuteTextString, because its tree is needed below.
	t, err := tmpltext.New("").Option("missingkey=zero").Funcs(tmpltext.FuncMap(template.DefaultFuncs)).Parse(text)
	if err != nil {
		return fmt.Errorf("invalid Go template; check the {{ }} syntax: %w", err)
	}
	for _, tt := range t.Templates() {
		if tt.Tree != nil && hasPrintfVerb(tt.Root) {
			return errors.New("template also contains %s, which templates print literally; write {{ .Component }} instead")
		}
	}
	if _, err := r.tmpl.ExecuteTextString(text, sampleIncident()); err != nil {
		return fmt.Errorf("template fails on a sample incident; the fields are .Component, .Group, .Status and .Alerts: %w", err)
	}
	return nil
}

// hasPrintfVerb reports whether the literal text of a template tree
// contains "%s"; inside actions, as in {{ printf "%s" .Component }}, it is
// fine.
func hasPrintfVerb(n parse.Node) bool {
	switch n := n.(type) {
	case *parse.TextNode:
		return strings.Contains(string(n.Text), "%s")
	case *parse.ListNode:
		if n == nil {
			return false
		}
		for _, c := range n.Nodes {
			if hasPrintfVerb(c) {
				return true
			}
		}
	case *parse.IfNode:
		return hasPrintfVerb(n.List) || hasPrintfVerb(n.ElseList)
	case *parse.RangeNode:
		return hasPrintfVerb(n.List) || hasPrintfVerb(n.ElseList)
	case *parse.WithNode:
		return hasPrintfVerb(n.List) || hasPrintfVerb(n.ElseList)
	}
	return false
}

// checkPrintf accepts exactly one %s plus any number of %%, which is what
// Render's fmt.Sprintf with one argument prints cleanly.
func checkPrintf(text string) error {
	v := config.ScanVerbs(text)
	switch {
	case v.Bad != "":
		return fmt.Errorf("unsupported verb %q at byte %d: the only verb is %%s (the component name); write %%%% for a literal %%", v.Bad, v.At)
	case v.Count == 0:
		return fmt.Errorf("%%%%s prints a literal %%s; write %%s for the component name")
	case v.Count > 1:
		return fmt.Errorf("%d %%s verbs, but there is only one value (the component name); keep one, or use a Go template such as {{ .Component }}", v.Count)
	}
	return nil
}

// sampleIncident is the data Check executes templates against.
func sampleIncident() IncidentData {
	start := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	return IncidentData{
		Component: "Example Component",
		Group:     "Example Group",
		Status:    "Major Outage",
		Alerts: template.Alerts{{
			Status: statusFiring,
			Labels: template.KV{
				labelAlertName:      "InstanceDown",
				labelInstance:       "10.0.0.1:9100",
				labelAlert:          "true",
				labelComponent:      "Example Component",
				labelCriticalTarget: "false",
			},
			Annotations:  template.KV{"summary": "Instance 10.0.0.1:9100 down"},
			StartsAt:     start,
			GeneratorURL: "http://prometheus.example/graph",
			Fingerprint:  "0123456789abcdef",
		}},
	}
}
