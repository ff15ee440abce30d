package gitlabfake

import (
	"strings"
	"time"
)

// AddUserWithID creates an active user with a chosen id, as an instance that
// has existed for years has users with large ids; configs pin those ids
// (gitlab_id), so seeding must be able to reproduce them. An id or username
// in use already is left as it is and its id returned.
func (s *Server) AddUserWithID(id int, username, name, email string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if old, ok := s.userByName[strings.ToLower(username)]; ok {
		return old
	}
	if _, taken := s.users[id]; taken || id <= 0 {
		return s.addUserLocked(username, name, email)
	}
	s.users[id] = &user{ID: id, Username: username, Name: name, Email: email, State: StateActive, CreatedAt: time.Now().UTC()}
	s.userByName[strings.ToLower(username)] = id
	if s.nextUser <= id {
		s.nextUser = id + 1
	}
	return id
}
