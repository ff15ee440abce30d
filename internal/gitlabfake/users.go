package gitlabfake

import (
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"
)

func (s *Server) userJSON(u *user) map[string]any {
	return map[string]any{
		"id": u.ID, "username": u.Username, "name": u.Name, "state": u.State,
		"locked": false, "avatar_url": nil, "web_url": s.srv.URL + "/" + u.Username,
		"created_at": u.CreatedAt.Format(time.RFC3339Nano), "email": u.Email,
		"bot": false, "is_admin": false,
	}
}

func userNotFound(w http.ResponseWriter) {
	writeJSON(w, http.StatusNotFound, msg("404 User Not Found"))
}

// handleListUsers copies GET /users (docs: api/users.md, "List users"):
// username is an exact, case-insensitive match answering [] when nobody
// has it; search matches username, name or email; active=true and
// blocked=true filter by state; ordered by id descending; paginated. Each
// username lookup counts towards an AddUserLater user's creation.
func (s *Server) handleListUsers(w http.ResponseWriter, r *http.Request, p params) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var us []*user
	if name := p["username"]; name != "" {
		if u := s.userLocked(name); u != nil {
			us = append(us, u)
		} else {
			s.lookupLocked(name)
		}
	} else {
		q := strings.ToLower(p["search"])
		for _, u := range s.users {
			if q != "" && !strings.Contains(strings.ToLower(u.Username), q) &&
				!strings.Contains(strings.ToLower(u.Name), q) && !strings.EqualFold(u.Email, q) {
				continue
			}
			us = append(us, u)
		}
		sort.Slice(us, func(i, j int) bool { return us[i].ID > us[j].ID })
	}
	if p.bool("active") || p.bool("blocked") {
		kept := us[:0:0]
		for _, u := range us {
			if (p.bool("active") && u.State == StateActive) || (p.bool("blocked") && (u.State == StateBlocked || u.State == StateLDAPBlocked)) {
				kept = append(kept, u)
			}
		}
		us = kept
	}
	out := []map[string]any{}
	for _, u := range paginate(s, w, r, us) {
		out = append(out, s.userJSON(u))
	}
	writeJSON(w, http.StatusOK, out)
}

// handleGetUser copies GET /users/:id (404 {"message":"404 User Not Found"}).
func (s *Server) handleGetUser(w http.ResponseWriter, rt route) {
	s.mu.Lock()
	defer s.mu.Unlock()
	id, _ := strconv.Atoi(rt.userID)
	u := s.users[id]
	if u == nil {
		userNotFound(w)
		return
	}
	writeJSON(w, http.StatusOK, s.userJSON(u))
}

// handleBlock copies POST /users/:id/block and /unblock (docs:
// api/user_moderation.md): 201 with true when the state changed and false
// when it already was so; an LDAP-blocked user is 403 either way, and a
// deactivated user cannot be unblocked (403), with the API's messages.
func (s *Server) handleBlock(w http.ResponseWriter, r *http.Request, rt route, block bool) {
	if r.Method != http.MethodPost {
		notFoundRoute(w)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	id, _ := strconv.Atoi(rt.userID)
	u := s.users[id]
	if u == nil {
		userNotFound(w)
		return
	}
	switch {
	case block && u.State == StateLDAPBlocked:
		writeJSON(w, http.StatusForbidden, msg("403 Forbidden - LDAP blocked users cannot be modified by the API"))
	case !block && u.State == StateLDAPBlocked:
		writeJSON(w, http.StatusForbidden, msg("403 Forbidden - LDAP blocked users cannot be unblocked by the API"))
	case !block && u.State == StateDeactivated:
		writeJSON(w, http.StatusForbidden, msg("403 Forbidden - Deactivated users cannot be unblocked by the API"))
	case block:
		changed := u.State != StateBlocked
		u.State = StateBlocked
		writeJSON(w, http.StatusCreated, changed)
	default:
		changed := u.State != StateActive
		u.State = StateActive
		writeJSON(w, http.StatusCreated, changed)
	}
}
