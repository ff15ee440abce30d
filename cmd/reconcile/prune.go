package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/access-as-code/access/schema/prune"
)

func newPruneExpiredCmd(a *app) *cobra.Command {
	var dryRun bool
	cmd := &cobra.Command{
		Use:   "prune-expired [--dry-run]",
		Short: "Remove expired member entries from the YAML, keeping comments and formatting",
		Long: `prune-expired deletes every member entry of groups/ and roles/ whose until has
passed (at --now when given), editing only those lines: comments, blank lines,
quoting and order stay as they were, so a scheduled job can open a clean-up
pull request with a readable diff. Expired entries already grant nothing;
this only tidies the files. A file whose members are a flow list ([...]) is
reported and left alone. A workflow sees the change with "git status".`,
		Example: `  # what would be removed, without touching the files
  reconcile prune-expired --config access-config --dry-run

  # remove expired entries, then open a clean-up pull request with the diff
  reconcile prune-expired --config access-config && git status --short`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := checkQueryFormat(a.format); err != nil {
				return err
			}
			now, err := a.now()
			if err != nil {
				return err
			}
			removed, skipped, err := prune.Dir(a.configDir, now, !dryRun)
			if err != nil {
				return err
			}
			if a.format == "json" {
				if err := writeJSON(a.stdout, struct {
					Removed []prune.Removed `json:"removed"`
					Skipped []prune.Skipped `json:"skipped"`
				}{append([]prune.Removed{}, removed...), append([]prune.Skipped{}, skipped...)}); err != nil {
					return err
				}
			} else {
				verb := "removed"
				if dryRun {
					verb = "would remove"
				}
				for _, r := range removed {
					who := r.User
					if r.Role != "" {
						who = "role " + r.Role
					}
					fmt.Fprintf(a.stdout, "%s:%d: %s %s (ended %s)\n", r.File, r.Line, verb, who, r.Until.UTC().Format("2006-01-02 15:04"))
				}
				for _, s := range skipped {
					fmt.Fprintf(a.stdout, "skipped %s\n", s.Reason)
				}
				if len(removed) == 0 {
					fmt.Fprintln(a.stdout, "no expired entries")
				}
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&dryRun, "dry-run", false, "list what would be removed; change nothing")
	return cmd
}
