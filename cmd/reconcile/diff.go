package main

import (
	"errors"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/access-as-code/access/schema/accessdiff"
	"github.com/access-as-code/access/schema/history"
)

func newDiffCmd(a *app) *cobra.Command {
	var base, head string
	cmd := &cobra.Command{
		Use:   "diff --base REV [--head REV]",
		Short: "Access changes between two revisions, per person",
		Long: `diff reads the config at two revisions straight from git (no checkout) and
reports the change in effective access per person: who gains or loses which
group, Okta group and GitLab level, directly or through a role, until when and
why; which groups, roles and apps were created, deleted, renamed or re-owned;
and, for a deleted group file, who keeps access in the targets that stop
being managed. A role merge or split shows only its net effect per person.

Like "git diff BASE...HEAD", the comparison starts from the merge base of
BASE and HEAD, so changes made on BASE after the branch forked are not shown.
--head defaults to HEAD (the last commit); --head WORKTREE compares against
the files on disk under --config, uncommitted edits included. REV is anything
git understands (main, origin/main, HEAD~1, a hash) or a date, meaning the
last commit at or before it.`,
		Example: `  reconcile diff --base origin/main
  reconcile diff --base origin/main --head WORKTREE --format markdown`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := checkQueryFormat(a.format); err != nil {
				return err
			}
			if base == "" {
				return fmt.Errorf("--base is required: the revision to compare against, e.g. origin/main")
			}
			now, err := a.now()
			if err != nil {
				return err
			}
			rv, err := loadRange(a, base, head, now)
			if err != nil {
				return err
			}
			return writeDiff(a, rv.report)
		},
	}
	cmd.Flags().StringVar(&base, "base", "", "the revision to compare against (e.g. origin/main)")
	cmd.Flags().StringVar(&head, "head", "HEAD", "the revision with the changes; WORKTREE for the files on disk")
	return cmd
}

func writeDiff(a *app, r *accessdiff.Report) error {
	switch a.format {
	case "json":
		return accessdiff.WriteJSON(a.stdout, r)
	case "markdown":
		return accessdiff.WriteMarkdown(a.stdout, r)
	}
	return accessdiff.WriteText(a.stdout, r)
}

// revRange is a loaded base...head comparison (see history.LoadRange).
type revRange struct {
	base, head accessdiff.Side
	report     *accessdiff.Report
}

// loadRange loads the comparison, telling an invalid head config apart.
func loadRange(a *app, baseRev, headRev string, now time.Time) (*revRange, error) {
	r, err := history.LoadRange(a.configDir, baseRev, headRev, now)
	if inv := (*history.InvalidConfigError)(nil); errors.As(err, &inv) {
		return nil, invalidConfigError(inv.Where, inv.Err)
	}
	if err != nil {
		return nil, err
	}
	return &revRange{base: r.Base, head: r.Head, report: r.Report}, nil
}
