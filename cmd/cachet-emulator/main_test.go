package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"statusbridge/internal/cachet/cachettest"
)

func TestHandlerRoutes(t *testing.T) {
	emu := cachettest.New(cachettest.Options{})
	gid := emu.AddGroup(cachettest.Group{Name: "Web Services", Visible: 1})
	emu.AddComponent(cachettest.Component{Name: "Web", Status: 1, Enabled: true, GroupID: gid})
	srv := httptest.NewServer(handler(emu))
	defer srv.Close()

	do := func(method, path string) (int, string) {
		t.Helper()
		req, err := http.NewRequestWithContext(t.Context(), method, srv.URL+path, nil)
		if err != nil {
			t.Fatal(err)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}

	// An API read is counted; the emulator's own routes are not.
	if code, _ := do(http.MethodGet, "/api/components"); code != http.StatusOK {
		t.Fatalf("GET /api/components = %d, want 200", code)
	}
	code, body := do(http.MethodGet, "/_stats")
	var st cachettest.Stats
	if err := json.Unmarshal([]byte(body), &st); code != http.StatusOK || err != nil {
		t.Fatalf("GET /_stats = %d %q (%v)", code, body, err)
	}
	if got, want := st.Reads, 1; got != want {
		t.Errorf("Reads = %d, want %d", got, want)
	}

	code, body = do(http.MethodGet, "/_state")
	var state State
	if err := json.Unmarshal([]byte(body), &state); code != http.StatusOK || err != nil {
		t.Fatalf("GET /_state = %d %q (%v)", code, body, err)
	}
	want := []StateComponent{{ID: 1, Name: "Web", Status: 1, LatestStatus: 1, Enabled: true, GroupID: gid}}
	if diff := cmp.Diff(want, state.Components); diff != "" {
		t.Errorf("/_state components (-want +got):\n%s", diff)
	}

	if code, _ := do(http.MethodPost, "/_stats/reset"); code != http.StatusNoContent {
		t.Fatalf("POST /_stats/reset = %d, want 204", code)
	}
	if got := emu.Stats(); got.Reads != 0 || got.Writes != 0 {
		t.Errorf("after reset: %+v, want zero counters", got)
	}
}

func TestRunRejectsBadFlags(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"dialect", []string{"--dialect", "v2"}, "use head or base"},
		{"half seed", []string{"--config", "config.json"}, "give both or neither"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := run(t.Context(), tc.args, io.Discard, io.Discard)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("run(%q) = %v, want an error containing %q", tc.args, err, tc.want)
			}
		})
	}
}
