package server

import (
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"time"
)

const (
	// maxLoggedUser caps the user name in a rejection line: the name comes
	// from the client, and a 700 KB one must not become 700 KB of log.
	maxLoggedUser = 64

	// rejectLogEvery is the most often a rejection is logged; the rest are
	// counted into the next line and into ObserveAuth.
	rejectLogEvery = time.Second

	// authRetryAfter is the Retry-After, in seconds, of a 503 for a
	// credential that could not be checked yet. Alertmanager retries 5xx
	// with its own backoff; the header is for other clients.
	authRetryAfter = "1"
)

// Reasons a webhook request is refused before the handler, as passed to
// Options.ObserveAuth and logged.
const (
	AuthMissing    = "missing"    // no Basic Auth credentials
	AuthWrong      = "wrong"      // unknown user or wrong password: 401
	AuthOverloaded = "overloaded" // too many unchecked credentials at once: 503
)

// basicAuth guards next with HTTP Basic Auth. Chi's middleware.BasicAuth is
// not used: it compares plaintext passwords.
//
// A credential the Verifier cannot decide on in time (its bcrypt work for
// unknown credentials is bounded) is answered 503 with Retry-After rather
// than 401: Alertmanager retries 5xx only, so a real sender whose password
// has not been checked yet is delayed, not dropped.
func basicAuth(users Verifier, log *slog.Logger, observe func(reason string)) func(http.Handler) http.Handler {
	rejects := &rejectLog{logger: log, every: rejectLogEvery, now: time.Now}
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			user, pass, ok := r.BasicAuth()
			ip := sourceIP(r)
			reason := AuthMissing
			if ok {
				reason = AuthWrong
				if users != nil {
					verified, err := users.Verify(r.Context(), ip, user, pass)
					switch {
					case err != nil:
						reason = AuthOverloaded
					case verified:
						next.ServeHTTP(w, r)
						return
					}
				}
			}
			if observe != nil {
				observe(reason)
			}
			rejects.log(reason, ip, user)
			if reason == AuthOverloaded {
				w.Header().Set("Retry-After", authRetryAfter)
				writeJSON(w, http.StatusServiceUnavailable, errBody("too many credentials being checked at once; retry later"))
				return
			}
			w.Header().Set("WWW-Authenticate", `Basic realm="statusbridge", charset="UTF-8"`)
			writeJSON(w, http.StatusUnauthorized, errBody("unauthorized"))
		})
	}
}

// rejectLog writes at most one rejection line per interval, so a flood of
// bad requests costs a line a second, not a line a request. Each line
// carries how many rejections were left out since the previous one.
type rejectLog struct {
	logger *slog.Logger
	every  time.Duration
	now    func() time.Time

	mu         sync.Mutex
	last       time.Time
	suppressed int
}

func (l *rejectLog) log(reason, ip, user string) {
	l.mu.Lock()
	now := l.now()
	if !l.last.IsZero() && now.Sub(l.last) < l.every {
		l.suppressed++
		l.mu.Unlock()
		return
	}
	l.last = now
	suppressed := l.suppressed
	l.suppressed = 0
	l.mu.Unlock()
	l.logger.Warn("webhook request rejected", "reason", reason, "source_ip", ip,
		"user", cutUser(user), "suppressed", suppressed)
}

// cutUser returns at most maxLoggedUser runes of user, marked with "…" when
// cut. Bytes that are not UTF-8 count as one rune each.
func cutUser(user string) string {
	n := 0
	for i := range user {
		if n == maxLoggedUser {
			return user[:i] + "…"
		}
		n++
	}
	return user
}

// CheckDefaultCredentials refuses the default admin:admin login anywhere
// but on a loopback listener: there only local processes can use a password
// everybody knows. listen is the --web.listen-address; usersConfigured is
// whether WEBHOOK_BASIC_AUTH (or --basic-auth) or the basic_auth_users of
// --web.config.file set users. A host name other
// than localhost counts as non-loopback, since it is not resolved here.
func CheckDefaultCredentials(listen string, usersConfigured bool) error {
	if usersConfigured || loopback(listen) {
		return nil
	}
	return fmt.Errorf("WEBHOOK_BASIC_AUTH is unset and --web.listen-address %q is not a loopback address: refusing to accept the default admin:admin from the network; "+
		"set webhook users with WEBHOOK_BASIC_AUTH='user:$2y$...' (or --basic-auth), the output of htpasswd -nbB user PASSWORD, "+
		"or basic_auth_users in a --web.config.file, "+
		"or listen on 127.0.0.1 only (--web.listen-address 127.0.0.1:5000)", listen)
}

func loopback(listen string) bool {
	host, _, err := net.SplitHostPort(listen)
	if err != nil {
		return false
	}
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.Unmap().IsLoopback()
}
