package cli

import (
	"fmt"
	"os"

	"github.com/prometheus/exporter-toolkit/web"
	"gopkg.in/yaml.v3"

	"statusbridge/internal/app"
)

// ReadWebConfig checks the web config file at path as exporter-toolkit
// will use it (YAML, bcrypt hashes, certificate and key files) and reports
// what it turns on. An empty path is no web config.
func ReadWebConfig(path string) (app.WebConfig, error) {
	if path == "" {
		return app.WebConfig{}, nil
	}
	if err := web.Validate(path); err != nil {
		return app.WebConfig{}, fmt.Errorf("--web.config.file %s: %w", path, err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return app.WebConfig{}, fmt.Errorf("--web.config.file: %w", err)
	}
	var c web.Config
	if err := yaml.Unmarshal(b, &c); err != nil {
		return app.WebConfig{}, fmt.Errorf("--web.config.file %s: %w", path, err)
	}
	return app.WebConfig{Path: path, TLS: c.TLSConfig.IsEnabled(), Users: len(c.Users) > 0}, nil
}
