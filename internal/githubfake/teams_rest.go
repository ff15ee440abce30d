package githubfake

import (
	"net/http"
	"regexp"
	"sort"
	"strings"
)

func (s *Server) teamJSON(g *org, t *team) map[string]any {
	m := map[string]any{"id": t.id, "node_id": nodeID("Team", t.id), "slug": t.slug, "name": t.name,
		"privacy": t.privacy, "permission": "pull", "parent": nil,
		"organization": map[string]any{"login": g.login, "id": g.id}}
	if p := teamByID(g, t.parent); p != nil {
		m["parent"] = map[string]any{"id": p.id, "slug": p.slug, "name": p.name}
	}
	return m
}

var nonSlug = regexp.MustCompile(`[^a-z0-9_]+`)

// slugify copies how GitHub derives a team's slug from its name: lower
// case, runs of other characters become one hyphen.
func slugify(name string) string {
	return strings.Trim(nonSlug.ReplaceAllString(strings.ToLower(name), "-"), "-")
}

// createTeam copies "Create a team" (POST /orgs/{org}/teams): name,
// privacy (secret default, closed required for nested teams),
// parent_team_id; "When you create a new team, you automatically become a
// team maintainer for the team" — unless the caller is a GitHub App, which
// is not a user; the fake's token belongs to a user. 422 when the name is
// taken.
func (s *Server) createTeam(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	g, _, ok := s.lookup(w, r)
	if !ok {
		return
	}
	var body struct {
		Name         string `json:"name"`
		Privacy      string `json:"privacy"`
		ParentTeamID int64  `json:"parent_team_id"`
	}
	if !decode(w, r, &body) {
		return
	}
	slug := slugify(body.Name)
	if slug == "" {
		invalidField(w, "Team", "name", "missing_field", "name is required")
		return
	}
	if g.teams[slug] != nil {
		invalidField(w, "Team", "name", "already_exists", "Name must be unique for this org")
		return
	}
	if body.Privacy == "" {
		body.Privacy = "secret"
		if body.ParentTeamID != 0 {
			body.Privacy = "closed"
		}
	}
	if body.ParentTeamID != 0 && (teamByID(g, body.ParentTeamID) == nil || body.Privacy == "secret") {
		invalidField(w, "Team", "parent_team_id", "invalid", "parent team must exist and the team be closed")
		return
	}
	t := &team{id: s.st().id(), slug: slug, name: body.Name, privacy: body.Privacy, parent: body.ParentTeamID,
		members: map[int64]string{}}
	if !s.st().app {
		t.members[s.ensureAccount(s.userAgent).id] = RoleMaintainer
	}
	g.teams[slug] = t
	writeJSON(w, http.StatusCreated, s.teamJSON(g, t))
}

func (s *Server) lookupTeam(w http.ResponseWriter, r *http.Request) (*org, *team, *account, bool) {
	g, a, ok := s.lookup(w, r)
	if !ok {
		return nil, nil, nil, false
	}
	t := g.teams[strings.ToLower(r.PathValue("slug"))]
	if t == nil {
		writeError(w, http.StatusNotFound, "Not Found")
		return nil, nil, nil, false
	}
	return g, t, a, true
}

// getTeam copies "Get a team by name".
func (s *Server) getTeam(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	g, t, _, ok := s.lookupTeam(w, r)
	if ok {
		writeJSON(w, http.StatusOK, s.teamJSON(g, t))
	}
}

// teamRole is a member's role as the API reports it: "The role for
// organization owners is set to maintainer" ("Get team membership for a
// user").
func teamRole(g *org, t *team, id int64) string {
	if g.members[id] == RoleAdmin {
		return RoleMaintainer
	}
	return t.members[id]
}

// listTeamMembers copies "List team members": "Team members will include
// the members of child teams", role filter all|member|maintainer,
// paginated. This is why a client must not use it to read immediate
// membership.
func (s *Server) listTeamMembers(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	g, t, _, ok := s.lookupTeam(w, r)
	if !ok {
		return
	}
	ids := map[int64]bool{}
	var walk func(t *team)
	walk = func(t *team) {
		for id := range t.members {
			ids[id] = true
		}
		for _, c := range g.teams {
			if c.parent == t.id {
				walk(c)
			}
		}
	}
	walk(t)
	filter := r.URL.Query().Get("role")
	var sorted []int64
	for id := range ids {
		role := teamRole(g, t, id)
		if role == "" {
			role = RoleMember
		}
		if filter == "" || filter == "all" || filter == role {
			sorted = append(sorted, id)
		}
	}
	sort.Slice(sorted, func(i, j int) bool { return sorted[i] < sorted[j] })
	out := make([]map[string]any, 0, len(sorted))
	for _, id := range sorted {
		out = append(out, s.accountJSON(s.st().accounts[id]))
	}
	if page, ok := paginate(w, r, out); ok {
		writeJSON(w, http.StatusOK, nonNil(page))
	}
}

func (s *Server) teamMembershipJSON(g *org, t *team, a *account) (map[string]any, bool) {
	if _, ok := t.members[a.id]; ok {
		return map[string]any{"state": "active", "role": teamRole(g, t, a.id)}, true
	}
	if inv := s.pendingInvitation(g, a.id); inv != nil {
		for _, tid := range inv.teams {
			if tid == t.id {
				return map[string]any{"state": "pending", "role": RoleMember}, true
			}
		}
	}
	return nil, false
}

// getTeamMembership copies "Get team membership for a user".
func (s *Server) getTeamMembership(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	g, t, a, ok := s.lookupTeam(w, r)
	if !ok {
		return
	}
	if m, ok := s.teamMembershipJSON(g, t, a); ok {
		writeJSON(w, http.StatusOK, m)
		return
	}
	writeError(w, http.StatusNotFound, "Not Found")
}

// refuseSynced copies team synchronization: "you will see an error if you
// attempt to use the API for making changes to the team's membership".
func refuseSynced(w http.ResponseWriter, t *team) bool {
	if t.idpGroup != "" {
		writeError(w, http.StatusForbidden, "This team is synchronized with an identity provider group; manage its membership there.")
		return true
	}
	return false
}

// setTeamMembership copies "Add or update team membership for a user":
// an org member becomes an active team member with the role; anyone else
// is invited to the org with the team, and the membership is pending.
func (s *Server) setTeamMembership(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	g, t, a, ok := s.lookupTeam(w, r)
	if !ok || refuseSynced(w, t) || s.refuseBlocked(w, g, a) {
		return
	}
	var body struct {
		Role string `json:"role"`
	}
	if !decode(w, r, &body) {
		return
	}
	switch body.Role {
	case "":
		body.Role = RoleMember
	case RoleMember, RoleMaintainer:
	default:
		invalidField(w, "TeamMember", "role", "invalid", "role must be member or maintainer")
		return
	}
	if _, ok := g.members[a.id]; ok {
		t.members[a.id] = body.Role
	} else {
		if s.pendingInvitation(g, a.id) == nil && !s.canInvite(w, g) {
			return
		}
		s.invite(g, a.id, "direct_member", []int64{t.id})
	}
	m, _ := s.teamMembershipJSON(g, t, a)
	writeJSON(w, http.StatusOK, m)
}

// removeTeamMembership copies "Remove team membership for a user": 204,
// also when the person was not a member.
func (s *Server) removeTeamMembership(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	g, t, a, ok := s.lookupTeam(w, r)
	if !ok || refuseSynced(w, t) || s.refuseBlocked(w, g, a) {
		return
	}
	delete(t.members, a.id)
	if inv := s.pendingInvitation(g, a.id); inv != nil {
		keep := inv.teams[:0]
		for _, tid := range inv.teams {
			if tid != t.id {
				keep = append(keep, tid)
			}
		}
		inv.teams = keep
	}
	w.WriteHeader(http.StatusNoContent)
}

// teamSyncMappings copies "List IdP groups for a team" (team
// synchronization): {"groups": [...]}, empty for a team not synced.
func (s *Server) teamSyncMappings(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, t, _, ok := s.lookupTeam(w, r)
	if !ok {
		return
	}
	groups := []map[string]any{}
	if t.idpGroup != "" {
		groups = append(groups, map[string]any{"group_id": "idp-" + t.idpGroup, "group_name": t.idpGroup, "group_description": ""})
	}
	writeJSON(w, http.StatusOK, map[string]any{"groups": groups})
}
