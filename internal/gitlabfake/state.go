package gitlabfake

import (
	"sort"
	"strings"
	"time"
)

// User states as the API reports them in "state" (docs: api/users.md).
const (
	StateActive      = "active"
	StateBlocked     = "blocked"
	StateDeactivated = "deactivated"
	StateLDAPBlocked = "ldap_blocked"
)

// Access level values (docs: api/members.md, "Roles").
const (
	Guest      = 10
	Reporter   = 20
	Developer  = 30
	Maintainer = 40
	Owner      = 50
)

type user struct {
	ID        int
	Username  string
	Name      string
	Email     string
	State     string
	CreatedAt time.Time
}

type laterUser struct {
	name, email string
	remaining   int // lookups still answered with []
}

type group struct {
	ID       int
	Name     string
	Path     string
	FullPath string
	ParentID int
	members  map[int]*membership // direct members by user id
}

// project is modelled only as a holder of direct memberships, so that a
// member removal without skip_subresources can be seen to reach projects.
type project struct {
	FullPath    string
	NamespaceID int
	members     map[int]*membership
}

type membership struct {
	Level     int
	CreatedAt time.Time
}

// Removal records one DELETE of a group member with the flags it carried,
// so tests can prove skip_subresources was sent.
type Removal struct {
	Group             string
	Username          string
	SkipSubresources  bool
	UnassignIssuables bool
}

// AddUser creates an active user and returns its id. A username that
// exists already keeps its id (the name and email are updated).
func (s *Server) AddUser(username, name, email string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.addUserLocked(username, name, email)
}

func (s *Server) addUserLocked(username, name, email string) int {
	if id, ok := s.userByName[strings.ToLower(username)]; ok {
		u := s.users[id]
		u.Name, u.Email = name, email
		return id
	}
	id := s.nextUser
	s.nextUser++
	s.users[id] = &user{ID: id, Username: username, Name: name, Email: email, State: StateActive, CreatedAt: time.Now().UTC()}
	s.userByName[strings.ToLower(username)] = id
	return id
}

// AddUserLater makes a user that exists only once its username has been
// looked up (GET /users?username=) afterLookups times: GitLab creating the
// account at the person's first login while the mediator retries.
func (s *Server) AddUserLater(username, name, email string, afterLookups int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if afterLookups <= 0 {
		s.addUserLocked(username, name, email)
		return
	}
	s.later[strings.ToLower(username)] = &laterUser{name: name, email: email, remaining: afterLookups}
}

// lookupLocked counts one username lookup against a pending AddUserLater.
func (s *Server) lookupLocked(username string) {
	key := strings.ToLower(username)
	l, ok := s.later[key]
	if !ok {
		return
	}
	l.remaining--
	if l.remaining <= 0 {
		delete(s.later, key)
		s.addUserLocked(username, l.name, l.email)
	}
}

// RenameUser changes a user's username, keeping the id (as GitLab does).
func (s *Server) RenameUser(id int, newUsername string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.users[id]
	if u == nil {
		return
	}
	delete(s.userByName, strings.ToLower(u.Username))
	u.Username = newUsername
	s.userByName[strings.ToLower(newUsername)] = id
}

// SetUserState sets active, blocked, deactivated or ldap_blocked.
func (s *Server) SetUserState(username, state string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if u := s.userLocked(username); u != nil {
		u.State = state
	}
}

// UserState is the user's state, "" when there is no such user.
func (s *Server) UserState(username string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if u := s.userLocked(username); u != nil {
		return u.State
	}
	return ""
}

// UserID is the user's id, 0 when there is no such user.
func (s *Server) UserID(username string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if u := s.userLocked(username); u != nil {
		return u.ID
	}
	return 0
}

func (s *Server) userLocked(username string) *user {
	if id, ok := s.userByName[strings.ToLower(username)]; ok {
		return s.users[id]
	}
	return nil
}

// AddGroup creates the group at fullPath and its missing parents; it
// returns the group's id (the existing id when it exists).
func (s *Server) AddGroup(fullPath string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.addGroupLocked(strings.Trim(fullPath, "/"))
}

func (s *Server) addGroupLocked(fullPath string) int {
	if id, ok := s.groupByPath[strings.ToLower(fullPath)]; ok {
		return id
	}
	parent := 0
	name := fullPath
	if i := strings.LastIndexByte(fullPath, '/'); i >= 0 {
		parent = s.addGroupLocked(fullPath[:i])
		name = fullPath[i+1:]
	}
	id := s.nextGroup
	s.nextGroup++
	s.groups[id] = &group{ID: id, Name: name, Path: name, FullPath: fullPath, ParentID: parent, members: map[int]*membership{}}
	s.groupByPath[strings.ToLower(fullPath)] = id
	return id
}

// SetMember makes username a direct member of the group at level, creating
// the group when needed; level 0 removes the membership. The user must
// exist (AddUser).
func (s *Server) SetMember(groupPath, username string, level int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.userLocked(username)
	if u == nil {
		panic("gitlabfake: SetMember of unknown user " + username)
	}
	g := s.groups[s.addGroupLocked(strings.Trim(groupPath, "/"))]
	if level == 0 {
		delete(g.members, u.ID)
		return
	}
	g.members[u.ID] = &membership{Level: level, CreatedAt: time.Now().UTC()}
}

// Members is the group's direct members: username -> level (nil when the
// group does not exist).
func (s *Server) Members(groupPath string) map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	g := s.groupByPathLocked(groupPath)
	if g == nil {
		return nil
	}
	out := make(map[string]int, len(g.members))
	for id, m := range g.members {
		out[s.users[id].Username] = m.Level
	}
	return out
}

// SetProjectMember makes username a direct member of the project at
// projectPath ("group/sub/project"; the groups are created as needed);
// level 0 removes the membership. Projects have no API here: they exist so
// a group member removal without skip_subresources visibly reaches them.
func (s *Server) SetProjectMember(projectPath, username string, level int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.userLocked(username)
	i := strings.LastIndexByte(projectPath, '/')
	if u == nil || i <= 0 {
		panic("gitlabfake: SetProjectMember needs a known user and a project inside a group: " + projectPath)
	}
	key := strings.ToLower(projectPath)
	pr := s.projects[key]
	if pr == nil {
		pr = &project{FullPath: projectPath, NamespaceID: s.addGroupLocked(projectPath[:i]), members: map[int]*membership{}}
		s.projects[key] = pr
	}
	if level == 0 {
		delete(pr.members, u.ID)
		return
	}
	pr.members[u.ID] = &membership{Level: level, CreatedAt: time.Now().UTC()}
}

// ProjectMembers is the project's direct members: username -> level.
func (s *Server) ProjectMembers(projectPath string) map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	pr := s.projects[strings.ToLower(projectPath)]
	if pr == nil {
		return nil
	}
	out := make(map[string]int, len(pr.members))
	for id, m := range pr.members {
		out[s.users[id].Username] = m.Level
	}
	return out
}

// Removals lists every member removal the API performed, in order.
func (s *Server) Removals() []Removal {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Removal(nil), s.removals...)
}

// Requests is how many requests reached the route key, e.g.
// "GET /api/v4/groups/:id/members" (failed and throttled ones included).
func (s *Server) Requests(key string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.counts[key]
}

// RequestCounts is a copy of every route key's count.
func (s *Server) RequestCounts() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]int, len(s.counts))
	for k, v := range s.counts {
		out[k] = v
	}
	return out
}

// TotalRequests is how many requests the server received.
func (s *Server) TotalRequests() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.total
}

// ResetCounts zeroes the request counters.
func (s *Server) ResetCounts() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.counts = map[string]int{}
	s.total = 0
}

func (s *Server) groupByPathLocked(p string) *group {
	if id, ok := s.groupByPath[strings.ToLower(strings.Trim(p, "/"))]; ok {
		return s.groups[id]
	}
	return nil
}

// ancestorsLocked lists g's parents, nearest first.
func (s *Server) ancestorsLocked(g *group) []*group {
	var out []*group
	for p := s.groups[g.ParentID]; p != nil; p = s.groups[p.ParentID] {
		out = append(out, p)
	}
	return out
}

// descendantsLocked lists every subgroup below g.
func (s *Server) descendantsLocked(g *group) []*group {
	var out []*group
	for _, c := range s.groups {
		for p := s.groups[c.ParentID]; p != nil; p = s.groups[p.ParentID] {
			if p.ID == g.ID {
				out = append(out, c)
				break
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}
