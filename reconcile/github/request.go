package github

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"path"
	"strings"
	"sync"
	"testing/fstest"
	"time"

	"github.com/go-git/go-git/v5/plumbing"
	gh "github.com/google/go-github/v60/github"

	"github.com/access-as-code/access/schema/request"
)

// Rejected is a request that cannot be made as asked: a name that does not
// exist, a date the policy does not allow, a malformed form. Its message is
// meant for the requester.
type Rejected struct{ Err error }

func (e *Rejected) Error() string { return e.Err.Error() }
func (e *Rejected) Unwrap() error { return e.Err }

// Snapshot is the config as it is on the remote base branch.
type Snapshot struct {
	Branch    string
	CommitSHA string
	TreeSHA   string // the repository's root tree
	Dir       string // the config's directory in the repository, "" for the root
	FS        fs.FS  // the config's YAML files, rooted at Dir
	modes     map[string]string
}

// fetchers bounds concurrent blob reads: enough to hide latency, few
// enough not to trip GitHub's secondary rate limits.
const fetchers = 4

// Snapshot reads the config under dir at the tip of branch through the Git
// Data API: the ref, its commit, the trees down to dir, dir's tree
// recursively, and the YAML blobs. A blob whose git hash matches the file of
// the same path in local (a checkout, may be nil) is taken from local
// instead of downloaded: the hash proves the bytes are the remote's, so a
// stale checkout is never read, only a current one saves requests.
func (c *Client) Snapshot(ctx context.Context, branch, dir string, local fs.FS) (*Snapshot, error) {
	dir = strings.Trim(path.Clean("/"+dir), "/")
	ref, _, err := c.api.Git.GetRef(ctx, c.owner, c.name, "refs/heads/"+branch)
	if err != nil {
		return nil, wrap("read branch "+branch, err)
	}
	s := &Snapshot{Branch: branch, CommitSHA: ref.GetObject().GetSHA(), Dir: dir, modes: map[string]string{}}
	commit, _, err := c.api.Git.GetCommit(ctx, c.owner, c.name, s.CommitSHA)
	if err != nil {
		return nil, wrap("read commit "+s.CommitSHA, err)
	}
	s.TreeSHA = commit.GetTree().GetSHA()
	treeSHA := s.TreeSHA
	if dir != "" {
		for _, part := range strings.Split(dir, "/") {
			t, _, err := c.api.Git.GetTree(ctx, c.owner, c.name, treeSHA, false)
			if err != nil {
				return nil, wrap("read tree "+treeSHA, err)
			}
			next := ""
			for _, e := range t.Entries {
				if e.GetPath() == part && e.GetType() == "tree" {
					next = e.GetSHA()
				}
			}
			if next == "" {
				return nil, fmt.Errorf("github: %s has no directory %s on branch %s", c.owner+"/"+c.name, dir, branch)
			}
			treeSHA = next
		}
	}
	t, _, err := c.api.Git.GetTree(ctx, c.owner, c.name, treeSHA, true)
	if err != nil {
		return nil, wrap("read tree "+treeSHA, err)
	}
	if t.GetTruncated() {
		return nil, fmt.Errorf("github: the tree of %s is too large for one listing", dir)
	}
	files := fstest.MapFS{}
	var need []*gh.TreeEntry
	for _, e := range t.Entries {
		p := e.GetPath()
		if e.GetType() != "blob" || !(strings.HasSuffix(p, ".yaml") || strings.HasSuffix(p, ".yml")) {
			continue
		}
		s.modes[p] = e.GetMode()
		if local != nil {
			if data, err := fs.ReadFile(local, p); err == nil && plumbing.ComputeHash(plumbing.BlobObject, data).String() == e.GetSHA() {
				files[p] = &fstest.MapFile{Data: data, Mode: 0o644}
				continue
			}
		}
		need = append(need, e)
	}
	if err := c.fetchBlobs(ctx, need, files); err != nil {
		return nil, err
	}
	s.FS = files
	return s, nil
}

func (c *Client) fetchBlobs(ctx context.Context, need []*gh.TreeEntry, files fstest.MapFS) error {
	var mu sync.Mutex
	var errs []error
	var wg sync.WaitGroup
	sem := make(chan struct{}, fetchers)
	for _, e := range need {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			data, _, err := c.api.Git.GetBlobRaw(ctx, c.owner, c.name, e.GetSHA())
			if err == nil && plumbing.ComputeHash(plumbing.BlobObject, data).String() != e.GetSHA() {
				err = fmt.Errorf("content does not match its hash")
			}
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				errs = append(errs, wrap("read "+e.GetPath(), err))
				return
			}
			files[e.GetPath()] = &fstest.MapFile{Data: data, Mode: 0o644}
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

// Opened is a request pull request that was opened.
type Opened struct {
	Number int
	URL    string
	Branch string
	Result *request.Result
}

// RequestInput is a checked request and where it comes from.
type RequestInput struct {
	Request request.Request
	Login   string // the requester's GitHub login, recorded in the body
	Issue   int    // the issue it came from, 0 for none
	Now     time.Time
}

// OpenRequest applies in to the snapshot and, when it validates, makes one
// commit on a new branch access-request/<user>-<group>-<yyyymmdd> from the
// snapshot's commit and opens the pull request. A validation problem is a
// *Rejected. If anything fails after the branch was created, the branch is
// deleted again, so a failed request leaves nothing behind.
func (c *Client) OpenRequest(ctx context.Context, snap *Snapshot, in RequestInput) (*Opened, error) {
	res, err := request.Apply(snap.FS, in.Request, in.Now)
	if err != nil {
		return nil, &Rejected{err}
	}
	body, err := request.Body(in.Request, res, in.Login, in.Issue)
	if err != nil {
		return nil, err
	}
	title := request.Title(in.Request, res.Op)
	full := path.Join(snap.Dir, res.File)
	mode := snap.modes[res.File]
	if mode == "" {
		mode = "100644"
	}
	after := string(res.After)
	tree, _, err := c.api.Git.CreateTree(ctx, c.owner, c.name, snap.TreeSHA, []*gh.TreeEntry{
		{Path: gh.String(full), Mode: gh.String(mode), Type: gh.String("blob"), Content: &after}})
	if err != nil {
		return nil, wrap("create tree", err)
	}
	commit, _, err := c.api.Git.CreateCommit(ctx, c.owner, c.name, &gh.Commit{
		Message: gh.String(title + "\n\nOpened by reconcile request."), Tree: &gh.Tree{SHA: tree.SHA},
		Parents: []*gh.Commit{{SHA: gh.String(snap.CommitSHA)}}}, nil)
	if err != nil {
		return nil, wrap("create commit", err)
	}
	branch := request.Branch(in.Request, in.Now)
	if _, _, err := c.api.Git.CreateRef(ctx, c.owner, c.name, &gh.Reference{Ref: gh.String("refs/heads/" + branch),
		Object: &gh.GitObject{SHA: commit.SHA}}); err != nil {
		var er *gh.ErrorResponse
		if errors.As(err, &er) && er.Response != nil && er.Response.StatusCode == http.StatusUnprocessableEntity &&
			strings.Contains(er.Message, "already exists") {
			return nil, &Rejected{c.existing(ctx, branch)}
		}
		return nil, wrap("create branch "+branch, err)
	}
	pr, _, err := c.api.PullRequests.Create(ctx, c.owner, c.name, &gh.NewPullRequest{
		Title: gh.String(title), Head: gh.String(branch), Base: gh.String(snap.Branch), Body: gh.String(body)})
	if err != nil {
		err = wrap("open pull request", err)
		// The caller's context may be what failed; the clean-up gets its own.
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		defer cancel()
		if _, derr := c.api.Git.DeleteRef(cctx, c.owner, c.name, "refs/heads/"+branch); derr != nil {
			err = errors.Join(err, wrap("delete branch "+branch+" after the failure (delete it by hand)", derr))
		}
		return nil, err
	}
	return &Opened{Number: pr.GetNumber(), URL: pr.GetHTMLURL(), Branch: branch, Result: res}, nil
}

// existing explains a request branch that already exists, with its open
// pull request when there is one.
func (c *Client) existing(ctx context.Context, branch string) error {
	prs, _, err := c.api.PullRequests.List(ctx, c.owner, c.name, &gh.PullRequestListOptions{
		State: "open", Head: c.owner + ":" + branch, ListOptions: gh.ListOptions{PerPage: 1}})
	if err == nil && len(prs) > 0 {
		return fmt.Errorf("this request is already open as %s (branch %s): comment there, or close it to ask again", prs[0].GetHTMLURL(), branch)
	}
	return fmt.Errorf("branch %s already exists (a request made earlier today): delete it to ask again", branch)
}

// Me is the login of the token's owner (GET /user).
func (c *Client) Me(ctx context.Context) (string, error) {
	u, _, err := c.api.Users.Get(ctx, "")
	if err != nil {
		return "", wrap("read the token's user", err)
	}
	return u.GetLogin(), nil
}

// Comment adds a comment to issue n.
func (c *Client) Comment(ctx context.Context, n int, body string) error {
	_, _, err := c.api.Issues.CreateComment(ctx, c.owner, c.name, n, &gh.IssueComment{Body: gh.String(body)})
	return wrap(fmt.Sprintf("comment on #%d", n), err)
}
