package server

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

func TestCutUser(t *testing.T) {
	long := strings.Repeat("a", 100)
	wide := strings.Repeat("é", 100) // two bytes a rune: a byte cut would split one
	tests := []struct {
		name, user, want string
	}{
		{name: "short_kept", user: "alertmanager", want: "alertmanager"},
		{name: "exactly_64_kept", user: long[:64], want: long[:64]},
		{name: "65_cut", user: long[:65], want: long[:64] + "…"},
		{name: "multibyte_cut_on_rune", user: wide, want: strings.Repeat("é", 64) + "…"},
		{name: "invalid_utf8_counts_bytes", user: strings.Repeat("\xff", 100), want: strings.Repeat("\xff", 64) + "…"},
		{name: "empty", user: "", want: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := cutUser(tt.user)
			if got != tt.want {
				t.Errorf("cutUser(%.20q…) = %q, want %q", tt.user, got, tt.want)
			}
			if utf8.ValidString(tt.user) && !utf8.ValidString(got) {
				t.Errorf("cutUser(%.20q…) = %q, not valid UTF-8", tt.user, got)
			}
		})
	}
}

// TestRejectLogSuppresses drives the limiter with a fake clock: one line per
// interval, and each line counts the rejections left out before it.
func TestRejectLogSuppresses(t *testing.T) {
	var buf bytes.Buffer
	now := time.Date(2026, 12, 2, 4, 0, 0, 0, time.UTC)
	l := &rejectLog{
		logger: slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{ReplaceAttr: dropTime})),
		every:  time.Second,
		now:    func() time.Time { return now },
	}
	steps := []struct {
		advance time.Duration
		reason  string
	}{
		{0, AuthWrong}, // logged: the first
		{100 * time.Millisecond, AuthWrong},
		{100 * time.Millisecond, AuthOverloaded},
		{700 * time.Millisecond, AuthMissing},
		{100 * time.Millisecond, AuthOverloaded}, // a second after the first line: logged with 3 left out
		{999 * time.Millisecond, AuthWrong},
		{time.Hour, AuthWrong}, // logged with 1 left out
	}
	for _, s := range steps {
		now = now.Add(s.advance)
		l.log(s.reason, "192.0.2.1", "mallory")
	}
	want := strings.Join([]string{
		`level=WARN msg="webhook request rejected" reason=wrong source_ip=192.0.2.1 user=mallory suppressed=0`,
		`level=WARN msg="webhook request rejected" reason=overloaded source_ip=192.0.2.1 user=mallory suppressed=3`,
		`level=WARN msg="webhook request rejected" reason=wrong source_ip=192.0.2.1 user=mallory suppressed=1`,
	}, "\n") + "\n"
	if got := buf.String(); got != want {
		t.Errorf("rejection log:\n%s\nwant:\n%s", got, want)
	}
}

func dropTime(_ []string, a slog.Attr) slog.Attr {
	if a.Key == slog.TimeKey {
		return slog.Attr{}
	}
	return a
}
