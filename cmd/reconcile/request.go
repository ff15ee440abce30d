package main

import (
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	rgh "github.com/access-as-code/access/reconcile/github"
	"github.com/access-as-code/access/schema"
	"github.com/access-as-code/access/schema/gitrev"
	"github.com/access-as-code/access/schema/request"
)

func newRequestCmd(a *app) *cobra.Command {
	var f struct {
		reason, user, role, until, repo, base, fromIssue string
		openPR                                           bool
	}
	cmd := &cobra.Command{
		Use:   "request GROUP --reason TEXT [--user ID | --role ROLE] [--until DATE|DURATION] [--open-pr]",
		Short: "Ask for access: add a member entry to a group, or open the pull request that does",
		Long: `request adds one member entry to groups/GROUP.yaml (or extends the until of an
existing direct entry), changing only those lines, so comments and formatting
stay. The edited config must validate, the group's policy included
(max_duration, require_reason), or nothing is written and the command exits 1
with the problems. --until is a date, an RFC 3339 time, or a duration from
now (30d, 72h). --user defaults to the person whose GitHub login (users.yaml
github) owns GITHUB_TOKEN.

Without --open-pr the files under --config are edited and the effective change
is printed as "reconcile diff" prints it. With --open-pr nothing local is
edited: the request is applied to the remote --base branch as it is now, and
one commit on a new branch access-request/<user>-<group>-<yyyymmdd> is made
through the GitHub API, then the pull request, whose description has the
effective change and who may approve it; its URL is printed. GITHUB_TOKEN,
GITHUB_API_URL (default https://api.github.com/) and --repo or
GITHUB_REPOSITORY say where; they come only from the environment and flags.

--from-issue reads an "issues" event payload made from the issue form
.github/ISSUE_TEMPLATE/access-request.yml, opens the pull request for it and
comments on the issue with its link or with what to fix. The issue's author is
recorded as the requester, and approvals treats them as the pull request's
author.`,
		Example: `  reconcile request grafana-editors --until 7d --reason "INC-2291 dashboards"
  reconcile request production --user bob --until 2026-12-31 --reason "on call" --open-pr
  reconcile request --from-issue "$GITHUB_EVENT_PATH" --open-pr`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			now, err := a.now()
			if err != nil {
				return err
			}
			if f.fromIssue != "" {
				if len(args) > 0 || f.user != "" || f.role != "" || f.until != "" || f.reason != "" || !f.openPR {
					return fmt.Errorf("--from-issue takes everything from the issue: give only --open-pr (and --repo, --base)")
				}
				data, err := os.ReadFile(f.fromIssue)
				if err != nil {
					return err
				}
				ev, err := rgh.ParseIssueEvent(data)
				if err != nil {
					return err
				}
				if !ev.HasLabel(rgh.RequestLabel) {
					fmt.Fprintf(a.stdout, "issue #%d has no %s label: nothing to do\n", ev.Issue.Number, rgh.RequestLabel)
					return nil
				}
				repo := f.repo
				if repo == "" {
					repo = ev.Repository.FullName
				}
				gh, dir, err := requestClient(a, repo)
				if err != nil {
					return err
				}
				opened, err := gh.RequestFromIssue(ctx, ev, rgh.IssueRequest{Base: f.base, Dir: dir, Local: localConfig(a), Now: now})
				if err != nil {
					return err
				}
				fmt.Fprintln(a.stdout, opened.URL)
				return nil
			}
			if len(args) != 1 {
				return fmt.Errorf("name the group: reconcile request GROUP --reason TEXT")
			}
			if strings.TrimSpace(f.reason) == "" {
				return fmt.Errorf("--reason is required: say why the access is needed, for the owners who approve it")
			}
			req := request.Request{Group: args[0], User: f.user, Role: f.role, Reason: f.reason}
			if f.until != "" {
				t, err := request.ParseUntil(f.until, now)
				if err != nil {
					return fmt.Errorf("--until: %w", err)
				}
				req.Until = &t
			}
			var gh *rgh.Client
			var dir, login string
			if !f.openPR && f.user == "" && f.role == "" && a.getenv("GITHUB_TOKEN") == "" {
				return fmt.Errorf("--user is required (or set GITHUB_TOKEN to request for the person whose GitHub login owns it)")
			}
			if f.openPR || (f.user == "" && f.role == "") {
				repo := f.repo
				if !f.openPR && repo == "" && a.getenv("GITHUB_REPOSITORY") == "" {
					repo = "-/-" // only GET /user is called, which names no repository
				}
				if gh, dir, err = requestClient(a, repo); err != nil {
					return err
				}
				if login, err = gh.Me(ctx); err != nil && f.user == "" && f.role == "" {
					return fmt.Errorf("--user not given and the token's GitHub login is unknown: %w", err)
				}
			}
			if !f.openPR {
				cfg, err := schema.LoadDir(a.configDir)
				if err != nil {
					return invalidConfigError(a.configDir, err)
				}
				if err := whoAsks(cfg, &req, login); err != nil {
					return err
				}
				res, err := request.Apply(os.DirFS(a.configDir), req, now)
				if err != nil {
					return err
				}
				full := filepath.Join(a.configDir, filepath.FromSlash(res.File))
				info, err := os.Stat(full)
				if err != nil {
					return err
				}
				if err := os.WriteFile(full, res.After, info.Mode().Perm()); err != nil {
					return err
				}
				return writeDiff(a, res.Report)
			}
			snap, err := gh.Snapshot(ctx, f.base, dir, localConfig(a))
			if err != nil {
				return err
			}
			cfg, err := schema.Load(snap.FS)
			if err != nil {
				return fmt.Errorf("the config on %s does not load: %w", f.base, err)
			}
			if err := whoAsks(cfg, &req, login); err != nil {
				return err
			}
			opened, err := gh.OpenRequest(ctx, snap, rgh.RequestInput{Request: req, Login: login, Now: now})
			if err != nil {
				return err
			}
			fmt.Fprintln(a.stdout, opened.URL)
			return nil
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.reason, "reason", "", "why the access is needed (a ticket, an incident)")
	fl.StringVar(&f.user, "user", "", "users.yaml id to add (default: the owner of GITHUB_TOKEN)")
	fl.StringVar(&f.role, "role", "", "add this role instead of a person")
	fl.StringVar(&f.until, "until", "", "end of the access: a date, an RFC 3339 time, or a duration such as 30d")
	fl.BoolVar(&f.openPR, "open-pr", false, "open a pull request against the remote --base instead of editing local files")
	fl.StringVar(&f.repo, "repo", "", "owner/name of the config repository (default GITHUB_REPOSITORY)")
	fl.StringVar(&f.base, "base", "main", "the branch the pull request targets")
	fl.StringVar(&f.fromIssue, "from-issue", "", "an issues event payload (GITHUB_EVENT_PATH) from the access-request issue form")
	cmd.MarkFlagsMutuallyExclusive("user", "role")
	return cmd
}

// whoAsks fills the requester (and, without --user/--role, the user) from
// the token owner's GitHub login.
func whoAsks(cfg *schema.Config, req *request.Request, login string) error {
	me := cfg.UserByGitHub(login)
	if me != nil {
		req.Requester = me.ID
	}
	if req.User == "" && req.Role == "" {
		if me == nil {
			return fmt.Errorf("--user not given and no users.yaml entry has github: %s (the token's login)", login)
		}
		req.User = me.ID
	}
	return nil
}

// requestClient builds the GitHub client for a request. Where the token
// goes comes only from the environment and flags (GITHUB_API_URL,
// GITHUB_REPOSITORY, --repo), never from the config under review, and the
// config's directory inside the repository is --config's path from the
// repository root.
func requestClient(a *app, repo string) (*rgh.Client, string, error) {
	if repo == "" {
		repo = a.getenv("GITHUB_REPOSITORY")
	}
	token := a.getenv("GITHUB_TOKEN")
	if token == "" {
		return nil, "", fmt.Errorf("GITHUB_TOKEN is not set: the GitHub API needs a token")
	}
	apiURL := a.getenv("GITHUB_API_URL")
	if apiURL == "" {
		apiURL = rgh.DefaultAPIURL
	}
	c, err := rgh.New(rgh.Options{APIURL: apiURL, Token: token, Repo: repo,
		HTTPClient: &http.Client{Timeout: 30 * time.Second}})
	if err != nil {
		return nil, "", err
	}
	dir, err := configPrefix(a.configDir)
	return c, dir, err
}

// configPrefix is the config directory's path inside its git repository:
// from the checkout when --config is in one, else --config itself when it
// is a relative path inside the working directory (the repository root).
func configPrefix(dir string) (string, error) {
	if r, err := gitrev.Open(dir); err == nil {
		defer r.Close()
		return r.Prefix, nil
	}
	p := filepath.ToSlash(filepath.Clean(dir))
	if filepath.IsAbs(dir) || p == ".." || strings.HasPrefix(p, "../") {
		return "", fmt.Errorf("--config %s is not in a git checkout, so its path in the repository is unknown: run from the repository root with a relative --config", dir)
	}
	return strings.TrimPrefix(p, "."), nil
}

// localConfig is the checkout's config, used only for files whose git hash
// matches the remote's; nil when there is none.
func localConfig(a *app) fs.FS {
	if info, err := os.Stat(a.configDir); err != nil || !info.IsDir() {
		return nil
	}
	return os.DirFS(a.configDir)
}
