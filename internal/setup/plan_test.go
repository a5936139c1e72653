package setup

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"statusbridge/internal/cachet"
	"statusbridge/internal/status"
)

// desired is the configuration most tests plan against: two groups, three
// visible components and three targets, one of them critical.
var desired = Desired{
	Groups: []Group{
		{Name: "Web Services", Components: []string{"Website", "Web Server"}},
		{Name: "Data", Components: []string{"Database"}},
	},
	Targets: []Target{
		{Name: "10.0.0.1:9100 | Web Server"},
		{Name: "10.0.0.2:9100 | Website, Web Server"},
		{Name: "10.0.0.3:9100 | Database", Critical: true},
	},
}

// adopted is what Cachet holds after a complete setup of desired.
func adopted() cachet.Snapshot {
	return cachet.Snapshot{
		Groups: []cachet.Group{{ID: 1, Name: "Web Services", Visible: 1}, {ID: 2, Name: "Data", Visible: 1}},
		Components: []cachet.Component{
			{ID: 1, Name: "Website", Enabled: true, GroupID: 1, Status: 1},
			{ID: 2, Name: "Web Server", Enabled: true, GroupID: 1, Status: 3},
			{ID: 3, Name: "Database", Enabled: true, GroupID: 2, Status: 1},
			{ID: 4, Name: "10.0.0.1:9100 | Web Server", Description: "critical: no\nno alerts", Status: 1},
			{ID: 5, Name: "10.0.0.2:9100 | Website, Web Server", Description: "critical: no\nInstanceDown,", Status: 4},
			{ID: 6, Name: "10.0.0.3:9100 | Database", Description: "critical: yes\nno alerts", Status: 1},
		},
	}
}

// with returns adopted() changed by fn.
func with(fn func(s *cachet.Snapshot)) cachet.Snapshot {
	s := adopted()
	fn(&s)
	return s
}

func comp(s *cachet.Snapshot, name string) *cachet.Component {
	for i := range s.Components {
		if s.Components[i].Name == name {
			return &s.Components[i]
		}
	}
	panic("no component " + name)
}

func TestPlan(t *testing.T) {
	tests := []struct {
		name string
		snap cachet.Snapshot
		want []Action
	}{
		{
			name: "empty_cachet_creates_everything",
			snap: cachet.Snapshot{},
			want: []Action{
				{Kind: CreateGroup, Name: "Web Services"},
				{Kind: CreateGroup, Name: "Data"},
				{Kind: CreateComponent, Name: "Website", Group: "Web Services"},
				{Kind: CreateComponent, Name: "Web Server", Group: "Web Services"},
				{Kind: CreateComponent, Name: "Database", Group: "Data"},
				{Kind: CreateComponent, Name: "10.0.0.1:9100 | Web Server", Hidden: true, Description: "critical: no\nno alerts"},
				{Kind: CreateComponent, Name: "10.0.0.2:9100 | Website, Web Server", Hidden: true, Description: "critical: no\nno alerts"},
				{Kind: CreateComponent, Name: "10.0.0.3:9100 | Database", Hidden: true, Critical: true, Description: "critical: yes\nno alerts"},
			},
		},
		{
			name: "fully_adopted_needs_nothing",
			snap: adopted(),
		},
		{
			name: "statuses_are_never_touched",
			snap: with(func(s *cachet.Snapshot) {
				comp(s, "Database").Status = 4
				comp(s, "10.0.0.3:9100 | Database").Status = 5
			}),
		},
		{
			name: "existing_group_reused_for_new_component",
			snap: with(func(s *cachet.Snapshot) { s.Components = s.Components[1:] }),
			want: []Action{{Kind: CreateComponent, Name: "Website", Group: "Web Services", GroupID: 1}},
		},
		{
			name: "private_group_made_public",
			snap: with(func(s *cachet.Snapshot) { s.Groups[1].Visible = 0 }),
			want: []Action{{Kind: PublishGroup, ID: 2, Name: "Data"}},
		},
		{
			name: "visible_in_wrong_group_moved",
			snap: with(func(s *cachet.Snapshot) { comp(s, "Database").GroupID = 1 }),
			want: []Action{{Kind: FixComponent, ID: 3, Name: "Database", Group: "Data", GroupID: 2,
				FromGroupID: 1, FromGroup: "Web Services", Changes: []Change{Move}}},
		},
		{
			name: "visible_in_no_group_moved",
			snap: with(func(s *cachet.Snapshot) { comp(s, "Database").GroupID = 0 }),
			want: []Action{{Kind: FixComponent, ID: 3, Name: "Database", Group: "Data", GroupID: 2, Changes: []Change{Move}}},
		},
		{
			name: "visible_disabled_enabled",
			snap: with(func(s *cachet.Snapshot) { comp(s, "Website").Enabled = false }),
			want: []Action{{Kind: FixComponent, ID: 1, Name: "Website", Group: "Web Services", GroupID: 1,
				FromGroupID: 1, FromGroup: "Web Services", Changes: []Change{Enable}}},
		},
		{
			name: "missing_group_created_then_component_moved",
			snap: with(func(s *cachet.Snapshot) {
				s.Groups = s.Groups[:1]
				comp(s, "Database").GroupID = 0
				comp(s, "Database").Enabled = false
			}),
			want: []Action{
				{Kind: CreateGroup, Name: "Data"},
				{Kind: FixComponent, ID: 3, Name: "Database", Group: "Data", Changes: []Change{Move, Enable}},
			},
		},
		{
			name: "hidden_enabled_disabled",
			snap: with(func(s *cachet.Snapshot) { comp(s, "10.0.0.1:9100 | Web Server").Enabled = true }),
			want: []Action{{Kind: FixComponent, ID: 4, Name: "10.0.0.1:9100 | Web Server", Hidden: true, Changes: []Change{Disable}}},
		},
		{
			name: "critical_flag_rewritten_keeping_alerts",
			snap: with(func(s *cachet.Snapshot) {
				comp(s, "10.0.0.2:9100 | Website, Web Server").Description = "critical: yes\nInstanceDown,HighLoad,"
			}),
			want: []Action{{Kind: FixComponent, ID: 5, Name: "10.0.0.2:9100 | Website, Web Server", Hidden: true,
				Description: "critical: no\nHighLoad,InstanceDown,", Changes: []Change{Critical}}},
		},
		{
			name: "unreadable_description_of_critical_target_rewritten",
			snap: with(func(s *cachet.Snapshot) {
				comp(s, "10.0.0.3:9100 | Database").Description = ""
				comp(s, "10.0.0.3:9100 | Database").Enabled = true
			}),
			want: []Action{{Kind: FixComponent, ID: 6, Name: "10.0.0.3:9100 | Database", Hidden: true, Critical: true,
				Description: "critical: yes\nno alerts", Changes: []Change{Disable, Critical}}},
		},
		{
			name: "hidden_in_a_group_left_there",
			snap: with(func(s *cachet.Snapshot) { comp(s, "10.0.0.1:9100 | Web Server").GroupID = 1 }),
		},
		{
			name: "duplicate_names_adopt_lowest_id",
			snap: with(func(s *cachet.Snapshot) {
				s.Components = append(s.Components,
					cachet.Component{ID: 9, Name: "Database", Enabled: false},
					cachet.Component{ID: 10, Name: "10.0.0.3:9100 | Database", Description: "critical: no\nno alerts"})
				s.Groups = append(s.Groups, cachet.Group{ID: 7, Name: "Data"})
			}),
		},
		{
			name: "orphan_hidden_component_deleted",
			snap: with(func(s *cachet.Snapshot) {
				s.Components = append(s.Components, cachet.Component{ID: 20, Name: "10.0.0.9:9100 | Web Server", Description: "critical: no\nno alerts"})
			}),
			want: []Action{{Kind: DeleteComponent, ID: 20, Name: "10.0.0.9:9100 | Web Server", Hidden: true}},
		},
		{
			name: "prune_never_touches_what_it_does_not_manage",
			snap: with(func(s *cachet.Snapshot) {
				s.Components = append(s.Components,
					// Enabled: somebody shows it on the page.
					cachet.Component{ID: 20, Name: "10.0.0.9:9100 | Web Server", Enabled: true, GroupID: 1},
					cachet.Component{ID: 21, Name: "10.0.0.8:9100 | Web Server", Enabled: true},
					// Disabled but in a group: not how setup leaves a hidden component.
					cachet.Component{ID: 22, Name: "10.0.0.7:9100 | Web Server", GroupID: 1},
					// Names setup never makes.
					cachet.Component{ID: 23, Name: "Legacy Mainframe"},
					cachet.Component{ID: 24, Name: "Old Service", Enabled: true, GroupID: 2},
					cachet.Component{ID: 25, Name: " | Web"},
				)
				s.Groups = append(s.Groups, cachet.Group{ID: 3, Name: "Hand made", Visible: 0})
			}),
		},
		{
			name: "older_middleware_cachet_adopted",
			// What nethesis/status setup-components.py leaves: groups sent
			// with visible 1, visible components enabled in their group,
			// hidden ones disabled in no group with "critical: yes|no".
			// It made visible components only for fed names; Website is fed.
			snap: cachet.Snapshot{
				Groups: []cachet.Group{{ID: 11, Name: "Data", Visible: 1}, {ID: 12, Name: "Web Services", Visible: 1}},
				Components: []cachet.Component{
					{ID: 31, Name: "10.0.0.1:9100 | Web Server", Description: "critical: no\nno alerts", Status: 1},
					{ID: 32, Name: "10.0.0.2:9100 | Website, Web Server", Description: "critical: no\nInstanceDown,", Status: 4},
					{ID: 33, Name: "10.0.0.3:9100 | Database", Description: "critical: yes\nno alerts", Status: 1},
					{ID: 34, Name: "Database", Enabled: true, GroupID: 11, Status: 1},
					{ID: 35, Name: "Web Server", Enabled: true, GroupID: 12, Status: 3},
					{ID: 36, Name: "Website", Enabled: true, GroupID: 12, Status: 3},
				},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Plan(desired, tt.snap)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Plan() mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestVisibleDrift(t *testing.T) {
	tests := []struct {
		name string
		c    cachet.Component
		gid  int
		want []Change
	}{
		{name: "enabled_in_its_group_is_no_drift", c: cachet.Component{Enabled: true, GroupID: 2}, gid: 2},
		{name: "other_group_moves", c: cachet.Component{Enabled: true, GroupID: 1}, gid: 2, want: []Change{Move}},
		{name: "no_group_moves", c: cachet.Component{Enabled: true}, gid: 2, want: []Change{Move}},
		// A group this run creates has no id yet, so even a component in
		// no group must move into it.
		{name: "group_created_this_run_always_moves", c: cachet.Component{Enabled: true}, gid: 0, want: []Change{Move}},
		{name: "disabled_enabled", c: cachet.Component{GroupID: 2}, gid: 2, want: []Change{Enable}},
		{name: "move_before_enable", c: cachet.Component{GroupID: 1}, gid: 2, want: []Change{Move, Enable}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := visibleDrift(tt.c, tt.gid)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("visibleDrift(%+v, %d) mismatch (-want +got):\n%s", tt.c, tt.gid, diff)
			}
		})
	}
}

func TestHiddenDrift(t *testing.T) {
	tests := []struct {
		name            string
		c               cachet.Component
		critical        bool
		want            []Change
		wantDescription string
	}{
		{name: "disabled_and_same_flag_is_no_drift", c: cachet.Component{Description: "critical: yes\nA,"}, critical: true},
		{name: "enabled_disabled", c: cachet.Component{Enabled: true, Description: "critical: no\nno alerts"}, want: []Change{Disable}},
		{name: "in_a_group_is_no_drift", c: cachet.Component{GroupID: 3, Description: "critical: no\nno alerts"}},
		{
			name:            "flag_flip_keeps_alerts",
			c:               cachet.Component{Description: "critical: no\nB,A,"},
			critical:        true,
			want:            []Change{Critical},
			wantDescription: "critical: yes\nA,B,",
		},
		{
			name:            "unreadable_description_reads_as_not_critical",
			c:               cachet.Component{Enabled: true, Description: "hand written"},
			critical:        true,
			want:            []Change{Disable, Critical},
			wantDescription: "critical: yes\nno alerts",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, description := hiddenDrift(tt.c, tt.critical)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("hiddenDrift(%+v, %v) changes mismatch (-want +got):\n%s", tt.c, tt.critical, diff)
			}
			if description != tt.wantDescription {
				t.Errorf("hiddenDrift(%+v, %v) description = %q, want %q", tt.c, tt.critical, description, tt.wantDescription)
			}
		})
	}
}

func TestSelect(t *testing.T) {
	all := []Action{
		{Kind: CreateGroup, Name: "g"},
		{Kind: PublishGroup, Name: "p"},
		{Kind: CreateComponent, Name: "c"},
		{Kind: FixComponent, Name: "f"},
		{Kind: DeleteComponent, Name: "d"},
	}
	tests := []struct {
		name string
		mode Mode
		want []string
	}{
		{"converge_never_deletes", Converge, []string{"g", "p", "c", "f"}},
		{"prune_deletes_too", Prune, []string{"g", "p", "c", "f", "d"}},
		{"just_create_only_creates", JustCreate, []string{"g", "c"}},
		{"just_delete_only_deletes", JustDelete, []string{"d"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, a := range Select(all, tt.mode) {
				got = append(got, a.Name)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Select(%d) mismatch (-want +got):\n%s", tt.mode, diff)
			}
		})
	}
}

// FuzzPlan feeds the planner component names and descriptions as Cachet
// could hold them and checks its safety rules: it never deletes anything
// enabled, grouped, configured or not named like a per-target component,
// and one extra component with a higher id changes nothing else.
func FuzzPlan(f *testing.F) {
	f.Add("10.0.0.9:9100 | Web", "critical: yes\nA,", false, 0)
	f.Add("Website", "", true, 1)
	f.Add("a|b", "critical: maybe", false, 0)
	f.Add("10.0.0.1:9100 | Web Server", "critical: yes\n", true, 2)
	f.Fuzz(func(t *testing.T, name, desc string, enabled bool, group int) {
		snap := adopted()
		snap.Components = append(snap.Components, cachet.Component{ID: 100, Name: name, Description: desc, Enabled: enabled, GroupID: group})
		for _, a := range Plan(desired, snap) {
			if a.Kind != DeleteComponent {
				t.Fatalf("Plan adds %v for an extra component %q", a, name)
			}
			if a.ID != 100 || enabled || group != 0 {
				t.Fatalf("Plan deletes %v (enabled %v, group %d)", a, enabled, group)
			}
			if _, _, ok := status.ParseInvisibleName(name); !ok {
				t.Fatalf("Plan deletes unmanaged %q", name)
			}
			for _, tg := range desired.Targets {
				if tg.Name == name {
					t.Fatalf("Plan deletes configured target %q", name)
				}
			}
		}
	})
}
