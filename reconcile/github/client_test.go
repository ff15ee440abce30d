package github_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/access-as-code/access/internal/githubfake"
	"github.com/access-as-code/access/reconcile"
	rgh "github.com/access-as-code/access/reconcile/github"
)

const repo = "acme/access"

func newClient(t *testing.T, opts githubfake.Options) (*githubfake.Server, *rgh.Client) {
	t.Helper()
	srv := githubfake.New(opts)
	t.Cleanup(srv.Close)
	c, err := rgh.New(rgh.Options{APIURL: srv.URL, Token: "t0ken", Repo: repo})
	if err != nil {
		t.Fatal(err)
	}
	return srv, c
}

func TestApprovalsCountOnlyLatestApprovedReviewOnHead(t *testing.T) {
	srv, c := newClient(t, githubfake.Options{Token: "t0ken"})
	ctx := context.Background()
	srv.OpenPull(repo, 7, "carol", "sha1", "base")
	srv.Review(repo, 7, "stale", "APPROVED") // before the push: does not count
	srv.Review(repo, 7, "changed-mind", "APPROVED")
	srv.Push(repo, 7, "sha2")
	srv.Review(repo, 7, "changed-mind", "CHANGES_REQUESTED")
	srv.Review(repo, 7, "alice", "APPROVED")
	srv.Review(repo, 7, "alice", "COMMENTED") // a comment keeps the approval
	id := srv.Review(repo, 7, "dismissed", "APPROVED")
	srv.Dismiss(repo, 7, id)
	srv.Review(repo, 7, "bob", "CHANGES_REQUESTED")
	srv.Review(repo, 7, "bob", "APPROVED")

	pr, err := c.PullRequest(ctx, 7)
	if err != nil {
		t.Fatal(err)
	}
	if pr.Author != "carol" || pr.HeadSHA != "sha2" {
		t.Fatalf("pull request = %+v", pr)
	}
	got, err := c.Approvals(ctx, pr)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(got, ",") != "alice,bob" {
		t.Errorf("approvals = %v, want alice,bob", got)
	}
}

func TestApprovalsReadEveryPageOfReviews(t *testing.T) {
	srv, c := newClient(t, githubfake.Options{})
	srv.OpenPull(repo, 1, "carol", "h", "b")
	for i := 0; i < 230; i++ {
		srv.Review(repo, 1, fmt.Sprintf("user%03d", i), "COMMENTED")
	}
	srv.Review(repo, 1, "last", "APPROVED")
	pr, _ := c.PullRequest(context.Background(), 1)
	got, err := c.Approvals(context.Background(), pr)
	if err != nil || strings.Join(got, ",") != "last" {
		t.Errorf("approvals = %v, %v; want the approval on page 3", got, err)
	}
	pages := 0
	for _, r := range srv.Requests() {
		if strings.HasSuffix(r, "/reviews") {
			pages++
		}
	}
	if pages != 3 {
		t.Errorf("review pages read = %d, want 3", pages)
	}
}

func TestUpsertCommentUpdatesInPlace(t *testing.T) {
	srv, c := newClient(t, githubfake.Options{})
	ctx := context.Background()
	srv.OpenPull(repo, 3, "carol", "h", "b")
	srv.AddComment(repo, 3, "alice", "looks good")
	m := rgh.Marker("plan")
	id1, created, err := c.UpsertComment(ctx, 3, m, "first plan")
	if err != nil || !created {
		t.Fatalf("first upsert: created=%v err=%v", created, err)
	}
	id2, created, err := c.UpsertComment(ctx, 3, m, "second plan")
	if err != nil || created || id2 != id1 {
		t.Fatalf("second upsert: id %d (first %d) created=%v err=%v", id2, id1, created, err)
	}
	before := len(srv.Requests())
	if _, _, err := c.UpsertComment(ctx, 3, m, "second plan"); err != nil {
		t.Fatal(err)
	}
	for _, r := range srv.Requests()[before:] {
		if strings.HasPrefix(r, "PATCH") || strings.HasPrefix(r, "POST") {
			t.Errorf("unchanged body was written again: %s", r)
		}
	}
	cs := srv.Comments(repo, 3)
	if len(cs) != 2 || !strings.Contains(cs[1].Body, "second plan") || !strings.HasPrefix(cs[1].Body, m) || cs[0].Body != "looks good" {
		t.Errorf("comments = %+v", cs)
	}
}

func TestRateLimitIsATypedErrorWithReset(t *testing.T) {
	srv, c := newClient(t, githubfake.Options{RateLimit: 1})
	srv.OpenPull(repo, 1, "carol", "h", "b")
	ctx := context.Background()
	if _, err := c.PullRequest(ctx, 1); err != nil {
		t.Fatal(err)
	}
	_, err := c.PullRequest(ctx, 1)
	var rl *reconcile.RateLimitError
	if !errors.As(err, &rl) || rl.Reset.IsZero() {
		t.Errorf("err = %v, want a RateLimitError with a reset time", err)
	}
}

func TestBadTokenIsAnErrorNotAnEmptyAnswer(t *testing.T) {
	srv := githubfake.New(githubfake.Options{Token: "right"})
	defer srv.Close()
	srv.OpenPull(repo, 1, "carol", "h", "b")
	c, _ := rgh.New(rgh.Options{APIURL: srv.URL, Token: "wrong", Repo: repo})
	if _, err := c.PullRequest(context.Background(), 1); err == nil || !strings.Contains(err.Error(), "401") {
		t.Errorf("err = %v, want 401 Bad credentials", err)
	}
}

func TestStatusesAreSetOnTheCommit(t *testing.T) {
	srv, c := newClient(t, githubfake.Options{})
	if err := c.SetStatus(context.Background(), "abc", "access/approvals", "failure", "needs alice"); err != nil {
		t.Fatal(err)
	}
	st := srv.Statuses(repo, "abc")
	if len(st) != 1 || st[0].State != "failure" || st[0].Context != "access/approvals" {
		t.Errorf("statuses = %+v", st)
	}
	if err := c.SetStatus(context.Background(), "abc", "x", "bogus", ""); err == nil {
		t.Error("an invalid state was accepted")
	}
}
