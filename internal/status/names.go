package status

import (
	"crypto/sha256"
	"encoding/hex"
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

// MaxName is Cachet's limit on component and incident names, in
// characters; a longer one is a 422.
const MaxName = 255

// InvisibleName is the Cachet name of a target's invisible component:
// "<instance> | <status_page_component as written>". A name over MaxName
// characters is shortened deterministically and stays unique: the instance
// is cut and marked with "…~" and a hash of the whole name, and a component
// list over maxRawInName characters is cut with "…". The full values
// round-trip through the component's metadata, not its name.
func InvisibleName(instance, rawComponents string) string {
	full := instance + " | " + rawComponents
	if utf8.RuneCountInString(full) <= MaxName {
		return full
	}
	sum := sha256.Sum256([]byte(instance + "\x00" + rawComponents))
	mark := "…~" + hex.EncodeToString(sum[:4])
	raw := rawComponents
	if utf8.RuneCountInString(raw) > maxRawInName {
		raw = truncateRunes(raw, maxRawInName-1) + "…"
	}
	room := MaxName - utf8.RuneCountInString(" | "+raw+mark)
	return truncateRunes(instance, room) + mark + " | " + raw
}

// maxRawInName bounds the component list in a shortened name, so that a
// long instance keeps most of its room and a long list still leaves some.
const maxRawInName = 120

// Shortened reports whether name was shortened by InvisibleName, so it
// cannot be parsed back into the target's instance and components.
func Shortened(name string) bool {
	_, ok := shortMark(name)
	return ok
}

// shortMark finds the end of InvisibleName's "…~<8 hex>" mark, where the
// instance part of a shortened name ends.
func shortMark(name string) (end int, ok bool) {
	const mark = "…~"
	for i := 0; ; {
		j := strings.Index(name[i:], mark)
		if j < 0 {
			return 0, false
		}
		h := i + j + len(mark)
		if h+8 <= len(name) && strings.HasPrefix(name[h+8:], " | ") {
			if _, err := hex.DecodeString(name[h : h+8]); err == nil {
				return h + 8, true
			}
		}
		i = h
	}
}

// ParseInvisibleName reverses InvisibleName. It accepts the older
// middleware's names, which were built the same way.
func ParseInvisibleName(name string) (instance, rawComponents string, ok bool) {
	if end, short := shortMark(name); short {
		instance, rawComponents, ok = name[:end], name[end+len(" | "):], true
	} else {
		instance, rawComponents, ok = strings.Cut(name, " | ")
	}
	if !ok {
		instance, rawComponents, ok = strings.Cut(name, "|")
	}
	instance, rawComponents = strings.TrimSpace(instance), strings.TrimSpace(rawComponents)
	if !ok || instance == "" || len(SplitComponents(rawComponents)) == 0 {
		return "", "", false
	}
	return instance, rawComponents, true
}

// ParseInvisibleNameAmong is ParseInvisibleName for an instance that may
// itself contain " | ": of the places the name can be split, it takes the
// first whose component list names only known components, and falls back
// to the first split.
func ParseInvisibleNameAmong(name string, known func(component string) bool) (instance, rawComponents string, ok bool) {
	if Shortened(name) {
		return ParseInvisibleName(name)
	}
	for i := 0; ; {
		j := strings.Index(name[i:], " | ")
		if j < 0 {
			break
		}
		inst, raw := strings.TrimSpace(name[:i+j]), strings.TrimSpace(name[i+j+3:])
		comps := SplitComponents(raw)
		if inst != "" && len(comps) > 0 && !slices.ContainsFunc(comps, func(c string) bool { return !known(c) }) {
			return inst, raw, true
		}
		i += j + 3
	}
	return ParseInvisibleName(name)
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

// MaxMessage bounds incident and update messages. Cachet stores them in a
// TEXT column, which MySQL caps at 65,535 bytes; 16,000 characters of up to
// four bytes each stay under it, and no visitor reads more.
const MaxMessage = 16000

// Cut returns s cut to at most n characters, ending in "…" when it was cut.
func Cut(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return truncateRunes(s, n-1) + "…"
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
