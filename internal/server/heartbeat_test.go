package server_test

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"statusbridge/internal/alertmanager"
	"statusbridge/internal/bridge"
	"statusbridge/internal/server"
)

type noBridge struct{}

func (noBridge) Apply(_ context.Context, _ []alertmanager.Event) (bridge.Result, error) {
	return bridge.Result{}, nil
}

type allowAll struct{}

func (allowAll) Verify(context.Context, string, string, string) (bool, error) { return true, nil }

// TestHeartbeatIsHeard: a notification with the firing heartbeat alert
// (Watchdog, no status-page labels) beats; a resolved one, or another
// alert, does not.
func TestHeartbeatIsHeard(t *testing.T) {
	var beats atomic.Int32
	ts := httptest.NewServer(server.New(server.Options{Bridge: noBridge{}, Users: allowAll{}, HeartbeatAlert: "Watchdog",
		Heartbeat: func() { beats.Add(1) }}))
	t.Cleanup(ts.Close)
	body := func(name, st string) []byte {
		return []byte(`{"version":"4","status":"` + st + `","alerts":[{"status":"` + st + `","labels":{"alertname":"` + name + `","severity":"none"},"startsAt":"2026-12-02T00:00:00Z"}]}`)
	}
	for _, tt := range []struct {
		name, status string
		want         int32
	}{{"Watchdog", "firing", 1}, {"Watchdog", "resolved", 1}, {"InstanceDown", "firing", 1}, {"Watchdog", "firing", 2}} {
		req, _ := http.NewRequest(http.MethodPost, ts.URL+"/webhook", bytes.NewReader(body(tt.name, tt.status)))
		req.SetBasicAuth("u", "p")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("%s %s: %d", tt.name, tt.status, resp.StatusCode)
		}
		if got := beats.Load(); got != tt.want {
			t.Errorf("after %s %s: %d beats, want %d", tt.name, tt.status, got, tt.want)
		}
	}
}
