package history

import (
	"bytes"
	"testing/fstest" // a one-file fs.FS to run schema.Load on a single file version

	"github.com/go-git/go-git/v5/plumbing"

	"github.com/access-as-code/access/schema"
	"github.com/access-as-code/access/schema/accessdiff"
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

// maxCached bounds the parsed file versions kept: enough for the newest
// commit's full config, small enough to keep a long walk's memory flat.
// maxCachedBytes and maxCachedEntries bound them too, since a few hundred
// versions of a group of everyone weigh more than thousands of small ones.
const (
	maxCached        = 4096
	maxCachedBytes   = 16 << 20 // texts
	maxCachedEntries = 200_000  // member entries of parsed groups
)

func (w *walker) group(name string, h plumbing.Hash) *schema.Group {
	if h.IsZero() {
		return nil
	}
	if g, ok := w.groups[h]; ok {
		return g
	}
	var g *schema.Group
	if data := w.text(h); data != nil {
		file := "groups/" + name + ".yaml"
		cfg, _ := schema.Load(fstest.MapFS{file: {Data: data}})
		g = cfg.Groups[name]
	}
	if g == nil { // a version that does not parse grants nothing
		g = &schema.Group{Name: name}
	}
	w.keepGroup(h, g)
	return g
}

// keepGroup caches the parsed group file version h.
func (w *walker) keepGroup(h plumbing.Hash, g *schema.Group) {
	if len(w.groups) > maxCached || w.groupEntries > maxCachedEntries {
		clear(w.groups) // a walk needs the versions of two neighbouring commits
		w.groupEntries = 0
	}
	w.groups[h] = g
	w.groupEntries += len(g.Members) + 1
}

func (w *walker) role(name string, h plumbing.Hash) *schema.Role {
	if h.IsZero() {
		return nil
	}
	if r, ok := w.roles[h]; ok {
		return r
	}
	if len(w.roles) > maxCached {
		clear(w.roles)
	}
	var r *schema.Role
	if data := w.text(h); data != nil {
		cfg, _ := schema.Load(fstest.MapFS{"roles/" + name + ".yaml": {Data: data}})
		r = cfg.Roles[name]
	}
	if r == nil {
		r = &schema.Role{Name: name}
	}
	w.roles[h] = r
	return r
}

// grantsOf compiles one group at snapshot s. Every person it names is
// taken to exist: each commit on main was validated, and validation rejects
// a reference to someone missing from users.yaml, so reading users.yaml
// (a large file that changes often) would change nothing.
func (w *walker) grantsOf(s *snap, name string) (map[string]*schema.Grant, *schema.Group) {
	g := w.group(name, s.groupEntry(name))
	if g == nil {
		return nil, nil
	}
	return w.compile(s, g, nil), g
}

// compile is the grants of group g with the roles at s; only of the people
// in only when it is not nil.
func (w *walker) compile(s *snap, g *schema.Group, only map[string]bool) map[string]*schema.Grant {
	cfg := &schema.Config{Groups: map[string]*schema.Group{g.Name: g}, Roles: map[string]*schema.Role{}, Apps: map[string]*schema.App{}}
	seen := map[string]bool{}
	addUser := func(id string) {
		if id != "" && !seen[id] && (only == nil || only[id]) {
			seen[id] = true
			cfg.Users = append(cfg.Users, &schema.User{ID: id})
		}
	}
	for _, m := range g.Members {
		addUser(m.User)
		if m.Role == "" {
			continue
		}
		if r := w.role(m.Role, entry(s.roles, m.Role)); r != nil {
			cfg.Roles[m.Role] = r
			for _, rm := range r.Members {
				addUser(rm.User)
			}
		}
	}
	return schema.Compile(cfg, evalTime).Groups[g.Name]
}

// roleHas reports whether the role version h lists user u.
func (w *walker) roleHas(name string, h plumbing.Hash, u string) bool {
	if h.IsZero() || !bytes.Contains(w.text(h), []byte(u)) {
		return false // not even in the text: no need to parse
	}
	r := w.role(name, h)
	if r == nil {
		return false
	}
	for _, m := range r.Members {
		if m.User == u {
			return true
		}
	}
	return false
}

// grantOf is u's grant of group name at s. The file is parsed and
// compiled only when its text names u or one of its roles lists u; most
// versions of most files do neither, and YAML parsing is the walk's main
// cost.
func (w *walker) grantOf(s *snap, name, u string) *schema.Grant {
	h := s.groupEntry(name)
	if h.IsZero() {
		return nil
	}
	named := bytes.Contains(w.text(h), []byte(u))
	for _, r := range w.roleRefs(h) {
		if named {
			break
		}
		named = w.roleHas(r, entry(s.roles, r), u)
	}
	if !named {
		return nil
	}
	gr, _ := w.grantsOf(s, name)
	return gr[u]
}

// roleRefs are the roles named in the group file version h.
func (w *walker) roleRefs(h plumbing.Hash) []string {
	if h.IsZero() {
		return nil
	}
	if r, ok := w.refs[h]; ok {
		return r
	}
	if len(w.refs) > maxCached {
		clear(w.refs)
	}
	out := scanRoleRefs(w.text(h))
	w.refs[h] = out
	return out
}

// scanRoleRefs finds every "role: NAME" in a group file's text: member
// entries and owners alike, so the result is a superset of the roles it
// lists, which is all the role index needs. A byte scan, since a regular
// expression over thousands of file versions cost more than the rest of
// the check.
func scanRoleRefs(data []byte) []string {
	var out []string
	key := []byte("role:")
	for i := bytes.Index(data, key); i >= 0; {
		j := i + len(key)
		for j < len(data) && (data[j] == ' ' || data[j] == '\t' || data[j] == '"' || data[j] == '\'') {
			j++
		}
		k := j
		for k < len(data) && isNameByte(data[k]) {
			k++
		}
		if k > j {
			out = append(out, string(data[j:k]))
		}
		next := bytes.Index(data[k:], key)
		if next < 0 {
			break
		}
		i = k + next
	}
	return out
}

func isNameByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-'
}

// text is a file version's bytes, kept while the walk is near it.
func (w *walker) text(h plumbing.Hash) []byte {
	if d, ok := w.texts[h]; ok {
		return d
	}
	if len(w.texts) > maxCached || w.textBytes > maxCachedBytes {
		clear(w.texts)
		w.textBytes = 0
	}
	d, err := w.blob(h)
	if err != nil {
		d = nil // unreadable: names nobody
	}
	w.texts[h] = d
	w.textBytes += len(d)
	return d
}

// initial computes the subject's state at the newest snapshot.
func (w *walker) initial(s *snap, subj Subject) (*state, error) {
	st := &state{subj: subj, name: subj.Name, grants: map[string]*schema.Grant{}, roleIdx: map[string]map[string]bool{}}
	if subj.Kind == "group" {
		gr, _ := w.grantsOf(s, subj.Name)
		for u, g := range gr {
			st.grants[u] = g
		}
		return st, nil
	}
	if s.groups == nil {
		return st, nil
	}
	s.groups.index()
	s.roles.index()
	for _, name := range s.groups.names() {
		st.index(name, w.roleRefs(s.groupEntry(name)), true)
		if gr := w.grantOf(s, name, subj.Name); gr != nil {
			st.grants[name] = gr
		}
	}
	return st, nil
}

// index records (add) or forgets which roles group g lists.
func (st *state) index(name string, roles []string, add bool) {
	for _, r := range roles {
		if add {
			if st.roleIdx[r] == nil {
				st.roleIdx[r] = map[string]bool{}
			}
			st.roleIdx[r][name] = true
		} else {
			delete(st.roleIdx[r], name)
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
func (w *walker) renamesIn(changes []change) map[string]string {
	pc := &schema.Config{Groups: map[string]*schema.Group{}}
	cc := &schema.Config{Groups: map[string]*schema.Group{}}
	for _, c := range changes { // a: child, b: parent
		switch {
		case c.a.IsZero() && !c.b.IsZero():
			pc.Groups[c.name] = w.group(c.name, c.b)
		case !c.a.IsZero() && c.b.IsZero():
			cc.Groups[c.name] = w.group(c.name, c.a)
		}
	}
	if len(pc.Groups) == 0 || len(cc.Groups) == 0 {
		return nil
	}
	return accessdiff.Renames(pc, cc)
}
