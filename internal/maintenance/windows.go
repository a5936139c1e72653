package maintenance

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"statusbridge/internal/alertmanager"
	"statusbridge/internal/cachet"
	"statusbridge/internal/status"
)

// Cachet is what Windows needs of the Cachet client.
type Cachet interface {
	ListComponents(ctx context.Context) ([]cachet.Component, error)
	SchedulesTagged(ctx context.Context, key string) ([]cachet.Schedule, error)
	CreateSchedule(ctx context.Context, n cachet.NewSchedule) (cachet.Schedule, error)
	UpdateSchedule(ctx context.Context, id int, ch cachet.ScheduleChange) (cachet.Schedule, error)
	CompleteSchedule(ctx context.Context, id int, at time.Time) error
	DeleteSchedule(ctx context.Context, id int) error
}

// Windows keeps Cachet's maintenance windows in step with Alertmanager's
// silences. It holds no state a restart would need: every Sync reads the
// windows it owns back from Cachet by their MetaKey tag, so a window is
// found again after a restart, and a create whose answer was lost is seen
// by the next Sync before anything is created again. It is meant for one
// goroutine.
type Windows struct {
	cachet Cachet
	log    *slog.Logger
	now    func() time.Time
	// ids are the Cachet ids of the visible components, from the last
	// component list; re-read when a muted component is missing or a
	// write failed.
	ids map[string]int
}

// New returns a Windows writing through c. now defaults to time.Now.
func New(c Cachet, log *slog.Logger, now func() time.Time) *Windows {
	if now == nil {
		now = time.Now
	}
	return &Windows{cachet: c, log: log, now: now}
}

// Result counts the writes one Sync made.
type Result struct {
	Created, Updated, Completed, Deleted int
}

// Sync makes the owned windows match the silences: visible are the
// configuration's visible components, silences Alertmanager's active
// silences and silenced its muted status-page alerts (Current.Silenced).
// It reads the owned windows (one request), the component list when it
// lacks an id it needs, and writes what Plan decides. Failed writes are
// returned joined; the next Sync plans again from what Cachet then holds.
func (w *Windows) Sync(ctx context.Context, visible []string, silences []alertmanager.Silence, silenced []alertmanager.Event) (Result, error) {
	var res Result
	owned, err := w.cachet.SchedulesTagged(ctx, MetaKey)
	if err != nil {
		return res, fmt.Errorf("read statusbridge's maintenance windows: %w", err)
	}
	ids, err := w.componentIDs(ctx, visible, silenced)
	if err != nil {
		return res, err
	}
	var errs []error
	for _, a := range Plan(Input{Now: w.now(), Silences: silences, Silenced: silenced, Components: ids, Owned: owned}) {
		if err := w.apply(ctx, a, &res); err != nil {
			errs = append(errs, err)
			if a.Kind == Create || a.Kind == Update {
				w.ids = nil // a component may have been deleted and re-created
			}
		}
	}
	return res, errors.Join(errs...)
}

func (w *Windows) apply(ctx context.Context, a Action, res *Result) error {
	log := w.log.With("silence_id", a.SilenceID, "reason", a.Reason)
	switch a.Kind {
	case Create:
		s, err := w.cachet.CreateSchedule(ctx, a.New)
		if err != nil {
			return fmt.Errorf("open a maintenance window for silence %s: %w", a.SilenceID, err)
		}
		res.Created++
		log.Info("maintenance window opened for a silence", "schedule_id", s.ID, "component_ids", s.ComponentIDs,
			"name", a.New.Name, "until", a.New.CompletedAt)
	case Update:
		if _, err := w.cachet.UpdateSchedule(ctx, a.ScheduleID, a.Change); err != nil {
			return fmt.Errorf("update maintenance window %d of silence %s: %w", a.ScheduleID, a.SilenceID, err)
		}
		res.Updated++
		log.Info("maintenance window follows its silence", "schedule_id", a.ScheduleID, "until", a.Change.CompletedAt, "components", len(a.Change.Components))
	case Complete:
		if err := w.cachet.CompleteSchedule(ctx, a.ScheduleID, a.At); err != nil {
			return fmt.Errorf("complete maintenance window %d of silence %s: %w", a.ScheduleID, a.SilenceID, err)
		}
		res.Completed++
		log.Info("maintenance window completed", "schedule_id", a.ScheduleID)
	case Delete:
		if err := w.cachet.DeleteSchedule(ctx, a.ScheduleID); err != nil {
			return fmt.Errorf("delete maintenance window %d of silence %s: %w", a.ScheduleID, a.SilenceID, err)
		}
		res.Deleted++
		log.Info("maintenance window deleted before it started", "schedule_id", a.ScheduleID)
	}
	return nil
}

// componentIDs maps the visible components to their Cachet ids, reading
// the component list only when a muted one is not known yet. As for the
// bridge, a visible component is the enabled one of its name (the first,
// should two share it).
func (w *Windows) componentIDs(ctx context.Context, visible []string, silenced []alertmanager.Event) (map[string]int, error) {
	isVisible := make(map[string]bool, len(visible))
	for _, name := range visible {
		isVisible[name] = true
	}
	missing := false
	for _, e := range silenced {
		for _, name := range status.SplitComponents(e.ComponentsRaw) {
			if _, ok := w.ids[name]; isVisible[name] && !ok {
				missing = true
			}
		}
	}
	if missing {
		cs, err := w.cachet.ListComponents(ctx)
		if err != nil {
			return nil, fmt.Errorf("read the component ids for maintenance windows: %w", err)
		}
		w.ids = map[string]int{}
		for _, c := range cs {
			if _, dup := w.ids[c.Name]; c.Enabled && isVisible[c.Name] && !dup {
				w.ids[c.Name] = c.ID
			}
		}
	}
	ids := make(map[string]int, len(visible))
	for name, id := range w.ids {
		if isVisible[name] {
			ids[name] = id
		}
	}
	return ids, nil
}
