package alertmanager_test

import (
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"statusbridge/internal/alertmanager"
)

func TestAPIClientCurrent(t *testing.T) {
	body, err := os.ReadFile("testdata/api-v2-alerts.json")
	if err != nil {
		t.Fatal(err)
	}
	var gotQuery, gotAuth string
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/am/api/v2/alerts" {
			http.NotFound(w, r)
			return
		}
		gotQuery, gotAuth = r.URL.RawQuery, r.Header.Get("Authorization")
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(body)
	}))
	defer ts.Close()

	tests := []struct {
		name     string
		o        alertmanager.APIOptions
		wantAuth string
	}{
		{"basic_auth", alertmanager.APIOptions{URL: ts.URL + "/am/", Username: "sb", Password: "pw"}, "Basic c2I6cHc="},
		{"bearer", alertmanager.APIOptions{URL: ts.URL + "/am", BearerToken: "tok"}, "Bearer tok"},
		{"none", alertmanager.APIOptions{URL: ts.URL + "/am"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := alertmanager.NewAPIClient(tt.o)
			if err != nil {
				t.Fatal(err)
			}
			cur, err := c.Current(t.Context())
			if err != nil {
				t.Fatalf("Current: %v", err)
			}
			if gotAuth != tt.wantAuth {
				t.Errorf("Authorization = %q, want %q", gotAuth, tt.wantAuth)
			}
			for _, q := range []string{"silenced=true", "inhibited=true", "active=true"} {
				if !strings.Contains(gotQuery, q) {
					t.Errorf("query %q lacks %q", gotQuery, q)
				}
			}
			// Inhibited alerts still fire: only a silence mutes.
			if len(cur.Active) != 2 || cur.Active[0].Fingerprint != "0f4732eecec15950" || cur.Active[1].Fingerprint != "1111111111111111" {
				t.Errorf("Active = %+v, want the active and the inhibited alert", cur.Active)
			}
			if len(cur.Silenced) != 1 || cur.Silenced[0].Instance != "127.0.0.1:19101" || !cur.Silenced[0].Firing {
				t.Errorf("Silenced = %+v, want the silenced alert, firing", cur.Silenced)
			}
			if len(cur.Ignored) != 1 || cur.Ignored[0].AlertName != "Watchdog" {
				t.Errorf("Ignored = %+v, want the Watchdog", cur.Ignored)
			}
			if !cur.Active[0].Critical || cur.Active[0].ComponentsRaw != "Backend, API Services" {
				t.Errorf("Active[0] = %+v, want critical with its components", cur.Active[0])
			}
		})
	}
}

func TestAPIClientErrors(t *testing.T) {
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/bad/api/v2/alerts":
			_, _ = w.Write([]byte("{not json"))
		default:
			http.Error(w, "nope", http.StatusUnauthorized)
		}
	}))
	defer ts.Close()
	for _, u := range []string{ts.URL + "/bad", ts.URL + "/denied"} {
		c, err := alertmanager.NewAPIClient(alertmanager.APIOptions{URL: u, Password: "s3cret", Username: "u"})
		if err != nil {
			t.Fatal(err)
		}
		_, err = c.Current(t.Context())
		if err == nil {
			t.Errorf("Current(%s) succeeded, want an error", u)
		} else if strings.Contains(err.Error(), "s3cret") {
			t.Errorf("error leaks the password: %v", err)
		}
	}
	for _, o := range []alertmanager.APIOptions{
		{URL: "ftp://am"},
		{URL: "http://user:pw@am:9093"},
		{URL: "http://am:9093", Username: "u", BearerToken: "t"},
	} {
		if _, err := alertmanager.NewAPIClient(o); err == nil {
			t.Errorf("NewAPIClient(%+v) accepted, want an error", o.URL)
		}
	}
}
