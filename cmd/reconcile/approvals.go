package main

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/spf13/cobra"

	rgh "github.com/access-as-code/access/reconcile/github"
	"github.com/access-as-code/access/schema"
	"github.com/access-as-code/access/schema/approvals"
	"github.com/access-as-code/access/schema/request"
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
		if pc.gh, err = githubClient(a); err != nil {
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
		base = "origin/main"
	}
	if head == "" {
		head = "HEAD"
	}
	if pc.rng, err = loadRange(a, base, head, now); err != nil {
		return nil, err
	}
	logins := loginIndex(pc.rng.base.Config)
	in := approvals.Input{Base: pc.rng.base, Head: pc.rng.head, Diff: pc.rng.report, Now: now}
	if author != "" {
		in.Author = logins[strings.ToLower(author)]
		if in.Author == "" {
			a.log.Warn("pull request author has no users.yaml entry with this github login", "login", author)
		}
	}
	for _, l := range approvers {
		if id := logins[strings.ToLower(strings.TrimSpace(l))]; id != "" {
			in.ApprovedBy = append(in.ApprovedBy, id)
		} else {
			a.log.Warn("approval ignored: no users.yaml entry with this github login", "login", l)
		}
	}
	pc.result = approvals.Evaluate(in)
	return pc, nil
}

// loginIndex maps lower-cased GitHub logins (GitHub compares them without
// case) to user ids.
func loginIndex(cfg *schema.Config) map[string]string {
	out := map[string]string{}
	for _, u := range cfg.Users {
		if u != nil && u.GitHub != "" {
			out[strings.ToLower(u.GitHub)] = u.ID
		}
	}
	return out
}

// githubClient builds the GitHub client from the environment (GITHUB_TOKEN,
// GITHUB_REPOSITORY, GITHUB_API_URL), falling back to access.yaml's github
// settings for the repository and API URL. The token is never logged.
func githubClient(a *app) (*rgh.Client, error) {
	repo, apiURL := a.getenv("GITHUB_REPOSITORY"), a.getenv("GITHUB_API_URL")
	if repo == "" || apiURL == "" {
		if cfg, err := schema.LoadDir(a.configDir); err == nil {
			if repo == "" {
				repo = cfg.Settings.GitHub.Repo
			}
			if apiURL == "" {
				apiURL = cfg.Settings.GitHub.APIURL
			}
		}
	}
	token := a.getenv("GITHUB_TOKEN")
	if token == "" {
		return nil, fmt.Errorf("GITHUB_TOKEN is not set: the GitHub API needs a token to read the pull request")
	}
	return rgh.New(rgh.Options{APIURL: apiURL, Token: token, Repo: repo, HTTPClient: &http.Client{Timeout: 30 * time.Second}})
}
