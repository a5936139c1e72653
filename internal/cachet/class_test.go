package cachet

import (
	"context"
	"errors"
	"fmt"
	"testing"
)

func TestClassify(t *testing.T) {
	api := func(code int) error {
		return fmt.Errorf("write: %w", &APIError{Method: "PATCH", Path: "/components/1", StatusCode: code})
	}
	tests := []struct {
		name string
		err  error
		want Class
	}{
		{"500", api(500), ClassTemporary},
		{"503", api(503), ClassTemporary},
		{"429", api(429), ClassTemporary},
		{"408", api(408), ClassTemporary},
		{"transport", &TransportError{Method: "GET", Path: "/components", Err: errors.New("connection reset")}, ClassTemporary},
		{"deadline", fmt.Errorf("wait for lock: %w", context.DeadlineExceeded), ClassTemporary},
		{"404", api(404), ClassLost},
		{"401", api(401), ClassUnauthorised},
		{"403", api(403), ClassUnauthorised},
		{"422", api(422), ClassPermanent},
		{"400", api(400), ClassPermanent},
		{"413", api(413), ClassPermanent},
		{"limit", &LimitError{Method: "GET", URL: "/components", Err: errors.New("too many pages")}, ClassPermanent},
		{"422 and 500 joined", errors.Join(api(422), api(500)), ClassTemporary},
		{"422 and 401 joined", errors.Join(api(422), api(401)), ClassUnauthorised},
		{"422 and 422 joined", errors.Join(api(422), fmt.Errorf("x: %w", errors.Join(api(400)))), ClassPermanent},
	}
	for _, tt := range tests {
		if got := Classify(tt.err); got != tt.want {
			t.Errorf("%s: Classify(%v) = %v, want %v", tt.name, tt.err, got, tt.want)
		}
	}
}
