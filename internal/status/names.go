package status

import (
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"
)

// MaxDescription is the length of Cachet's components.description column;
// a longer value is a 500 from PostgreSQL, not a 422.
const MaxDescription = 255

// SplitComponents splits a status_page_component label ("Backend, API
// Services") into its visible component names, trimmed, without empties.
func SplitComponents(raw string) []string {
	var out []string
	for _, p := range strings.Split(raw, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// InvisibleName is the Cachet name of a target's invisible component:
// "<instance> | <status_page_component as written>".
func InvisibleName(instance, rawComponents string) string {
	return instance + " | " + rawComponents
}

// ParseInvisibleName reverses InvisibleName. It accepts the older
// middleware's names, which were built the same way.
func ParseInvisibleName(name string) (instance, rawComponents string, ok bool) {
	instance, rawComponents, ok = strings.Cut(name, " | ")
	if !ok {
		instance, rawComponents, ok = strings.Cut(name, "|")
	}
	instance, rawComponents = strings.TrimSpace(instance), strings.TrimSpace(rawComponents)
	if !ok || instance == "" || len(SplitComponents(rawComponents)) == 0 {
		return "", "", false
	}
	return instance, rawComponents, true
}

// noAlerts is the second description line of a target with nothing firing.
const noAlerts = "no alerts"

// Description renders a target's invisible-component description in the
// older middleware's two-line format, so deployments migrate in place:
//
//	critical: yes
//	InstanceDown,HighLoad,
//
// Names are sorted and de-duplicated. When they do not fit in
// MaxDescription characters, the tail is replaced by "+N more,".
func Description(critical bool, alertNames []string) string {
	head := "critical: no\n"
	if critical {
		head = "critical: yes\n"
	}
	names := slices.Clone(alertNames)
	slices.Sort(names)
	names = slices.Compact(names)
	if len(names) == 0 {
		return head + noAlerts
	}
	var b strings.Builder
	b.WriteString(head)
	for i, n := range names {
		rest := len(names) - i
		more := ""
		if rest > 1 {
			// Room must remain for the "+N more," marker of what follows.
			more = fmt.Sprintf("+%d more,", rest-1)
		}
		if utf8.RuneCountInString(b.String())+utf8.RuneCountInString(n)+1+len(more) > MaxDescription {
			tail := fmt.Sprintf("+%d more,", rest)
			if utf8.RuneCountInString(b.String())+len(tail) > MaxDescription {
				// Only a pathological single name gets here; cut it.
				return truncateRunes(b.String()+n, MaxDescription-1) + ","
			}
			b.WriteString(tail)
			return b.String()
		}
		b.WriteString(n)
		b.WriteString(",")
	}
	return b.String()
}

func truncateRunes(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n])
}

// ParseDescription reads what Description wrote, and the older middleware's
// variants of it. Anything unreadable is "not critical, no alerts".
func ParseDescription(desc string) (critical bool, alertNames []string) {
	first, rest, _ := strings.Cut(desc, "\n")
	critical = strings.EqualFold(strings.TrimSpace(first), "critical: yes")
	rest = strings.TrimSpace(rest)
	if rest == noAlerts {
		return critical, nil
	}
	for _, n := range strings.Split(rest, ",") {
		n = strings.TrimSpace(n)
		if n == "" || (strings.HasPrefix(n, "+") && strings.HasSuffix(n, " more")) {
			continue
		}
		alertNames = append(alertNames, n)
	}
	return critical, alertNames
}
