package github

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	gh "github.com/google/go-github/v60/github"

	"github.com/access-as-code/access/reconcile"
)

// Apply makes one change with exactly one REST call (a missing parent team
// is the one exception: it is created first). Writes are serial and paced
// (see pacer). Org membership is written with "Set organization membership
// for a user", which invites anyone not yet a member, so a new person gets
// one invitation; team membership with "Add or update team membership for
// a user", which for someone invited adds the team to that invitation.
// Removing someone from an org is "Remove organization membership for a
// user", which also ends their team memberships and cancels an invitation.
func (p *Provider) Apply(ctx context.Context, c reconcile.Change) error {
	org, team, err := splitGroup(c.Group)
	if err != nil {
		return err
	}
	if c.Op == reconcile.OpCreateGroup {
		if team == "" {
			return fmt.Errorf("github: organization %s does not exist; organizations are not created here", org)
		}
		p.writeMu.Lock()
		defer p.writeMu.Unlock()
		_, err := p.createTeam(ctx, org, team)
		return err
	}
	login := c.Login
	if login == "" {
		login = c.User
	}
	what := fmt.Sprintf("%s %s in %s", c.Op, login, c.Group)
	p.writeMu.Lock()
	defer p.writeMu.Unlock()
	// Under writeMu: concurrent removals must not all pass the count.
	if err := p.guard(c, org, team, login); err != nil {
		return err
	}
	switch c.Op {
	case reconcile.OpAdd, reconcile.OpUpdate:
		role := strings.ToLower(c.Access)
		if role == "" {
			role = RoleMember
		}
		if (team == "" && role != RoleMember && role != RoleAdmin) || (team != "" && role != RoleMember && role != RoleMaintainer) {
			return fmt.Errorf("github: %s: role %q is not a role of %s", what, c.Access, map[bool]string{true: "an organization (member, admin)", false: "a team (member, maintainer)"}[team == ""])
		}
		invites := !p.present(org, login)
		if invites {
			if next, ok := p.pace.invite(time.Now()); !ok {
				return &reconcile.RateLimitError{Target: Name, Reset: next,
					Err: fmt.Errorf("%s: %d invitations sent in 24 hours, GitHub's limit", what, p.cfg.Pace.InvitesPerDay)}
			}
		}
		_, err = p.do(ctx, what, true, func(ctx context.Context) (*gh.Response, error) {
			if team == "" {
				_, resp, err := p.api.Organizations.EditOrgMembership(ctx, login, org, &gh.Membership{Role: gh.String(role)})
				return resp, err
			}
			_, resp, err := p.api.Teams.AddTeamMembershipBySlug(ctx, org, team, login, &gh.TeamAddTeamMembershipOptions{Role: role})
			return resp, err
		})
		if err == nil {
			p.wrote(org, login, team == "", role)
		}
	case reconcile.OpRemove:
		var resp *gh.Response
		resp, err = p.do(ctx, what, true, func(ctx context.Context) (*gh.Response, error) {
			if team == "" {
				return p.api.Organizations.RemoveOrgMembership(ctx, login, org)
			}
			return p.api.Teams.RemoveTeamMembershipBySlug(ctx, org, team, login)
		})
		if statusOf(resp, err) == http.StatusNotFound && p.exists(ctx, org, team) {
			err = nil // already gone: removal is idempotent
		}
		if err == nil && team == "" {
			p.removed(org, login)
		}
	default:
		return fmt.Errorf("github: unknown change %q", c.Op)
	}
	if err != nil {
		var rl *reconcile.RateLimitError
		if errors.As(err, &rl) {
			return err
		}
		return fmt.Errorf("github: %w", err)
	}
	return nil
}

// guard refuses what must never be written, whatever the plan says: the
// token's own account removed or demoted, an org left with fewer than
// MinAdmins admins.
func (p *Provider) guard(c reconcile.Change, org, team, login string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	demote := c.Op == reconcile.OpUpdate && RoleLevel(c.Access) < RoleLevel(c.From)
	if c.Op != reconcile.OpRemove && !demote {
		return nil
	}
	if p.self != "" && strings.EqualFold(login, p.self) {
		return fmt.Errorf("github: refusing to %s %s in %s: it is the token's own account", c.Op, login, c.Group)
	}
	if team != "" {
		return nil
	}
	v := p.orgs[strings.ToLower(org)]
	if v != nil && v.admins[strings.ToLower(login)] && len(v.admins)-1 < p.cfg.MinAdmins {
		return fmt.Errorf("github: refusing to %s %s in %s: the org would have %d admins, fewer than min_admins %d",
			c.Op, login, org, len(v.admins)-1, p.cfg.MinAdmins)
	}
	return nil
}

func (p *Provider) present(org, login string) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	v := p.orgs[strings.ToLower(org)]
	return v == nil || v.present[strings.ToLower(login)] // unknown org: no invitation counted
}

func (p *Provider) wrote(org, login string, orgRole bool, role string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	v := p.orgs[strings.ToLower(org)]
	if v == nil {
		return
	}
	v.present[strings.ToLower(login)] = true
	if orgRole {
		if role == RoleAdmin {
			v.admins[strings.ToLower(login)] = true
		} else {
			delete(v.admins, strings.ToLower(login))
		}
	}
}

func (p *Provider) removed(org, login string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if v := p.orgs[strings.ToLower(org)]; v != nil {
		delete(v.present, strings.ToLower(login))
		delete(v.admins, strings.ToLower(login))
	}
}

// exists tells a 404 for a person (already gone) from a 404 for the
// group: the org or team must be there for the removal to count as done.
func (p *Provider) exists(ctx context.Context, org, team string) bool {
	p.mu.Lock()
	_, known := p.teamIDs[strings.ToLower(org)+"/"+team]
	if team == "" {
		_, known = p.orgs[strings.ToLower(org)]
	}
	p.mu.Unlock()
	if known {
		return true
	}
	_, err := p.teamID(ctx, org, team)
	return err == nil
}

// teamID finds a team's id, from the last read or by asking.
func (p *Provider) teamID(ctx context.Context, org, slug string) (int64, error) {
	key := strings.ToLower(org) + "/" + strings.ToLower(slug)
	p.mu.Lock()
	id, ok := p.teamIDs[key]
	p.mu.Unlock()
	if ok {
		return id, nil
	}
	var t *gh.Team
	_, err := p.do(ctx, "read team "+key, false, func(ctx context.Context) (*gh.Response, error) {
		var resp *gh.Response
		var err error
		t, resp, err = p.api.Teams.GetTeamBySlug(ctx, org, slug)
		return resp, err
	})
	if err != nil {
		return 0, err
	}
	p.mu.Lock()
	p.teamIDs[key] = t.GetID()
	p.mu.Unlock()
	return t.GetID(), nil
}

// createTeam makes a team, privacy closed (required of nested teams and
// visible to the org), under the parent the config names; the parent is
// created first when missing. A team that already exists is not an
// error: creation is idempotent.
func (p *Provider) createTeam(ctx context.Context, org, slug string) (int64, error) {
	key := strings.ToLower(org) + "/" + slug
	nt := gh.NewTeam{Name: slug, Privacy: gh.String("closed")}
	if parent := strings.ToLower(p.cfg.Teams[key].Parent); parent != "" {
		pid, err := p.teamID(ctx, org, parent)
		if isNotFound(err) {
			pid, err = p.createTeam(ctx, org, parent)
		}
		if err != nil {
			return 0, fmt.Errorf("github: create team %s: parent %s: %w", key, parent, err)
		}
		nt.ParentTeamID = gh.Int64(pid)
	}
	var t *gh.Team
	resp, err := p.do(ctx, "create team "+key, true, func(ctx context.Context) (*gh.Response, error) {
		var resp *gh.Response
		var err error
		t, resp, err = p.api.Teams.CreateTeam(ctx, org, nt)
		return resp, err
	})
	if statusOf(resp, err) == http.StatusUnprocessableEntity {
		// "Name must be unique for this org": it exists already.
		if id, gerr := p.teamID(ctx, org, slug); gerr == nil {
			return id, nil
		}
	}
	if err != nil {
		return 0, fmt.Errorf("github: %w", err)
	}
	p.mu.Lock()
	p.teamIDs[key] = t.GetID()
	p.mu.Unlock()
	return t.GetID(), nil
}

func isNotFound(err error) bool {
	var er *gh.ErrorResponse
	return errors.As(err, &er) && er.Response != nil && er.Response.StatusCode == http.StatusNotFound
}
