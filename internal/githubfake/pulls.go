package githubfake

import (
	"net/http"
	"sort"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"
)

// createPull copies "Create a pull request"
// (https://docs.github.com/en/rest/pulls/pulls#create-a-pull-request, POST
// /repos/{owner}/{repo}/pulls): title, head and base required; head is a
// branch of this repository ("branch" or "owner:branch"). 201 with the pull
// request. 422 Validation Failed with errors when a field is missing, a
// branch does not exist (field head or base, code invalid), head has no
// commits beyond base ("No commits between main and x") or an open pull
// request for head exists ("A pull request already exists for o:x.").
func (s *Server) createPull(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Title *string `json:"title"`
		Head  string  `json:"head"`
		Base  string  `json:"base"`
		Body  string  `json:"body"`
		Draft bool    `json:"draft"`
	}
	if !decodeJSON(w, r, &in) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	ownerRepo := routeOwnerRepo(r)
	owner := r.PathValue("owner")
	head := in.Head
	if o, b, ok := strings.Cut(head, ":"); ok && strings.EqualFold(o, owner) {
		head = b
	}
	custom := func(msg string) map[string]any {
		return map[string]any{"resource": "PullRequest", "code": "custom", "message": msg}
	}
	switch {
	case in.Title == nil || strings.TrimSpace(*in.Title) == "":
		validationFailed(w, map[string]any{"resource": "PullRequest", "field": "title", "code": "missing_field"})
		return
	case in.Head == "":
		validationFailed(w, map[string]any{"resource": "PullRequest", "field": "head", "code": "missing_field"})
		return
	case in.Base == "":
		validationFailed(w, map[string]any{"resource": "PullRequest", "field": "base", "code": "missing_field"})
		return
	}
	g := s.gitDB(ownerRepo)
	headSHA, okHead := g.refs["refs/heads/"+head]
	baseSHA, okBase := g.refs["refs/heads/"+in.Base]
	switch {
	case !okBase:
		validationFailed(w, map[string]any{"resource": "PullRequest", "field": "base", "code": "invalid"})
		return
	case !okHead:
		validationFailed(w, map[string]any{"resource": "PullRequest", "field": "head", "code": "invalid"})
		return
	case g.reachable(baseSHA, headSHA):
		validationFailed(w, custom("No commits between "+in.Base+" and "+head))
		return
	}
	rp := s.repo(ownerRepo)
	for _, p := range rp.pulls {
		if p.State == "open" && p.HeadRef == head {
			validationFailed(w, custom("A pull request already exists for "+owner+":"+head+"."))
			return
		}
	}
	p := &pull{Number: s.nextNumber(ownerRepo), Author: s.userAgent, Head: headSHA.String(), HeadRef: head,
		Base: baseSHA.String(), BaseRef: in.Base, Title: *in.Title, Body: in.Body, State: "open"}
	rp.pulls[p.Number] = p
	writeJSON(w, http.StatusCreated, s.pullJSON(ownerRepo, p))
}

// listPulls copies "List pull requests"
// (https://docs.github.com/en/rest/pulls/pulls#list-pull-requests): state
// open (default), closed or all; head filters by "owner:branch"; base by
// branch; paginated, by number.
func (s *Server) listPulls(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	q := r.URL.Query()
	state := q.Get("state")
	if state == "" {
		state = "open"
	}
	ownerRepo := routeOwnerRepo(r)
	var numbers []int
	for n, p := range s.repo(ownerRepo).pulls {
		open := p.State == "open"
		if (state == "open" && !open) || (state == "closed" && open) {
			continue
		}
		if h := q.Get("head"); h != "" && !strings.EqualFold(h, r.PathValue("owner")+":"+p.HeadRef) {
			continue
		}
		if b := q.Get("base"); b != "" && b != p.BaseRef {
			continue
		}
		numbers = append(numbers, n)
	}
	sort.Ints(numbers)
	var out []map[string]any
	for _, n := range numbers {
		out = append(out, s.pullJSON(ownerRepo, s.repo(ownerRepo).pulls[n]))
	}
	page, ok := paginate(w, r, out)
	if !ok {
		return
	}
	writeJSON(w, http.StatusOK, nonNil(page))
}

// reachable: target is from or one of its ancestors.
func (g *gitData) reachable(from, target plumbing.Hash) bool {
	seen := map[plumbing.Hash]bool{}
	stack := []plumbing.Hash{from}
	for len(stack) > 0 {
		h := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if h == target {
			return true
		}
		if seen[h] {
			continue
		}
		seen[h] = true
		if c, err := object.GetCommit(g.store, h); err == nil {
			stack = append(stack, c.ParentHashes...)
		}
	}
	return false
}

// nextNumber is the next issue or pull-request number: GitHub numbers both
// from one sequence per repository.
func (s *Server) nextNumber(ownerRepo string) int {
	rp := s.repo(ownerRepo)
	n := 0
	for k := range rp.pulls {
		n = max(n, k)
	}
	for k := range s.issueDB(ownerRepo) {
		n = max(n, k)
	}
	return n + 1
}

// getAuthenticatedUser copies "Get the authenticated user" (GET /user,
// https://docs.github.com/en/rest/users/users#get-the-authenticated-user).
// A GitHub App installation token (a "[bot]" login here) is refused with
// 403 "Resource not accessible by integration", as GitHub refuses it.
func (s *Server) getAuthenticatedUser(w http.ResponseWriter, _ *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if strings.HasSuffix(s.userAgent, "[bot]") {
		writeError(w, http.StatusForbidden, "Resource not accessible by integration")
		return
	}
	writeJSON(w, http.StatusOK, s.userJSON(s.userAgent))
}

// userType is "Bot" for a GitHub App's account (its login ends in "[bot]",
// as github-actions[bot] does), else "User".
func userType(login string) string {
	if strings.HasSuffix(login, "[bot]") {
		return "Bot"
	}
	return "User"
}
