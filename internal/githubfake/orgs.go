package githubfake

import (
	"sort"
	"strings"
	"time"
)

// Organization and team state. Accounts, orgs, teams and invitations copy
// the documented model of "REST API endpoints for organization members",
// "REST API endpoints for team members" and "REST API endpoints for
// teams" (docs.github.com/en/rest/orgs/members, /rest/teams/members,
// /rest/teams/teams). Logins are case-insensitive, as on GitHub.

// Roles as the REST API spells them.
const (
	RoleMember     = "member"
	RoleAdmin      = "admin"
	RoleMaintainer = "maintainer"
)

// InvitationTTL is how long an invitation stays pending: "Invitations
// expire after 7 days" ("Inviting users to join your organization",
// docs.github.com/en/organizations/managing-membership-in-your-organization);
// an expired invitation is listed by "List failed organization invitations".
const InvitationTTL = 7 * 24 * time.Hour

// InvitationsPerDay is the documented cap: "you can only invite 500 people
// per 24 hour period" ("Create an organization invitation",
// docs.github.com/en/rest/orgs/members#create-an-organization-invitation).
const InvitationsPerDay = 500

type account struct {
	id        int64
	login     string
	suspended time.Time // zero: active (suspension exists on GitHub Enterprise Server)
}

type org struct {
	id          int64
	login       string
	members     map[int64]string // account id -> member|admin
	invitations map[int64]*invitation
	teams       map[string]*team // by slug
	blocked     map[int64]bool   // accounts the org blocked: writes about them fail
	invited     []time.Time      // invitation creation times, for the 24 h cap
}

type invitation struct {
	id      int64
	account int64
	role    string // direct_member | admin
	teams   []int64
	created time.Time
	failed  time.Time // set when cancelled by expiry
}

type team struct {
	id       int64
	slug     string
	name     string
	privacy  string // closed | secret
	parent   int64
	members  map[int64]string // account id -> member|maintainer (immediate members only)
	idpGroup string           // team synchronization group; non-empty: synced from an IdP
}

// orgState is everything the org endpoints hold; it lives in Server.orgs
// and is guarded by Server.mu.
type orgState struct {
	accounts map[int64]*account
	byLogin  map[string]int64 // lower-case login -> id
	orgs     map[string]*org  // lower-case login
	nextID   int64
	gql      budget
	limits   Limits
	content  []time.Time // content-creating requests, for the secondary limits
	inflight int
	faults   []*Fault
	graphQL  int // GraphQL requests answered
	app      bool
	rest     int // REST requests answered
	writes   int // REST requests other than GET, refused ones included
}

func (s *Server) st() *orgState {
	if s.orgs == nil {
		s.orgs = &orgState{accounts: map[int64]*account{}, byLogin: map[string]int64{}, orgs: map[string]*org{}, nextID: 5000}
	}
	return s.orgs
}

func (o *orgState) id() int64 { o.nextID++; return o.nextID }

func (o *orgState) account(login string) *account {
	if id, ok := o.byLogin[strings.ToLower(login)]; ok {
		return o.accounts[id]
	}
	return nil
}

// CreateUser makes an account and returns its numeric id. An existing
// login returns the existing id.
func (s *Server) CreateUser(login string) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.ensureAccount(login).id
}

func (s *Server) ensureAccount(login string) *account {
	o := s.st()
	if a := o.account(login); a != nil {
		return a
	}
	a := &account{id: o.id(), login: login}
	o.accounts[a.id] = a
	o.byLogin[strings.ToLower(login)] = a.id
	return a
}

// RenameUser changes a login; the id stays and the old login stops
// resolving ("What happens when I change my username?",
// docs.github.com/en/account-and-profile: the old name 404s).
func (s *Server) RenameUser(oldLogin, newLogin string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	o := s.st()
	a := o.account(oldLogin)
	if a == nil {
		return
	}
	delete(o.byLogin, strings.ToLower(oldLogin))
	a.login = newLogin
	o.byLogin[strings.ToLower(newLogin)] = a.id
}

// SuspendUser suspends an account, as a GitHub Enterprise Server site
// admin does; GET /users/{login} then shows suspended_at.
func (s *Server) SuspendUser(login string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if a := s.st().account(login); a != nil {
		a.suspended = s.clock()
	}
}

// DeleteUser removes an account: its login and id no longer resolve and
// its memberships end.
func (s *Server) DeleteUser(login string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	o := s.st()
	a := o.account(login)
	if a == nil {
		return
	}
	delete(o.byLogin, strings.ToLower(login))
	delete(o.accounts, a.id)
	for _, g := range o.orgs {
		s.removeFromOrg(g, a.id)
	}
}

// AddOrg makes an organization whose owner is the token's account.
func (s *Server) AddOrg(login string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.ensureOrg(login)
}

func (s *Server) ensureOrg(login string) *org {
	o := s.st()
	if g := o.orgs[strings.ToLower(login)]; g != nil {
		return g
	}
	g := &org{id: o.id(), login: login, members: map[int64]string{}, invitations: map[int64]*invitation{},
		teams: map[string]*team{}, blocked: map[int64]bool{}}
	o.orgs[strings.ToLower(login)] = g
	if !o.app {
		g.members[s.ensureAccount(s.userAgent).id] = RoleAdmin // a user token's account owns the org
	}
	return g
}

func (s *Server) org(login string) *org { return s.st().orgs[strings.ToLower(login)] }

// SetOrgMember makes login an active member of org with role member or
// admin ("" removes).
func (s *Server) SetOrgMember(orgLogin, login, role string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	g, a := s.ensureOrg(orgLogin), s.ensureAccount(login)
	if role == "" {
		s.removeFromOrg(g, a.id)
		return
	}
	g.members[a.id] = role
}

// AddTeam makes a team (privacy closed) under parent ("" for none) and
// returns its id.
func (s *Server) AddTeam(orgLogin, slug, parent string) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	g := s.ensureOrg(orgLogin)
	if t := g.teams[slug]; t != nil {
		return t.id
	}
	t := &team{id: s.st().id(), slug: slug, name: slug, privacy: "closed", members: map[int64]string{}}
	if p := g.teams[parent]; p != nil {
		t.parent = p.id
	}
	g.teams[slug] = t
	return t.id
}

// SetTeamMember makes login an immediate team member with role member or
// maintainer ("" removes); a team member is also an org member, as GitHub
// requires.
func (s *Server) SetTeamMember(orgLogin, slug, login, role string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	g, a := s.ensureOrg(orgLogin), s.ensureAccount(login)
	t := g.teams[slug]
	if t == nil {
		return
	}
	if role == "" {
		delete(t.members, a.id)
		return
	}
	if _, ok := g.members[a.id]; !ok {
		g.members[a.id] = RoleMember
	}
	t.members[a.id] = role
}

// SyncTeam marks a team as synchronized with an identity-provider group
// (team synchronization, GitHub Enterprise Cloud): its membership cannot be
// changed through the API.
func (s *Server) SyncTeam(orgLogin, slug, group string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if t := s.ensureOrg(orgLogin).teams[slug]; t != nil {
		t.idpGroup = group
	}
}

// BlockUser makes the org refuse writes about login (403), as for an
// account the organization blocked.
func (s *Server) BlockUser(orgLogin, login string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.ensureOrg(orgLogin).blocked[s.ensureAccount(login).id] = true
}

// Invite makes a pending invitation of login to org with role
// direct_member or admin and the given team slugs; it returns its id.
func (s *Server) Invite(orgLogin, login, role string, teams ...string) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	g := s.ensureOrg(orgLogin)
	var ids []int64
	for _, slug := range teams {
		if t := g.teams[slug]; t != nil {
			ids = append(ids, t.id)
		}
	}
	return s.invite(g, s.ensureAccount(login).id, role, ids).id
}

func (s *Server) invite(g *org, accountID int64, role string, teams []int64) *invitation {
	now := s.clock()
	for _, inv := range g.invitations {
		if inv.account == accountID && s.pending(inv) {
			inv.role = role
			inv.teams = appendNew(inv.teams, teams...)
			return inv
		}
	}
	inv := &invitation{id: s.st().id(), account: accountID, role: role, teams: teams, created: now}
	g.invitations[inv.id] = inv
	g.invited = append(g.invited, now)
	return inv
}

func appendNew(ids []int64, more ...int64) []int64 {
	for _, m := range more {
		found := false
		for _, id := range ids {
			found = found || id == m
		}
		if !found {
			ids = append(ids, m)
		}
	}
	return ids
}

// pending reports an invitation not yet expired.
func (s *Server) pending(inv *invitation) bool {
	return inv.failed.IsZero() && s.clock().Before(inv.created.Add(InvitationTTL))
}

func (s *Server) failedAt(inv *invitation) time.Time {
	if !inv.failed.IsZero() {
		return inv.failed
	}
	return inv.created.Add(InvitationTTL)
}

// AcceptInvitation turns login's pending invitation into membership of
// the org and its teams.
func (s *Server) AcceptInvitation(orgLogin, login string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	g, a := s.ensureOrg(orgLogin), s.ensureAccount(login)
	for id, inv := range g.invitations {
		if inv.account != a.id || !s.pending(inv) {
			continue
		}
		role := RoleMember
		if inv.role == RoleAdmin {
			role = RoleAdmin
		}
		g.members[a.id] = role
		for _, tid := range inv.teams {
			if t := teamByID(g, tid); t != nil {
				t.members[a.id] = RoleMember
			}
		}
		delete(g.invitations, id)
	}
}

func teamByID(g *org, id int64) *team {
	for _, t := range g.teams {
		if t.id == id {
			return t
		}
	}
	return nil
}

// removeFromOrg ends membership, team memberships and invitations, as
// "Remove an organization member" does.
func (s *Server) removeFromOrg(g *org, id int64) {
	delete(g.members, id)
	for _, t := range g.teams {
		delete(t.members, id)
	}
	for iid, inv := range g.invitations {
		if inv.account == id {
			delete(g.invitations, iid)
		}
	}
}

// OrgMembers is the truth of org membership: login -> role, pending
// invitations included with role "invited:<role>".
func (s *Server) OrgMembers(orgLogin string) map[string]string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[string]string{}
	g := s.org(orgLogin)
	if g == nil {
		return out
	}
	for id, role := range g.members {
		out[s.st().accounts[id].login] = role
	}
	for _, inv := range g.invitations {
		if s.pending(inv) {
			out[s.st().accounts[inv.account].login] = "invited:" + inv.role
		}
	}
	return out
}

// TeamMembers is the truth of a team's immediate membership: login ->
// role; people invited to the team are included with role "invited".
func (s *Server) TeamMembers(orgLogin, slug string) map[string]string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[string]string{}
	g := s.org(orgLogin)
	if g == nil || g.teams[slug] == nil {
		return out
	}
	t := g.teams[slug]
	for id, role := range t.members {
		out[s.st().accounts[id].login] = role
	}
	for _, inv := range g.invitations {
		for _, tid := range inv.teams {
			if tid == t.id && s.pending(inv) {
				out[s.st().accounts[inv.account].login] = "invited"
			}
		}
	}
	return out
}

// Teams lists the slugs of an org's teams, sorted.
func (s *Server) Teams(orgLogin string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	if g := s.org(orgLogin); g != nil {
		for slug := range g.teams {
			out = append(out, slug)
		}
	}
	sort.Strings(out)
	return out
}

// Advance moves the fake's clock forward, e.g. past an invitation's
// expiry or a rate-limit window.
func (s *Server) Advance(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	prev := s.clock
	s.clock = func() time.Time { return prev().Add(d) }
}

// TokenLogin is the login of the account behind the token (GET /user).
func (s *Server) TokenLogin() string { return s.userAgent }

// SetApp makes the token act as a GitHub App installation token for the
// org endpoints: it owns no org, and a team it creates gets no maintainer,
// since an app is not a user. (GET /user answers 403 for an app when
// Options.Login ends in "[bot]".)
func (s *Server) SetApp(app bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.st().app = app
}

// CreateUserWithID makes an account with a given id (as users.yaml pins
// github_id); 0 picks one.
func (s *Server) CreateUserWithID(login string, id int64) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	o := s.st()
	if a := o.account(login); a != nil || id == 0 || o.accounts[id] != nil {
		return s.ensureAccount(login).id
	}
	a := &account{id: id, login: login}
	o.accounts[id] = a
	o.byLogin[strings.ToLower(login)] = id
	return id
}
