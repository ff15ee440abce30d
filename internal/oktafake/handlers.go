package oktafake

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"
)

func (s *Server) routes() *http.ServeMux {
	m := http.NewServeMux()
	m.HandleFunc("GET /api/v1/groups", s.listGroups)
	m.HandleFunc("POST /api/v1/groups", s.createGroup)
	m.HandleFunc("GET /api/v1/groups/rules", s.listRules)
	m.HandleFunc("GET /api/v1/groups/{id}", s.getGroup)
	m.HandleFunc("GET /api/v1/groups/{id}/users", s.listGroupUsers)
	m.HandleFunc("PUT /api/v1/groups/{id}/users/{userId}", s.addGroupUser)
	m.HandleFunc("DELETE /api/v1/groups/{id}/users/{userId}", s.removeGroupUser)
	m.HandleFunc("GET /api/v1/users", s.listUsers)
	m.HandleFunc("GET /api/v1/users/{id}", s.getUser)
	m.HandleFunc("GET /api/v1/users/{id}/groups", s.listUserGroups)
	m.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, codeNotFound, "Not found: Resource not found: "+r.URL.Path)
	})
	return m
}

// pageParams reads `limit` and `after`. Okta clamps a limit above an
// endpoint's maximum to the maximum; a limit that is not a positive integer
// or an `after` cursor it did not issue is 400 E0000001.
func (s *Server) pageParams(w http.ResponseWriter, r *http.Request, def, maxLimit int) (limit int, after string, ok bool) {
	limit = def
	if v := r.URL.Query().Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n <= 0 {
			writeError(w, http.StatusBadRequest, codeValidation, "Api validation failed: limit", "limit: must be a positive integer")
			return 0, "", false
		}
		limit = n
	}
	limit = min(limit, maxLimit)
	if s.pageCap > 0 {
		limit = min(limit, s.pageCap)
	}
	if v := r.URL.Query().Get("after"); v != "" {
		b, err := base64.RawURLEncoding.DecodeString(v)
		if err != nil {
			writeError(w, http.StatusBadRequest, codeValidation, "Api validation failed: after", "after: invalid cursor")
			return 0, "", false
		}
		after = string(b)
	}
	return limit, after, true
}

// paginate takes up to limit ids (sorted ascending) after the cursor id.
// Okta's cursors are opaque; this one encodes the last id returned, so a
// page is stable while objects are added or removed elsewhere in the list.
func paginate(ids []string, after string, limit int) (page []string, next string) {
	i := 0
	if after != "" {
		i = sort.SearchStrings(ids, after)
		if i < len(ids) && ids[i] == after {
			i++
		}
	}
	end := min(i+limit, len(ids))
	page = ids[i:end]
	if end < len(ids) {
		next = base64.RawURLEncoding.EncodeToString([]byte(page[len(page)-1]))
	}
	return page, next
}

// setLinks writes Okta's pagination headers (API reference, "Pagination"):
// a `Link: <url>; rel="self"` for the request and, when more results exist,
// `Link: <url>; rel="next"` whose query carries the `after` cursor and the
// same limit and search parameters. There is no total count.
func (s *Server) setLinks(w http.ResponseWriter, r *http.Request, limit int, next string) {
	base := s.ts.URL + r.URL.Path
	q := r.URL.Query()
	w.Header().Add("Link", "<"+base+"?"+q.Encode()+`>; rel="self"`)
	if next != "" {
		q.Set("after", next)
		q.Set("limit", strconv.Itoa(limit))
		w.Header().Add("Link", "<"+base+"?"+q.Encode()+`>; rel="next"`)
	}
}

// parseQueryExpr parses the `search` or `filter` parameter; a bad one is
// 400 E0000031 "Invalid search criteria."
func parseQueryExpr(w http.ResponseWriter, v string) (expr, bool) {
	e, err := parseExpr(v)
	if err != nil {
		writeError(w, http.StatusBadRequest, codeBadSearch, "Invalid search criteria.", err.Error())
		return nil, false
	}
	return e, true
}

// listGroups copies GET /api/v1/groups: `q` matches the start of the group
// name (case-insensitive), `search` and `filter` take an expression over
// id, type, profile.name, profile.description; `limit` defaults to and is
// capped at 10000; results come in id order with Link pagination.
func (s *Server) listGroups(w http.ResponseWriter, r *http.Request) {
	qv := r.URL.Query()
	var exprs []expr
	for _, p := range []string{"search", "filter"} {
		if v := qv.Get(p); v != "" {
			e, ok := parseQueryExpr(w, v)
			if !ok {
				return
			}
			exprs = append(exprs, e)
		}
	}
	limit, after, ok := s.pageParams(w, r, 10000, 10000)
	if !ok {
		return
	}
	prefix := strings.ToLower(qv.Get("q"))
	s.mu.Lock()
	var ids []string
	for _, id := range s.gorder {
		g := s.groups[id]
		if prefix != "" && !strings.HasPrefix(strings.ToLower(g.name), prefix) {
			continue
		}
		if !matchAll(exprs, g.attr) {
			continue
		}
		ids = append(ids, id)
	}
	page, next := paginate(ids, after, limit)
	out := make([]*groupObj, len(page))
	for i, id := range page {
		out[i] = s.groupJSON(s.groups[id])
	}
	s.mu.Unlock()
	s.setLinks(w, r, limit, next)
	writeJSON(w, http.StatusOK, out)
}

func matchAll(exprs []expr, attr func(string) (string, bool)) bool {
	for _, e := range exprs {
		if !e.match(attr) {
			return false
		}
	}
	return true
}

// createGroup copies POST /api/v1/groups: it creates an OKTA_GROUP from
// {"profile":{"name","description"}} and answers 200 with the group. A
// missing name or one an OKTA_GROUP already has (compared
// case-insensitively) is 400 E0000001 with the cause in errorCauses.
func (s *Server) createGroup(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Profile struct {
			Name        string `json:"name"`
			Description string `json:"description"`
		} `json:"profile"`
	}
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		writeError(w, http.StatusBadRequest, codeValidation, "Api validation failed: group", "The request body was not well-formed.")
		return
	}
	name := body.Profile.Name
	if strings.TrimSpace(name) == "" {
		writeError(w, http.StatusBadRequest, codeValidation, "Api validation failed: profile", "name: The field cannot be left blank")
		return
	}
	s.mu.Lock()
	for _, id := range s.gorder {
		if g := s.groups[id]; g.typ == TypeOkta && strings.EqualFold(g.name, name) {
			s.mu.Unlock()
			writeError(w, http.StatusBadRequest, codeValidation, "Api validation failed: name", "name: An object with this field already exists in the current organization")
			return
		}
	}
	id := s.addGroupLocked(name, TypeOkta, body.Profile.Description)
	out := s.groupJSON(s.groups[id])
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, out)
}

// getGroup copies GET /api/v1/groups/{groupId}; unknown is 404 E0000007.
func (s *Server) getGroup(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	g := s.groups[r.PathValue("id")]
	var out *groupObj
	if g != nil {
		out = s.groupJSON(g)
	}
	s.mu.Unlock()
	if g == nil {
		writeError(w, http.StatusNotFound, codeNotFound, "Not found: Resource not found: "+r.PathValue("id")+" (UserGroup)")
		return
	}
	writeJSON(w, http.StatusOK, out)
}

// listGroupUsers copies GET /api/v1/groups/{groupId}/users: the members as
// full user objects (members added by group rules are listed like any
// other), `limit` default and maximum 1000, Link pagination with `after`.
// Members added less than the membership lag ago are not listed yet.
func (s *Server) listGroupUsers(w http.ResponseWriter, r *http.Request) {
	limit, after, ok := s.pageParams(w, r, 1000, 1000)
	if !ok {
		return
	}
	now := time.Now()
	s.mu.Lock()
	g := s.groups[r.PathValue("id")]
	if g == nil {
		s.mu.Unlock()
		writeError(w, http.StatusNotFound, codeNotFound, "Not found: Resource not found: "+r.PathValue("id")+" (UserGroup)")
		return
	}
	ids := make([]string, 0, len(g.members))
	for id, visible := range g.members {
		if !visible.After(now) {
			ids = append(ids, id)
		}
	}
	sort.Strings(ids)
	page, next := paginate(ids, after, limit)
	out := make([]*userObj, len(page))
	for i, id := range page {
		out[i] = s.userJSON(s.users[id])
	}
	s.mu.Unlock()
	s.setLinks(w, r, limit, next)
	writeJSON(w, http.StatusOK, out)
}

// memberWrite resolves the group and user of a membership write. Unknown
// ids are 404 E0000007; Okta only lets the API change OKTA_GROUP
// memberships (APP_GROUP members come from the app, BUILT_IN "Everyone"
// from the org), so other types are refused with 403 E0000006.
func (s *Server) memberWrite(w http.ResponseWriter, r *http.Request) (*group, *user, bool) {
	gid, uid := r.PathValue("id"), r.PathValue("userId")
	g, u := s.groups[gid], s.users[uid]
	switch {
	case g == nil:
		writeError(w, http.StatusNotFound, codeNotFound, "Not found: Resource not found: "+gid+" (UserGroup)")
	case u == nil:
		writeError(w, http.StatusNotFound, codeNotFound, "Not found: Resource not found: "+uid+" (User)")
	case g.typ != TypeOkta:
		writeError(w, http.StatusForbidden, codeForbidden, "You do not have permission to perform the requested action", "Cannot modify the membership of a "+g.typ+" group")
	case s.badUser[uid] != 0:
		code := codeForbidden
		summary := "You do not have permission to perform the requested action"
		if s.badUser[uid] == http.StatusBadRequest {
			code, summary = codeValidation, "Api validation failed: user"
		}
		writeError(w, s.badUser[uid], code, summary)
	default:
		return g, u, true
	}
	return nil, nil, false
}

// addGroupUser copies PUT /api/v1/groups/{groupId}/users/{userId}: 204 No
// Content, also when the user is already a member.
func (s *Server) addGroupUser(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	g, u, ok := s.memberWrite(w, r)
	if ok {
		if _, member := g.members[u.id]; !member {
			g.members[u.id] = time.Now().Add(s.lag)
			g.membersUpdated = time.Now().UTC()
		}
	}
	s.mu.Unlock()
	if ok {
		w.WriteHeader(http.StatusNoContent)
	}
}

// removeGroupUser copies DELETE /api/v1/groups/{groupId}/users/{userId}:
// 204 No Content, also when the user was not a member.
func (s *Server) removeGroupUser(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	g, u, ok := s.memberWrite(w, r)
	if ok {
		if _, member := g.members[u.id]; member {
			delete(g.members, u.id)
			g.membersUpdated = time.Now().UTC()
		}
	}
	s.mu.Unlock()
	if ok {
		w.WriteHeader(http.StatusNoContent)
	}
}

// listRules copies GET /api/v1/groups/rules: every rule with its status
// (ACTIVE or INACTIVE) and actions.assignUserToGroups.groupIds; `limit`
// defaults to 50 (capped at 200 here), Link pagination.
func (s *Server) listRules(w http.ResponseWriter, r *http.Request) {
	limit, after, ok := s.pageParams(w, r, 50, 200)
	if !ok {
		return
	}
	s.mu.Lock()
	ids := make([]string, len(s.rules))
	byID := map[string]*rule{}
	for i, ru := range s.rules {
		ids[i] = ru.id
		byID[ru.id] = ru
	}
	page, next := paginate(ids, after, limit)
	out := make([]map[string]any, len(page))
	for i, id := range page {
		ru := byID[id]
		out[i] = map[string]any{
			"type": "group_rule", "id": ru.id, "status": ru.status, "name": ru.name,
			"created": ru.created, "lastUpdated": ru.created, "allGroupsValid": true,
			"conditions": map[string]any{
				"people":     map[string]any{"users": map[string]any{"exclude": []string{}}, "groups": map[string]any{"exclude": []string{}}},
				"expression": map[string]any{"value": `user.department=="` + ru.name + `"`, "type": "urn:okta:expression:1.0"},
			},
			"actions": map[string]any{"assignUserToGroups": map[string]any{"groupIds": ru.groupIDs}},
		}
	}
	s.mu.Unlock()
	s.setLinks(w, r, limit, next)
	writeJSON(w, http.StatusOK, out)
}

// listUsers copies GET /api/v1/users: without parameters every user that
// is not DEPROVISIONED; `q` matches the start of firstName, lastName or
// email (not DEPROVISIONED); `filter` takes an expression over id, status,
// profile.login, profile.email, profile.firstName, profile.lastName and
// leaves out DEPROVISIONED users unless it tests status; `search` takes the
// same expressions and returns users in every status. `limit` defaults to
// and is capped at 200. (The real `search` reads an eventually consistent
// index; the fake is always current.)
func (s *Server) listUsers(w http.ResponseWriter, r *http.Request) {
	qv := r.URL.Query()
	var exprs []expr
	hideDeprovisioned := qv.Get("search") == ""
	for _, p := range []string{"search", "filter"} {
		if v := qv.Get(p); v != "" {
			e, ok := parseQueryExpr(w, v)
			if !ok {
				return
			}
			exprs = append(exprs, e)
			if p == "filter" && e.mentions("status") {
				hideDeprovisioned = false
			}
		}
	}
	limit, after, ok := s.pageParams(w, r, 200, 200)
	if !ok {
		return
	}
	prefix := strings.ToLower(qv.Get("q"))
	s.mu.Lock()
	var ids []string
	for _, id := range s.uorder {
		u := s.users[id]
		if hideDeprovisioned && u.status == StatusDeprovisioned {
			continue
		}
		if prefix != "" && !strings.HasPrefix(strings.ToLower(firstName(u.login)), prefix) &&
			!strings.HasPrefix(strings.ToLower(u.email), prefix) && !strings.HasPrefix("fake", prefix) {
			continue
		}
		if !matchAll(exprs, u.attr) {
			continue
		}
		ids = append(ids, id)
	}
	page, next := paginate(ids, after, limit)
	out := make([]*userObj, len(page))
	for i, id := range page {
		out[i] = s.userJSON(s.users[id])
	}
	s.mu.Unlock()
	s.setLinks(w, r, limit, next)
	writeJSON(w, http.StatusOK, out)
}

// getUser copies GET /api/v1/users/{idOrLogin}: by id, or by login
// (case-insensitive), in any status; unknown is 404 E0000007.
func (s *Server) getUser(w http.ResponseWriter, r *http.Request) {
	key := r.PathValue("id")
	s.mu.Lock()
	u := s.users[key]
	if u == nil {
		u = s.users[s.byLogin[strings.ToLower(key)]]
	}
	var out *userObj
	if u != nil {
		out = s.userJSON(u)
	}
	s.mu.Unlock()
	if u == nil {
		writeError(w, http.StatusNotFound, codeNotFound, "Not found: Resource not found: "+key+" (User)")
		return
	}
	writeJSON(w, http.StatusOK, out)
}

// listUserGroups copies GET /api/v1/users/{userId}/groups: the groups the
// user is a member of, id order, Link pagination (limit capped at 10000).
func (s *Server) listUserGroups(w http.ResponseWriter, r *http.Request) {
	limit, after, ok := s.pageParams(w, r, 10000, 10000)
	if !ok {
		return
	}
	now := time.Now()
	s.mu.Lock()
	u := s.users[r.PathValue("id")]
	if u == nil {
		s.mu.Unlock()
		writeError(w, http.StatusNotFound, codeNotFound, "Not found: Resource not found: "+r.PathValue("id")+" (User)")
		return
	}
	var ids []string
	for _, id := range s.gorder {
		if visible, ok := s.groups[id].members[u.id]; ok && !visible.After(now) {
			ids = append(ids, id)
		}
	}
	page, next := paginate(ids, after, limit)
	out := make([]*groupObj, len(page))
	for i, id := range page {
		out[i] = s.groupJSON(s.groups[id])
	}
	s.mu.Unlock()
	s.setLinks(w, r, limit, next)
	writeJSON(w, http.StatusOK, out)
}
