package setup

import (
	"fmt"
	"io"
	"strings"
)

// String describes the action in one line, as --dry-run prints it.
func (a Action) String() string {
	switch a.Kind {
	case CreateGroup:
		return fmt.Sprintf("create group %q (public)", a.Name)
	case PublishGroup:
		return fmt.Sprintf("make group %q (id %d) public", a.Name, a.ID)
	case CreateComponent:
		if a.Hidden {
			return fmt.Sprintf("create hidden component %q (disabled, no group, %s, Operational)", a.Name, criticalText(a.Critical))
		}
		return fmt.Sprintf("create component %q in group %q (enabled, Operational)", a.Name, a.Group)
	case FixComponent:
		var fixes []string
		for _, c := range a.Changes {
			fixes = append(fixes, a.change(c))
		}
		what := "component"
		if a.Hidden {
			what = "hidden component"
		}
		return fmt.Sprintf("fix %s %q (id %d): %s", what, a.Name, a.ID, strings.Join(fixes, "; "))
	case DeleteComponent:
		return fmt.Sprintf("delete hidden component %q (id %d): no target has this name", a.Name, a.ID)
	}
	return fmt.Sprintf("unknown action %d on %q", a.Kind, a.Name)
}

func (a Action) change(c Change) string {
	switch c {
	case Move:
		from := "no group"
		switch {
		case a.FromGroup != "":
			from = fmt.Sprintf("group %q", a.FromGroup)
		case a.FromGroupID != 0:
			from = fmt.Sprintf("group id %d", a.FromGroupID)
		}
		return fmt.Sprintf("move to group %q (now in %s)", a.Group, from)
	case Enable:
		return "enable (it is disabled)"
	case Disable:
		return "disable (it is enabled)"
	case Critical:
		return fmt.Sprintf("set %s, keeping its alert list", criticalText(a.Critical))
	}
	return fmt.Sprintf("unknown change %d", c)
}

func criticalText(critical bool) string {
	if critical {
		return "critical: yes"
	}
	return "critical: no"
}

// Format writes the plan, one action a line, then a line of counts.
func Format(w io.Writer, actions []Action) error {
	var b strings.Builder
	for _, a := range actions {
		b.WriteString(a.String())
		b.WriteByte('\n')
	}
	if len(actions) == 0 {
		b.WriteString("plan: nothing to do; Cachet matches the configuration\n")
	} else {
		n := fmt.Sprintf("%d actions", len(actions))
		if len(actions) == 1 {
			n = "1 action"
		}
		fmt.Fprintf(&b, "plan: %s: %s\n", n, Count(actions))
	}
	_, err := io.WriteString(w, b.String())
	return err
}
