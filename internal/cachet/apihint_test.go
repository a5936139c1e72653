package cachet_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"statusbridge/internal/cachet"
	"statusbridge/internal/cachet/cachettest"
)

// TestAPIHint: a base URL without /api that meets a 404 before Cachet ever
// answered gets a hint naming the URL it probably meant; a 404 on a base
// that already worked, or that ends in /api, is about the object alone.
func TestAPIHint(t *testing.T) {
	emu := cachettest.NewServer(cachettest.Options{})
	t.Cleanup(emu.Close)
	// A Cachet API served under another root, as behind a proxy.
	proxied := httptest.NewServer(http.StripPrefix("/cachet-api", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r2 := r.Clone(r.Context())
		r2.URL.Path = "/api" + r.URL.Path
		emu.Config.Handler.ServeHTTP(w, r2)
	})))
	t.Cleanup(proxied.Close)
	tests := []struct {
		name     string
		base     string
		first    bool // list components first (a 2xx) when the base works
		wantHint string
	}{
		{"status_page_root", emu.URL, false, "did you mean " + emu.URL + "/api?"},
		{"status_page_root_slash", emu.URL + "/", false, "did you mean " + emu.URL + "/api?"},
		{"api_root", emu.APIURL(), false, ""},
		{"other_root_after_an_answer", proxied.URL + "/cachet-api", true, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := cachet.New(cachet.Options{BaseURL: tt.base, Token: cachettest.DefaultToken, Attempts: 1})
			if err != nil {
				t.Fatal(err)
			}
			if tt.first {
				if _, err := c.ListComponents(t.Context()); err != nil {
					t.Fatalf("ListComponents through %s: %v", tt.base, err)
				}
			}
			_, err = c.Component(t.Context(), 999)
			if !errors.Is(err, cachet.ErrNotFound) {
				t.Fatalf("Component(999) = %v, want a 404", err)
			}
			if got := err.Error(); tt.wantHint == "" && strings.Contains(got, "did you mean") || !strings.Contains(got, tt.wantHint) {
				t.Errorf("error %q, want hint %q", got, tt.wantHint)
			}
		})
	}
}
