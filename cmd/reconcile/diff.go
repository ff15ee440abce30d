package main

import (
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/access-as-code/access/schema"
	"github.com/access-as-code/access/schema/accessdiff"
	"github.com/access-as-code/access/schema/gitrev"
)

// worktreeRev names the files on disk under --config instead of a commit.
const worktreeRev = "WORKTREE"

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

// revRange is a loaded base...head comparison.
type revRange struct {
	base, head accessdiff.Side
	baseCommit gitrev.Commit
	headCommit *gitrev.Commit // nil for WORKTREE
	report     *accessdiff.Report
}

// loadRange resolves base and head, loads both configs and diffs them. The
// head must validate at now (it is what would be applied); the base is only
// loaded, since it was validated when it was merged and time-dependent rules
// may have moved since.
func loadRange(a *app, baseRev, headRev string, now time.Time) (*revRange, error) {
	repo, err := gitrev.Open(a.configDir)
	if err != nil {
		return nil, err
	}
	defer repo.Close() // everything is read before returning
	rv := &revRange{}
	var headCfg *schema.Config
	baseC, err := repo.Resolve(baseRev)
	if err != nil {
		return nil, fmt.Errorf("--base: %w", err)
	}
	if headRev == worktreeRev {
		cfg, err := schema.Check(os.DirFS(a.configDir), now)
		if err != nil {
			return nil, invalidConfigError(a.configDir, err)
		}
		headCfg = cfg
	} else {
		headC, err := repo.Resolve(headRev)
		if err != nil {
			return nil, fmt.Errorf("--head: %w", err)
		}
		if baseC, err = repo.MergeBase(baseC, headC); err != nil {
			return nil, err
		}
		fsys, err := repo.ConfigFS(headC)
		if err != nil {
			return nil, fmt.Errorf("--head: %w", err)
		}
		cfg, err := schema.Check(fsys, now)
		if err != nil {
			return nil, invalidConfigError(fmt.Sprintf("%s at %.12s", a.configDir, headC.Hash), err)
		}
		hc := gitrev.Describe(headC)
		rv.headCommit = &hc
		headCfg = cfg
	}
	rv.baseCommit = gitrev.Describe(baseC)
	baseCfg := &schema.Config{Groups: map[string]*schema.Group{}, Roles: map[string]*schema.Role{}, Apps: map[string]*schema.App{}}
	if tree, err := repo.ConfigTree(baseC); err != nil {
		return nil, fmt.Errorf("--base: %w", err)
	} else if tree != nil { // a base without the config dir: everything is new
		fsys, err := repo.ConfigFS(baseC)
		if err != nil {
			return nil, fmt.Errorf("--base: %w", err)
		}
		if baseCfg, err = schema.Load(fsys); err != nil {
			return nil, fmt.Errorf("--base %s: the config at %.12s does not load: %w", baseRev, baseC.Hash, err)
		}
	}
	// Only groups whose access can differ are compiled: a diff costs what
	// the change touches, not the size of the org.
	rv.base, rv.head = accessdiff.CompileChanged(baseCfg, headCfg, now)
	rv.report = accessdiff.Compute(rv.base, rv.head)
	rv.report.Base = rv.baseCommit.Hash
	if rv.headCommit != nil {
		rv.report.Head = rv.headCommit.Hash
	} else {
		rv.report.Head = strings.ToLower(worktreeRev)
	}
	return rv, nil
}
