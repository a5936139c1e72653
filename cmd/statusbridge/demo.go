package main

import (
	"fmt"
	"net"
	"net/http"
	"time"

	"statusbridge/internal/cachet/cachettest"
	"statusbridge/internal/config"
	"statusbridge/internal/status"
)

// demoToken is the emulator's API token; it guards nothing real.
const demoToken = "1|statusbridge-demo-token"

// demoCachet is the in-process Cachet emulator that `statusbridge demo`
// runs against, seeded from the configuration as setup would seed Cachet.
type demoCachet struct {
	emu *cachettest.Emulator
	srv *http.Server
	url string
}

func startDemoCachet(addr string, cfg *config.Config, targets []config.Target) (*demoCachet, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listen for the demo Cachet on %s (set --demo.cachet-listen): %w", addr, err)
	}
	emu := cachettest.New(cachettest.Options{Token: demoToken})
	for _, g := range cfg.Groups {
		gid := emu.AddGroup(cachettest.Group{Name: g.Name, Visible: 1})
		for _, c := range g.Components {
			emu.AddComponent(cachettest.Component{Name: c, Status: int(status.Operational), Enabled: true, GroupID: gid})
		}
	}
	for _, t := range targets {
		emu.AddComponent(cachettest.Component{
			Name:        t.InvisibleName(),
			Description: status.Description(t.Critical, nil),
			Status:      int(status.Operational),
		})
	}
	d := &demoCachet{
		emu: emu,
		srv: &http.Server{Handler: emu, ReadHeaderTimeout: 5 * time.Second},
		url: "http://" + ln.Addr().String() + "/api",
	}
	// Serve only fails once Close is called; there is nothing to report.
	go func() { _ = d.srv.Serve(ln) }()
	return d, nil
}

func (d *demoCachet) Close() { _ = d.srv.Close() }
