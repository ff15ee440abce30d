package sandbox

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/access-as-code/access/internal/githubfake"
	"github.com/access-as-code/access/schema"
)

// GitHubToken is the fake GitHub's only accepted token.
const GitHubToken = "sandbox-github-token"

// startGitHub seeds the fake GitHub with the desired orgs and teams, then
// adds drift: a stray org member, a team member missing, a maintainer who
// is a plain member, and an org member whose invitation expired. The token's
// account owns every org, as the account that runs reconcile would.
func (s *Sandbox) startGitHub(cfg *schema.Config, d *schema.Desired) {
	s.GitHub = githubfake.New(githubfake.Options{Token: GitHubToken})
	for _, u := range cfg.Users {
		if u.GitHub != "" {
			s.GitHub.CreateUserWithID(u.GitHub, u.GitHubID)
		}
	}
	for _, p := range cfg.Settings.Protected.GitHub {
		s.GitHub.CreateUser(p)
	}
	orgs := slices.Sorted(maps.Keys(d.GitHub.Orgs))
	invitee := pickInvitee(d, orgs)
	for _, org := range orgs {
		s.GitHub.AddOrg(org)
		for _, p := range cfg.Settings.Protected.GitHub {
			s.GitHub.SetOrgMember(org, p, githubfake.RoleAdmin)
		}
		o := d.GitHub.Orgs[org]
		for _, id := range slices.Sorted(maps.Keys(o.Members)) {
			g := o.Members[id]
			if g.Login != "" && (org != orgs[0] || g.Login != invitee) {
				s.GitHub.SetOrgMember(org, g.Login, string(g.Role))
			}
		}
	}
	// Parents first: a team is created under its parent.
	teams := slices.Sorted(maps.Keys(d.GitHub.Teams))
	for done := map[string]bool{}; len(done) < len(teams); {
		progress := false
		for _, key := range teams {
			t := d.GitHub.Teams[key]
			parentKey := t.Org + "/" + t.Parent
			if done[key] || (t.Parent != "" && d.GitHub.Teams[parentKey] != nil && !done[parentKey]) {
				continue
			}
			if t.Parent != "" && d.GitHub.Teams[parentKey] == nil {
				s.GitHub.AddTeam(t.Org, strings.ToLower(t.Parent), "") // an unmanaged parent
			}
			s.GitHub.AddTeam(t.Org, strings.ToLower(t.Slug), strings.ToLower(t.Parent))
			done[key], progress = true, true
		}
		if !progress {
			break // a parent cycle; validation refuses those
		}
	}
	missing, demoted := false, false
	for _, key := range teams {
		t := d.GitHub.Teams[key]
		for _, id := range slices.Sorted(maps.Keys(t.Members)) {
			g := t.Members[id]
			if g.Login == "" {
				continue
			}
			role := string(g.Role)
			switch {
			case !missing:
				missing = true
				s.Drift = append(s.Drift, fmt.Sprintf("GitHub team %s lacks %s (missing member)", key, g.Login))
				continue
			case !demoted && g.Role == schema.GitHubMaintainer && !admin(d, t.Org, id):
				demoted, role = true, githubfake.RoleMember
				s.Drift = append(s.Drift, fmt.Sprintf("GitHub team %s: %s is member, the config says maintainer (wrong role)", key, g.Login))
			}
			s.GitHub.SetTeamMember(t.Org, strings.ToLower(t.Slug), g.Login, role)
		}
	}
	if len(orgs) > 0 {
		org := orgs[0]
		if d.GitHub.Orgs[org].Managed {
			s.GitHub.SetOrgMember(org, "former-contributor", githubfake.RoleMember)
			s.Drift = append(s.Drift, fmt.Sprintf("GitHub org %s has former-contributor, who is not in the config (stray member)", org))
		}
		if invitee == "" {
			invitee = "expired-invitee" // nobody to spare: a stranger's invitation
		}
		s.GitHub.Invite(org, invitee, "direct_member")
		s.GitHub.Advance(githubfake.InvitationTTL + 1)
		s.Drift = append(s.Drift, fmt.Sprintf("GitHub org %s invited %s a week ago; the invitation failed (expired)", org, invitee))
	}
}

// pickInvitee chooses the login whose org invitation has expired: the last
// plain member of the first managed org, by id, who is in none of its
// teams (a team would add them to the org anyway), so the plan invites them
// again and the choice is stable.
func pickInvitee(d *schema.Desired, orgs []string) string {
	if len(orgs) == 0 || !d.GitHub.Orgs[orgs[0]].Managed {
		return ""
	}
	inTeam := map[string]bool{}
	for _, t := range d.GitHub.Teams {
		if t.Org == orgs[0] {
			for id := range t.Members {
				inTeam[id] = true
			}
		}
	}
	o := d.GitHub.Orgs[orgs[0]]
	ids := slices.Sorted(maps.Keys(o.Members))
	for i := len(ids) - 1; i >= 0; i-- {
		if g := o.Members[ids[i]]; g.Login != "" && g.Role == schema.GitHubMember && !inTeam[ids[i]] {
			return g.Login
		}
	}
	return ""
}

// admin reports an org admin, whose team role GitHub shows as maintainer
// whatever it is, so a wrong role would not show.
func admin(d *schema.Desired, org, id string) bool {
	o := d.GitHub.Orgs[org]
	return o != nil && o.Members[id].Role == schema.GitHubAdmin
}
