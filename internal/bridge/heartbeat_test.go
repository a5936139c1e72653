package bridge_test

import (
	"context"
	"log/slog"
	"testing"
	"testing/synctest"
	"time"

	"statusbridge/internal/alertmanager"
	"statusbridge/internal/bridge"
	"statusbridge/internal/status"
)

// TestHeartbeatLostAndBack is spec §13's dead-man's switch: without a
// heartbeat for the timeout every visible component shows Unknown, with
// no incident touched; when it returns, the computed statuses come back.
func TestHeartbeatLostAndBack(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		emu, _, br := inProcess(t, bridge.Options{Logger: slog.New(slog.DiscardHandler), Probe: time.Hour,
			HeartbeatTimeout: 10 * time.Minute})
		ctx, cancel := context.WithCancel(t.Context())
		defer cancel()
		go br.Run(ctx)
		if _, err := br.Apply(ctx, []alertmanager.Event{fire("d1:5432", "DB")}); err != nil {
			t.Fatal(err)
		}
		time.Sleep(5 * time.Minute)
		br.Beat()
		time.Sleep(9 * time.Minute) // 14 min from the start, 9 from the beat
		synctest.Wait()
		if got := componentStatus(emu, "Web"); got != int(status.Operational) {
			t.Errorf("Web = %d inside the timeout, want Operational", got)
		}
		time.Sleep(2 * time.Minute)
		synctest.Wait()
		for _, name := range []string{"Web", "API", "DB", "Backend"} {
			if got := componentStatus(emu, name); got != int(status.Unknown) {
				t.Errorf("%s = %d with the heartbeat lost, want Unknown (5)", name, got)
			}
		}
		if n := openIncidents(emu, "DB"); n != 1 {
			t.Errorf("DB open incidents = %d with the heartbeat lost, want its one incident left as it is", n)
		}
		br.Beat()
		synctest.Wait()
		time.Sleep(time.Second)
		synctest.Wait()
		if got := componentStatus(emu, "DB"); got != int(status.MajorOutage) {
			t.Errorf("DB = %d after the heartbeat returned, want Major Outage", got)
		}
		if got := componentStatus(emu, "Web"); got != int(status.Operational) {
			t.Errorf("Web = %d after the heartbeat returned, want Operational", got)
		}
		if seen := br.HeartbeatLastSeen(); seen.IsZero() {
			t.Error("HeartbeatLastSeen is zero after beats")
		}
		cancel()
	})
}

// TestNoHeartbeatSwitchByDefault: without a heartbeat alert nothing turns
// Unknown, however long it is quiet.
func TestNoHeartbeatSwitchByDefault(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		emu, _, br := inProcess(t, bridge.Options{Logger: slog.New(slog.DiscardHandler), Probe: time.Hour})
		ctx, cancel := context.WithCancel(t.Context())
		defer cancel()
		go br.Run(ctx)
		time.Sleep(3 * time.Hour)
		synctest.Wait()
		if got := componentStatus(emu, "Web"); got != int(status.Operational) {
			t.Errorf("Web = %d, want Operational", got)
		}
		cancel()
	})
}
