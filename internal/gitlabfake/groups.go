package gitlabfake

import (
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"
)

// levelNames are the role names GitLab uses in validation messages.
var levelNames = map[int]string{5: "Minimal Access", Guest: "Guest", Reporter: "Reporter", Developer: "Developer", Maintainer: "Maintainer", Owner: "Owner"}

func (s *Server) groupJSON(g *group) map[string]any {
	var parent any
	if g.ParentID != 0 {
		parent = g.ParentID
	}
	fullName := strings.ReplaceAll(g.FullPath, "/", " / ")
	return map[string]any{
		"id": g.ID, "name": g.Name, "path": g.Path, "full_path": g.FullPath, "full_name": fullName,
		"description": "", "visibility": "private", "parent_id": parent,
		"web_url": s.srv.URL + "/groups/" + g.FullPath,
	}
}

func (s *Server) memberJSON(u *user, m *membership) map[string]any {
	return map[string]any{
		"id": u.ID, "username": u.Username, "name": u.Name, "state": u.State,
		"avatar_url": nil, "web_url": s.srv.URL + "/" + u.Username,
		"access_level": m.Level, "created_at": m.CreatedAt.Format(time.RFC3339Nano),
		"expires_at": nil, "membership_state": "active", "locked": false,
	}
}

// findGroupLocked resolves :id, a numeric id or a full path (matched
// without regard to case, as GitLab routes do).
func (s *Server) findGroupLocked(id string) *group {
	if n, err := strconv.Atoi(id); err == nil {
		return s.groups[n]
	}
	return s.groupByPathLocked(id)
}

// groupNotFound copies not_found!('Group'): 404 {"message":"404 Group Not Found"}.
func groupNotFound(w http.ResponseWriter) {
	writeJSON(w, http.StatusNotFound, msg("404 Group Not Found"))
}

// recordNotFound copies the API's ActiveRecord::RecordNotFound answer,
// used when a member lookup (find_by!) fails.
func recordNotFound(w http.ResponseWriter) { writeJSON(w, http.StatusNotFound, msg("404 Not found")) }

// handleGetGroup copies GET /groups/:id (docs: api/groups.md, "Get a single
// group"); projects are not modelled (as with_projects=false).
func (s *Server) handleGetGroup(w http.ResponseWriter, r *http.Request, rt route) {
	if r.Method != http.MethodGet {
		notFoundRoute(w)
		return
	}
	s.mu.Lock()
	g := s.findGroupLocked(rt.group)
	var body map[string]any
	if g != nil {
		body = s.groupJSON(g)
	}
	s.mu.Unlock()
	if g == nil {
		groupNotFound(w)
		return
	}
	writeJSON(w, http.StatusOK, body)
}

// handleListGroups copies GET /groups with search, ordered by name
// (docs: api/groups.md, "List groups"; an admin token sees every group).
func (s *Server) handleListGroups(w http.ResponseWriter, r *http.Request, p params) {
	s.mu.Lock()
	var gs []*group
	for _, g := range s.groups {
		if q := strings.ToLower(p["search"]); q == "" || strings.Contains(strings.ToLower(g.FullPath), q) {
			gs = append(gs, g)
		}
	}
	sort.Slice(gs, func(i, j int) bool { return gs[i].FullPath < gs[j].FullPath })
	out := []map[string]any{}
	for _, g := range paginate(s, w, r, gs) {
		out = append(out, s.groupJSON(g))
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, out)
}

// handleSubgroups copies GET /groups/:id/subgroups: direct children only
// (docs: api/groups.md, "List subgroups").
func (s *Server) handleSubgroups(w http.ResponseWriter, r *http.Request, rt route, _ params) {
	s.mu.Lock()
	defer s.mu.Unlock()
	g := s.findGroupLocked(rt.group)
	if g == nil {
		groupNotFound(w)
		return
	}
	var kids []*group
	for _, c := range s.groups {
		if c.ParentID == g.ID {
			kids = append(kids, c)
		}
	}
	sort.Slice(kids, func(i, j int) bool { return kids[i].Name < kids[j].Name })
	out := []map[string]any{}
	for _, c := range paginate(s, w, r, kids) {
		out = append(out, s.groupJSON(c))
	}
	writeJSON(w, http.StatusOK, out)
}

// effectiveLocked is the group's members as /members/all shows them:
// direct members plus those of every ancestor, each user once with the
// highest level (docs: api/members.md, "List all members of a group or
// project including inherited and invited members").
func (s *Server) effectiveLocked(g *group) map[int]*membership {
	out := make(map[int]*membership, len(g.members))
	for _, src := range append([]*group{g}, s.ancestorsLocked(g)...) {
		for id, m := range src.members {
			if cur, ok := out[id]; !ok || m.Level > cur.Level {
				out[id] = m
			}
		}
	}
	return out
}

// inheritedLocked is the highest level the user holds in g's ancestors and
// the group it comes from.
func (s *Server) inheritedLocked(g *group, uid int) (int, *group) {
	best, from := 0, (*group)(nil)
	for _, a := range s.ancestorsLocked(g) {
		if m, ok := a.members[uid]; ok && m.Level > best {
			best, from = m.Level, a
		}
	}
	return best, from
}

// handleListMembers copies GET /groups/:id/members (direct members only)
// and /members/all (with inherited ones), with the query and user_ids
// filters and offset pagination, ordered by user id (docs: api/members.md).
func (s *Server) handleListMembers(w http.ResponseWriter, r *http.Request, rt route, p params, all bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	g := s.findGroupLocked(rt.group)
	if g == nil {
		groupNotFound(w)
		return
	}
	ms := g.members
	if all {
		ms = s.effectiveLocked(g)
	}
	want := userIDFilter(r)
	q := strings.ToLower(p["query"])
	ids := make([]int, 0, len(ms))
	for id := range ms {
		u := s.users[id]
		if want != nil && !want[id] {
			continue
		}
		if q != "" && !strings.Contains(strings.ToLower(u.Username), q) && !strings.Contains(strings.ToLower(u.Name), q) {
			continue
		}
		ids = append(ids, id)
	}
	sort.Ints(ids)
	out := make([]map[string]any, 0, min(len(ids), s.maxPerPage))
	for _, id := range paginate(s, w, r, ids) {
		out = append(out, s.memberJSON(s.users[id], ms[id]))
	}
	writeJSON(w, http.StatusOK, out)
}

// userIDFilter reads user_ids as "1,2,3" or repeated user_ids[] values.
func userIDFilter(r *http.Request) map[int]bool {
	q := r.URL.Query()
	vals := append(q["user_ids[]"], q["user_ids"]...)
	if len(vals) == 0 {
		return nil
	}
	want := map[int]bool{}
	for _, v := range vals {
		for _, f := range strings.Split(v, ",") {
			if n, err := strconv.Atoi(strings.TrimSpace(f)); err == nil {
				want[n] = true
			}
		}
	}
	return want
}

// handleGetMember copies GET /groups/:id/members/:user_id and
// /members/all/:user_id (404 "404 Not found" when not a member).
func (s *Server) handleGetMember(w http.ResponseWriter, rt route, all bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	g := s.findGroupLocked(rt.group)
	if g == nil {
		groupNotFound(w)
		return
	}
	uid, _ := strconv.Atoi(rt.userID)
	ms := g.members
	if all {
		ms = s.effectiveLocked(g)
	}
	m, ok := ms[uid]
	if !ok {
		recordNotFound(w)
		return
	}
	writeJSON(w, http.StatusOK, s.memberJSON(s.users[uid], m))
}

// validLevel copies the access_level inclusion validation: guest to owner
// (and 5, minimal access, on groups).
func validLevel(l int) bool { return levelNames[l] != "" }

// levelError writes GitLab's model validation error for access_level, in
// its {"message":{"access_level":[...]}} shape.
func levelError(w http.ResponseWriter, text string) {
	writeJSON(w, http.StatusBadRequest, map[string]any{"message": map[string][]string{"access_level": {text}}})
}

// checkLevelLocked applies GroupMember's access_level_inheritance
// validation: a direct membership in a subgroup may not be lower than the
// user's inherited one. It reports whether it wrote an error.
func (s *Server) checkLevelLocked(w http.ResponseWriter, g *group, uid, level int) bool {
	if !validLevel(level) {
		levelError(w, "is not included in the list")
		return true
	}
	if inh, from := s.inheritedLocked(g, uid); inh > level {
		levelError(w, "should be greater than or equal to "+levelNames[inh]+" inherited membership from group "+from.Name)
		return true
	}
	return false
}

// handleAddMember copies POST /groups/:id/members (docs: api/members.md,
// "Add a member to a group or project"): user_id (or username) and
// access_level are required (Grape's 400 {"error":"... is missing"}); an
// existing direct member is 409 {"message":"Member already exists"}; an
// unknown user is 404 {"message":"404 User Not Found"}; success is 201
// with the member.
func (s *Server) handleAddMember(w http.ResponseWriter, rt route, p params) {
	var missing []string
	if p["user_id"] == "" && p["username"] == "" {
		missing = append(missing, "user_id is missing")
	}
	if p["access_level"] == "" {
		missing = append(missing, "access_level is missing")
	}
	if len(missing) > 0 {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": strings.Join(missing, ", ")})
		return
	}
	level, err := strconv.Atoi(p["access_level"])
	if err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "access_level is invalid"})
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	g := s.findGroupLocked(rt.group)
	if g == nil {
		groupNotFound(w)
		return
	}
	var u *user
	if p["user_id"] != "" {
		id, _ := strconv.Atoi(p["user_id"])
		if _, ok := g.members[id]; ok {
			writeJSON(w, http.StatusConflict, msg("Member already exists"))
			return
		}
		u = s.users[id]
	} else {
		u = s.userLocked(p["username"])
		if u != nil {
			if _, ok := g.members[u.ID]; ok {
				writeJSON(w, http.StatusConflict, msg("Member already exists"))
				return
			}
		}
	}
	if u == nil {
		writeJSON(w, http.StatusNotFound, msg("404 User Not Found"))
		return
	}
	if s.checkLevelLocked(w, g, u.ID, level) {
		return
	}
	m := &membership{Level: level, CreatedAt: time.Now().UTC()}
	g.members[u.ID] = m
	writeJSON(w, http.StatusCreated, s.memberJSON(u, m))
}

// lastOwnerLocked copies GroupMemberPolicy's last_owner condition: the
// user is an owner of g and the only owner of g and its ancestors. GitLab
// then prevents both update_group_member and destroy_group_member, which
// the API answers with 403 {"message":"403 Forbidden"}.
func (s *Server) lastOwnerLocked(g *group, uid int) bool {
	m, ok := g.members[uid]
	if !ok || m.Level != Owner {
		return false
	}
	for _, src := range append([]*group{g}, s.ancestorsLocked(g)...) {
		for id, om := range src.members {
			if id != uid && om.Level == Owner {
				return false
			}
		}
	}
	return true
}

// handleEditMember copies PUT /groups/:id/members/:user_id (docs:
// api/members.md, "Edit a member of a group or project"): only direct
// members (404 "404 Not found" otherwise), access_level required, the last
// owner cannot be demoted (403).
func (s *Server) handleEditMember(w http.ResponseWriter, rt route, p params) {
	if p["access_level"] == "" {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "access_level is missing"})
		return
	}
	level, err := strconv.Atoi(p["access_level"])
	if err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "access_level is invalid"})
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	g := s.findGroupLocked(rt.group)
	if g == nil {
		groupNotFound(w)
		return
	}
	uid, _ := strconv.Atoi(rt.userID)
	m, ok := g.members[uid]
	if !ok {
		recordNotFound(w)
		return
	}
	if level != Owner && s.lastOwnerLocked(g, uid) {
		writeJSON(w, http.StatusForbidden, msg("403 Forbidden"))
		return
	}
	if s.checkLevelLocked(w, g, uid, level) {
		return
	}
	m.Level = level
	writeJSON(w, http.StatusOK, s.memberJSON(s.users[uid], m))
}

// handleRemoveMember copies DELETE /groups/:id/members/:user_id (docs:
// api/members.md, "Remove a member from a group or project"): 204; the
// last owner is refused with 403; unless skip_subresources=true the user's
// direct memberships in every subgroup and project below are deleted too (the behaviour
// behind terraform-provider-gitlab #1194); unassign_issuables is recorded.
func (s *Server) handleRemoveMember(w http.ResponseWriter, rt route, p params) {
	s.mu.Lock()
	defer s.mu.Unlock()
	g := s.findGroupLocked(rt.group)
	if g == nil {
		groupNotFound(w)
		return
	}
	uid, _ := strconv.Atoi(rt.userID)
	if _, ok := g.members[uid]; !ok {
		recordNotFound(w)
		return
	}
	if s.lastOwnerLocked(g, uid) {
		writeJSON(w, http.StatusForbidden, msg("403 Forbidden"))
		return
	}
	delete(g.members, uid)
	skip := p.bool("skip_subresources")
	if !skip {
		tree := map[int]bool{g.ID: true}
		for _, d := range s.descendantsLocked(g) {
			delete(d.members, uid)
			tree[d.ID] = true
		}
		for _, pr := range s.projects {
			if tree[pr.NamespaceID] {
				delete(pr.members, uid)
			}
		}
	}
	s.removals = append(s.removals, Removal{Group: g.FullPath, Username: s.users[uid].Username, SkipSubresources: skip, UnassignIssuables: p.bool("unassign_issuables")})
	w.WriteHeader(http.StatusNoContent)
}
