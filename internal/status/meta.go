package status

import (
	"encoding/json"
	"slices"
	"sort"
	"strconv"
	"unicode/utf8"
)

// Metadata keys of an invisible component (Cachet 2026-07 and later). The
// name and description are cut to Cachet's 255 characters and cannot tell
// "a,b" from "a" and "b"; the metadata keeps the exact values, so any label
// round-trips through a restart while the description stays the older
// middleware's readable two lines.
const (
	MetaInstance   = "statusbridge_instance"
	MetaComponents = "statusbridge_components"
	MetaAlerts     = "statusbridge_alerts"
)

// maxMetaValue is the length of Cachet's meta.value column (varchar(255)).
// A longer value is split over the keys k, k.1, k.2, … up to maxMetaParts.
const (
	maxMetaValue = 255
	maxMetaParts = 32
)

// TargetMeta is what an invisible component's metadata records.
type TargetMeta struct {
	Instance   string
	Components string   // status_page_component as written
	Alerts     []string // names of the alerts firing on it, sorted
}

// Encode renders m as metadata, every value within Cachet's column. Alert
// names beyond what fits are dropped; Complete on the decoded value tells.
func (m TargetMeta) Encode() map[string]any {
	out := map[string]any{}
	putMeta(out, MetaInstance, m.Instance)
	putMeta(out, MetaComponents, m.Components)
	names := slices.Clone(m.Alerts)
	slices.Sort(names)
	names = slices.Compact(names)
	if names == nil {
		names = []string{}
	}
	if putMeta(out, MetaAlerts, alertList(names, false)) {
		return out
	}
	// Too many to keep: the longest prefix that fits, marked incomplete.
	n := sort.Search(len(names), func(n int) bool { return !putMeta(map[string]any{}, MetaAlerts, alertList(names[:n], true)) }) - 1
	putMeta(out, MetaAlerts, alertList(names[:max(n, 0)], true))
	return out
}

func alertList(names []string, cut bool) string {
	if cut {
		names = append(slices.Clip(names), "+more")
	}
	js, _ := json.Marshal(names) // a []string always marshals
	return string(js)
}

// DecodeTargetMeta reads what Encode wrote. ok is false when meta does not
// hold statusbridge's keys (BASE, or a component statusbridge never wrote).
// complete is false when the alert list was cut.
func DecodeTargetMeta(meta map[string]any) (m TargetMeta, complete, ok bool) {
	inst, ok1 := getMeta(meta, MetaInstance)
	comps, ok2 := getMeta(meta, MetaComponents)
	alerts, ok3 := getMeta(meta, MetaAlerts)
	if !ok1 || !ok2 || !ok3 {
		return TargetMeta{}, false, false
	}
	var names []string
	if err := json.Unmarshal([]byte(alerts), &names); err != nil {
		return TargetMeta{}, false, false
	}
	complete = true
	if n := len(names); n > 0 && names[n-1] == "+more" {
		names, complete = names[:n-1], false
	}
	return TargetMeta{Instance: inst, Components: comps, Alerts: names}, complete, true
}

// putMeta stores v under key, split into column-sized parts. It reports
// false, storing nothing, when v needs more than maxMetaParts parts.
func putMeta(out map[string]any, key, v string) bool {
	var parts []string
	for len(parts) == 0 || v != "" {
		cut := len(v)
		if utf8.RuneCountInString(v) > maxMetaValue {
			cut = len(truncateRunes(v, maxMetaValue))
		}
		parts, v = append(parts, v[:cut]), v[cut:]
		if len(parts) > maxMetaParts {
			return false
		}
	}
	for i, p := range parts {
		out[partKey(key, i)] = p
	}
	return true
}

func getMeta(meta map[string]any, key string) (string, bool) {
	first, ok := meta[key].(string)
	if !ok {
		return "", false
	}
	v := first
	for i := 1; i < maxMetaParts; i++ {
		p, ok := meta[partKey(key, i)].(string)
		if !ok {
			break
		}
		v += p
	}
	return v, true
}

func partKey(key string, i int) string {
	if i == 0 {
		return key
	}
	return key + "." + strconv.Itoa(i)
}
