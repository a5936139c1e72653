package status

import (
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
)

func TestTargetMetaRoundTrip(t *testing.T) {
	tests := []struct {
		name string
		m    TargetMeta
	}{
		{"plain", TargetMeta{Instance: "10.0.0.1:9100", Components: "Web", Alerts: []string{"InstanceDown"}}},
		{"commas_and_pipes", TargetMeta{Instance: "a | b", Components: "Web, API", Alerts: []string{"Disk full, root", "x|y"}}},
		{"no_alerts", TargetMeta{Instance: "x", Components: "Web", Alerts: []string{}}},
		{"long_unicode", TargetMeta{Instance: strings.Repeat("ü", 700), Components: strings.Repeat("Web,", 100), Alerts: []string{"\"quoted\"", strings.Repeat("é", 400)}}},
		{"empty_values", TargetMeta{Instance: "", Components: "", Alerts: []string{""}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			enc := tt.m.Encode()
			for k, v := range enc {
				if n := utf8.RuneCountInString(v.(string)); n > maxMetaValue {
					t.Errorf("meta %s is %d characters, want at most %d", k, n, maxMetaValue)
				}
			}
			got, complete, ok := DecodeTargetMeta(enc)
			if !ok || !complete {
				t.Fatalf("DecodeTargetMeta: ok %v complete %v", ok, complete)
			}
			if diff := cmp.Diff(tt.m, got); diff != "" {
				t.Errorf("round trip (-want +got):\n%s", diff)
			}
		})
	}
}

func TestTargetMetaCutsTooManyAlerts(t *testing.T) {
	var names []string
	for i := range 2000 {
		names = append(names, fmt.Sprintf("alert-%04d-%s", i, strings.Repeat("z", i%7)))
	}
	got, complete, ok := DecodeTargetMeta(TargetMeta{Instance: "x", Components: "Web", Alerts: names}.Encode())
	if !ok || complete || len(got.Alerts) == 0 || len(got.Alerts) >= len(names) {
		t.Errorf("ok %v complete %v, %d of %d names; want a cut, incomplete list", ok, complete, len(got.Alerts), len(names))
	}
}

func TestDecodeTargetMetaRejectsForeign(t *testing.T) {
	for _, m := range []map[string]any{nil, {}, {"spec_probe": "1"}, {MetaInstance: "x", MetaComponents: "Web", MetaAlerts: "not json"}, {MetaInstance: 3}} {
		if _, _, ok := DecodeTargetMeta(m); ok {
			t.Errorf("DecodeTargetMeta(%v) ok, want not statusbridge's", m)
		}
	}
}

func FuzzTargetMeta(f *testing.F) {
	f.Add("10.0.0.1:9100", "Web", "InstanceDown")
	f.Add(strings.Repeat("ü", 300), "a | b, c", "x,y")
	f.Fuzz(func(t *testing.T, instance, comps, alert string) {
		if !utf8.ValidString(instance) || !utf8.ValidString(comps) || !utf8.ValidString(alert) {
			return // labels are UTF-8 (Alertmanager's JSON)
		}
		m := TargetMeta{Instance: instance, Components: comps, Alerts: []string{alert}}
		got, complete, ok := DecodeTargetMeta(m.Encode())
		if len(instance) < 4000 && len(comps) < 4000 && len(alert) < 4000 {
			if !ok || !complete || !cmp.Equal(m, got) {
				t.Fatalf("round trip: %+v → %+v (ok %v complete %v)", m, got, ok, complete)
			}
		}
	})
}
