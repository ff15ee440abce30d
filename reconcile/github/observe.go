package github

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"

	gh "github.com/google/go-github/v60/github"

	"github.com/access-as-code/access/reconcile"
)

// ReadOnly reasons this provider sets on members it must never remove or
// demote.
const (
	ReadOnlyTokenAccount = "token_account" // the account behind the token
	ReadOnlyMinAdmins    = "min_admins"    // the org has no admin to spare
)

type invite struct {
	id    int64
	login string
	role  string // member | admin
	teams []string
}

// orgRead is one organization as read.
type orgRead struct {
	exists  bool
	members []orgMember
	teams   map[string]*teamRead // by lower-case slug
	invites []invite             // pending, with a login
	failed  int                  // failed (expired) invitations: absent, invited again on add
	synced  map[string]string    // slug -> IdP group names
}

// Observe reads each org named by q.Groups: members with roles and every
// team with its immediate members (GraphQL, 100 a page), pending and
// failed invitations (REST), then resolves the logins not seen there.
func (p *Provider) Observe(ctx context.Context, q reconcile.Query) (*reconcile.Observed, error) {
	self, err := p.whoami(ctx)
	if err != nil {
		return nil, err
	}
	byOrg := map[string][]string{} // org as first spelled -> requested team slugs
	orgName := map[string]string{}
	for _, g := range q.Groups {
		org, team, err := splitGroup(g)
		if err != nil {
			return nil, err
		}
		key := strings.ToLower(org)
		if _, ok := orgName[key]; !ok {
			orgName[key] = org
		}
		if team != "" {
			byOrg[key] = append(byOrg[key], team)
		} else if _, ok := byOrg[key]; !ok {
			byOrg[key] = nil
		}
	}
	reads := map[string]*orgRead{}
	var mu sync.Mutex
	var errs []error
	sem := make(chan struct{}, p.cfg.ReadConcurrency)
	var wg sync.WaitGroup
	for key, slugs := range byOrg {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			r, err := p.readOrg(ctx, orgName[key], slugs)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				errs = append(errs, fmt.Errorf("org %s: %w", orgName[key], err))
				return
			}
			reads[key] = r
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}

	// Every account seen, by id and by lower-case login.
	byID, byLogin := map[string]*reconcile.Account{}, map[string]*reconcile.Account{}
	see := func(id int64, login string) {
		a := &reconcile.Account{ID: strconv.FormatInt(id, 10), Login: login, Active: true, Status: "active"}
		byID[a.ID], byLogin[strings.ToLower(login)] = a, a
	}
	for _, r := range reads {
		for _, m := range r.members {
			see(m.id, m.login)
		}
		for _, t := range r.teams {
			for _, m := range t.members {
				see(m.id, m.login)
			}
		}
	}
	// Invitations name a login, not an id: resolve those not seen.
	var inviteLogins []string
	for _, r := range reads {
		for _, inv := range r.invites {
			if byLogin[strings.ToLower(inv.login)] == nil {
				inviteLogins = append(inviteLogins, inv.login)
			}
		}
	}
	found, err := p.lookup(ctx, inviteLogins, nil)
	if err != nil {
		return nil, err
	}
	for _, a := range found {
		byID[a.ID], byLogin[strings.ToLower(a.Login)] = a, a
	}

	obs := &reconcile.Observed{Groups: map[string]*reconcile.ObservedGroup{}, Accounts: map[string]*reconcile.Account{}}
	for _, g := range q.Groups {
		org, team, _ := splitGroup(g)
		obs.Groups[g] = p.group(g, org, team, reads[strings.ToLower(org)], byLogin, self)
	}
	p.remember(reads, orgName, byLogin)

	var missing []string
	pins := map[string]string{}
	for _, login := range q.Logins {
		if pin := q.Pinned[login]; pin != "" {
			if a := byID[pin]; a != nil {
				obs.Accounts[login] = a
			} else {
				pins[login] = pin
			}
			continue
		}
		if a := byLogin[strings.ToLower(login)]; a != nil {
			obs.Accounts[login] = a
		} else {
			missing = append(missing, login)
		}
	}
	found, err = p.lookup(ctx, missing, pins)
	if err != nil {
		return nil, err
	}
	for login, a := range found {
		obs.Accounts[login] = a
	}
	return obs, nil
}

// group builds one observed group from its org's read.
func (p *Provider) group(name, org, team string, r *orgRead, byLogin map[string]*reconcile.Account, self string) *reconcile.ObservedGroup {
	og := &reconcile.ObservedGroup{Name: name, Members: map[string]*reconcile.ObservedMember{}}
	if r == nil || !r.exists {
		return og
	}
	add := func(id, login string, level int) {
		m := &reconcile.ObservedMember{AccountID: id, Login: login, Level: level}
		if self != "" && strings.EqualFold(login, self) {
			m.ReadOnly = ReadOnlyTokenAccount
		}
		og.Members[id] = m
	}
	if team == "" {
		og.Exists = true
		admins := 0
		for _, m := range r.members {
			if m.role == RoleAdmin {
				admins++
			}
		}
		for _, m := range r.members {
			add(strconv.FormatInt(m.id, 10), m.login, RoleLevel(m.role))
			if m.role == RoleAdmin && admins <= p.cfg.MinAdmins {
				if om := og.Members[strconv.FormatInt(m.id, 10)]; om.ReadOnly == "" {
					om.ReadOnly = ReadOnlyMinAdmins
				}
			}
		}
		for _, inv := range r.invites {
			if a := byLogin[strings.ToLower(inv.login)]; a != nil && og.Members[a.ID] == nil {
				add(a.ID, a.Login, RoleLevel(inv.role))
			}
		}
		return og
	}
	t := r.teams[team]
	if t == nil {
		return og
	}
	og.Exists, og.ID = true, strconv.FormatInt(t.id, 10)
	if groups := r.synced[team]; groups != "" {
		og.Unmanageable = "synchronized with identity-provider group " + groups + " (team synchronization): manage it in the identity provider"
	}
	owners := map[int64]bool{}
	for _, m := range r.members {
		owners[m.id] = m.role == RoleAdmin
	}
	for _, m := range t.members {
		id := strconv.FormatInt(m.id, 10)
		add(id, m.login, RoleLevel(m.role))
		// "The role for organization owners is set to maintainer" ("Get
		// team membership for a user"): an owner's own team role is not
		// visible.
		og.Members[id].LevelUnknown = owners[m.id]
	}
	for _, inv := range r.invites {
		for _, slug := range inv.teams {
			if strings.EqualFold(slug, team) {
				if a := byLogin[strings.ToLower(inv.login)]; a != nil && og.Members[a.ID] == nil {
					// An invitation lists its teams, not the role in each.
					add(a.ID, a.Login, LevelMember)
					og.Members[a.ID].LevelUnknown = true
				}
			}
		}
	}
	if want, ok := p.cfg.Teams[strings.ToLower(org)+"/"+team]; ok && !strings.EqualFold(want.Parent, t.parent) {
		p.log.Warn("github team parent differs from the config; not changed", "team", name, "parent", t.parent, "config_parent", want.Parent)
	}
	return og
}

// remember keeps what Apply needs: admins, who is present, team ids.
func (p *Provider) remember(reads map[string]*orgRead, orgName map[string]string, byLogin map[string]*reconcile.Account) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for key, r := range reads {
		v := &orgView{admins: map[string]bool{}, present: map[string]bool{}}
		for _, m := range r.members {
			v.present[strings.ToLower(m.login)] = true
			if m.role == RoleAdmin {
				v.admins[strings.ToLower(m.login)] = true
			}
		}
		for _, inv := range r.invites {
			v.present[strings.ToLower(inv.login)] = true
		}
		p.orgs[key] = v
		for slug, t := range r.teams {
			p.teamIDs[key+"/"+slug] = t.id
		}
	}
}

// readOrg reads one org: members, teams and invitations at once.
func (p *Provider) readOrg(ctx context.Context, org string, slugs []string) (*orgRead, error) {
	r := &orgRead{exists: true, teams: map[string]*teamRead{}, synced: map[string]string{}}
	var members []orgMember
	var teams []*teamRead
	var errMembers, errTeams, errInvites error
	var wg sync.WaitGroup
	wg.Add(3)
	go func() { defer wg.Done(); members, errMembers = p.readOrgMembers(ctx, org) }()
	go func() { defer wg.Done(); teams, errTeams = p.readTeams(ctx, org) }()
	go func() { defer wg.Done(); errInvites = p.readInvitations(ctx, org, r) }()
	wg.Wait()
	if errors.Is(errMembers, errOrgNotFound) {
		return &orgRead{}, nil
	}
	if err := errors.Join(errMembers, errTeams, errInvites); err != nil {
		return nil, err
	}
	r.members = members
	for _, t := range teams {
		r.teams[t.slug] = t
	}
	if p.cfg.TeamSync {
		for _, slug := range slugs {
			if r.teams[slug] == nil {
				continue
			}
			var list *gh.IDPGroupList
			_, err := p.do(ctx, "read team-sync groups of "+org+"/"+slug, false, func(ctx context.Context) (*gh.Response, error) {
				var resp *gh.Response
				var err error
				list, resp, err = p.api.Teams.ListIDPGroupsForTeamBySlug(ctx, org, slug)
				return resp, err
			})
			if err != nil {
				return nil, err
			}
			var names []string
			for _, g := range list.Groups {
				names = append(names, g.GetGroupName())
			}
			sort.Strings(names)
			r.synced[slug] = strings.Join(names, ", ")
		}
	}
	return r, nil
}

// readInvitations reads pending invitations (and the teams of those that
// carry any) and counts the failed ones ("List pending organization
// invitations", "List failed organization invitations").
func (p *Provider) readInvitations(ctx context.Context, org string, r *orgRead) error {
	opts := &gh.ListOptions{PerPage: 100}
	for {
		var page []*gh.Invitation
		resp, err := p.do(ctx, "read invitations of "+org, false, func(ctx context.Context) (*gh.Response, error) {
			var resp *gh.Response
			var err error
			page, resp, err = p.api.Organizations.ListPendingOrgInvitations(ctx, org, opts)
			return resp, err
		})
		if err != nil {
			return err
		}
		for _, inv := range page {
			if inv.GetLogin() == "" {
				continue // an invitation by email names no account yet
			}
			role := RoleMember
			switch inv.GetRole() {
			case "admin":
				role = RoleAdmin
			case "billing_manager":
				continue // not membership
			}
			in := invite{id: inv.GetID(), login: inv.GetLogin(), role: role}
			if inv.GetTeamCount() > 0 {
				teams, err := p.invitationTeams(ctx, org, inv.GetID())
				if err != nil {
					return err
				}
				in.teams = teams
			}
			r.invites = append(r.invites, in)
		}
		if resp.NextPage == 0 {
			break
		}
		opts.Page = resp.NextPage
	}
	opts = &gh.ListOptions{PerPage: 100}
	for {
		var page []*gh.Invitation
		resp, err := p.do(ctx, "read failed invitations of "+org, false, func(ctx context.Context) (*gh.Response, error) {
			var resp *gh.Response
			var err error
			page, resp, err = p.api.Organizations.ListFailedOrgInvitations(ctx, org, opts)
			return resp, err
		})
		if err != nil {
			return err
		}
		r.failed += len(page)
		if resp.NextPage == 0 {
			return nil
		}
		opts.Page = resp.NextPage
	}
}

func (p *Provider) invitationTeams(ctx context.Context, org string, id int64) ([]string, error) {
	var slugs []string
	opts := &gh.ListOptions{PerPage: 100}
	for {
		var page []*gh.Team
		resp, err := p.do(ctx, fmt.Sprintf("read teams of invitation %d in %s", id, org), false, func(ctx context.Context) (*gh.Response, error) {
			var resp *gh.Response
			var err error
			page, resp, err = p.api.Organizations.ListOrgInvitationTeams(ctx, org, strconv.FormatInt(id, 10), opts)
			return resp, err
		})
		if err != nil {
			return nil, err
		}
		for _, t := range page {
			slugs = append(slugs, strings.ToLower(t.GetSlug()))
		}
		if resp.NextPage == 0 {
			return slugs, nil
		}
		opts.Page = resp.NextPage
	}
}

// Teams lists an org's teams (lower-case slug -> parent slug, "" for
// none), for dumping a whole org.
func (p *Provider) Teams(ctx context.Context, org string) (map[string]string, error) {
	teams, err := p.readTeams(ctx, org)
	if errors.Is(err, errOrgNotFound) {
		return nil, fmt.Errorf("github org %s: not found (or the token cannot see it)", org)
	}
	if err != nil {
		return nil, err
	}
	out := make(map[string]string, len(teams))
	for _, t := range teams {
		out[t.slug] = strings.ToLower(t.parent)
	}
	return out, nil
}
