package githubfake

import (
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/go-git/go-git/v5/storage/memory"
)

// gitData is one repository's Git database: real git objects (blobs,
// trees, commits, hashed as git hashes them) in go-git's in-memory storage,
// and its branches. It backs the Git Data API ("Git database",
// docs.github.com/en/rest/git) and pull-request creation.
type gitData struct {
	store *memory.Storage
	refs  map[string]plumbing.Hash // "refs/heads/main" -> commit
}

// gitDB returns the repository's Git database, creating it empty.
func (s *Server) gitDB(ownerRepo string) *gitData {
	rp := s.repo(ownerRepo)
	if rp.git == nil {
		rp.git = &gitData{store: memory.NewStorage(), refs: map[string]plumbing.Hash{}}
	}
	return rp.git
}

func routeOwnerRepo(r *http.Request) string { return r.PathValue("owner") + "/" + r.PathValue("repo") }

// registerGitData adds the Git Data API, pull-request creation, the
// authenticated user and issue comments on issues.
func (s *Server) registerGitData(mux *http.ServeMux) {
	mux.HandleFunc("GET /repos/{owner}/{repo}/git/ref/{ref...}", s.getRef)
	mux.HandleFunc("POST /repos/{owner}/{repo}/git/refs", s.createRef)
	mux.HandleFunc("DELETE /repos/{owner}/{repo}/git/refs/{ref...}", s.deleteRef)
	mux.HandleFunc("POST /repos/{owner}/{repo}/git/blobs", s.createBlob)
	mux.HandleFunc("GET /repos/{owner}/{repo}/git/blobs/{sha}", s.getBlob)
	mux.HandleFunc("POST /repos/{owner}/{repo}/git/trees", s.createTree)
	mux.HandleFunc("GET /repos/{owner}/{repo}/git/trees/{sha}", s.getTree)
	mux.HandleFunc("POST /repos/{owner}/{repo}/git/commits", s.createCommit)
	mux.HandleFunc("GET /repos/{owner}/{repo}/git/commits/{sha}", s.getCommit)
	mux.HandleFunc("POST /repos/{owner}/{repo}/pulls", s.createPull)
	mux.HandleFunc("GET /repos/{owner}/{repo}/pulls", s.listPulls)
	mux.HandleFunc("GET /user", s.getAuthenticatedUser)
}

// validationFailed copies the 422 body GitHub sends when a field is wrong
// ("Client errors", docs.github.com/en/rest/using-the-rest-api/troubleshooting-the-rest-api):
// message "Validation Failed" and an errors list of resource, field, code.
func validationFailed(w http.ResponseWriter, errs ...map[string]any) {
	writeJSON(w, http.StatusUnprocessableEntity, map[string]any{"message": "Validation Failed", "errors": errs,
		"documentation_url": "https://docs.github.com/rest"})
}

func decodeJSON(w http.ResponseWriter, r *http.Request, v any) bool {
	if err := json.NewDecoder(io.LimitReader(r.Body, 100<<20)).Decode(v); err != nil {
		writeError(w, http.StatusBadRequest, "Problems parsing JSON")
		return false
	}
	return true
}

func (s *Server) apiURL(r *http.Request, rest string) string {
	return s.URL + "/repos/" + routeOwnerRepo(r) + rest
}

func (g *gitData) put(t plumbing.ObjectType, data []byte) (plumbing.Hash, error) {
	o := g.store.NewEncodedObject()
	o.SetType(t)
	wr, err := o.Writer()
	if err != nil {
		return plumbing.ZeroHash, err
	}
	if _, err := wr.Write(data); err != nil {
		return plumbing.ZeroHash, err
	}
	if err := wr.Close(); err != nil {
		return plumbing.ZeroHash, err
	}
	return g.store.SetEncodedObject(o)
}

func (g *gitData) putEncoded(enc interface {
	Encode(plumbing.EncodedObject) error
}) (plumbing.Hash, error) {
	o := g.store.NewEncodedObject()
	if err := enc.Encode(o); err != nil {
		return plumbing.ZeroHash, err
	}
	return g.store.SetEncodedObject(o)
}

func (g *gitData) has(h plumbing.Hash, t plumbing.ObjectType) bool {
	_, err := g.store.EncodedObject(t, h)
	return err == nil
}

func (g *gitData) blob(h plumbing.Hash) ([]byte, bool) {
	o, err := g.store.EncodedObject(plumbing.BlobObject, h)
	if err != nil {
		return nil, false
	}
	rd, err := o.Reader()
	if err != nil {
		return nil, false
	}
	defer rd.Close()
	data, err := io.ReadAll(rd)
	return data, err == nil
}

// --- references: docs.github.com/en/rest/git/refs ---

func (s *Server) refJSON(r *http.Request, name string, h plumbing.Hash) map[string]any {
	return map[string]any{"ref": name, "node_id": "REF_" + h.String()[:8], "url": s.apiURL(r, "/git/"+name),
		"object": map[string]any{"type": "commit", "sha": h.String(), "url": s.apiURL(r, "/git/commits/"+h.String())}}
}

// getRef copies "Get a reference"
// (https://docs.github.com/en/rest/git/refs#get-a-reference) (GET /repos/{owner}/{repo}/git/ref/{ref},
// ref as heads/<branch>): 404 Not Found when no such ref exists.
func (s *Server) getRef(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	name := "refs/" + r.PathValue("ref")
	h, ok := s.gitDB(routeOwnerRepo(r)).refs[name]
	if !ok {
		writeError(w, http.StatusNotFound, "Not Found")
		return
	}
	writeJSON(w, http.StatusOK, s.refJSON(r, name, h))
}

// validRefName follows git check-ref-format, which GitHub applies: a full
// name under refs/ with at least two slashes, no "..", no control
// characters, none of ~^:?*[\ or space, no component starting with "." or
// ending with ".lock", no "@{", not ending with "/" or ".".
func validRefName(name string) bool {
	if !strings.HasPrefix(name, "refs/") || strings.Count(name, "/") < 2 || strings.HasSuffix(name, "/") ||
		strings.HasSuffix(name, ".") || strings.Contains(name, "..") || strings.Contains(name, "@{") ||
		strings.Contains(name, "//") || strings.ContainsAny(name, "~^:?*[\\ \x7f") {
		return false
	}
	for _, c := range name {
		if c < 0x20 {
			return false
		}
	}
	for _, part := range strings.Split(name, "/") {
		if strings.HasPrefix(part, ".") || strings.HasSuffix(part, ".lock") {
			return false
		}
	}
	return true
}

// createRef copies "Create a reference"
// (https://docs.github.com/en/rest/git/refs#create-a-reference) (POST /repos/{owner}/{repo}/git/refs):
// 201 with the ref; 422 "Reference already exists" when it does, 422
// "Object does not exist" for an unknown sha, 422 for a malformed name.
func (s *Server) createRef(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Ref string `json:"ref"`
		SHA string `json:"sha"`
	}
	if !decodeJSON(w, r, &in) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	g := s.gitDB(routeOwnerRepo(r))
	h := plumbing.NewHash(in.SHA)
	switch {
	case !validRefName(in.Ref):
		writeError(w, http.StatusUnprocessableEntity, "Reference name must start with 'refs/' and have at least two slashes, and be a valid git ref name.")
	case g.refs[in.Ref] != plumbing.ZeroHash:
		writeError(w, http.StatusUnprocessableEntity, "Reference already exists")
	case len(in.SHA) != 40 || !g.has(h, plumbing.CommitObject):
		writeError(w, http.StatusUnprocessableEntity, "Object does not exist")
	default:
		g.refs[in.Ref] = h
		writeJSON(w, http.StatusCreated, s.refJSON(r, in.Ref, h))
	}
}

// deleteRef copies "Delete a reference"
// (https://docs.github.com/en/rest/git/refs#delete-a-reference) (DELETE
// /repos/{owner}/{repo}/git/refs/{ref}): 204 No Content; 422 "Reference
// does not exist" when it does not.
func (s *Server) deleteRef(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	g := s.gitDB(routeOwnerRepo(r))
	name := "refs/" + r.PathValue("ref")
	if _, ok := g.refs[name]; !ok {
		writeError(w, http.StatusUnprocessableEntity, "Reference does not exist")
		return
	}
	delete(g.refs, name)
	w.WriteHeader(http.StatusNoContent)
}

// --- blobs: docs.github.com/en/rest/git/blobs ---

// createBlob copies "Create a blob"
// (https://docs.github.com/en/rest/git/blobs#create-a-blob): content with encoding "utf-8" (the
// default) or "base64"; 201 with url and sha; 422 for another encoding.
func (s *Server) createBlob(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Content  *string `json:"content"`
		Encoding string  `json:"encoding"`
	}
	if !decodeJSON(w, r, &in) {
		return
	}
	if in.Content == nil {
		validationFailed(w, map[string]any{"resource": "Blob", "field": "content", "code": "missing_field"})
		return
	}
	data := []byte(*in.Content)
	switch in.Encoding {
	case "", "utf-8":
	case "base64":
		var err error
		if data, err = base64.StdEncoding.DecodeString(*in.Content); err != nil {
			writeError(w, http.StatusUnprocessableEntity, "content is not valid Base64")
			return
		}
	default:
		validationFailed(w, map[string]any{"resource": "Blob", "field": "encoding", "code": "invalid"})
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	h, err := s.gitDB(routeOwnerRepo(r)).put(plumbing.BlobObject, data)
	if err != nil {
		writeError(w, http.StatusInternalServerError, err.Error())
		return
	}
	writeJSON(w, http.StatusCreated, map[string]any{"sha": h.String(), "url": s.apiURL(r, "/git/blobs/"+h.String())})
}

// getBlob copies "Get a blob"
// (https://docs.github.com/en/rest/git/blobs#get-a-blob): the content Base64-encoded with a line break
// every 60 characters, as GitHub sends it, or the raw bytes when the Accept
// header asks for the raw media type (application/vnd.github.raw); 404 for
// an unknown sha.
func (s *Server) getBlob(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	h := plumbing.NewHash(r.PathValue("sha"))
	data, ok := s.gitDB(routeOwnerRepo(r)).blob(h)
	if !ok {
		writeError(w, http.StatusNotFound, "Not Found")
		return
	}
	if strings.Contains(r.Header.Get("Accept"), ".raw") {
		w.Header().Set("Content-Type", "application/vnd.github.raw")
		_, _ = w.Write(data)
		return
	}
	enc := base64.StdEncoding.EncodeToString(data)
	var b strings.Builder
	for len(enc) > 60 {
		b.WriteString(enc[:60] + "\n")
		enc = enc[60:]
	}
	b.WriteString(enc + "\n")
	writeJSON(w, http.StatusOK, map[string]any{"sha": h.String(), "node_id": "B_" + h.String()[:8], "size": len(data),
		"url": s.apiURL(r, "/git/blobs/"+h.String()), "content": b.String(), "encoding": "base64"})
}

// --- commits: docs.github.com/en/rest/git/commits ---

func (s *Server) commitJSON(r *http.Request, h plumbing.Hash, c *object.Commit) map[string]any {
	parents := []map[string]any{}
	for _, p := range c.ParentHashes {
		parents = append(parents, map[string]any{"sha": p.String(), "url": s.apiURL(r, "/git/commits/"+p.String())})
	}
	sig := func(sg object.Signature) map[string]any {
		return map[string]any{"name": sg.Name, "email": sg.Email, "date": ts(sg.When)}
	}
	return map[string]any{"sha": h.String(), "node_id": "C_" + h.String()[:8], "url": s.apiURL(r, "/git/commits/"+h.String()),
		"author": sig(c.Author), "committer": sig(c.Committer), "message": c.Message,
		"tree":    map[string]any{"sha": c.TreeHash.String(), "url": s.apiURL(r, "/git/trees/"+c.TreeHash.String())},
		"parents": parents, "verification": map[string]any{"verified": false, "reason": "unsigned", "signature": nil, "payload": nil}}
}

// getCommit copies "Get a commit object"
// (https://docs.github.com/en/rest/git/commits#get-a-commit-object): 404 for an unknown sha.
func (s *Server) getCommit(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	h := plumbing.NewHash(r.PathValue("sha"))
	c, err := object.GetCommit(s.gitDB(routeOwnerRepo(r)).store, h)
	if err != nil {
		writeError(w, http.StatusNotFound, "Not Found")
		return
	}
	writeJSON(w, http.StatusOK, s.commitJSON(r, h, c))
}

type person struct {
	Name  string `json:"name"`
	Email string `json:"email"`
	Date  string `json:"date"`
}

// createCommit copies "Create a commit"
// (https://docs.github.com/en/rest/git/commits#create-a-commit): message, tree and parents are
// required; author and committer default to the authenticated user at the
// current time. 422 "Tree SHA does not exist" or "Parent SHA does not exist
// or is not a commit object" for unknown objects.
func (s *Server) createCommit(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Message   *string  `json:"message"`
		Tree      string   `json:"tree"`
		Parents   []string `json:"parents"`
		Author    *person  `json:"author"`
		Committer *person  `json:"committer"`
	}
	if !decodeJSON(w, r, &in) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	g := s.gitDB(routeOwnerRepo(r))
	if in.Message == nil {
		validationFailed(w, map[string]any{"resource": "Commit", "field": "message", "code": "missing_field"})
		return
	}
	tree := plumbing.NewHash(in.Tree)
	if len(in.Tree) != 40 || !g.has(tree, plumbing.TreeObject) {
		writeError(w, http.StatusUnprocessableEntity, "Tree SHA does not exist")
		return
	}
	c := &object.Commit{Message: *in.Message, TreeHash: tree}
	for _, p := range in.Parents {
		ph := plumbing.NewHash(p)
		if len(p) != 40 || !g.has(ph, plumbing.CommitObject) {
			writeError(w, http.StatusUnprocessableEntity, "Parent SHA does not exist or is not a commit object")
			return
		}
		c.ParentHashes = append(c.ParentHashes, ph)
	}
	def := object.Signature{Name: s.userAgent, Email: s.userAgent + "@users.noreply.github.com", When: s.clock().UTC().Truncate(time.Second)}
	sig := func(p *person, fallback object.Signature) (object.Signature, bool) {
		if p == nil {
			return fallback, true
		}
		out := object.Signature{Name: p.Name, Email: p.Email, When: fallback.When}
		if p.Date != "" {
			t, err := time.Parse(time.RFC3339, p.Date)
			if err != nil {
				return out, false
			}
			out.When = t
		}
		return out, p.Name != "" && p.Email != ""
	}
	var ok bool
	if c.Author, ok = sig(in.Author, def); !ok {
		validationFailed(w, map[string]any{"resource": "Commit", "field": "author", "code": "invalid"})
		return
	}
	if c.Committer, ok = sig(in.Committer, c.Author); !ok {
		validationFailed(w, map[string]any{"resource": "Commit", "field": "committer", "code": "invalid"})
		return
	}
	h, err := g.putEncoded(c)
	if err != nil {
		writeError(w, http.StatusInternalServerError, err.Error())
		return
	}
	writeJSON(w, http.StatusCreated, s.commitJSON(r, h, c))
}
