package main

import (
	"context"
	"errors"
	"io"
)

// runSetup seeds Cachet from the configuration. Being built in issue 3.
func runSetup(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	return errors.New("setup: not implemented yet")
}
