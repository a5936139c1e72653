package main

import (
	"errors"
	"fmt"
	"io"

	"statusbridge/internal/alertmanager"
	"statusbridge/internal/config"
)

// errInvalid is returned when validate found problems (already printed).
var errInvalid = errors.New("configuration has problems")

func runValidate(args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := newFlagSet("validate", stderr)
	var f serveFlags
	env := f.register(fs)
	if err := parse(fs, args, getenv, env); err != nil {
		return err
	}
	cfg, targets, err := config.Load(f.configPath, f.targetsPath)
	if err == nil {
		var r *alertmanager.Renderer
		if r, err = alertmanager.NewRenderer(); err == nil {
			err = checkTexts(r, cfg)
		}
	}
	if err != nil {
		fmt.Fprintln(stdout, err)
		return errInvalid
	}
	fmt.Fprintf(stdout, "ok: %s and %s: %d groups, %d visible components, %d targets\n",
		f.configPath, f.targetsPath, len(cfg.Groups), len(cfg.Components()), len(targets))
	return nil
}
