package server

import (
	"log/slog"
	"net/http"
)

// basicAuth guards next with HTTP Basic Auth. Chi's middleware.BasicAuth is
// not used: it compares plaintext passwords.
func basicAuth(users Verifier, log *slog.Logger) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			user, pass, ok := r.BasicAuth()
			if !ok || users == nil || !users.Verify(user, pass) {
				log.Warn("webhook request rejected: missing or wrong credentials", "source_ip", sourceIP(r), "user", user)
				w.Header().Set("WWW-Authenticate", `Basic realm="statusbridge", charset="UTF-8"`)
				writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "unauthorized"})
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}
