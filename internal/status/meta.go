package status

import (
	"cmp"
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
	Components string      // status_page_component as written
	Alerts     []MetaAlert // the alerts firing on it, sorted
}

// MetaAlert is one firing alert as the metadata keeps it: enough to count
// it after a restart (its severity, for degraded_severities) and to time
// it (when it started, for outage_after).
type MetaAlert struct {
	Name, Severity string
	Start          int64 // startsAt in Unix seconds; 0 when unknown
}

// Encode renders m as metadata, every value within Cachet's column. Alerts
// beyond what fits are dropped; Complete on the decoded value tells.
func (m TargetMeta) Encode() map[string]any {
	out := map[string]any{}
	putMeta(out, MetaInstance, m.Instance)
	putMeta(out, MetaComponents, m.Components)
	alerts := slices.Clone(m.Alerts)
	slices.SortFunc(alerts, func(a, b MetaAlert) int {
		return cmp.Or(cmp.Compare(a.Name, b.Name), cmp.Compare(a.Severity, b.Severity), cmp.Compare(a.Start, b.Start))
	})
	alerts = slices.Compact(alerts)
	if putMeta(out, MetaAlerts, alertList(alerts, false)) {
		return out
	}
	// Too many to keep: the longest prefix that fits, marked incomplete.
	n := sort.Search(len(alerts), func(n int) bool { return !putMeta(map[string]any{}, MetaAlerts, alertList(alerts[:n], true)) }) - 1
	putMeta(out, MetaAlerts, alertList(alerts[:max(n, 0)], true))
	return out
}

// moreMark ends an alert list that was cut.
const moreMark = "+more"

// alertList renders alerts as a JSON array of [name, severity, start in
// Unix seconds] triples, so a name with commas stays one name.
func alertList(alerts []MetaAlert, cut bool) string {
	rows := make([]any, 0, len(alerts)+1)
	for _, a := range alerts {
		rows = append(rows, []any{a.Name, a.Severity, a.Start})
	}
	if cut {
		rows = append(rows, moreMark)
	}
	js, _ := json.Marshal(rows) // strings and integers always marshal
	return string(js)
}

// DecodeTargetMeta reads what Encode wrote. ok is false when meta does not
// hold statusbridge's keys (BASE, or a component statusbridge never wrote).
// complete is false when the alert list was cut.
func DecodeTargetMeta(meta map[string]any) (m TargetMeta, complete, ok bool) {
	inst, ok1 := getMeta(meta, MetaInstance)
	comps, ok2 := getMeta(meta, MetaComponents)
	list, ok3 := getMeta(meta, MetaAlerts)
	if !ok1 || !ok2 || !ok3 {
		return TargetMeta{}, false, false
	}
	var rows []json.RawMessage
	if err := json.Unmarshal([]byte(list), &rows); err != nil {
		return TargetMeta{}, false, false
	}
	m = TargetMeta{Instance: inst, Components: comps, Alerts: []MetaAlert{}}
	complete = true
	for _, row := range rows {
		var name string
		if json.Unmarshal(row, &name) == nil {
			if name == moreMark {
				complete = false
			} else {
				m.Alerts = append(m.Alerts, MetaAlert{Name: name}) // a bare name
			}
			continue
		}
		var triple []json.RawMessage
		if json.Unmarshal(row, &triple) != nil || len(triple) != 3 {
			return TargetMeta{}, false, false
		}
		var a MetaAlert
		if json.Unmarshal(triple[0], &a.Name) != nil || json.Unmarshal(triple[1], &a.Severity) != nil || json.Unmarshal(triple[2], &a.Start) != nil {
			return TargetMeta{}, false, false
		}
		m.Alerts = append(m.Alerts, a)
	}
	return m, complete, true
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
