package main

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/spf13/cobra"

	rgh "github.com/access-as-code/access/reconcile/github"
	"github.com/access-as-code/access/schema"
	"github.com/access-as-code/access/schema/approvals"
	"github.com/access-as-code/access/schema/request"
	"github.com/access-as-code/access/schema/trusted"
)

// approvalFlags are shared by `approvals` and `comment`.
type approvalFlags struct {
	base, head string
	author     string
	approvedBy []string
	pr         int
}

func (f *approvalFlags) register(cmd *cobra.Command) {
	cmd.Flags().StringVar(&f.base, "base", "", "the target branch revision (default: the pull request's base, else origin/main)")
	cmd.Flags().StringVar(&f.head, "head", "", "the revision with the changes (default: the pull request's head, else HEAD)")
	cmd.Flags().StringVar(&f.author, "author", "", "GitHub login of the change's author")
	cmd.Flags().StringSliceVar(&f.approvedBy, "approved-by", nil, "GitHub logins that approved, comma-separated")
	cmd.Flags().IntVar(&f.pr, "github-pr", 0, "read author and reviews of this pull request from GitHub (GITHUB_TOKEN, GITHUB_REPOSITORY)")
}

func newApprovalsCmd(a *app) *cobra.Command {
	var f approvalFlags
	var setStatus bool
	cmd := &cobra.Command{
		Use:   "approvals --base REV --head REV (--author LOGIN --approved-by LOGIN,... | --github-pr N)",
		Short: "Who must approve this change, and has it been approved (exit 1 if not)",
		Long: `approvals lists, for every changed group, role, app, users.yaml entry and
access.yaml, who may approve it and whether one of them has. It exits 1 when
any item still needs an approval, so it can be a required status check.

Rules: a group needs one of its owners as they are on the base branch (owners,
members of owning roles, owners of its app); a role file its role owners; an
app file its app owners; new items, users.yaml and access.yaml an admin. The
author never counts and nobody counts for an item that grants them something;
when nobody else is left, the admins are the fallback. Removing only your own
access needs no approval. policies.auto_approve rules of the base apply.

GitHub logins map to people through the github field of the base users.yaml.
With --github-pr, the author and reviews come from GitHub: per reviewer only
the latest review counts, only when APPROVED and made on the pull request's
current head commit (approvals before the latest push do not count). When a
bot opened it for "reconcile request", the requester it records is the author.`,
		Example: `  reconcile approvals --base origin/main --author carol-gh --approved-by alice-gh
  reconcile approvals --github-pr 42 --set-status`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := checkQueryFormat(a.format); err != nil {
				return err
			}
			pc, err := evaluatePR(cmd.Context(), a, &f)
			if err != nil {
				return err
			}
			if setStatus {
				if pc.gh == nil {
					return fmt.Errorf("--set-status needs --github-pr")
				}
				state, desc := "success", "all access changes approved"
				if !pc.result.Satisfied {
					state, desc = "failure", "access changes need owner approval: run reconcile approvals"
				}
				if err := pc.gh.SetStatus(cmd.Context(), pc.pr.HeadSHA, "access/approvals", state, desc); err != nil {
					return err
				}
			}
			switch a.format {
			case "json":
				err = approvals.WriteJSON(a.stdout, pc.result)
			case "markdown":
				err = approvals.WriteMarkdown(a.stdout, pc.result)
			default:
				err = approvals.WriteText(a.stdout, pc.result)
			}
			if err != nil {
				return err
			}
			if !pc.result.Satisfied {
				return exitError{code: 1}
			}
			return nil
		},
	}
	f.register(cmd)
	cmd.Flags().BoolVar(&setStatus, "set-status", false, "with --github-pr: also set commit status access/approvals on the head commit")
	return cmd
}

// defaultBase is the base revision when neither --base nor a pull request
// names one.
const defaultBase = "origin/main"

// prContext is a change evaluated for approval.
type prContext struct {
	rng    *revRange
	result *approvals.Result
	gh     *rgh.Client
	pr     *rgh.PullRequest
}

// evaluatePR resolves the change (flags or GitHub), diffs it and applies the
// approval rules.
func evaluatePR(ctx context.Context, a *app, f *approvalFlags) (*prContext, error) {
	now, err := a.now()
	if err != nil {
		return nil, err
	}
	pc := &prContext{}
	author, approvers := f.author, f.approvedBy
	base, head := f.base, f.head
	if f.pr > 0 {
		if f.author != "" || len(f.approvedBy) > 0 {
			return nil, fmt.Errorf("--github-pr reads author and reviews from GitHub: do not also give --author or --approved-by")
		}
		// The pull request's own base is known only once it is read: its
		// settings come from --base, else the default base branch.
		settingsRev := base
		if settingsRev == "" {
			settingsRev = defaultBase
		}
		if pc.gh, err = githubClient(a, settingsRev); err != nil {
			return nil, err
		}
		if pc.pr, err = pc.gh.PullRequest(ctx, f.pr); err != nil {
			return nil, err
		}
		author = request.Author(pc.pr.Author, pc.pr.AuthorIsBot, pc.pr.Body)
		if approvers, err = pc.gh.Approvals(ctx, pc.pr); err != nil {
			return nil, err
		}
		if base == "" {
			base = pc.pr.BaseSHA
		}
		if head == "" {
			head = pc.pr.HeadSHA
		}
	}
	if base == "" {
		base = defaultBase
	}
	if head == "" {
		head = "HEAD"
	}
	if pc.rng, err = loadRange(a, base, head, now); err != nil {
		return nil, err
	}
	in := approvals.Input{Base: pc.rng.base, Head: pc.rng.head, Diff: pc.rng.report, Now: now}
	var ignored []error
	in.Author, in.ApprovedBy, ignored = approvals.NewLogins(pc.rng.base.Config).People(author, approvers)
	for _, err := range ignored {
		a.log.Warn(err.Error())
	}
	pc.result = approvals.Evaluate(in)
	return pc, nil
}

// githubClient builds the GitHub client. GITHUB_TOKEN goes only where the
// environment (GITHUB_API_URL, GITHUB_REPOSITORY) or access.yaml at the
// base revision (baseRev) says; the checked-out access.yaml is the config
// under review and never chooses it. The token is never logged.
func githubClient(a *app, baseRev string) (*rgh.Client, error) {
	opts, err := rgh.ResolveOptions(rgh.Sources{Getenv: a.getenv, Base: func() (schema.GitHubSettings, error) {
		return baseGitHubSettings(a.configDir, baseRev)
	}})
	if err != nil {
		return nil, err
	}
	opts.HTTPClient = &http.Client{Timeout: 30 * time.Second}
	return rgh.New(opts)
}

// baseGitHubSettings reads access.yaml's github settings as committed at
// rev in the repository holding configDir.
func baseGitHubSettings(configDir, rev string) (schema.GitHubSettings, error) {
	cfg, err := trusted.AtRevision(configDir)(rev)
	if err != nil {
		return schema.GitHubSettings{}, err
	}
	return cfg.Settings.GitHub, nil
}
