// Package github talks to GitHub over go-github/v60. It holds two things:
// the GitHub side of the pull-request workflow (Client: a pull request's
// author and head commit, the approvals that still count, one PR comment
// updated in place, commit statuses), and the "github" target (Provider:
// org and team membership, read with GraphQL, written with REST, paced to
// GitHub's limits). Logins are returned as GitHub spells them; mapping
// them to users.yaml ids is the caller's job.
package github

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	gh "github.com/google/go-github/v60/github"

	"github.com/access-as-code/access/reconcile"
)

// Client talks to one repository.
type Client struct {
	api         *gh.Client
	owner, name string
}

// Options configure New. Token comes from GITHUB_TOKEN; it is sent as a
// bearer token and never logged.
type Options struct {
	APIURL     string // default https://api.github.com/ (GITHUB_API_URL)
	Token      string
	Repo       string // owner/name (GITHUB_REPOSITORY)
	HTTPClient *http.Client
}

// New makes a client for opts.Repo.
func New(opts Options) (*Client, error) {
	owner, name, ok := strings.Cut(opts.Repo, "/")
	if !ok || owner == "" || name == "" || strings.Contains(name, "/") {
		return nil, fmt.Errorf("github repository %q: want owner/name (set GITHUB_REPOSITORY or github.repo in access.yaml)", opts.Repo)
	}
	api := gh.NewClient(opts.HTTPClient)
	if opts.Token != "" {
		api = api.WithAuthToken(opts.Token)
	}
	if opts.APIURL != "" {
		u, err := url.Parse(strings.TrimSuffix(opts.APIURL, "/") + "/")
		if err != nil || u.Host == "" {
			return nil, fmt.Errorf("github API URL %q: not an absolute URL", opts.APIURL)
		}
		api.BaseURL = u
	}
	return &Client{api: api, owner: owner, name: name}, nil
}

// PullRequest is what approvals need to know about one pull request.
type PullRequest struct {
	Number  int
	Author  string // login
	HeadSHA string // the latest pushed commit
	BaseSHA string
	BaseRef string

	// AuthorIsBot: a GitHub App's account opened it (user type "Bot");
	// Body is its description, where a request records its requester.
	AuthorIsBot bool
	Body        string
}

// PullRequest reads pull request n.
func (c *Client) PullRequest(ctx context.Context, n int) (*PullRequest, error) {
	pr, _, err := c.api.PullRequests.Get(ctx, c.owner, c.name, n)
	if err != nil {
		return nil, wrap(fmt.Sprintf("read pull request #%d", n), err)
	}
	return &PullRequest{Number: n, Author: pr.GetUser().GetLogin(), HeadSHA: pr.GetHead().GetSHA(),
		BaseSHA: pr.GetBase().GetSHA(), BaseRef: pr.GetBase().GetRef(),
		AuthorIsBot: pr.GetUser().GetType() == "Bot", Body: pr.GetBody()}, nil
}

// Approvals lists the logins whose approval of pr still counts, reading
// every page of reviews.
func (c *Client) Approvals(ctx context.Context, pr *PullRequest) ([]string, error) {
	var all []*gh.PullRequestReview
	opts := &gh.ListOptions{PerPage: 100}
	for {
		page, resp, err := c.api.PullRequests.ListReviews(ctx, c.owner, c.name, pr.Number, opts)
		if err != nil {
			return nil, wrap(fmt.Sprintf("list reviews of pull request #%d", pr.Number), err)
		}
		all = append(all, page...)
		if resp.NextPage == 0 {
			break
		}
		opts.Page = resp.NextPage
	}
	return CurrentApprovals(all, pr.HeadSHA), nil
}

// CurrentApprovals applies GitHub's review semantics to a chronological list
// of reviews: a reviewer's state is their latest APPROVED,
// CHANGES_REQUESTED or DISMISSED review (a COMMENTED review changes
// nothing); only APPROVED counts, and only when it was made on headSHA, so
// an approval given before the latest push is stale. Logins come back in
// first-review order.
func CurrentApprovals(reviews []*gh.PullRequestReview, headSHA string) []string {
	latest := map[string]*gh.PullRequestReview{}
	var order []string
	for _, rv := range reviews {
		login := rv.GetUser().GetLogin()
		switch rv.GetState() {
		case "APPROVED", "CHANGES_REQUESTED", "DISMISSED":
			if _, seen := latest[login]; !seen {
				order = append(order, login)
			}
			latest[login] = rv
		}
	}
	var out []string
	for _, login := range order {
		rv := latest[login]
		if rv.GetState() == "APPROVED" && rv.GetCommitID() == headSHA {
			out = append(out, login)
		}
	}
	return out
}

// Marker is the hidden HTML comment that identifies this tool's comment of
// one kind on a pull request, so later runs update it instead of adding one.
func Marker(kind string) string { return "<!-- access-as-code:" + kind + " -->" }

// UpsertComment makes the pull request's comment carrying marker read body:
// it updates the first such comment, or creates one when there is none.
// It reports the comment id and whether it was created. An unchanged body
// is not written again.
func (c *Client) UpsertComment(ctx context.Context, n int, marker, body string) (int64, bool, error) {
	if !strings.Contains(body, marker) {
		body = marker + "\n" + body
	}
	opts := &gh.IssueListCommentsOptions{ListOptions: gh.ListOptions{PerPage: 100}}
	for {
		page, resp, err := c.api.Issues.ListComments(ctx, c.owner, c.name, n, opts)
		if err != nil {
			return 0, false, wrap(fmt.Sprintf("list comments of pull request #%d", n), err)
		}
		for _, cm := range page {
			if !strings.Contains(cm.GetBody(), marker) {
				continue
			}
			if cm.GetBody() == body {
				return cm.GetID(), false, nil
			}
			if _, _, err := c.api.Issues.EditComment(ctx, c.owner, c.name, cm.GetID(), &gh.IssueComment{Body: gh.String(body)}); err != nil {
				return 0, false, wrap(fmt.Sprintf("update comment %d", cm.GetID()), err)
			}
			return cm.GetID(), false, nil
		}
		if resp.NextPage == 0 {
			break
		}
		opts.Page = resp.NextPage
	}
	cm, _, err := c.api.Issues.CreateComment(ctx, c.owner, c.name, n, &gh.IssueComment{Body: gh.String(body)})
	if err != nil {
		return 0, false, wrap(fmt.Sprintf("comment on pull request #%d", n), err)
	}
	return cm.GetID(), true, nil
}

// SetStatus sets a commit status (state: success, failure, pending, error).
func (c *Client) SetStatus(ctx context.Context, sha, context_, state, description string) error {
	if len(description) > 140 { // GitHub truncates nothing: it refuses long descriptions
		description = description[:137] + "..."
	}
	_, _, err := c.api.Repositories.CreateStatus(ctx, c.owner, c.name, sha, &gh.RepoStatus{
		State: gh.String(state), Context: gh.String(context_), Description: gh.String(description)})
	return wrap("set commit status "+context_, err)
}

// wrap names the operation and turns GitHub's rate limiting into
// reconcile.RateLimitError with its reset time.
func wrap(op string, err error) error {
	if err == nil {
		return nil
	}
	var rl *gh.RateLimitError
	if errors.As(err, &rl) {
		return fmt.Errorf("%s: %w", op, &reconcile.RateLimitError{Target: "github", Reset: rl.Rate.Reset.Time, Err: err})
	}
	var ab *gh.AbuseRateLimitError
	if errors.As(err, &ab) {
		return fmt.Errorf("%s: %w", op, &reconcile.RateLimitError{Target: "github", Err: err})
	}
	return fmt.Errorf("github: %s: %w", op, err)
}
