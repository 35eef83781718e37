// Command relais is a support bot for online shops: it answers customers on
// the storefront widget from a curated FAQ in French and English, and hands
// frustrated customers to a human.
//
// main.go is the composition root: main only sets up signals and calls run,
// which parses the command line and wires every package together.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"runtime"
	"runtime/debug"
	"syscall"
	_ "time/tzdata" // support hours in any time zone, even without system tzdata

	"github.com/relaisbot/relais/config"
	"github.com/relaisbot/relais/storage"
)

// version is set at build time with -ldflags "-X main.version=v1.2.3".
var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	if err != nil {
		if !errors.Is(err, errUsage) {
			fmt.Fprintln(os.Stderr, "relais:", err)
		}
		os.Exit(exitCode(err))
	}
}

// errUsage is returned after a usage message was printed.
var errUsage = errors.New("usage")

func exitCode(err error) int {
	if errors.Is(err, errUsage) || config.IsProblems(err) {
		return 2
	}
	return 1
}

const usage = `Relais — a support bot for online shops.

Usage:
  relais [serve] [flags]         run the server (widget, demo page, API)
  relais try [flags] MESSAGE     show what the bot answers to MESSAGE
  relais try [flags] -           read one message per line, write one JSON object per line
  relais config [flags]          print the effective configuration (secrets redacted)
  relais report [flags]          print service-quality figures (bot resolution, hand-overs, waits, CSAT…)
  relais faq list|show|export|import|…   manage the FAQ in the database (relais faq help)
  relais customer export|erase CUSTOMER  a customer's data: export it, or erase it (relais customer help)
  relais version                 print the version
  relais help                    print this help

Flags (every command):
  --config FILE      TOML configuration file (see relais.example.toml)
  --addr ADDR        listen address (RELAIS_ADDR, default :8080)
  --db PATH          SQLite database (RELAIS_DB, default relais.db)
  --log-level LEVEL  debug, info, warn or error

Flags of try:
  --lang auto|fr|en  language of the answer (default auto: detected)
  --json             print a JSON object instead of text

Flags of report:
  --since PERIOD     how far back: 7d (default), 24h, 90m…
  --lang en|fr       language of the text report
  --json             print JSON

Every setting can also be set in the environment (RELAIS_*); see README.md.
`

// run is the whole program: it returns when the command is done or ctx ends.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	return runWithInput(ctx, args, getenv, os.Stdin, stdout, stderr)
}

// runWithInput is run reading standard input from stdin (`relais try -`).
func runWithInput(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	cmd := "serve"
	if len(args) > 0 {
		switch args[0] {
		case "serve", "try", "config", "report", "faq", "customer", "version", "help":
			cmd, args = args[0], args[1:]
		case "-h", "-help", "--help":
			fmt.Fprint(stdout, usage)
			return nil
		}
	}
	switch cmd {
	case "help":
		fmt.Fprint(stdout, usage)
		return nil
	case "version":
		fmt.Fprintf(stdout, "relais %s (%s)\n", version, goVersion())
		return nil
	}

	fs := flag.NewFlagSet("relais "+cmd, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	file := fs.String("config", getenv("RELAIS_CONFIG"), "")
	for _, s := range config.Settings {
		if s.Flag != "" {
			fs.String(s.Flag, "", s.Help)
		}
	}
	var tryOpts tryOptions
	var reportOpts reportOptions
	var eraseYes bool
	switch cmd {
	case "customer":
		fs.BoolVar(&eraseYes, "yes", false, "")
	case "try":
		fs.StringVar(&tryOpts.lang, "lang", "auto", "")
		fs.BoolVar(&tryOpts.json, "json", false, "")
	case "report":
		fs.StringVar(&reportOpts.since, "since", "7d", "")
		fs.BoolVar(&reportOpts.json, "json", false, "")
		fs.StringVar(&reportOpts.lang, "lang", "en", "")
	}
	positional, err := parseInterspersed(fs, args)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprint(stdout, usage)
			return nil
		}
		fmt.Fprintf(stderr, "relais %s: %v\n\n%s", cmd, err, usage)
		return errUsage
	}
	flags := map[string]string{}
	fs.Visit(func(f *flag.Flag) { flags[f.Name] = f.Value.String() })

	cfg, err := config.Load(config.Sources{File: *file, Getenv: getenv, Flags: flags})
	if err != nil {
		return err
	}
	logger, err := newLogger(cfg.Log, stderr)
	if err != nil {
		return err
	}

	switch cmd {
	case "config":
		return config.Dump(stdout, cfg)
	case "faq":
		return runFAQ(ctx, cfg, positional, stdin, stdout, stderr, logger)
	case "customer":
		return runCustomer(ctx, cfg, positional, eraseYes, stdin, stdout, stderr, logger)
	case "report":
		if len(positional) > 0 {
			fmt.Fprintf(stderr, "relais report: unexpected argument %q\n\n%s", positional[0], usage)
			return errUsage
		}
		db, err := storage.Open(ctx, cfg.Database.Path)
		if err != nil {
			return err
		}
		defer db.Close()
		return runReport(ctx, db, reportOpts, stdout)
	case "try":
		if len(positional) != 1 {
			fmt.Fprintf(stderr, "relais try: give one MESSAGE, or - to read messages from standard input\n\n%s", usage)
			return errUsage
		}
		return runTry(ctx, cfg, tryOpts, positional[0], stdin, stdout, logger)
	default:
		if len(positional) > 0 {
			fmt.Fprintf(stderr, "relais: unexpected argument %q\n\n%s", positional[0], usage)
			return errUsage
		}
		return serve(ctx, cfg, stdout, logger)
	}
}

// parseInterspersed parses flags placed before, between or after the
// positional arguments ("relais try 'where is my parcel' --json"); "--" ends
// the flags.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return positional, nil
		}
		if len(args) > len(rest) && args[len(args)-len(rest)-1] == "--" {
			return append(positional, rest...), nil
		}
		positional, args = append(positional, rest[0]), rest[1:]
	}
}

// newLogger returns the program's logger, writing to w.
func newLogger(c config.Log, w io.Writer) (*slog.Logger, error) {
	var level slog.Level
	if err := level.UnmarshalText([]byte(c.Level)); err != nil {
		return nil, fmt.Errorf("log level: %w", err)
	}
	opts := &slog.HandlerOptions{Level: level}
	if c.Format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	}
	return slog.New(slog.NewTextHandler(w, opts)), nil
}

func goVersion() string {
	if bi, ok := debug.ReadBuildInfo(); ok {
		return bi.GoVersion
	}
	return runtime.Version()
}
