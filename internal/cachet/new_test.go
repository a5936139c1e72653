package cachet

import (
	"testing"
	"time"
)

// TestNewDefaults pins how New reads unset and out-of-range options: a zero
// page size or try count means the default while a negative one is clamped,
// and a zero or negative limit or duration means the default.
func TestNewDefaults(t *testing.T) {
	type settings struct {
		perPage, attempts, maxPages int
		maxBody                     int64
		minBackoff, maxBackoff      time.Duration
		timeout                     time.Duration
	}
	defaults := settings{perPage: 50, attempts: 3, maxPages: 1000, maxBody: 8 << 20,
		minBackoff: 100 * time.Millisecond, maxBackoff: 2 * time.Second, timeout: 10 * time.Second}
	tests := []struct {
		name string
		o    Options
		want settings
	}{
		{name: "zero_means_default", want: defaults},
		{
			name: "negative_page_size_and_tries_clamp_to_one",
			o:    Options{PerPage: -5, Attempts: -1},
			want: settings{perPage: 1, attempts: 1, maxPages: 1000, maxBody: 8 << 20,
				minBackoff: 100 * time.Millisecond, maxBackoff: 2 * time.Second, timeout: 10 * time.Second},
		},
		{
			name: "negative_limits_and_durations_mean_default",
			o:    Options{MaxPages: -1, MaxBodyBytes: -1, MinBackoff: -time.Second, MaxBackoff: -time.Second, Timeout: -time.Second},
			want: defaults,
		},
		{
			name: "page_size_capped_at_what_cachet_serves",
			o:    Options{PerPage: 500},
			want: settings{perPage: 100, attempts: 3, maxPages: 1000, maxBody: 8 << 20,
				minBackoff: 100 * time.Millisecond, maxBackoff: 2 * time.Second, timeout: 10 * time.Second},
		},
		{
			name: "set_values_kept",
			o: Options{PerPage: 7, Attempts: 5, MaxPages: 3, MaxBodyBytes: 1024,
				MinBackoff: time.Millisecond, MaxBackoff: time.Minute, Timeout: time.Second},
			want: settings{perPage: 7, attempts: 5, maxPages: 3, maxBody: 1024,
				minBackoff: time.Millisecond, maxBackoff: time.Minute, timeout: time.Second},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.o.BaseURL, tt.o.Token = "http://cachet/api/", "1|x"
			c, err := New(tt.o)
			if err != nil {
				t.Fatalf("New(%+v) error = %v", tt.o, err)
			}
			got := settings{perPage: c.perPage, attempts: c.attempts, maxPages: c.maxPages, maxBody: c.maxBody,
				minBackoff: c.minBackoff, maxBackoff: c.maxBackoff, timeout: c.hc.Timeout}
			if got != tt.want {
				t.Errorf("New(%+v) settings = %+v, want %+v", tt.o, got, tt.want)
			}
			if got, want := c.base.String(), "http://cachet/api"; got != want {
				t.Errorf("New base = %q, want %q (trailing slash dropped)", got, want)
			}
		})
	}
}
