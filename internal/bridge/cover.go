package bridge

import (
	"context"
	"time"

	"statusbridge/internal/cachet"
)

// cover is what stops statusbridge from opening an incident on a visible
// component although its status calls for one (spec §13): a published
// maintenance window in progress on it (Cachet shows it Under Maintenance
// by itself), or an incident a person opened there.
type cover struct {
	// windows: component id → when its window ends (zero: open-ended).
	windows map[int]time.Time
	// people: component ids with an open incident a person opened.
	people map[int]bool
	read   time.Time
	// shared: the read was made for an open, and serves the opens that
	// follow within coverFresh (a start's or resync's read does not).
	shared bool
}

// coverFresh is how long one read of the windows and incidents serves the
// opens that follow: a storm opening 40 incidents reads them once.
const coverFresh = 5 * time.Second

// coverRecheck is how often an open-ended window or a person's incident is
// looked at again while it keeps an outage without an incident.
const coverRecheck = time.Minute

// coverLock serialises the reads of refreshCover: the opens of a storm
// wait for one read instead of each making their own.
var coverLock = obj{service: true} // no visible component has an empty name

// freshCover reads the cover unless a read younger than coverFresh serves.
func (b *Bridge) freshCover(ctx context.Context) error {
	unlock, err := b.lock(ctx, coverLock)
	if err != nil {
		return err
	}
	defer unlock()
	b.mu.Lock()
	fresh := b.cover.shared && b.now().Sub(b.cover.read) < coverFresh
	b.mu.Unlock()
	if fresh {
		return nil
	}
	if err := b.refreshCover(ctx); err != nil {
		return err
	}
	b.mu.Lock()
	b.cover.shared = true
	b.mu.Unlock()
	return nil
}

// lookAtCover reads the cover at start and at resync (spec §13), so that
// what covers which component is logged and known before any open. A
// failure is no reason to stop either: the next open reads it again.
func (b *Bridge) lookAtCover(ctx context.Context) {
	if err := b.refreshCover(ctx); err != nil {
		b.log.Warn("cannot read maintenance windows and open incidents now; read again before any incident opens", "err", err)
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if n := len(b.cover.windows); n > 0 {
		b.log.Info("maintenance windows in progress: no incident opens on their components", "components", n)
	}
}

// refreshCover reads the windows in progress and the open incidents, with
// two requests, right before an incident would be opened. A Cachet without
// schedules (an answer other than a temporary failure) covers nothing, so
// it never keeps an incident from opening.
func (b *Bridge) refreshCover(ctx context.Context) error {
	c := cover{windows: map[int]time.Time{}, people: map[int]bool{}}
	ws, err := b.cachet.InProgressSchedules(ctx)
	switch {
	case err != nil && cachet.Classify(err) == cachet.ClassTemporary:
		return err
	case err != nil:
		b.log.Debug("cannot read maintenance windows; they keep no incident from opening", "err", err)
	}
	for _, w := range ws {
		for _, id := range w.ComponentIDs {
			if end, ok := c.windows[id]; !ok || !end.IsZero() && (w.CompletedAt.IsZero() || w.CompletedAt.After(end)) {
				c.windows[id] = w.CompletedAt
			}
		}
	}
	incs, err := b.cachet.ListOpenIncidents(ctx)
	if err != nil {
		return err
	}
	for _, in := range incs {
		if _, ours := in.Meta[MetaKey]; ours || in.Meta == nil {
			continue // statusbridge's, or a Cachet that cannot tell (BASE)
		}
		for _, id := range in.ComponentIDs {
			c.people[id] = true
		}
	}
	c.read = b.now()
	b.mu.Lock()
	b.cover = c
	b.mu.Unlock()
	return nil
}

// coveredLocked reports whether the component with this id is covered, as
// last read, and when to look again. What was read more than coverRecheck
// ago covers nothing: the open that follows reads it again. b.mu must be
// held.
func (b *Bridge) coveredLocked(id int) (bool, time.Time) {
	now := b.now()
	if now.Sub(b.cover.read) > coverRecheck {
		return false, time.Time{}
	}
	if b.cover.people[id] {
		return true, now.Add(coverRecheck)
	}
	end, ok := b.cover.windows[id]
	switch {
	case !ok:
		return false, time.Time{}
	case end.IsZero():
		return true, now.Add(coverRecheck)
	case end.After(now):
		return true, end
	default:
		return false, time.Time{}
	}
}
