package history

import (
	"bufio"
	"bytes"
	"regexp"
	"sort"
	"testing/fstest" // a one-file fs.FS to run schema.Load on a single file version

	"github.com/go-git/go-git/v5/plumbing"

	"github.com/access-as-code/access/accessdiff"
	"github.com/access-as-code/access/schema"
)

// state is the subject's access at one snapshot.
type state struct {
	subj Subject
	name string // group subject: its file name at this snapshot
	// grants: user subject: group -> grant; group subject: user -> grant.
	grants map[string]*schema.Grant
	// roleIdx (user subject): role -> groups that list it.
	roleIdx map[string]map[string]bool
}

func (w *walker) group(name string, h plumbing.Hash) *schema.Group {
	if h.IsZero() {
		return nil
	}
	if g, ok := w.groups[h]; ok {
		return g
	}
	var g *schema.Group
	if data, err := w.blob(h); err == nil {
		file := "groups/" + name + ".yaml"
		cfg, _ := schema.Load(fstest.MapFS{file: {Data: data}})
		g = cfg.Groups[name]
	}
	if g == nil { // a version that does not parse grants nothing
		g = &schema.Group{Name: name}
	}
	w.groups[h] = g
	return g
}

func (w *walker) role(name string, h plumbing.Hash) *schema.Role {
	if h.IsZero() {
		return nil
	}
	if r, ok := w.roles[h]; ok {
		return r
	}
	var r *schema.Role
	if data, err := w.blob(h); err == nil {
		cfg, _ := schema.Load(fstest.MapFS{"roles/" + name + ".yaml": {Data: data}})
		r = cfg.Roles[name]
	}
	if r == nil {
		r = &schema.Role{Name: name}
	}
	w.roles[h] = r
	return r
}

var idLine = regexp.MustCompile(`^\s*(?:-\s+)?id:\s*["']?([^"'#\s]+)["']?\s*(?:#.*)?$`)

// userIDs are the ids of users.yaml at h. Only ids matter here (Compile
// needs to know who exists), so block-style files are scanned line by line,
// which is much faster than a full load of 10,000 people; anything else
// falls back to schema.Load.
func (w *walker) userIDs(h plumbing.Hash) []*schema.User {
	if h.IsZero() {
		return nil
	}
	if u, ok := w.users[h]; ok {
		return u
	}
	data, err := w.blob(h)
	if err != nil {
		w.users[h] = nil
		return nil
	}
	var out []*schema.User
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	for sc.Scan() {
		if m := idLine.FindSubmatch(sc.Bytes()); m != nil {
			out = append(out, &schema.User{ID: string(m[1])})
		}
	}
	if len(out) == 0 && len(bytes.TrimSpace(data)) > 0 {
		cfg, _ := schema.Load(fstest.MapFS{"users.yaml": {Data: data}})
		out = cfg.Users
	}
	w.users[h] = out
	return out
}

// grantsOf compiles one group at snapshot s with the given people.
func (w *walker) grantsOf(s *snap, name string, users []*schema.User) (map[string]*schema.Grant, *schema.Group) {
	g := w.group(name, entry(s.groups, name))
	if g == nil {
		return nil, nil
	}
	cfg := &schema.Config{Users: users, Groups: map[string]*schema.Group{name: g}, Roles: map[string]*schema.Role{}, Apps: map[string]*schema.App{}}
	for _, m := range g.Members {
		if m.Role != "" {
			if r := w.role(m.Role, entry(s.roles, m.Role)); r != nil {
				cfg.Roles[m.Role] = r
			}
		}
	}
	return schema.Compile(cfg, evalTime).Groups[name], g
}

func hasUser(users []*schema.User, id string) bool {
	for _, u := range users {
		if u.ID == id {
			return true
		}
	}
	return false
}

// initial computes the subject's state at the newest snapshot.
func (w *walker) initial(s *snap, subj Subject) (*state, error) {
	st := &state{subj: subj, name: subj.Name, grants: map[string]*schema.Grant{}, roleIdx: map[string]map[string]bool{}}
	if subj.Kind == "group" {
		gr, _ := w.grantsOf(s, subj.Name, w.userIDs(s.users))
		for u, g := range gr {
			st.grants[u] = g
		}
		return st, nil
	}
	var users []*schema.User
	if hasUser(w.userIDs(s.users), subj.Name) {
		users = []*schema.User{{ID: subj.Name}}
	}
	if s.groups == nil {
		return st, nil
	}
	for _, e := range s.groups.Entries {
		name, ok := trimYAML(e.Name)
		if !ok {
			continue
		}
		gr, g := w.grantsOf(s, name, users)
		st.index(name, g, true)
		if gr[subj.Name] != nil {
			st.grants[name] = gr[subj.Name]
		}
	}
	return st, nil
}

// index records (add) or forgets which roles group g lists.
func (st *state) index(name string, g *schema.Group, add bool) {
	if g == nil {
		return
	}
	for _, m := range g.Members {
		if m.Role == "" {
			continue
		}
		if add {
			if st.roleIdx[m.Role] == nil {
				st.roleIdx[m.Role] = map[string]bool{}
			}
			st.roleIdx[m.Role][name] = true
		} else {
			delete(st.roleIdx[m.Role], name)
		}
	}
}

func trimYAML(n string) (string, bool) {
	if len(n) > 5 && n[len(n)-5:] == ".yaml" {
		return n[:len(n)-5], true
	}
	return "", false
}

// renamesIn pairs group files deleted and created between parent and child
// that manage the same targets: child name -> parent name.
func (w *walker) renamesIn(child, parent *snap, names []string) map[string]string {
	pc := &schema.Config{Groups: map[string]*schema.Group{}}
	cc := &schema.Config{Groups: map[string]*schema.Group{}}
	for _, n := range names {
		ch, ph := entry(child.groups, n), entry(parent.groups, n)
		switch {
		case ch.IsZero() && !ph.IsZero():
			pc.Groups[n] = w.group(n, ph)
		case !ch.IsZero() && ph.IsZero():
			cc.Groups[n] = w.group(n, ch)
		}
	}
	if len(pc.Groups) == 0 || len(cc.Groups) == 0 {
		return nil
	}
	return accessdiff.Renames(pc, cc)
}

func sortedNames(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
