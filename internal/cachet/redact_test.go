package cachet_test

import (
	"testing"

	"statusbridge/internal/cachet"
)

func TestRedactURL(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"plain", "http://cachet/api", "http://cachet/api"},
		{"password", "https://user:s3cret@cachet/api", "https://user:xxxxx@cachet/api"},
		{"unparseable", "http://cachet/%zz", "<unparseable URL>"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := cachet.RedactURL(tt.in); got != tt.want {
				t.Errorf("RedactURL(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}
