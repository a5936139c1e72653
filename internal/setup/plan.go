// Package setup makes Cachet hold the groups and components that the
// configuration describes. Plan compares the desired state with a
// cachet.Snapshot and lists the writes needed, without doing any I/O;
// Apply performs them concurrently. Existing objects are adopted by name,
// including those the older Python setup script created, so a migration
// re-creates nothing, and a second run writes nothing.
package setup

import (
	"fmt"
	"slices"

	"statusbridge/internal/cachet"
	"statusbridge/internal/config"
	"statusbridge/internal/status"
)

// Desired is what Cachet should hold: the groups of config.json with their
// visible components, and one hidden component per target.
type Desired struct {
	Groups  []Group
	Targets []Target
}

// Group is a component group and the visible components it holds.
type Group struct {
	Name       string
	Components []string
}

// Target is the hidden per-target component of one scraped endpoint.
type Target struct {
	// Name is "<instance> | <status_page_component as written>".
	Name     string
	Critical bool
}

// FromConfig builds the desired state from the loaded configuration, the
// same config.Load result that serve runs on.
func FromConfig(cfg *config.Config, targets []config.Target) Desired {
	var d Desired
	for _, g := range cfg.Groups {
		d.Groups = append(d.Groups, Group{Name: g.Name, Components: slices.Clone(g.Components)})
	}
	for _, t := range targets {
		d.Targets = append(d.Targets, Target{Name: t.InvisibleName(), Critical: t.Critical})
	}
	return d
}

// Kind is what an Action does.
type Kind int

// Action kinds, in the order Apply runs them: groups must exist before a
// component can be put in one.
const (
	CreateGroup Kind = iota + 1
	PublishGroup
	CreateComponent
	FixComponent
	DeleteComponent
)

// Change is one drift that a FixComponent action corrects.
type Change int

// The drifts setup corrects. It never touches the status of an existing
// component: serve owns it.
const (
	// Move puts a visible component into its configured group.
	Move Change = iota + 1
	// Enable shows a visible component that is disabled.
	Enable
	// Disable hides a per-target component that is enabled.
	Disable
	// Critical rewrites the first line of a per-target component's
	// description, keeping its list of alerts.
	Critical
)

// Action is one write to Cachet.
type Action struct {
	Kind Kind
	// ID is the object's Cachet id; 0 for a create.
	ID int
	// Name is the group's or component's name.
	Name string
	// Hidden marks a per-target component: disabled, in no group.
	Hidden bool
	// Group is the group a visible component belongs in, and GroupID its
	// id when the group exists before the run (0 when this run creates it).
	Group   string
	GroupID int
	// FromGroupID is the group a moved component is in now (0 for none),
	// and FromGroup its name when Cachet lists it.
	FromGroupID int
	FromGroup   string
	// Description is written on create and by a Critical change.
	Description string
	// Critical is the configured flag of a per-target component.
	Critical bool
	// Changes lists what a FixComponent action corrects, in this order.
	Changes []Change
}

// Has reports whether a lists change c.
func (a Action) Has(c Change) bool { return slices.Contains(a.Changes, c) }

// Plan lists the writes that make snap match d, in a stable order: groups
// in config order, then visible components in config order, then per-target
// components in target order, then deletes by id.
//
// Everything is adopted by name (where Cachet holds a name twice, the lower
// id, as serve does). Deletes are planned only for per-target components
// that setup manages and the configuration no longer has: the name parses
// as "<instance> | <components>", the component is disabled and in no
// group, and no target has that name. A visible component, or anything else
// a person made, is never deleted. Select decides which actions run.
func Plan(d Desired, snap cachet.Snapshot) []Action {
	p := newPlanner(snap)
	for _, g := range d.Groups {
		p.group(g)
	}
	for _, g := range d.Groups {
		for _, name := range g.Components {
			p.visible(g.Name, name)
		}
	}
	for _, t := range d.Targets {
		p.hidden(t)
	}
	p.deletes(snap.Components)
	return p.out
}

// planner holds what Cachet shows, indexed by name, while Plan walks the
// desired state; wanted collects every component name the configuration
// claims, so that the first claim wins and deletes spare them all.
type planner struct {
	comps     map[string]cachet.Component
	groups    map[string]cachet.Group
	groupName map[int]string
	wanted    map[string]bool
	out       []Action
}

func newPlanner(snap cachet.Snapshot) *planner {
	groupName := make(map[int]string, len(snap.Groups))
	for _, g := range snap.Groups {
		groupName[g.ID] = g.Name
	}
	return &planner{
		comps:     snap.ComponentsByName(),
		groups:    snap.GroupsByName(),
		groupName: groupName,
		wanted:    map[string]bool{},
	}
}

// group plans the creation of a missing group, or publishes a private one.
func (p *planner) group(g Group) {
	existing, ok := p.groups[g.Name]
	switch {
	case !ok:
		p.out = append(p.out, Action{Kind: CreateGroup, Name: g.Name})
	case existing.Visible != 1:
		// Cachet's own default is logged-in users only; a status page
		// group is for the public.
		p.out = append(p.out, Action{Kind: PublishGroup, ID: existing.ID, Name: g.Name})
	}
}

// claim marks name as wanted and reports whether it was not claimed before.
// config.Load rejects a name listed twice; the check keeps Plan safe anyway.
func (p *planner) claim(name string) bool {
	if p.wanted[name] {
		return false
	}
	p.wanted[name] = true
	return true
}

// visible plans the visible component name of group groupName: a create,
// or a fix when it drifted.
func (p *planner) visible(groupName, name string) {
	if !p.claim(name) {
		return
	}
	gid := p.groups[groupName].ID
	c, ok := p.comps[name]
	if !ok {
		p.out = append(p.out, Action{Kind: CreateComponent, Name: name, Group: groupName, GroupID: gid})
		return
	}
	if changes := visibleDrift(c, gid); len(changes) > 0 {
		p.out = append(p.out, Action{Kind: FixComponent, ID: c.ID, Name: name, Group: groupName, GroupID: gid,
			FromGroupID: c.GroupID, FromGroup: p.groupName[c.GroupID], Changes: changes})
	}
}

// visibleDrift lists what differs between the visible component c and its
// configured group gid (0 when this run creates the group).
func visibleDrift(c cachet.Component, gid int) []Change {
	var changes []Change
	if gid == 0 || c.GroupID != gid {
		changes = append(changes, Move)
	}
	if !c.Enabled {
		changes = append(changes, Enable)
	}
	return changes
}

// hidden plans the per-target component of t: a create, or a fix when it
// drifted.
func (p *planner) hidden(t Target) {
	if !p.claim(t.Name) {
		return
	}
	c, ok := p.comps[t.Name]
	if !ok {
		p.out = append(p.out, Action{Kind: CreateComponent, Name: t.Name, Hidden: true, Critical: t.Critical,
			Description: status.Description(t.Critical, nil)})
		return
	}
	if changes, description := hiddenDrift(c, t.Critical); len(changes) > 0 {
		p.out = append(p.out, Action{Kind: FixComponent, ID: c.ID, Name: t.Name, Hidden: true, Critical: t.Critical,
			Description: description, Changes: changes})
	}
}

// hiddenDrift lists what differs between the per-target component c and
// its configured critical flag, and the description a Critical change
// writes: the new first line above the alerts c lists now.
//
// A hidden component in a group is not a drift: Cachet rejects
// component_group_id null or 0, so it cannot be taken out of the group
// and stays disabled there.
func hiddenDrift(c cachet.Component, critical bool) (changes []Change, description string) {
	if c.Enabled {
		changes = append(changes, Disable)
	}
	if was, alerts := status.ParseDescription(c.Description); was != critical {
		changes = append(changes, Critical)
		description = status.Description(critical, alerts)
	}
	return changes, description
}

// deletes plans, by id, the removal of the per-target components that setup
// manages and the configuration no longer lists.
func (p *planner) deletes(comps []cachet.Component) {
	ids := slices.Clone(comps)
	slices.SortFunc(ids, func(x, y cachet.Component) int { return x.ID - y.ID })
	for _, c := range ids {
		if managedOrphan(c, p.wanted) {
			p.out = append(p.out, Action{Kind: DeleteComponent, ID: c.ID, Name: c.Name, Hidden: true})
		}
	}
}

// managedOrphan reports whether c is a per-target component that setup
// manages and the configuration no longer lists.
func managedOrphan(c cachet.Component, wanted map[string]bool) bool {
	if wanted[c.Name] || c.Enabled || c.GroupID != 0 {
		return false
	}
	_, _, ok := status.ParseInvisibleName(c.Name)
	return ok
}

// Mode selects which planned actions run; the names follow the older
// setup script's flags.
type Mode int

const (
	// Converge creates what is missing and fixes drift; it deletes nothing.
	Converge Mode = iota
	// Prune is Converge plus deleting per-target components that the
	// configuration no longer has (--prune).
	Prune
	// JustCreate only creates what is missing (--just-create).
	JustCreate
	// JustDelete only deletes, as Prune would (--just-delete).
	JustDelete
)

// Select returns the actions that mode m runs, in plan order.
func Select(actions []Action, m Mode) []Action {
	var out []Action
	for _, a := range actions {
		create := a.Kind == CreateGroup || a.Kind == CreateComponent
		del := a.Kind == DeleteComponent
		var keep bool
		switch m {
		case Converge:
			keep = !del
		case Prune:
			keep = true
		case JustCreate:
			keep = create
		case JustDelete:
			keep = del
		}
		if keep {
			out = append(out, a)
		}
	}
	return out
}

// Counts tallies actions by kind.
type Counts struct {
	CreateGroups, PublishGroups, CreateComponents, FixComponents, DeleteComponents int
}

// Count tallies actions by kind.
func Count(actions []Action) Counts {
	var c Counts
	for _, a := range actions {
		switch a.Kind {
		case CreateGroup:
			c.CreateGroups++
		case PublishGroup:
			c.PublishGroups++
		case CreateComponent:
			c.CreateComponents++
		case FixComponent:
			c.FixComponents++
		case DeleteComponent:
			c.DeleteComponents++
		}
	}
	return c
}

// String renders the counts for the plan and summary lines.
func (c Counts) String() string {
	return fmt.Sprintf("%d groups to create, %d to make public, %d components to create, %d to fix, %d to delete",
		c.CreateGroups, c.PublishGroups, c.CreateComponents, c.FixComponents, c.DeleteComponents)
}
