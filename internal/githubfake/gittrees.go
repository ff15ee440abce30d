package githubfake

import (
	"encoding/json"
	"errors"
	"net/http"
	"path"
	"sort"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/object"
)

// --- trees: docs.github.com/en/rest/git/trees ---

// flatEntry is one non-tree entry of a flattened tree, by full path.
type flatEntry struct {
	mode filemode.FileMode
	hash plumbing.Hash
}

// flatten lists every blob (and submodule) under tree h by full path.
func (g *gitData) flatten(h plumbing.Hash, prefix string, out map[string]flatEntry) error {
	t, err := object.GetTree(g.store, h)
	if err != nil {
		return err
	}
	for _, e := range t.Entries {
		p := path.Join(prefix, e.Name)
		if e.Mode == filemode.Dir {
			if err := g.flatten(e.Hash, p, out); err != nil {
				return err
			}
			continue
		}
		out[p] = flatEntry{e.Mode, e.Hash}
	}
	return nil
}

// build writes the nested trees for files and returns the root's hash.
func (g *gitData) build(files map[string]flatEntry) (plumbing.Hash, error) {
	here := map[string]flatEntry{}
	subs := map[string]map[string]flatEntry{}
	for p, e := range files {
		dir, rest, nested := strings.Cut(p, "/")
		if !nested {
			here[p] = e
			continue
		}
		if subs[dir] == nil {
			subs[dir] = map[string]flatEntry{}
		}
		subs[dir][rest] = e
	}
	t := &object.Tree{}
	for name, e := range here {
		t.Entries = append(t.Entries, object.TreeEntry{Name: name, Mode: e.mode, Hash: e.hash})
	}
	for name, sub := range subs {
		h, err := g.build(sub)
		if err != nil {
			return plumbing.ZeroHash, err
		}
		t.Entries = append(t.Entries, object.TreeEntry{Name: name, Mode: filemode.Dir, Hash: h})
	}
	sort.Sort(object.TreeEntrySorter(t.Entries))
	return g.putEncoded(t)
}

func (s *Server) treeJSON(r *http.Request, g *gitData, h plumbing.Hash, recursive bool) (map[string]any, error) {
	entries := []map[string]any{}
	var walk func(h plumbing.Hash, prefix string) error
	walk = func(h plumbing.Hash, prefix string) error {
		t, err := object.GetTree(g.store, h)
		if err != nil {
			return err
		}
		for _, e := range t.Entries {
			p := path.Join(prefix, e.Name)
			m := map[string]any{"path": p, "mode": modeString(e.Mode), "sha": e.Hash.String()}
			switch e.Mode {
			case filemode.Dir:
				m["type"], m["url"] = "tree", s.apiURL(r, "/git/trees/"+e.Hash.String())
			case filemode.Submodule:
				m["type"] = "commit"
			default:
				data, _ := g.blob(e.Hash)
				m["type"], m["size"], m["url"] = "blob", len(data), s.apiURL(r, "/git/blobs/"+e.Hash.String())
			}
			entries = append(entries, m)
			if recursive && e.Mode == filemode.Dir {
				if err := walk(e.Hash, p); err != nil {
					return err
				}
			}
		}
		return nil
	}
	if err := walk(h, ""); err != nil {
		return nil, err
	}
	return map[string]any{"sha": h.String(), "url": s.apiURL(r, "/git/trees/"+h.String()), "tree": entries, "truncated": false}, nil
}

// modeString writes a mode as the API does: six octal digits ("040000").
func modeString(m filemode.FileMode) string {
	s := m.String()
	for len(s) < 6 {
		s = "0" + s
	}
	return s
}

// getTree copies "Get a tree"
// (https://docs.github.com/en/rest/git/trees#get-a-tree): tree_sha is a tree's sha or a commit's (its
// tree is listed); with the recursive parameter set to any value the
// subtrees' entries are listed too, paths relative to the root. 404 for an
// unknown sha.
func (s *Server) getTree(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	g := s.gitDB(routeOwnerRepo(r))
	h := plumbing.NewHash(r.PathValue("sha"))
	if c, err := object.GetCommit(g.store, h); err == nil {
		h = c.TreeHash
	}
	_, recursive := r.URL.Query()["recursive"]
	out, err := s.treeJSON(r, g, h, recursive)
	if err != nil {
		writeError(w, http.StatusNotFound, "Not Found")
		return
	}
	writeJSON(w, http.StatusOK, out)
}

// createTree copies "Create a tree"
// (https://docs.github.com/en/rest/git/trees#create-a-tree): entries with path, mode, type and
// either sha or content (a new blob); sha null deletes the path from
// base_tree. Paths may name nested directories ("a/b/c.txt"): the subtrees
// are rebuilt. 404 for an unknown base_tree; 422 "GitRPC::BadObjectState"
// for an entry that names a missing object, or deletes a missing path.
func (s *Server) createTree(w http.ResponseWriter, r *http.Request) {
	var in struct {
		BaseTree string `json:"base_tree"`
		Tree     []struct {
			Path    string          `json:"path"`
			Mode    string          `json:"mode"`
			Type    string          `json:"type"`
			SHA     json.RawMessage `json:"sha"`
			Content *string         `json:"content"`
		} `json:"tree"`
	}
	if !decodeJSON(w, r, &in) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	g := s.gitDB(routeOwnerRepo(r))
	files := map[string]flatEntry{}
	if in.BaseTree != "" {
		if err := g.flatten(plumbing.NewHash(in.BaseTree), "", files); err != nil || len(in.BaseTree) != 40 {
			writeError(w, http.StatusNotFound, "Not Found")
			return
		}
	}
	if in.Tree == nil {
		validationFailed(w, map[string]any{"resource": "Tree", "field": "tree", "code": "missing_field"})
		return
	}
	for _, e := range in.Tree {
		p := strings.Trim(e.Path, "/")
		mode, err := filemode.New(e.Mode)
		if p == "" || path.Clean(p) != p || strings.HasPrefix(p, "../") || err != nil {
			validationFailed(w, map[string]any{"resource": "Tree", "field": "tree.path", "code": "invalid"})
			return
		}
		var sha *string
		if len(e.SHA) > 0 {
			if err := json.Unmarshal(e.SHA, &sha); err != nil {
				writeError(w, http.StatusBadRequest, "Problems parsing JSON")
				return
			}
		}
		switch {
		case e.Content != nil:
			h, err := g.put(plumbing.BlobObject, []byte(*e.Content))
			if err != nil {
				writeError(w, http.StatusInternalServerError, err.Error())
				return
			}
			files[p] = flatEntry{mode, h}
		case sha == nil && len(e.SHA) > 0: // "sha": null deletes
			found := false
			for f := range files {
				if f == p || strings.HasPrefix(f, p+"/") {
					delete(files, f)
					found = true
				}
			}
			if !found {
				writeError(w, http.StatusUnprocessableEntity, "GitRPC::BadObjectState")
				return
			}
		case sha != nil && e.Type == "tree":
			for f := range files {
				if f == p || strings.HasPrefix(f, p+"/") {
					delete(files, f)
				}
			}
			sub := map[string]flatEntry{}
			if err := g.flatten(plumbing.NewHash(*sha), "", sub); err != nil {
				writeError(w, http.StatusUnprocessableEntity, "GitRPC::BadObjectState")
				return
			}
			for f, fe := range sub {
				files[p+"/"+f] = fe
			}
		case sha != nil && (e.Type == "blob" || e.Type == ""):
			h := plumbing.NewHash(*sha)
			if len(*sha) != 40 || !g.has(h, plumbing.BlobObject) {
				writeError(w, http.StatusUnprocessableEntity, "GitRPC::BadObjectState")
				return
			}
			files[p] = flatEntry{mode, h}
		default:
			validationFailed(w, map[string]any{"resource": "Tree", "field": "tree.sha", "code": "missing_field"})
			return
		}
	}
	h, err := g.build(files)
	if err == nil {
		var out map[string]any
		if out, err = s.treeJSON(r, g, h, false); err == nil {
			writeJSON(w, http.StatusCreated, out)
			return
		}
	}
	writeError(w, http.StatusInternalServerError, errors.Join(err).Error())
}
