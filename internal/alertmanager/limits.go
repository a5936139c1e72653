package alertmanager

import (
	"strings"
	"unicode/utf8"

	"github.com/prometheus/alertmanager/template"
)

// longValue stands for a label or annotation value as long as Prometheus
// lets one be: every value an alert carries may be far past 255 characters.
var longValue = strings.Repeat("x", 300)

// WorstCaseLength renders a Go-template text with the longest component
// name given and alerts whose every label and annotation is 300 characters
// long, and returns the result's length in characters, for validate's
// warning that an incident name can pass Cachet's 255. A text that is not a
// template, or that fails to render, gives 0: Check reports those.
func (r *Renderer) WorstCaseLength(text, component string) int {
	if !strings.Contains(text, "{{") {
		return 0
	}
	data := sampleIncident()
	data.Component = component
	var alerts template.Alerts
	for range 3 {
		a := data.Alerts[0]
		a.Labels, a.Annotations = template.KV{}, template.KV{}
		for k := range data.Alerts[0].Labels {
			a.Labels[k] = longValue
		}
		for _, k := range []string{"summary", "description", "severity", "job"} {
			a.Labels[k], a.Annotations[k] = longValue, longValue
		}
		alerts = append(alerts, a)
	}
	data.Alerts = alerts
	out, err := r.Render(text, data)
	if err != nil {
		return 0
	}
	return utf8.RuneCountInString(out)
}
