package main

import (
	"errors"
	"fmt"
	"io"

	"statusbridge/internal/alertmanager"
	"statusbridge/internal/cli"
	"statusbridge/internal/config"
)

// errInvalid is returned when validate found problems (already printed).
var errInvalid = errors.New("configuration has problems")

// runValidate checks both files with the loader serve and setup use and
// prints every problem, one a line, then what the loader would warn about.
// It takes serve's file flags and their environment variables, so a
// deployment's environment validates the files it serves with.
func runValidate(args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fl := cli.NewFlags("statusbridge validate", stdout)
	var f cli.FileFlags
	f.Register(fl)
	if err := fl.Parse(args, getenv); err != nil {
		return err
	}
	cfg, targets, err := config.Load(f.ConfigPath, f.TargetsPath)
	var r *alertmanager.Renderer
	if err == nil {
		if r, err = alertmanager.NewRenderer(); err == nil {
			err = cfg.CheckTexts(r.Check)
		}
	}
	if err != nil {
		n := printProblems(stdout, err)
		fmt.Fprintf(stdout, "%s in %s and %s\n", plural(n, "problem"), f.ConfigPath, f.TargetsPath)
		return errInvalid
	}
	warnings := config.Warnings(cfg, targets)
	if w, ok := cfg.NameLengthWarning(r.WorstCaseLength(cfg.NewIncidentName, cfg.LongestComponent())); ok {
		warnings = append(warnings, w)
	}
	for _, w := range warnings {
		fmt.Fprintf(stdout, "warning: %s\n", w.Error())
	}
	fmt.Fprintf(stdout, "ok: %s and %s: %s, %s, %s",
		f.ConfigPath, f.TargetsPath, plural(len(cfg.Groups), "group"), plural(len(cfg.Components()), "visible component"), plural(len(targets), "target"))
	if len(warnings) > 0 {
		fmt.Fprintf(stdout, " (%s)", plural(len(warnings), "warning"))
	}
	fmt.Fprintln(stdout)
	return nil
}

// printProblems prints err one problem a line and returns how many.
func printProblems(w io.Writer, err error) int {
	var ps config.Problems
	if errors.As(err, &ps) {
		for _, p := range ps {
			fmt.Fprintln(w, p.Error())
		}
		return len(ps)
	}
	var errs []error
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		errs = j.Unwrap()
	} else {
		errs = []error{err}
	}
	for _, e := range errs {
		fmt.Fprintln(w, e)
	}
	return len(errs)
}

func plural(n int, noun string) string {
	if n == 1 {
		return fmt.Sprintf("1 %s", noun)
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
