package status

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
)

func TestAggregate(t *testing.T) {
	up := Target{}
	down := Target{Down: true}
	critUp := Target{Critical: true}
	critDown := Target{Down: true, Critical: true}
	tests := []struct {
		name    string
		targets []Target
		want    Status
		wantOK  bool
	}{
		{"no_targets_leaves_component_alone", nil, 0, false},
		{"none_down_is_operational", []Target{up, up, critUp}, Operational, true},
		{"one_of_three_down_is_partial", []Target{up, down, up}, PartialOutage, true},
		{"two_of_three_down_is_partial", []Target{down, down, up}, PartialOutage, true},
		{"all_down_is_major", []Target{down, down, down}, MajorOutage, true},
		{"single_target_down_is_major", []Target{down}, MajorOutage, true},
		{"critical_target_down_forces_major", []Target{up, up, critDown}, MajorOutage, true},
		{"critical_up_noncritical_down_is_partial", []Target{critUp, down}, PartialOutage, true},
		{"critical_up_all_others_down_is_partial", []Target{critUp, down, down}, PartialOutage, true},
		{"critical_first_in_list_forces_major", []Target{critDown, up, up, up}, MajorOutage, true},
		{"maintenance_without_outage", []Target{up, {Maintenance: true}}, UnderMaintenance, true},
		{"outage_outranks_maintenance", []Target{down, {Maintenance: true}}, PartialOutage, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := Aggregate(tt.targets)
			if got != tt.want || ok != tt.wantOK {
				t.Errorf("Aggregate(%+v) = %v, %v, want %v, %v", tt.targets, got, ok, tt.want, tt.wantOK)
			}
		})
	}
}

func TestStatusString(t *testing.T) {
	tests := []struct {
		s    Status
		want string
	}{
		{Operational, "1 (Operational)"},
		{PartialOutage, "3 (Partial Outage)"},
		{MajorOutage, "4 (Major Outage)"},
		{0, "0 (None)"},
		{9, "9 (Invalid)"},
	}
	for _, tt := range tests {
		if got := tt.s.String(); got != tt.want {
			t.Errorf("Status(%d).String() = %q, want %q", int(tt.s), got, tt.want)
		}
	}
}

func TestInvisibleNameRoundTrip(t *testing.T) {
	tests := []struct {
		name, instance, raw string
	}{
		{"single_component", "10.0.0.1:9100", "Web Server"},
		{"multi_component_kept_as_written", "10.0.2.1:9100", "Backend, API Services"},
		{"url_instance", "https://example.com/health?x=1", "Website"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := InvisibleName(tt.instance, tt.raw)
			inst, raw, ok := ParseInvisibleName(n)
			if !ok || inst != tt.instance || raw != tt.raw {
				t.Errorf("ParseInvisibleName(%q) = %q, %q, %v, want %q, %q, true", n, inst, raw, ok, tt.instance, tt.raw)
			}
		})
	}
	for _, bad := range []string{"Web Server", "| Web", "10.0.0.1 |", "10.0.0.1 | , ,"} {
		if _, _, ok := ParseInvisibleName(bad); ok {
			t.Errorf("ParseInvisibleName(%q) ok, want not an invisible name", bad)
		}
	}
	if _, raw, ok := ParseInvisibleName("10.0.0.1:9100|Web"); !ok || raw != "Web" {
		t.Errorf("older name without spaces: raw %q ok %v, want Web true", raw, ok)
	}
}

func TestSplitComponents(t *testing.T) {
	got := SplitComponents(" Backend, API Services,, ")
	if diff := cmp.Diff([]string{"Backend", "API Services"}, got); diff != "" {
		t.Errorf("SplitComponents (-want +got):\n%s", diff)
	}
}

func TestDescription(t *testing.T) {
	tests := []struct {
		name     string
		critical bool
		alerts   []string
		want     string
	}{
		{"no_alerts", false, nil, "critical: no\nno alerts"},
		{"critical_no_alerts", true, nil, "critical: yes\nno alerts"},
		{"sorted_comma_terminated", false, []string{"HighLoad", "InstanceDown"}, "critical: no\nHighLoad,InstanceDown,"},
		{"duplicates_once", true, []string{"B", "A", "B"}, "critical: yes\nA,B,"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Description(tt.critical, tt.alerts); got != tt.want {
				t.Errorf("Description(%v, %q) = %q, want %q", tt.critical, tt.alerts, got, tt.want)
			}
		})
	}
}

func TestDescriptionNeverExceedsColumn(t *testing.T) {
	var names []string
	for i := range 200 {
		names = append(names, "SomeRatherLongAlertName"+strings.Repeat("x", i%7)+string(rune('A'+i%26))+strings.Repeat("é", i%3))
	}
	for n := 0; n <= len(names); n += 7 {
		d := Description(true, names[:n])
		if got := utf8.RuneCountInString(d); got > MaxDescription {
			t.Fatalf("Description with %d alerts has %d characters, want <= %d", n, got, MaxDescription)
		}
		crit, parsed := ParseDescription(d)
		if !crit {
			t.Fatalf("ParseDescription lost the critical flag")
		}
		if n > 0 && len(parsed) == 0 {
			t.Fatalf("Description with %d alerts lists none: %q", n, d)
		}
		if n > 10 && !strings.Contains(d, " more,") {
			t.Fatalf("truncated description has no +N more marker: %q", d)
		}
	}
	long := strings.Repeat("x", 400)
	if got := utf8.RuneCountInString(Description(false, []string{long})); got > MaxDescription {
		t.Errorf("one %d-character alert name gives %d characters, want <= %d", len(long), got, MaxDescription)
	}
}

func TestParseDescription(t *testing.T) {
	tests := []struct {
		name     string
		desc     string
		critical bool
		alerts   []string
	}{
		{"statusbridge_format", "critical: yes\nA,B,", true, []string{"A", "B"}},
		{"no_alerts", "critical: no\nno alerts", false, nil},
		{"older_middleware_spaces", "critical: no\n A, B ,", false, []string{"A", "B"}},
		{"truncation_marker_skipped", "critical: no\nA,+3 more,", false, []string{"A"}},
		{"garbage_is_safe", "hello", false, nil},
		{"empty", "", false, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			crit, alerts := ParseDescription(tt.desc)
			if crit != tt.critical || !cmp.Equal(alerts, tt.alerts) {
				t.Errorf("ParseDescription(%q) = %v, %q, want %v, %q", tt.desc, crit, alerts, tt.critical, tt.alerts)
			}
		})
	}
}

func FuzzDescription(f *testing.F) {
	f.Add(true, "InstanceDown,HighLoad")
	f.Add(false, "")
	f.Fuzz(func(t *testing.T, critical bool, joined string) {
		names := SplitComponents(joined) // any comma list will do
		d := Description(critical, names)
		if utf8.ValidString(joined) && utf8.RuneCountInString(d) > MaxDescription {
			t.Fatalf("Description is %d characters", utf8.RuneCountInString(d))
		}
		if c, _ := ParseDescription(d); c != critical {
			t.Fatalf("critical flag lost in %q", d)
		}
	})
}

func TestInvisibleNameShortensLongLabels(t *testing.T) {
	long := strings.Repeat("ä", 300)
	tests := []struct {
		name, instance, raw string
		wantRaw             string // the component list the shortened name keeps
	}{
		{"long_instance", "https://" + long + "/health", "Website", "Website"},
		{"long_components", "10.0.0.1:9100", "Web, " + long, strings.Repeat("x", 0)},
		{"both_long", long, long, ""},
		{"instance_with_pipes", strings.Repeat("a | b,", 60), "Web", "Web"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := InvisibleName(tt.instance, tt.raw)
			if c := utf8.RuneCountInString(n); c > MaxName {
				t.Fatalf("name is %d characters, want at most %d: %q", c, MaxName, n)
			}
			if !utf8.ValidString(n) {
				t.Fatalf("name is not valid UTF-8: %q", n)
			}
			if n != InvisibleName(tt.instance, tt.raw) {
				t.Fatal("not deterministic")
			}
			if !Shortened(n) {
				t.Errorf("Shortened(%q) = false, want true", n)
			}
			if _, raw, ok := ParseInvisibleName(n); !ok || (tt.wantRaw != "" && raw != tt.wantRaw) {
				t.Errorf("ParseInvisibleName(%q) = raw %q ok %v, want a managed name with components %q", n, raw, ok, tt.wantRaw)
			}
			// The same prefix with another ending is another target.
			if other := InvisibleName(tt.instance+"2", tt.raw); other == n {
				t.Errorf("two instances share the shortened name %q", n)
			}
			if other := InvisibleName(tt.instance, tt.raw+"2"); other == n {
				t.Errorf("two component lists share the shortened name %q", n)
			}
		})
	}
	if n := InvisibleName("10.0.0.1:9100", "Web"); Shortened(n) || n != "10.0.0.1:9100 | Web" {
		t.Errorf("a short name changed: %q", n)
	}
}

func TestParseInvisibleNameAmong(t *testing.T) {
	known := func(c string) bool { return c == "Web" || c == "API" }
	tests := []struct{ name, instance, raw string }{
		{"a | b | Web", "a | b", "Web"},
		{"10.0.0.1:9100 | Web, API", "10.0.0.1:9100", "Web, API"},
		{"x | Unknown", "x", "Unknown"}, // nothing known: the first split
		{"x | y | Unknown", "x", "y | Unknown"},
	}
	for _, tt := range tests {
		inst, raw, ok := ParseInvisibleNameAmong(tt.name, known)
		if !ok || inst != tt.instance || raw != tt.raw {
			t.Errorf("ParseInvisibleNameAmong(%q) = %q, %q, %v, want %q, %q", tt.name, inst, raw, ok, tt.instance, tt.raw)
		}
	}
}

func FuzzInvisibleName(f *testing.F) {
	f.Add("10.0.0.1:9100", "Web")
	f.Add(strings.Repeat("é", 300), "Web, API")
	f.Add("a | b", strings.Repeat(",", 300))
	f.Fuzz(func(t *testing.T, instance, raw string) {
		n := InvisibleName(instance, raw)
		full := instance + " | " + raw
		if utf8.RuneCountInString(full) <= MaxName {
			if n != full {
				t.Fatalf("short name changed: %q → %q", full, n)
			}
			return
		}
		if utf8.RuneCountInString(n) > MaxName {
			t.Fatalf("%d characters: %q", utf8.RuneCountInString(n), n)
		}
		if !Shortened(n) {
			t.Fatalf("Shortened(%q) = false", n)
		}
	})
}
