package cli

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"regexp"
	"slices"
	"strings"
	"time"
)

// Flags is one command's flags together with what its help shows of each:
// the group it is listed under, its environment twin and its older names.
type Flags struct {
	fs *flag.FlagSet
	// cmd is the command as typed, e.g. "statusbridge serve".
	cmd string
	// help receives --help.
	help    io.Writer
	env     map[string]string   // flag → environment variable
	aliases map[string][]string // flag → its older names
	alias   map[string]string   // older name → flag
	groups  []group
}

type group struct {
	name  string
	flags []string
}

// NewFlags returns an empty flag set for cmd that writes --help to help
// and reports every mistake as an error instead of printing usage.
func NewFlags(cmd string, help io.Writer) *Flags {
	fs := flag.NewFlagSet(cmd, flag.ContinueOnError)
	// The flag package prints its error and the whole usage on every
	// mistake; Parse reports the error first and points to --help instead.
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	return &Flags{fs: fs, cmd: cmd, help: help, env: map[string]string{}, aliases: map[string][]string{}, alias: map[string]string{}}
}

// Group lists the flags defined from now on under name in --help.
func (f *Flags) Group(name string) {
	f.groups = append(f.groups, group{name: name})
}

// Env makes variable set flag when the command line does not.
func (f *Flags) Env(flag, variable string) { f.env[flag] = variable }

// Alias defines alias as another name of flag, so that older command lines
// keep working; help lists it with flag rather than on its own.
func (f *Flags) Alias(alias, flag string) {
	fl := f.fs.Lookup(flag)
	f.fs.Var(fl.Value, alias, "alias of --"+flag)
	f.aliases[flag] = append(f.aliases[flag], alias)
	f.alias[alias] = flag
}

// SetDefault changes the default of flag (e.g. the demo's safer listen
// address), as help shows it too.
func (f *Flags) SetDefault(flag, value string) {
	fl := f.fs.Lookup(flag)
	_ = fl.Value.Set(value)
	fl.DefValue = value
}

// Parse parses args after which unset flags are filled from the
// environment, so that flags win over the environment. -h and --help print
// the help and return flag.ErrHelp; a mistake returns a usage error naming
// the flag or variable.
func (f *Flags) Parse(args []string, getenv func(string) string) error {
	if err := f.fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			f.printHelp(f.help)
			return err
		}
		return f.usageError(errors.New(doubleDash(err.Error())))
	}
	if f.fs.NArg() > 0 {
		return f.usageError(fmt.Errorf("unexpected argument %q", f.fs.Arg(0)))
	}
	set := map[string]bool{}
	f.fs.Visit(func(fl *flag.Flag) {
		set[fl.Name] = true
		if name, ok := f.alias[fl.Name]; ok {
			set[name] = true
		}
	})
	// In name order, so that of two bad variables the same one is reported
	// every time.
	for _, name := range slices.Sorted(maps.Keys(f.env)) {
		variable := f.env[name]
		if set[name] {
			continue
		}
		if v := getenv(variable); v != "" {
			if err := f.fs.Set(name, v); err != nil {
				return f.usageError(fmt.Errorf("%s=%q (for --%s): %w", variable, v, name, err))
			}
		}
	}
	return nil
}

func (f *Flags) usageError(err error) error { return &UsageError{Cmd: f.cmd, Err: err} }

// UsageError is a mistake on the command line or in a flag's environment
// variable. It matches ErrUsage; ExitCode prints it with a pointer to
// --help instead of the whole usage.
type UsageError struct {
	Cmd string
	Err error
}

func (e *UsageError) Error() string        { return e.Err.Error() }
func (e *UsageError) Unwrap() error        { return e.Err }
func (e *UsageError) Is(target error) bool { return target == ErrUsage }

// flagName matches a flag as the flag package writes it in its errors.
var flagName = regexp.MustCompile(`(^|[ :])-([A-Za-z])`)

// doubleDash rewrites the flag package's "-name" as "--name", the
// spelling the help and the docs use, and says "unknown flag" plainly.
func doubleDash(msg string) string {
	msg = strings.Replace(msg, "flag provided but not defined: ", "unknown flag: ", 1)
	return flagName.ReplaceAllString(msg, "$1--$2")
}

// printHelp writes the command's flags, grouped, each with its type,
// description, environment variable, default and older names.
func (f *Flags) printHelp(w io.Writer) {
	fmt.Fprintf(w, "Usage: %s [flags]\n", f.cmd)
	for _, g := range f.groups {
		fmt.Fprintf(w, "\n%s:\n", g.name)
		for _, name := range g.flags {
			fl := f.fs.Lookup(name)
			typ, usage := flag.UnquoteUsage(fl)
			if typ != "" {
				typ = " " + typ
			}
			fmt.Fprintf(w, "  --%s%s\n        %s\n", name, typ, usage)
			var notes []string
			if v, ok := f.env[name]; ok {
				notes = append(notes, "env "+v)
			}
			if fl.DefValue != "" && fl.DefValue != "false" {
				notes = append(notes, fmt.Sprintf("default %q", fl.DefValue))
			}
			for _, a := range f.aliases[name] {
				notes = append(notes, "alias --"+a)
			}
			if len(notes) > 0 {
				fmt.Fprintf(w, "        (%s)\n", strings.Join(notes, "; "))
			}
		}
	}
	fmt.Fprintf(w, "\n  -h, --help\n        print this help\n")
}

// String, Bool, Int, Int64 and Duration define a flag in the current
// group; help lists flags in the order they were defined.
func (f *Flags) String(p *string, name, value, usage string) {
	f.fs.StringVar(p, name, value, usage)
	f.add(name)
}

func (f *Flags) Bool(p *bool, name string, value bool, usage string) {
	f.fs.BoolVar(p, name, value, usage)
	f.add(name)
}

func (f *Flags) Int(p *int, name string, value int, usage string) {
	f.fs.IntVar(p, name, value, usage)
	f.add(name)
}

func (f *Flags) Int64(p *int64, name string, value int64, usage string) {
	f.fs.Int64Var(p, name, value, usage)
	f.add(name)
}

func (f *Flags) Duration(p *time.Duration, name string, value time.Duration, usage string) {
	f.fs.DurationVar(p, name, value, usage)
	f.add(name)
}

func (f *Flags) add(name string) {
	if len(f.groups) == 0 {
		f.Group("Flags")
	}
	g := &f.groups[len(f.groups)-1]
	g.flags = append(g.flags, name)
}
