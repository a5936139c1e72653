package alertmanager_test

import (
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"statusbridge/internal/alertmanager"
)

func TestDecodeSilences(t *testing.T) {
	at := func(s string) time.Time {
		t.Helper()
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	tests := []struct {
		name    string
		body    string
		want    []alertmanager.Silence
		wantErr bool
	}{
		{name: "empty_list_is_no_silence", body: `[]`},
		{name: "active_kept_with_its_fields",
			body: `[{"id":"a","status":{"state":"active"},"comment":"disk swap","createdBy":"alice","startsAt":"2026-11-25T06:30:00Z","endsAt":"2026-11-25T08:30:00Z","matchers":[]}]`,
			want: []alertmanager.Silence{{ID: "a", Comment: "disk swap", CreatedBy: "alice", StartsAt: at("2026-11-25T06:30:00Z"), EndsAt: at("2026-11-25T08:30:00Z")}}},
		{name: "pending_is_not_a_window_yet",
			body: `[{"id":"p","status":{"state":"pending"},"startsAt":"2099-01-01T00:00:00Z","endsAt":"2099-01-02T00:00:00Z"}]`},
		{name: "expired_is_over",
			body: `[{"id":"e","status":{"state":"expired"},"startsAt":"2020-01-01T00:00:00Z","endsAt":"2020-01-02T00:00:00Z"}]`},
		{name: "missing_state_is_not_active", body: `[{"id":"x"}]`},
		{name: "blank_id_dropped", body: `[{"id":" ","status":{"state":"active"}}]`},
		{name: "unknown_fields_accepted",
			body: `[{"id":"a","status":{"state":"active","new":1},"annotations":{"x":"y"},"startsAt":"2026-11-25T06:30:00Z","endsAt":"2026-11-25T08:30:00Z"}]`,
			want: []alertmanager.Silence{{ID: "a", StartsAt: at("2026-11-25T06:30:00Z"), EndsAt: at("2026-11-25T08:30:00Z")}}},
		{name: "null_is_an_error", body: `null`, wantErr: true},
		{name: "object_is_an_error", body: `{"silences":[]}`, wantErr: true},
		{name: "trailing_data_is_an_error", body: `[] []`, wantErr: true},
		{name: "bad_time_is_an_error", body: `[{"id":"a","status":{"state":"active"},"startsAt":"yesterday"}]`, wantErr: true},
		{name: "truncated_is_an_error", body: `[{"id":"a"`, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := alertmanager.DecodeSilences(strings.NewReader(tt.body))
			if (err != nil) != tt.wantErr {
				t.Fatalf("DecodeSilences(%s) error = %v, want error %v", tt.body, err, tt.wantErr)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("DecodeSilences(%s) (-want +got):\n%s", tt.body, diff)
			}
		})
	}
}

func TestAPIClientActiveSilences(t *testing.T) {
	silences, err := os.ReadFile("testdata/api-v2-silences.json")
	if err != nil {
		t.Fatal(err)
	}
	alerts, err := os.ReadFile("testdata/api-v2-alerts.json")
	if err != nil {
		t.Fatal(err)
	}
	var gotAuth string
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gotAuth = r.Header.Get("Authorization")
		switch r.URL.Path {
		case "/api/v2/silences":
			_, _ = w.Write(silences)
		case "/api/v2/alerts":
			_, _ = w.Write(alerts)
		default:
			http.NotFound(w, r)
		}
	}))
	defer ts.Close()
	c, err := alertmanager.NewAPIClient(alertmanager.APIOptions{URL: ts.URL, BearerToken: "tok"})
	if err != nil {
		t.Fatal(err)
	}
	got, err := c.ActiveSilences(t.Context())
	if err != nil {
		t.Fatalf("ActiveSilences: %v", err)
	}
	if gotAuth != "Bearer tok" {
		t.Errorf("Authorization = %q, want the bearer token", gotAuth)
	}
	const id = "9b6f1a52-2d6e-4f0e-8d1c-0b7b3c1c6a11"
	if len(got) != 1 || got[0].ID != id || got[0].CreatedBy != "alice" || got[0].Comment != "Replacing the disks of node 19101" {
		t.Errorf("ActiveSilences = %+v, want only the active one", got)
	}

	// The silenced alert names the silence that mutes it.
	cur, err := c.Current(t.Context())
	if err != nil {
		t.Fatalf("Current: %v", err)
	}
	if len(cur.Silenced) != 1 || !cmp.Equal(cur.Silenced[0].SilencedBy, []string{id}) {
		t.Errorf("Silenced = %+v, want one alert silenced by %s", cur.Silenced, id)
	}
	for _, e := range cur.Active {
		if e.SilencedBy != nil {
			t.Errorf("active alert %s has SilencedBy %v, want none", e.Fingerprint, e.SilencedBy)
		}
	}
}

func TestAPIClientActiveSilencesErrors(t *testing.T) {
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/bad/api/v2/silences":
			_, _ = w.Write([]byte(`{"not":"a list"}`))
		case "/huge/api/v2/silences":
			// Past the read bound: cut off, so a decode error, not memory.
			_, _ = w.Write([]byte("["))
			item := []byte(`{"id":"x","status":{"state":"expired"}},`)
			for range (64<<20)/len(item) + 1 {
				if _, err := w.Write(item); err != nil {
					return
				}
			}
		default:
			http.Error(w, "nope", http.StatusForbidden)
		}
	}))
	defer ts.Close()
	for _, u := range []string{ts.URL + "/bad", ts.URL + "/denied", ts.URL + "/huge"} {
		c, err := alertmanager.NewAPIClient(alertmanager.APIOptions{URL: u, Username: "u", Password: "s3cret"})
		if err != nil {
			t.Fatal(err)
		}
		_, err = c.ActiveSilences(t.Context())
		if err == nil {
			t.Errorf("ActiveSilences(%s) succeeded, want an error", u)
		} else if strings.Contains(err.Error(), "s3cret") {
			t.Errorf("error leaks the password: %v", err)
		}
	}
}
