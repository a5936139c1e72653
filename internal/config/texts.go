package config

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
)

// TextForm is how an incident text of config.json is read. This package
// owns the rule; the renderer, the loader's checks and the bridge ask it.
type TextForm int

const (
	// PlainText is used as it is.
	PlainText TextForm = iota
	// PrintfText holds "%s": a printf format whose one argument is the
	// component name, as in the older middleware's configs.
	PrintfText
	// TemplateText holds "{{": a Go template.
	TemplateText
)

// FormOf returns the form of an incident text: a template if it holds
// "{{", otherwise printf if it holds "%s", otherwise plain.
func FormOf(text string) TextForm {
	switch {
	case strings.Contains(text, "{{"):
		return TemplateText
	case strings.Contains(text, "%s"):
		return PrintfText
	default:
		return PlainText
	}
}

// Verbs is what ScanVerbs finds in a printf-form text.
type Verbs struct {
	// Count is the number of %s before Bad.
	Count int
	// Bad is the first verb other than %s and %%, with its flags and width
	// ("%d", "%-10s", a trailing "%"), at byte At; "" if there is none.
	Bad string
	At  int
}

// ScanVerbs reads s as a printf format with one string argument.
func ScanVerbs(s string) Verbs {
	var v Verbs
	for i := 0; i < len(s); i++ {
		if s[i] != '%' {
			continue
		}
		if i+1 < len(s) && (s[i+1] == '%' || s[i+1] == 's') {
			if s[i+1] == 's' {
				v.Count++
			}
			i++
			continue
		}
		v.Bad, v.At = verbAt(s, i), i
		return v
	}
	return v
}

// verbAt returns the printf verb that starts at s[i]: the '%', any flags,
// width or precision, and the verb letter.
func verbAt(s string, i int) string {
	j := i + 1
	for j < len(s) && strings.IndexByte("+-# 0123456789.*[]", s[j]) >= 0 {
		j++
	}
	if j < len(s) {
		_, size := utf8.DecodeRuneInString(s[j:])
		j += size
	}
	return s[i:j]
}

// Text is one incident text and its key in config.json.
type Text struct {
	Key, Value string
}

// Texts returns the incident texts, in the order of config.json.example.
func (c *Config) Texts() []Text {
	return []Text{
		{keyNewIncidentName, c.NewIncidentName},
		{keyNewIncidentMessage, c.NewIncidentMessage},
		{keyResolvedIncidentMessage, c.ResolvedIncidentMessage},
		{keyRecurringMessage, c.RecurringAlertUpdateMessage},
	}
}

// CheckTexts runs check (the renderer's) on every incident text and joins
// what it reports, each error prefixed with the file and the key.
func (c *Config) CheckTexts(check func(text string) error) error {
	var errs []error
	for _, t := range c.Texts() {
		if err := check(t.Value); err != nil {
			errs = append(errs, fmt.Errorf("%s: %s: %w", c.File, t.Key, err))
		}
	}
	return errors.Join(errs...)
}

// LongestComponent is the longest visible component name, which makes the
// longest incident name.
func (c *Config) LongestComponent() string {
	longest := ""
	for _, comp := range c.Components() {
		if utf8.RuneCountInString(comp) > utf8.RuneCountInString(longest) {
			longest = comp
		}
	}
	return longest
}

// NameLengthWarning is validate's warning that new_incident_name, a
// template, can render longer than Cachet takes; worst is its longest
// rendering in characters (the renderer's WorstCaseLength). statusbridge
// cuts such a name with "…", so this is a warning, not a problem.
func (c *Config) NameLengthWarning(worst int) (Problem, bool) {
	if worst <= maxName {
		return Problem{}, false
	}
	return Problem{
		File: c.File, Line: c.NameLine, Field: keyNewIncidentName,
		Msg:  fmt.Sprintf("can render to %d characters with long label values; Cachet takes %d, so statusbridge cuts the name with …", worst, maxName),
		Hint: "keep label and annotation values out of the name, e.g. in new_incident_message",
	}, true
}
