package app

import (
	"log/slog"
	"net"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"statusbridge/internal/alertmanager"
	"statusbridge/internal/cachet"
	"statusbridge/internal/config"
	"statusbridge/internal/metrics"
	"statusbridge/internal/server"
)

// Options are the program's dependencies and settings. Logger, Registry,
// Config, Renderer, Cachet.BaseURL, Cachet.Token, Listener and Users
// (unless WebConfig.Users) are required; every other field has a working zero value.
type Options struct {
	// Logger receives every log line of the running program.
	Logger *slog.Logger
	// Registry holds the metrics served at /metrics. Tests pass a fresh
	// prometheus.NewRegistry() so that instances do not collide.
	Registry *prometheus.Registry
	// Build is reported by statusbridge_build_info; its version also by
	// the start-up line.
	Build metrics.Build

	// Config and Targets are the configuration in force at start, loaded
	// and checked by the caller so that a bad file fails before listening.
	Config  *config.Config
	Targets []config.Target
	// ConfigPath and TargetsPath are re-read on every reload.
	ConfigPath, TargetsPath string
	// Renderer renders incident texts, and checks them again on reload.
	Renderer *alertmanager.Renderer

	// Cachet configures the Cachet client. PerPage comes from Config and
	// Observe feeds the metrics; both are overwritten.
	Cachet cachet.Options
	// Resync is how often the bridge re-reads Cachet to repair drift; 0 never.
	Resync time.Duration
	// HeartbeatAlert names the alert (e.g. Watchdog) whose notifications
	// are the heartbeat; empty turns the dead-man's switch off.
	// HeartbeatTimeout is how long without one before every visible
	// component shows Unknown; default 10 min.
	HeartbeatAlert   string
	HeartbeatTimeout time.Duration
	// DiscoveredTTL is how long the bridge remembers a target seen only in
	// alerts after its last firing alert; 0 means the bridge's default.
	DiscoveredTTL time.Duration

	// Listener is where the HTTP server serves. Run closes it; so does a
	// failing New, so the caller never has to.
	Listener net.Listener
	// Users may post to /webhook; nil when WebConfig.Users guard every
	// route instead.
	Users server.Verifier
	// WebConfig, when its Path is set, serves through exporter-toolkit:
	// TLS and basic_auth_users for the whole listener.
	WebConfig WebConfig
	// Warnings are shown on /-/healthy (e.g. default credentials in use).
	Warnings []string
	// MaxBody is the largest webhook body accepted; 0 means 1 MiB.
	MaxBody int64
	// StatusPage, when set, is the title of a read-only status page served
	// at GET / from what Cachet shows (the demo's page).
	StatusPage string

	// Alertmanager, when set, is read every AlertmanagerInterval and the
	// bridge converges to its current alerts.
	Alertmanager         *alertmanager.APIClient
	AlertmanagerInterval time.Duration
	// SilencedMaintenance shows the components of a silenced alert Under
	// Maintenance instead of counting the alert as resolved.
	SilencedMaintenance bool
	// SilencedSchedule announces each silence that mutes status-page
	// alerts as a Cachet maintenance window on the components they feed,
	// and counts the silenced alerts as resolved (the window shows Under
	// Maintenance). The Cachet token then needs schedules.manage and
	// schedules.delete.
	SilencedSchedule bool

	// ShutdownTimeout bounds the drain of in-flight webhooks once the
	// context of Run ends; 0 means 10 s.
	ShutdownTimeout time.Duration
}

// WebConfig is a checked --web.config.file, the Prometheus exporters' file
// for TLS and Basic Auth of the whole listener.
type WebConfig struct {
	// Path is the file; "" means none: plain HTTP.
	Path string
	// TLS is whether the listener serves HTTPS only.
	TLS bool
	// Users is whether basic_auth_users guard every route.
	Users bool
}

// heartbeatTimeout is the bridge's: 0 (off) without a heartbeat alert.
func (o Options) heartbeatTimeout() time.Duration {
	switch {
	case o.HeartbeatAlert == "":
		return 0
	case o.HeartbeatTimeout <= 0:
		return 10 * time.Minute
	}
	return o.HeartbeatTimeout
}
