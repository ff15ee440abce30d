package githubfake

import (
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/object"
)

type issue struct {
	Number int
	Author string
	Title  string
	Body   string
}

func (s *Server) issueDB(ownerRepo string) map[int]*issue {
	rp := s.repo(ownerRepo)
	if rp.issues == nil {
		rp.issues = map[int]*issue{}
	}
	return rp.issues
}

// createIssueComment copies "Create an issue comment"
// (https://docs.github.com/en/rest/issues/comments#create-an-issue-comment, POST
// /repos/{owner}/{repo}/issues/{issue_number}/comments) for issues and pull
// requests alike (a pull request is an issue to this endpoint): 201 with
// the comment; 404 for a number that is neither.
func (s *Server) createIssueComment(w http.ResponseWriter, r *http.Request) {
	n, ok := pathInt(w, r, "number")
	if !ok {
		return
	}
	s.mu.Lock()
	ownerRepo := routeOwnerRepo(r)
	is := s.issueDB(ownerRepo)[int(n)]
	if is == nil {
		s.mu.Unlock()
		s.createComment(w, r) // a pull request, or 404
		return
	}
	defer s.mu.Unlock()
	body, ok := readBody(w, r)
	if !ok {
		return
	}
	now := s.clock()
	c := &comment{ID: s.id(), User: s.userAgent, Body: body, CreatedAt: now, UpdatedAt: now}
	rp := s.repo(ownerRepo)
	rp.comments[is.Number] = append(rp.comments[is.Number], c)
	writeJSON(w, http.StatusCreated, s.commentJSON(r, c))
}

// OpenIssue files an issue by author and returns its number.
func (s *Server) OpenIssue(ownerRepo, author, title, body string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := s.nextNumber(ownerRepo)
	s.issueDB(ownerRepo)[n] = &issue{Number: n, Author: author, Title: title, Body: body}
	return n
}

// SeedBranch commits files (path -> content) as the whole tree of a new
// commit on branch, whose parent is the branch's current commit if any,
// and returns the commit's sha.
func (s *Server) SeedBranch(ownerRepo, branch string, files map[string]string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	g := s.gitDB(ownerRepo)
	flat := map[string]flatEntry{}
	for p, content := range files {
		h, err := g.put(plumbing.BlobObject, []byte(content))
		if err != nil {
			panic(err)
		}
		flat[strings.Trim(p, "/")] = flatEntry{filemode.Regular, h}
	}
	tree, err := g.build(flat)
	if err != nil {
		panic(err)
	}
	when := s.clock().UTC().Truncate(time.Second)
	sig := object.Signature{Name: "seed", Email: "seed@example.com", When: when}
	c := &object.Commit{Author: sig, Committer: sig, Message: "seed\n", TreeHash: tree}
	if parent, ok := g.refs["refs/heads/"+branch]; ok {
		c.ParentHashes = []plumbing.Hash{parent}
	}
	h, err := g.putEncoded(c)
	if err != nil {
		panic(err)
	}
	g.refs["refs/heads/"+branch] = h
	return h.String()
}

// File reads path at the tip of branch from the stored git objects.
func (s *Server) File(ownerRepo, branch, path string) (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	g := s.gitDB(ownerRepo)
	h, ok := g.refs["refs/heads/"+branch]
	if !ok {
		return "", false
	}
	c, err := object.GetCommit(g.store, h)
	if err != nil {
		return "", false
	}
	t, err := c.Tree()
	if err != nil {
		return "", false
	}
	f, err := t.File(path)
	if err != nil {
		return "", false
	}
	text, err := f.Contents()
	return text, err == nil
}

// Commit is a stored commit, as tests read it back.
type Commit struct {
	SHA     string
	Message string
	Parents []string
}

// BranchCommit is the commit at the tip of branch.
func (s *Server) BranchCommit(ownerRepo, branch string) (Commit, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	g := s.gitDB(ownerRepo)
	h, ok := g.refs["refs/heads/"+branch]
	if !ok {
		return Commit{}, false
	}
	c, err := object.GetCommit(g.store, h)
	if err != nil {
		return Commit{}, false
	}
	out := Commit{SHA: h.String(), Message: c.Message}
	for _, p := range c.ParentHashes {
		out.Parents = append(out.Parents, p.String())
	}
	return out, true
}

// Branches lists the repository's branch names, sorted.
func (s *Server) Branches(ownerRepo string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for name := range s.gitDB(ownerRepo).refs {
		if b, ok := strings.CutPrefix(name, "refs/heads/"); ok {
			out = append(out, b)
		}
	}
	sort.Strings(out)
	return out
}

// Pull is a stored pull request, as tests read it back.
type Pull struct {
	Number                           int
	Author, Title, Body              string
	HeadRef, BaseRef, HeadSHA, State string
}

// Pulls lists the repository's pull requests by number.
func (s *Server) Pulls(ownerRepo string) []Pull {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Pull
	for _, p := range s.repo(ownerRepo).pulls {
		out = append(out, Pull{Number: p.Number, Author: p.Author, Title: p.Title, Body: p.Body,
			HeadRef: p.HeadRef, BaseRef: p.BaseRef, HeadSHA: p.Head, State: p.State})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Number < out[j].Number })
	return out
}

// SetPullBody replaces a pull request's description (tests use it to
// build a pull request opened by a bot for a requester).
func (s *Server) SetPullBody(ownerRepo string, number int, body string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.repo(ownerRepo).pulls[number].Body = body
}
