package server

import (
	"log/slog"
	"net/http"
)

// authRetryAfter is the Retry-After, in seconds, of a 503 for a credential
// that could not be checked yet. Alertmanager retries 5xx with its own
// backoff; the header is for other clients.
const authRetryAfter = "1"

// basicAuth guards next with HTTP Basic Auth. Chi's middleware.BasicAuth is
// not used: it compares plaintext passwords.
//
// A credential the Verifier cannot decide on in time (its bcrypt work for
// unknown credentials is bounded) is answered 503 with Retry-After rather
// than 401: Alertmanager retries 5xx only, so a real sender whose password
// has not been checked yet is delayed, not dropped.
func basicAuth(users Verifier, log *slog.Logger) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			user, pass, ok := r.BasicAuth()
			ip := sourceIP(r)
			if ok && users != nil {
				verified, err := users.Verify(r.Context(), ip, user, pass)
				if err != nil {
					log.Warn("webhook request refused: too many credentials being checked at once", "source_ip", ip, "user", user)
					w.Header().Set("Retry-After", authRetryAfter)
					writeJSON(w, http.StatusServiceUnavailable, errBody("too many credentials being checked at once; retry later"))
					return
				}
				if verified {
					next.ServeHTTP(w, r)
					return
				}
			}
			log.Warn("webhook request rejected: missing or wrong credentials", "source_ip", ip, "user", user)
			w.Header().Set("WWW-Authenticate", `Basic realm="statusbridge", charset="UTF-8"`)
			writeJSON(w, http.StatusUnauthorized, errBody("unauthorized"))
		})
	}
}
