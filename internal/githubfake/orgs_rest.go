package githubfake

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strconv"
)

func (s *Server) routeOrgs(mux *http.ServeMux) {
	mux.HandleFunc("POST /graphql", s.graphql)
	mux.HandleFunc("POST /api/graphql", s.graphql)
	// GET /user (the token's account) is served by registerGitData.
	mux.HandleFunc("GET /user/{id}", s.getUserByID)
	mux.HandleFunc("GET /users/{login}", s.getUser)
	mux.HandleFunc("GET /orgs/{org}", s.getOrg)
	mux.HandleFunc("GET /orgs/{org}/memberships/{username}", s.getOrgMembership)
	mux.HandleFunc("PUT /orgs/{org}/memberships/{username}", s.setOrgMembership)
	mux.HandleFunc("DELETE /orgs/{org}/memberships/{username}", s.removeOrgMembership)
	mux.HandleFunc("GET /orgs/{org}/invitations", s.listInvitations(false))
	mux.HandleFunc("GET /orgs/{org}/failed_invitations", s.listInvitations(true))
	mux.HandleFunc("POST /orgs/{org}/invitations", s.createInvitation)
	mux.HandleFunc("DELETE /orgs/{org}/invitations/{id}", s.cancelInvitation)
	mux.HandleFunc("GET /orgs/{org}/invitations/{id}/teams", s.invitationTeams)
	mux.HandleFunc("POST /orgs/{org}/teams", s.createTeam)
	mux.HandleFunc("GET /orgs/{org}/teams/{slug}", s.getTeam)
	mux.HandleFunc("GET /orgs/{org}/teams/{slug}/members", s.listTeamMembers)
	mux.HandleFunc("GET /orgs/{org}/teams/{slug}/memberships/{username}", s.getTeamMembership)
	mux.HandleFunc("PUT /orgs/{org}/teams/{slug}/memberships/{username}", s.setTeamMembership)
	mux.HandleFunc("DELETE /orgs/{org}/teams/{slug}/memberships/{username}", s.removeTeamMembership)
	mux.HandleFunc("GET /orgs/{org}/teams/{slug}/team-sync/group-mappings", s.teamSyncMappings)
}

func (s *Server) accountJSON(a *account) map[string]any {
	m := map[string]any{"login": a.login, "id": a.id, "node_id": nodeID("User", a.id), "type": "User",
		"site_admin": false, "html_url": s.URL + "/" + a.login}
	if !a.suspended.IsZero() {
		m["suspended_at"] = ts(a.suspended) // GitHub Enterprise Server's user object
	}
	return m
}

// nodeID is a legacy global node id, base64 of "0N:Type<id>" in shape
// only; clients must treat it as opaque.
func nodeID(typ string, id int64) string { return fmt.Sprintf("%s_%d", typ, id) }

// getUserByID copies "Get a user using their ID" (GET /user/{account_id}):
// the id survives renames; an unknown id is 404.
func (s *Server) getUserByID(w http.ResponseWriter, r *http.Request) {
	id, ok := pathInt(w, r, "id")
	if !ok {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.st().accounts[id]
	if a == nil {
		writeError(w, http.StatusNotFound, "Not Found")
		return
	}
	writeJSON(w, http.StatusOK, s.accountJSON(a))
}

// getUser copies "Get a user" (GET /users/{username}): case-insensitive;
// a login given up by a rename is 404.
func (s *Server) getUser(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.st().account(r.PathValue("login"))
	if a == nil {
		writeError(w, http.StatusNotFound, "Not Found")
		return
	}
	writeJSON(w, http.StatusOK, s.accountJSON(a))
}

func (s *Server) getOrg(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	g := s.org(r.PathValue("org"))
	if g == nil {
		writeError(w, http.StatusNotFound, "Not Found")
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"login": g.login, "id": g.id, "type": "Organization"})
}

// lookup resolves the org and, when named, the user of a membership
// request; it writes the 404 itself.
func (s *Server) lookup(w http.ResponseWriter, r *http.Request) (*org, *account, bool) {
	g := s.org(r.PathValue("org"))
	if g == nil {
		writeError(w, http.StatusNotFound, "Not Found")
		return nil, nil, false
	}
	if r.PathValue("username") == "" {
		return g, nil, true
	}
	a := s.st().account(r.PathValue("username"))
	if a == nil {
		writeError(w, http.StatusNotFound, "Not Found")
		return nil, nil, false
	}
	return g, a, true
}

func (s *Server) pendingInvitation(g *org, id int64) *invitation {
	for _, inv := range g.invitations {
		if inv.account == id && s.pending(inv) {
			return inv
		}
	}
	return nil
}

func (s *Server) orgMembershipJSON(g *org, a *account) (map[string]any, bool) {
	if role, ok := g.members[a.id]; ok {
		return map[string]any{"state": "active", "role": role, "organization": map[string]any{"login": g.login}, "user": s.accountJSON(a)}, true
	}
	if inv := s.pendingInvitation(g, a.id); inv != nil {
		role := RoleMember
		if inv.role == RoleAdmin {
			role = RoleAdmin
		}
		return map[string]any{"state": "pending", "role": role, "organization": map[string]any{"login": g.login}, "user": s.accountJSON(a)}, true
	}
	return nil, false
}

// getOrgMembership copies "Get organization membership for a user".
func (s *Server) getOrgMembership(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	g, a, ok := s.lookup(w, r)
	if !ok {
		return
	}
	m, ok := s.orgMembershipJSON(g, a)
	if !ok {
		writeError(w, http.StatusNotFound, "Not Found")
		return
	}
	writeJSON(w, http.StatusOK, m)
}

func decode(w http.ResponseWriter, r *http.Request, v any) bool {
	if r.ContentLength == 0 {
		return true
	}
	if err := json.NewDecoder(r.Body).Decode(v); err != nil {
		writeError(w, http.StatusBadRequest, "Problems parsing JSON")
		return false
	}
	return true
}

func invalidField(w http.ResponseWriter, resource, field, code, msg string) {
	validationFailed(w, map[string]any{"resource": resource, "field": field, "code": code, "message": msg})
}

// canInvite applies the invitation cap of 500 a day.
func (s *Server) canInvite(w http.ResponseWriter, g *org) bool {
	now, n := s.clock(), 0
	for _, t := range g.invited {
		if now.Sub(t) < 24*s.lim().Minute*60 {
			n++
		}
	}
	if n >= InvitationsPerDay {
		invalidField(w, "OrganizationInvitation", "base", "custom", "Over invitation rate limit")
		return false
	}
	return true
}

func (s *Server) refuseBlocked(w http.ResponseWriter, g *org, a *account) bool {
	if g.blocked[a.id] {
		writeError(w, http.StatusForbidden, "You cannot invite or add "+a.login+": the organization has blocked this user.")
		return true
	}
	return false
}

// setOrgMembership copies "Set organization membership for a user" (PUT
// /orgs/{org}/memberships/{username}): for a member it changes the role;
// for anyone else it sends an invitation and the membership is pending.
// role defaults to member.
func (s *Server) setOrgMembership(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	g, a, ok := s.lookup(w, r)
	if !ok || s.refuseBlocked(w, g, a) {
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
	case RoleMember, RoleAdmin:
	default:
		invalidField(w, "Membership", "role", "invalid", "role must be admin or member")
		return
	}
	if _, ok := g.members[a.id]; ok {
		g.members[a.id] = body.Role
	} else {
		role := "direct_member"
		if body.Role == RoleAdmin {
			role = RoleAdmin
		}
		if s.pendingInvitation(g, a.id) == nil && !s.canInvite(w, g) {
			return
		}
		s.invite(g, a.id, role, nil)
	}
	m, _ := s.orgMembershipJSON(g, a)
	writeJSON(w, http.StatusOK, m)
}

// removeOrgMembership copies "Remove organization membership for a user":
// an active member is removed from the org and every team; an invited one
// has the invitation cancelled. 204 either way.
func (s *Server) removeOrgMembership(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	g, a, ok := s.lookup(w, r)
	if !ok || s.refuseBlocked(w, g, a) {
		return
	}
	s.removeFromOrg(g, a.id)
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) invitationJSON(g *org, inv *invitation) map[string]any {
	a := s.st().accounts[inv.account]
	m := map[string]any{"id": inv.id, "node_id": nodeID("OrganizationInvitation", inv.id), "email": nil,
		"role": inv.role, "created_at": ts(inv.created), "team_count": len(inv.teams),
		"inviter": s.accountJSON(s.ensureAccount(s.userAgent)), "failed_at": nil, "failed_reason": nil,
		"invitation_teams_url": fmt.Sprintf("%s/orgs/%s/invitations/%d/teams", s.URL, g.login, inv.id)}
	if a != nil {
		m["login"] = a.login
	}
	if !s.pending(inv) {
		m["failed_at"], m["failed_reason"] = ts(s.failedAt(inv)), "Invitation expired"
	}
	return m
}

// listInvitations copies "List pending organization invitations" and
// "List failed organization invitations" (an invitation fails when it
// expires after 7 days), paginated.
func (s *Server) listInvitations(failed bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		defer s.mu.Unlock()
		g, _, ok := s.lookup(w, r)
		if !ok {
			return
		}
		var ids []int64
		for id, inv := range g.invitations {
			if s.pending(inv) != failed {
				ids = append(ids, id)
			}
		}
		sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
		out := make([]map[string]any, 0, len(ids))
		for _, id := range ids {
			out = append(out, s.invitationJSON(g, g.invitations[id]))
		}
		if page, ok := paginate(w, r, out); ok {
			writeJSON(w, http.StatusOK, nonNil(page))
		}
	}
}

// createInvitation copies "Create an organization invitation": invitee_id
// (or email), role (direct_member default, admin), team_ids; 422 when the
// person is already a member, and the 500-a-day cap.
func (s *Server) createInvitation(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	g, _, ok := s.lookup(w, r)
	if !ok {
		return
	}
	var body struct {
		InviteeID int64   `json:"invitee_id"`
		Role      string  `json:"role"`
		TeamIDs   []int64 `json:"team_ids"`
	}
	if !decode(w, r, &body) {
		return
	}
	a := s.st().accounts[body.InviteeID]
	if a == nil {
		invalidField(w, "OrganizationInvitation", "invitee_id", "invalid", "Invitee is not a valid user")
		return
	}
	if s.refuseBlocked(w, g, a) {
		return
	}
	if _, ok := g.members[a.id]; ok {
		invalidField(w, "OrganizationInvitation", "invitee_id", "already_exists", "Invitee is already a part of this organization")
		return
	}
	if body.Role == "" {
		body.Role = "direct_member"
	}
	if s.pendingInvitation(g, a.id) == nil && !s.canInvite(w, g) {
		return
	}
	writeJSON(w, http.StatusCreated, s.invitationJSON(g, s.invite(g, a.id, body.Role, body.TeamIDs)))
}

// cancelInvitation copies "Cancel an organization invitation" (204; 404
// for an unknown id).
func (s *Server) cancelInvitation(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	g, _, ok := s.lookup(w, r)
	if !ok {
		return
	}
	id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if g.invitations[id] == nil {
		writeError(w, http.StatusNotFound, "Not Found")
		return
	}
	delete(g.invitations, id)
	w.WriteHeader(http.StatusNoContent)
}

// invitationTeams copies "List organization invitation teams".
func (s *Server) invitationTeams(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	g, _, ok := s.lookup(w, r)
	if !ok {
		return
	}
	id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
	inv := g.invitations[id]
	if inv == nil {
		writeError(w, http.StatusNotFound, "Not Found")
		return
	}
	out := []map[string]any{}
	for _, tid := range inv.teams {
		if t := teamByID(g, tid); t != nil {
			out = append(out, s.teamJSON(g, t))
		}
	}
	if page, ok := paginate(w, r, out); ok {
		writeJSON(w, http.StatusOK, nonNil(page))
	}
}
