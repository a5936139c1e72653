package config

import (
	"errors"
	"fmt"
	"os"
)

// Load reads config.json and prometheus.yml, parses both and runs Check.
// Any problem in either file makes it return every problem found, as
// Problems, and no config; a file it cannot read is an error that wraps
// the os error and says which setting names the file.
func Load(configPath, targetsPath string) (*Config, []Target, error) {
	cdata, cerr := os.ReadFile(configPath)
	if cerr != nil {
		cerr = fmt.Errorf("read config (set --config.file or STATUSBRIDGE_CONFIG, or start from config.json.example): %w", cerr)
	}
	tdata, terr := os.ReadFile(targetsPath)
	if terr != nil {
		terr = fmt.Errorf("read targets (set --targets or STATUSBRIDGE_TARGETS, or start from prometheus.yml.example): %w", terr)
	}
	if err := errors.Join(cerr, terr); err != nil {
		return nil, nil, err
	}
	c, ps := ParseConfig(configPath, cdata)
	ts, tps := ParseTargets(targetsPath, tdata)
	ps = append(ps, tps...)
	ps = append(ps, Check(c, ts)...)
	if len(ps) > 0 {
		return nil, nil, ps.sorted()
	}
	return c, ts, nil
}
