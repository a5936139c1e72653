package main

import (
	"context"
	"io"

	"statusbridge/internal/cli"
)

// runServe runs the webhook daemon against a real Cachet.
func runServe(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer, reload <-chan struct{}) error {
	fl := cli.NewFlags("statusbridge serve", stdout)
	var f cli.ServeFlags
	f.Register(fl)
	if err := fl.Parse(args, getenv); err != nil {
		return err
	}
	o, err := f.Options(stderr, cli.BuildInfo(version, revision, branch))
	if err != nil {
		return err
	}
	if o.Cachet.Token, err = cli.CachetToken(f.CachetToken, getenv); err != nil {
		return err
	}
	return f.Run(ctx, o, getenv, stdout, reload)
}
