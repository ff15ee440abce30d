package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/access-as-code/access/schema"
)

func newValidateCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "validate",
		Short: "Check the config and print every error with its file:line:col",
		Long: `Validate loads every file of the config directory and checks it: unknown keys,
wrong types, duplicate people, references to users, roles, apps or groups that
do not exist, groups without owners, two groups claiming one Okta group, dates,
access levels and group policies (evaluated at --now, default: now).

Every error is reported, one per line, as path:line:col: field: message, with
the path relative to the config directory. The exit code is 1 when the config
is invalid; nothing is ever applied from an invalid config.`,
		Example: `  # check the example config
  reconcile validate --config access-config

  # as CI does, machine-readable, with policies checked at a given date
  reconcile validate --config access-config --format json --now 2026-12-01`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := checkQueryFormat(a.format); err != nil {
				return err
			}
			now, err := a.now()
			if err != nil {
				return err
			}
			if err := checkConfigDir(a.configDir); err != nil {
				return err
			}
			cfg, err := schema.CheckDir(a.configDir, now)
			return writeValidation(a.stdout, a.format, cfg, err)
		},
	}
}

// validationJSON is the stable JSON of `validate --format json`.
type validationJSON struct {
	Valid  bool                  `json:"valid"`
	Errors []validationErrorJSON `json:"errors"`
	Users  int                   `json:"users"`
	Groups int                   `json:"groups"`
	Roles  int                   `json:"roles"`
	Apps   int                   `json:"apps"`
}

type validationErrorJSON struct {
	File    string `json:"file"`
	Line    int    `json:"line"`
	Col     int    `json:"col"`
	Field   string `json:"field"`
	Message string `json:"message"`
}

// writeValidation prints the outcome of schema.CheckDir and returns exit
// code 1 (already reported) when the config is invalid.
func writeValidation(w io.Writer, format string, cfg *schema.Config, err error) error {
	errs := schema.Errors(err)
	if format == "json" {
		out := validationJSON{Valid: len(errs) == 0, Errors: []validationErrorJSON{}}
		for _, e := range errs {
			out.Errors = append(out.Errors, validationErrorJSON{File: e.File, Line: e.Line, Col: e.Col, Field: e.Field, Message: e.Msg})
		}
		if cfg != nil && len(errs) == 0 {
			out.Users, out.Groups, out.Roles, out.Apps = len(cfg.Users), len(cfg.Groups), len(cfg.Roles), len(cfg.Apps)
		}
		if err := writeJSON(w, out); err != nil {
			return err
		}
	} else {
		for _, e := range errs {
			fmt.Fprintln(w, e.Error())
		}
		if len(errs) > 0 {
			fmt.Fprintln(w, plural(len(errs), "error"))
		} else {
			fmt.Fprintf(w, "config is valid: %s, %s, %s, %s\n", plural(len(cfg.Users), "user"),
				plural(len(cfg.Groups), "group"), plural(len(cfg.Roles), "role"), plural(len(cfg.Apps), "app"))
		}
	}
	if len(errs) > 0 {
		return exitError{code: 1}
	}
	return nil
}

// loadQueryState loads and validates the config and compiles it at now: the
// two inputs of every query. An invalid config is an error, since answers
// from it could be wrong.
func loadQueryState(a *app, now time.Time) (*schema.Config, *schema.Desired, error) {
	cfg, err := loadQueryConfig(a, now)
	if err != nil {
		return nil, nil, err
	}
	return cfg, schema.Compile(cfg, now), nil
}

// loadQueryConfig loads and validates the config without compiling it, for
// queries about a few people that compile only their part (query.ForUsers).
func loadQueryConfig(a *app, now time.Time) (*schema.Config, error) {
	if err := checkConfigDir(a.configDir); err != nil {
		return nil, err
	}
	cfg, err := schema.CheckDir(a.configDir, now)
	if err != nil {
		return nil, invalidConfigError(a.configDir, err)
	}
	return cfg, nil
}

// checkConfigDir tells a mistyped --config apart from a config that lacks
// its files.
func checkConfigDir(dir string) error {
	st, err := os.Stat(dir)
	if err != nil {
		return fmt.Errorf("--config %s: %w (the access-config directory: access.yaml, users.yaml, groups/, roles/, apps/)", dir, err)
	}
	if !st.IsDir() {
		return fmt.Errorf("--config %s: not a directory (give the access-config directory)", dir)
	}
	return nil
}

func invalidConfigError(where string, err error) error {
	errs := schema.Errors(err)
	if len(errs) == 0 {
		return err
	}
	return fmt.Errorf("config %s is invalid (%s; run `reconcile validate` to see them all): %w",
		where, plural(len(errs), "error"), errs[0])
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}

// checkQueryFormat accepts the formats queries print.
func checkQueryFormat(f string) error {
	switch f {
	case "text", "json", "markdown":
		return nil
	}
	return fmt.Errorf("--format: unknown format %q: want text, markdown or json", f)
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// table is one titled table of a query's text or markdown output.
type table struct {
	title string
	head  []string
	rows  [][]string
	empty string // printed instead of an empty table
}

// writeTables prints tables aligned (text) or as Markdown tables.
func writeTables(w io.Writer, format string, tables ...table) error {
	for i, t := range tables {
		if i > 0 {
			fmt.Fprintln(w)
		}
		if format == "markdown" {
			if t.title != "" {
				fmt.Fprintf(w, "### %s\n\n", t.title)
			}
			if len(t.rows) == 0 {
				fmt.Fprintln(w, orNone(t.empty))
				continue
			}
			fmt.Fprintf(w, "| %s |\n|%s\n", strings.Join(t.head, " | "), strings.Repeat(" --- |", len(t.head)))
			for _, r := range t.rows {
				fmt.Fprintf(w, "| %s |\n", strings.Join(escapeCells(r), " | "))
			}
			continue
		}
		if t.title != "" {
			fmt.Fprintln(w, t.title)
		}
		if len(t.rows) == 0 {
			fmt.Fprintln(w, "  "+orNone(t.empty))
			continue
		}
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "  "+strings.Join(t.head, "\t"))
		for _, r := range t.rows {
			fmt.Fprintln(tw, "  "+strings.Join(r, "\t"))
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	return nil
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

func escapeCells(r []string) []string {
	out := make([]string, len(r))
	for i, c := range r {
		out[i] = strings.ReplaceAll(c, "|", `\|`)
	}
	return out
}

// fmtUntil shows an expiry: "-" for none, the date alone at midnight UTC.
func fmtUntil(t *time.Time) string {
	if t == nil {
		return "-"
	}
	u := t.UTC()
	if u.Hour() == 0 && u.Minute() == 0 && u.Second() == 0 && u.Nanosecond() == 0 {
		return u.Format("2006-01-02")
	}
	return u.Format(time.RFC3339)
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
