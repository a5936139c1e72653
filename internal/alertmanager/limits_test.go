package alertmanager

import "testing"

func TestWorstCaseLength(t *testing.T) {
	r, err := NewRenderer()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		text      string
		component string
		over      bool // can pass 255 characters
	}{
		{"{{ .Component }} is experiencing issues", "Web", false},
		{"{{ .Component }} is experiencing issues", string(make([]byte, 250)), true},
		{"{{ .Component }}: {{ (index .Alerts 0).Labels.instance }}", "Web", true},
		{"{{ .Component }}: {{ range .Alerts }}{{ .Labels.alertname }} {{ end }}", "Web", true},
		{"{{ .Component }}: {{ .Alerts.Firing | len }} alerts", "Web", false},
		{"%s is experiencing issues", "Web", false}, // printf form: config checks it
		{"{{ .Nope.Nope }}", "Web", false},          // does not render: Check reports it
	}
	for _, tt := range tests {
		n := r.WorstCaseLength(tt.text, tt.component)
		if got := n > 255; got != tt.over {
			t.Errorf("WorstCaseLength(%q, %d-char component) = %d; over 255 = %v, want %v", tt.text, len(tt.component), n, got, tt.over)
		}
	}
}
