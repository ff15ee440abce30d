package githubfake

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"testing"

	gh "github.com/google/go-github/v60/github"
)

func client(t *testing.T, s *Server) *gh.Client {
	t.Helper()
	c := gh.NewClient(nil).WithAuthToken("t")
	u, _ := url.Parse(s.URL + "/")
	c.BaseURL = u
	return c
}

func httpStatus(err error) int {
	var er *gh.ErrorResponse
	if errors.As(err, &er) {
		return er.Response.StatusCode
	}
	return 0
}

// One commit through the Git Data API, as a client makes it: the branch's
// file is readable from the stored git objects, other files are kept.
func TestGitDataAPIMakesARealCommit(t *testing.T) {
	s := New(Options{})
	defer s.Close()
	base := s.SeedBranch("o/r", "main", map[string]string{"cfg/groups/a.yaml": "a\n", "README": "hi\n"})
	ctx := context.Background()
	c := client(t, s)

	ref, _, err := c.Git.GetRef(ctx, "o", "r", "refs/heads/main")
	if err != nil || ref.GetObject().GetSHA() != base {
		t.Fatalf("get ref: %v %v", ref, err)
	}
	commit, _, err := c.Git.GetCommit(ctx, "o", "r", base)
	if err != nil {
		t.Fatal(err)
	}
	tree, _, err := c.Git.GetTree(ctx, "o", "r", commit.GetTree().GetSHA(), true)
	if err != nil || len(tree.Entries) != 4 { // README, cfg, cfg/groups, cfg/groups/a.yaml
		t.Fatalf("tree: %v %v", tree, err)
	}
	blob, _, err := c.Git.CreateBlob(ctx, "o", "r", &gh.Blob{Content: gh.String("b\n"), Encoding: gh.String("utf-8")})
	if err != nil {
		t.Fatal(err)
	}
	got, _, err := c.Git.GetBlobRaw(ctx, "o", "r", blob.GetSHA())
	if err != nil || string(got) != "b\n" {
		t.Fatalf("blob: %q %v", got, err)
	}
	nt, _, err := c.Git.CreateTree(ctx, "o", "r", commit.GetTree().GetSHA(), []*gh.TreeEntry{
		{Path: gh.String("cfg/groups/a.yaml"), Mode: gh.String("100644"), Type: gh.String("blob"), SHA: blob.SHA}})
	if err != nil {
		t.Fatal(err)
	}
	nc, _, err := c.Git.CreateCommit(ctx, "o", "r", &gh.Commit{Message: gh.String("edit"), Tree: nt,
		Parents: []*gh.Commit{{SHA: gh.String(base)}}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := c.Git.CreateRef(ctx, "o", "r", &gh.Reference{Ref: gh.String("refs/heads/x"), Object: &gh.GitObject{SHA: nc.SHA}}); err != nil {
		t.Fatal(err)
	}
	if f, _ := s.File("o/r", "x", "cfg/groups/a.yaml"); f != "b\n" {
		t.Errorf("branch file = %q", f)
	}
	if f, _ := s.File("o/r", "x", "README"); f != "hi\n" {
		t.Errorf("base_tree file lost: %q", f)
	}
	if f, _ := s.File("o/r", "main", "cfg/groups/a.yaml"); f != "a\n" {
		t.Errorf("main changed: %q", f)
	}
	if bc, _ := s.BranchCommit("o/r", "x"); len(bc.Parents) != 1 || bc.Parents[0] != base {
		t.Errorf("parents %v", bc.Parents)
	}

	// Errors as GitHub documents them.
	_, _, err = c.Git.CreateRef(ctx, "o", "r", &gh.Reference{Ref: gh.String("refs/heads/x"), Object: &gh.GitObject{SHA: nc.SHA}})
	if httpStatus(err) != http.StatusUnprocessableEntity {
		t.Errorf("duplicate ref: %v", err)
	}
	if _, _, err := c.Git.GetRef(ctx, "o", "r", "refs/heads/nope"); httpStatus(err) != http.StatusNotFound {
		t.Errorf("missing ref: %v", err)
	}
	if _, err := c.Git.DeleteRef(ctx, "o", "r", "refs/heads/x"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Git.DeleteRef(ctx, "o", "r", "refs/heads/x"); httpStatus(err) != http.StatusUnprocessableEntity {
		t.Errorf("delete missing ref: %v", err)
	}
	if _, _, err := c.Git.CreateCommit(ctx, "o", "r", &gh.Commit{Message: gh.String("m"), Tree: &gh.Tree{SHA: gh.String(base)}}, nil); httpStatus(err) != http.StatusUnprocessableEntity {
		t.Errorf("commit with a commit as tree: %v", err)
	}
	if got := s.Branches("o/r"); len(got) != 1 || got[0] != "main" {
		t.Errorf("branches %v", got)
	}
}

func TestCreatePullValidatesLikeGitHub(t *testing.T) {
	s := New(Options{Login: "access-bot[bot]"})
	defer s.Close()
	s.SeedBranch("o/r", "main", map[string]string{"f": "1"})
	ctx := context.Background()
	c := client(t, s)
	_, _, err := c.PullRequests.Create(ctx, "o", "r", &gh.NewPullRequest{Title: gh.String("t"), Head: gh.String("nope"), Base: gh.String("main")})
	var er *gh.ErrorResponse
	if !errors.As(err, &er) || er.Response.StatusCode != 422 || len(er.Errors) != 1 || er.Errors[0].Field != "head" {
		t.Fatalf("unknown head: %v", err)
	}
	s.SeedBranch("o/r", "main", map[string]string{"f": "2"}) // main moves on
	// A branch at an ancestor of main has no commits beyond it.
	bc, _ := s.BranchCommit("o/r", "main")
	if _, _, err := c.Git.CreateRef(ctx, "o", "r", &gh.Reference{Ref: gh.String("refs/heads/old"), Object: &gh.GitObject{SHA: gh.String(bc.Parents[0])}}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := c.PullRequests.Create(ctx, "o", "r", &gh.NewPullRequest{Title: gh.String("t"), Head: gh.String("old"), Base: gh.String("main")}); httpStatus(err) != 422 {
		t.Errorf("no commits between: %v", err)
	}
	s.SeedBranch("o/r", "feature", map[string]string{"f": "3"})
	n := s.OpenIssue("o/r", "carol", "req", "body")
	pr, _, err := c.PullRequests.Create(ctx, "o", "r", &gh.NewPullRequest{Title: gh.String("t"), Head: gh.String("o:feature"), Base: gh.String("main"), Body: gh.String("b")})
	if err != nil || pr.GetNumber() != n+1 || pr.GetUser().GetType() != "Bot" || pr.GetBody() != "b" {
		t.Fatalf("create: %+v %v", pr, err)
	}
	if _, _, err := c.PullRequests.Create(ctx, "o", "r", &gh.NewPullRequest{Title: gh.String("t"), Head: gh.String("feature"), Base: gh.String("main")}); httpStatus(err) != 422 {
		t.Errorf("second pull for one head: %v", err)
	}
	for head, want := range map[string]int{"o:feature": 1, "o:old": 0} {
		got, _, err := c.PullRequests.List(ctx, "o", "r", &gh.PullRequestListOptions{Head: head})
		if err != nil || len(got) != want {
			t.Errorf("list head=%s: %d pulls, %v", head, len(got), err)
		}
	}
	if _, _, err := c.Issues.CreateComment(ctx, "o", "r", n, &gh.IssueComment{Body: gh.String("hi")}); err != nil {
		t.Errorf("comment on an issue: %v", err)
	}
	if got := s.Comments("o/r", n); len(got) != 1 || got[0].Body != "hi" {
		t.Errorf("comments %v", got)
	}
	if _, _, err := c.Users.Get(ctx, ""); httpStatus(err) != http.StatusForbidden {
		t.Errorf("GET /user with an app token: %v", err)
	}
}
