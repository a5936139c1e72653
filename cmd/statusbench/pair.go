package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"golang.org/x/crypto/bcrypt"

	"statusbridge/internal/cachet/cachettest"
)

// pair is a running emulator and a statusbridge serving against it.
type pair struct {
	emu, sb *child
	base    string // the emulator's root (…/_stats, …/_state)
	sbURL   string // statusbridge's root
}

func (p *pair) stop() {
	if p.sb != nil {
		p.sb.stop()
	}
	if p.emu != nil {
		p.emu.stop()
	}
}

// startPair starts the emulator seeded from the two files (limited to
// rateLimit requests a minute when positive) and statusbridge against it,
// with env added to statusbridge's, and waits until statusbridge is ready.
func startPair(ctx context.Context, o options, dir, cfgPath, targetsPath string, rateLimit int, env ...string) (*pair, error) {
	p := &pair{}
	emuArgs := []string{"--listen", "127.0.0.1:0", "--config", cfgPath, "--targets", targetsPath}
	if rateLimit > 0 {
		emuArgs = append(emuArgs, "--rate-limit", strconv.Itoa(rateLimit))
	}
	var apiURL string
	var err error
	if p.emu, apiURL, err = startChild(ctx, o.emulatorBin, emuArgs, nil, filepath.Join(dir, "emulator.log"), "listening on "); err != nil {
		return nil, err
	}
	p.base = strings.TrimSuffix(apiURL, "/api")
	tokenPath := filepath.Join(dir, "token")
	if err := os.WriteFile(tokenPath, []byte(cachettest.DefaultToken), 0o600); err != nil {
		p.stop()
		return nil, err
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(benchPassword), bcrypt.MinCost)
	if err != nil {
		p.stop()
		return nil, err
	}
	var sbAddr string
	p.sb, sbAddr, err = startChild(ctx, o.statusbin, []string{"serve"}, append([]string{
		"STATUSBRIDGE_LISTEN=127.0.0.1:0",
		"STATUSBRIDGE_CONFIG=" + cfgPath,
		"STATUSBRIDGE_TARGETS=" + targetsPath,
		"CACHET_API_URL=" + apiURL,
		"CACHET_API_TOKEN=",
		"CACHET_API_TOKEN_FILE=" + tokenPath,
		"WEBHOOK_BASIC_AUTH=" + benchUser + ":" + string(hash),
	}, env...), filepath.Join(dir, "statusbridge.log"), "statusbridge listening on ")
	if err != nil {
		p.stop()
		return nil, err
	}
	p.sbURL = "http://" + sbAddr
	if err := poll(ctx, 5*time.Minute, func() error { return get(p.sbURL+"/readyz", nil) }); err != nil {
		p.stop()
		return nil, fmt.Errorf("statusbridge never became ready: %w", err)
	}
	return p, nil
}
