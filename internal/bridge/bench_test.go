package bridge_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"statusbridge/internal/alertmanager"
	"statusbridge/internal/bridge"
	"statusbridge/internal/cachet"
	"statusbridge/internal/config"
	"statusbridge/internal/status"
)

// benchCachet is an in-memory bridge.Cachet that answers at once, so the
// benchmarks measure the bridge's own work (state, status recomputation,
// incident decisions) and not HTTP.
type benchCachet struct {
	mu        sync.Mutex
	snap      cachet.Snapshot
	incidents int
}

func (c *benchCachet) Snapshot(context.Context) (cachet.Snapshot, error) { return c.snap, nil }
func (c *benchCachet) ComponentsNamed(_ context.Context, name string) ([]cachet.Component, error) {
	var out []cachet.Component
	for _, x := range c.snap.Components {
		if x.Name == name {
			out = append(out, x)
		}
	}
	return out, nil
}
func (c *benchCachet) Component(_ context.Context, id int) (cachet.Component, error) {
	for _, x := range c.snap.Components {
		if x.ID == id {
			return x, nil
		}
	}
	return cachet.Component{}, cachet.ErrNotFound
}
func (c *benchCachet) DeleteComponent(context.Context, int) error {
	return fmt.Errorf("benchCachet: nothing is deleted in a benchmark; got a delete")
}
func (c *benchCachet) CheckToken(context.Context) error { return nil }
func (c *benchCachet) InProgressSchedules(context.Context) ([]cachet.Schedule, error) {
	return nil, nil
}
func (c *benchCachet) ListOpenIncidents(context.Context) ([]cachet.Incident, error) { return nil, nil }
func (c *benchCachet) Incident(_ context.Context, id int) (cachet.Incident, error) {
	return cachet.Incident{ID: id, Status: cachet.IncidentFixed}, nil
}
func (c *benchCachet) CreateComponent(context.Context, cachet.ComponentFields) (cachet.Component, error) {
	return cachet.Component{}, fmt.Errorf("benchCachet: every component is seeded; got a create")
}
func (c *benchCachet) UpdateComponent(_ context.Context, id int, _ cachet.ComponentFields) (cachet.Component, error) {
	return cachet.Component{ID: id}, nil
}
func (c *benchCachet) CreateIncident(context.Context, cachet.NewIncident) (cachet.Incident, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.incidents++
	return cachet.Incident{ID: c.incidents, Status: cachet.IncidentInvestigating}, nil
}
func (c *benchCachet) UpdateIncident(_ context.Context, id int, _ cachet.IncidentFields) (cachet.Incident, error) {
	return cachet.Incident{ID: id}, nil
}
func (c *benchCachet) AddUpdate(context.Context, int, int, string) error { return nil }

// benchTopology is targets spread round robin over services, as
// statusbench's scenario b: 10,000 targets feed 100 visible components.
func benchTopology(targets, services int) (*config.Config, []config.Target, *benchCachet) {
	cfg := &config.Config{
		NewIncidentName: "%s is experiencing issues", NewIncidentMessage: "Investigating.",
		ResolvedIncidentMessage: "Resolved.", RecurringAlertUpdateMessage: "Still investigating.", PerPage: 100,
	}
	fake := &benchCachet{}
	id := 0
	add := func(c cachet.Component) {
		id++
		c.ID = id
		c.LatestStatus = c.Status // a current (HEAD) Cachet
		fake.snap.Components = append(fake.snap.Components, c)
	}
	fake.snap.Groups = []cachet.Group{{ID: 1, Name: "All", Visible: 1}}
	g := config.Group{Name: "All"}
	for i := range services {
		name := fmt.Sprintf("Service %03d", i)
		g.Components = append(g.Components, name)
		add(cachet.Component{Name: name, Status: status.Operational, Enabled: true, GroupID: 1})
	}
	cfg.Groups = []config.Group{g}
	ts := make([]config.Target, targets)
	for i := range ts {
		raw := g.Components[i%services]
		ts[i] = config.Target{Instance: fmt.Sprintf("10.0.%d.%d:9100", i/256, i%256), Job: "node",
			ComponentsRaw: raw, Components: status.SplitComponents(raw)}
		add(cachet.Component{Name: ts[i].InvisibleName(), Description: status.Description(false, nil), Status: status.Operational})
	}
	return cfg, ts, fake
}

// BenchmarkApply10000Targets measures one notification of 50 alerts firing
// and the notification resolving them, on a 10,000-target topology: each
// Apply recomputes the status of every visible component the batch
// touches, over all the targets that feed it, and decides its incident.
func BenchmarkApply10000Targets(b *testing.B) {
	for _, tc := range []struct {
		name     string
		services int
	}{
		{"100services", 100},
		{"10services", 10},
	} {
		b.Run(tc.name, func(b *testing.B) {
			cfg, targets, fake := benchTopology(10000, tc.services)
			br := bridge.New(bridge.Options{Cachet: fake, Renderer: benchRenderer{}, Config: cfg, Targets: targets})
			ctx := b.Context()
			if err := br.Load(ctx); err != nil {
				b.Fatal(err)
			}
			base := time.Now().Add(-time.Hour)
			mk := func(i, j int, firing bool) alertmanager.Event {
				t := targets[(i*50+j)%len(targets)]
				return alertmanager.Event{
					Fingerprint: fmt.Sprintf("fp-%d", (i*50+j)%len(targets)), Instance: t.Instance,
					AlertName: "InstanceDown", ComponentsRaw: t.ComponentsRaw, Firing: firing,
					// A new episode every iteration, so no event is stale.
					StartsAt: base.Add(time.Duration(i) * time.Millisecond),
				}
			}
			fire, resolve := make([]alertmanager.Event, 50), make([]alertmanager.Event, 50)
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				for j := range 50 {
					fire[j], resolve[j] = mk(i, j, true), mk(i, j, false)
				}
				if _, err := br.Apply(ctx, fire); err != nil {
					b.Fatal(err)
				}
				if _, err := br.Apply(ctx, resolve); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// benchRenderer returns texts unrendered; template cost is not under test.
type benchRenderer struct{}

func (benchRenderer) Render(text string, _ alertmanager.IncidentData) (string, error) {
	return text, nil
}
