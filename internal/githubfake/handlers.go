package githubfake

import (
	"encoding/json"
	"net/http"
	"strings"
)

func (s *Server) lookupPull(w http.ResponseWriter, r *http.Request) (*repo, *pull, bool) {
	n, ok := pathInt(w, r, "number")
	if !ok {
		return nil, nil, false
	}
	rp := s.repo(r.PathValue("owner") + "/" + r.PathValue("repo"))
	p := rp.pulls[int(n)]
	if p == nil {
		writeError(w, http.StatusNotFound, "Not Found")
		return nil, nil, false
	}
	return rp, p, true
}

func (s *Server) pullJSON(ownerRepo string, p *pull) map[string]any {
	return map[string]any{
		"number": p.Number, "state": p.State, "title": p.Title, "body": p.Body, "user": s.userJSON(p.Author),
		"html_url": s.URL + "/" + ownerRepo + "/pull/" + itoa(p.Number),
		"head":     map[string]any{"sha": p.Head, "ref": p.HeadRef, "label": p.HeadRef},
		"base":     map[string]any{"sha": p.Base, "ref": p.BaseRef, "label": p.BaseRef},
		"merged":   p.State == "merged",
	}
}

// getPull copies "Get a pull request" (GET /repos/{owner}/{repo}/pulls/{pull_number}):
// 404 Not Found for an unknown number; head.sha is the latest pushed commit.
func (s *Server) getPull(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, p, ok := s.lookupPull(w, r)
	if !ok {
		return
	}
	writeJSON(w, http.StatusOK, s.pullJSON(r.PathValue("owner")+"/"+r.PathValue("repo"), p))
}

// listReviews copies "List reviews for a pull request": reviews in
// chronological order, paginated; each carries the commit_id it was made on
// and its state (APPROVED, CHANGES_REQUESTED, COMMENTED, DISMISSED). A
// dismissed review stays in the list with state DISMISSED. PENDING reviews
// are visible only to their author, who is never the caller here, so they
// are left out.
func (s *Server) listReviews(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, p, ok := s.lookupPull(w, r)
	if !ok {
		return
	}
	var out []map[string]any
	for _, rv := range p.reviews {
		if rv.State == "PENDING" {
			continue
		}
		out = append(out, map[string]any{"id": rv.ID, "user": s.userJSON(rv.User), "body": rv.Body, "state": rv.State,
			"commit_id": rv.CommitID, "submitted_at": ts(rv.SubmittedAt), "author_association": "MEMBER"})
	}
	page, ok := paginate(w, r, out)
	if !ok {
		return
	}
	writeJSON(w, http.StatusOK, nonNil(page))
}

// listComments copies "List issue comments" (GET .../issues/{issue_number}/comments):
// a pull request is an issue, so its conversation comments are listed here,
// in ascending id order, paginated. 404 for an unknown issue.
func (s *Server) listComments(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	rp, p, ok := s.lookupPull(w, r)
	if !ok {
		return
	}
	var out []map[string]any
	for _, c := range rp.comments[p.Number] {
		out = append(out, s.commentJSON(r, c))
	}
	page, ok := paginate(w, r, out)
	if !ok {
		return
	}
	writeJSON(w, http.StatusOK, nonNil(page))
}

func (s *Server) commentJSON(r *http.Request, c *comment) map[string]any {
	return map[string]any{"id": c.ID, "body": c.Body, "user": s.userJSON(c.User),
		"created_at": ts(c.CreatedAt), "updated_at": ts(c.UpdatedAt), "author_association": "NONE",
		"html_url": s.URL + "/" + r.PathValue("owner") + "/" + r.PathValue("repo") + "#issuecomment-" + itoa(int(c.ID))}
}

// maxBody is GitHub's limit on a comment body (65,536 characters); longer
// bodies are refused with 422 Validation Failed.
const maxBody = 65536

func readBody(w http.ResponseWriter, r *http.Request) (string, bool) {
	var in struct {
		Body *string `json:"body"`
	}
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
		writeError(w, http.StatusBadRequest, "Problems parsing JSON")
		return "", false
	}
	if in.Body == nil || strings.TrimSpace(*in.Body) == "" {
		writeError(w, http.StatusUnprocessableEntity, "Validation Failed")
		return "", false
	}
	if len([]rune(*in.Body)) > maxBody {
		writeError(w, http.StatusUnprocessableEntity, "Validation Failed: body is too long (maximum is 65536 characters)")
		return "", false
	}
	return *in.Body, true
}

// createComment copies "Create an issue comment": 201 Created with the new
// comment, authored by the authenticated user; 422 without a body.
func (s *Server) createComment(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	rp, p, ok := s.lookupPull(w, r)
	if !ok {
		return
	}
	body, ok := readBody(w, r)
	if !ok {
		return
	}
	now := s.clock()
	c := &comment{ID: s.id(), User: s.userAgent, Body: body, CreatedAt: now, UpdatedAt: now}
	rp.comments[p.Number] = append(rp.comments[p.Number], c)
	writeJSON(w, http.StatusCreated, s.commentJSON(r, c))
}

// updateComment copies "Update an issue comment" (PATCH
// /repos/{owner}/{repo}/issues/comments/{comment_id}): 200 with the comment,
// 404 when no comment of the repository has that id.
func (s *Server) updateComment(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	id, ok := pathInt(w, r, "id")
	if !ok {
		return
	}
	rp := s.repo(r.PathValue("owner") + "/" + r.PathValue("repo"))
	for _, cs := range rp.comments {
		for _, c := range cs {
			if c.ID != id {
				continue
			}
			body, ok := readBody(w, r)
			if !ok {
				return
			}
			c.Body, c.UpdatedAt = body, s.clock()
			writeJSON(w, http.StatusOK, s.commentJSON(r, c))
			return
		}
	}
	writeError(w, http.StatusNotFound, "Not Found")
}

var statusStates = map[string]bool{"error": true, "failure": true, "pending": true, "success": true}

// createStatus copies "Create a commit status": state must be error,
// failure, pending or success (else 422); context defaults to "default";
// 201 Created with the status.
func (s *Server) createStatus(w http.ResponseWriter, r *http.Request) {
	var in struct {
		State       string `json:"state"`
		TargetURL   string `json:"target_url"`
		Description string `json:"description"`
		Context     string `json:"context"`
	}
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
		writeError(w, http.StatusBadRequest, "Problems parsing JSON")
		return
	}
	if !statusStates[in.State] {
		writeError(w, http.StatusUnprocessableEntity, "Validation Failed")
		return
	}
	if in.Context == "" {
		in.Context = "default"
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	rp := s.repo(r.PathValue("owner") + "/" + r.PathValue("repo"))
	st := &status{ID: s.id(), State: in.State, Context: in.Context, Description: in.Description, TargetURL: in.TargetURL,
		Creator: s.userAgent, CreatedAt: s.clock()}
	sha := r.PathValue("sha")
	rp.statuses[sha] = append(rp.statuses[sha], st)
	writeJSON(w, http.StatusCreated, statusJSON(s, st))
}

func statusJSON(s *Server, st *status) map[string]any {
	return map[string]any{"id": st.ID, "state": st.State, "context": st.Context, "description": st.Description,
		"target_url": st.TargetURL, "creator": s.userJSON(st.Creator), "created_at": ts(st.CreatedAt), "updated_at": ts(st.CreatedAt)}
}

// listStatuses copies "List commit statuses for a reference": newest first,
// paginated.
func (s *Server) listStatuses(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	rp := s.repo(r.PathValue("owner") + "/" + r.PathValue("repo"))
	list := rp.statuses[r.PathValue("ref")]
	var out []map[string]any
	for i := len(list) - 1; i >= 0; i-- {
		out = append(out, statusJSON(s, list[i]))
	}
	page, ok := paginate(w, r, out)
	if !ok {
		return
	}
	writeJSON(w, http.StatusOK, nonNil(page))
}

func nonNil(v []map[string]any) []map[string]any {
	if v == nil {
		return []map[string]any{}
	}
	return v
}
