package main

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/access-as-code/access/schema"
	"github.com/access-as-code/access/schema/gitrev"
	"github.com/access-as-code/access/schema/history"
)

func newHistoryCmd(a *app) *cobra.Command {
	var since string
	var limit int
	cmd := &cobra.Command{
		Use:   "history USER|GROUP",
		Short: "Every access change in git history for a person or a group",
		Long: `history walks the main branch's history (HEAD's first-parent line, i.e. what
was merged) and lists every change of access for USER or GROUP, newest first:
date, commit, pull request number (from "Merge pull request #N" or a squash
merge's "(#N)"), author, and what was gained, lost or changed, directly or
through a role, with until and reason. A renamed group file is followed.

The name is looked up in the current config: a group name or any user
identifier (id, email, Okta, GitLab or GitHub login). A name the current
config does not know (a person who left, a deleted group) is searched for in
the history. A name that is both a group and a person must be written
group/NAME or user/ID. Grants are shown as written: an until passing is not a
commit, so each gain shows its until.`,
		Example: `  reconcile history alice
  reconcile history former.colleague@example.com
  reconcile history group/backend --since 2026-01-01 --format json`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkQueryFormat(a.format); err != nil {
				return err
			}
			opts := history.Options{Limit: limit}
			if since != "" {
				t, err := schema.ParseTime(since)
				if err != nil {
					return fmt.Errorf("--since: %w", err)
				}
				opts.Since = t
			}
			repo, err := gitrev.Open(a.configDir)
			if err != nil {
				return err
			}
			defer repo.Close()
			subj, watch, err := history.ResolveSubject(cmd.Context(), repo, args[0])
			if err != nil {
				return err
			}
			opts.Group = watch
			events, err := history.Walk(cmd.Context(), repo, subj, opts)
			if errors.Is(err, history.ErrAlsoAGroup) {
				return history.Ambiguous(args[0], subj.Name, " in the history")
			}
			if err != nil {
				return err
			}
			if a.format == "json" {
				return writeJSON(a.stdout, struct {
					Subject string          `json:"subject"`
					Kind    string          `json:"kind"`
					Events  []history.Event `json:"events"`
				}{subj.Name, subj.Kind, append([]history.Event{}, events...)})
			}
			return writeTables(a.stdout, a.format, historyTable(subj, events))
		},
	}
	cmd.Flags().StringVar(&since, "since", "", "only commits at or after this date or RFC 3339 time")
	cmd.Flags().IntVar(&limit, "limit", 0, "at most this many changes (0: all)")
	return cmd
}

func historyTable(subj history.Subject, events []history.Event) table {
	t := table{title: fmt.Sprintf("Access history of %s %s", subj.Kind, subj.Name),
		head:  []string{"date", "commit", "PR", "author", "change", "group", "user", "how", "until", "reason"},
		empty: "no access changes in history"}
	for _, e := range events {
		pr := ""
		if e.PR > 0 {
			pr = fmt.Sprintf("#%d", e.PR)
		}
		change := e.Op
		if e.From != "" {
			change += " from " + e.From
		}
		t.rows = append(t.rows, []string{e.When.UTC().Format(time.DateOnly), e.Hash[:12], pr, e.Author, change,
			e.Group, e.User, historyHow(e), fmtUntil(e.Until), e.Reason})
	}
	return t
}

func historyHow(e history.Event) string {
	via := func(ps []schema.Path) string {
		var parts []string
		for _, p := range ps {
			if p.Role == "" {
				parts = append(parts, "direct")
			} else {
				parts = append(parts, "role "+p.Role)
			}
		}
		return strings.Join(parts, ", ")
	}
	now, old := via(e.Via), via(e.OldVia)
	if e.Op == history.OpChange && now != old {
		return old + " → " + now
	}
	if now == "" {
		return old
	}
	return now
}
