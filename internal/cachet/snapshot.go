package cachet

import (
	"context"
	"fmt"
)

// Snapshot is Cachet's inventory as statusbridge sees it: every component,
// enabled or not, and every component group. serve builds its state from
// it and setup plans against it, so both read Cachet the same way.
type Snapshot struct {
	Components []Component
	Groups     []Group
}

// Snapshot reads every component and group.
func (c *Client) Snapshot(ctx context.Context) (Snapshot, error) {
	comps, err := c.ListComponents(ctx)
	if err != nil {
		return Snapshot{}, fmt.Errorf("read components: %w", err)
	}
	groups, err := c.ListGroups(ctx)
	if err != nil {
		return Snapshot{}, fmt.Errorf("read component groups: %w", err)
	}
	return Snapshot{Components: comps, Groups: groups}, nil
}

// ComponentsByName indexes the components by name. Where Cachet holds two
// components of one name, the lower id wins, as it does for the older
// middleware's lookups.
func (s Snapshot) ComponentsByName() map[string]Component {
	out := make(map[string]Component, len(s.Components))
	for _, c := range s.Components {
		if prev, ok := out[c.Name]; !ok || c.ID < prev.ID {
			out[c.Name] = c
		}
	}
	return out
}

// GroupsByName indexes the groups by name; the lower id wins.
func (s Snapshot) GroupsByName() map[string]Group {
	out := make(map[string]Group, len(s.Groups))
	for _, g := range s.Groups {
		if prev, ok := out[g.Name]; !ok || g.ID < prev.ID {
			out[g.Name] = g
		}
	}
	return out
}

// Head reports whether Cachet is a current core (2026-07 or later), which
// derives latest_status and syncs an incident's status from its updates.
func (s Snapshot) Head() bool {
	for _, c := range s.Components {
		if c.LatestStatus != 0 {
			return true
		}
	}
	return false
}
