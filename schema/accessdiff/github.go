package accessdiff

import (
	"maps"
	"slices"
	"sort"
	"strings"

	"github.com/access-as-code/access/schema"
)

// KindGitHub is a GitHub org ("ORG") or team ("ORG/TEAM") with a role.
const KindGitHub = "github"

// githubPeople adds the GitHub changes per person: teams named on the head
// side, and org memberships. Losing an org membership is reported only when
// head manages the org's membership (some group grants the org itself):
// otherwise nobody is removed from it.
func githubPeople(base, head Side, add func(string, Change)) {
	bd, hd := base.Desired.GitHub, head.Desired.GitHub
	for _, key := range slices.Sorted(maps.Keys(hd.Teams)) {
		var bm map[string]schema.GitHubGrant
		managed := false
		if bt := bd.Teams[key]; bt != nil {
			bm, managed = bt.Members, true
		}
		githubDiff(key, bm, hd.Teams[key].Members, managed, add)
	}
	for _, key := range slices.Sorted(maps.Keys(hd.Orgs)) {
		var bm map[string]schema.GitHubGrant
		if bo := bd.Orgs[key]; bo != nil {
			bm = bo.Members
		}
		githubDiff(key, bm, hd.Orgs[key].Members, hd.Orgs[key].Managed, add)
	}
}

func githubDiff(name string, bm, hm map[string]schema.GitHubGrant, loses bool, add func(string, Change)) {
	for _, u := range slices.Sorted(maps.Keys(hm)) {
		h := hm[u]
		b, ok := bm[u]
		switch {
		case !ok:
			add(u, Change{Kind: KindGitHub, Op: OpGain, Name: name, Group: h.ConfigGroup, Level: string(h.Role), Until: h.Until, Reason: h.Reason})
		case b.Role != h.Role:
			add(u, Change{Kind: KindGitHub, Op: OpChange, Name: name, Group: h.ConfigGroup, Level: string(h.Role), OldLevel: string(b.Role), Until: h.Until, OldUntil: b.Until, Reason: h.Reason})
		}
	}
	if !loses {
		return
	}
	for _, u := range slices.Sorted(maps.Keys(bm)) {
		if _, ok := hm[u]; !ok {
			add(u, Change{Kind: KindGitHub, Op: OpLose, Name: name, Group: bm[u].ConfigGroup, OldLevel: string(bm[u].Role), OldUntil: bm[u].Until})
		}
	}
}

// githubUnmanaged lists the teams of a deleted group file that no group
// names any more: reconcile never deletes a team, so its members stay.
func githubUnmanaged(name string, g *schema.Group, base, head Side) []Unmanaged {
	var out []Unmanaged
	for _, t := range g.GitHub {
		if t.Team == "" {
			continue
		}
		key := githubTeamKey(base.Desired, t)
		if _, still := head.Desired.GitHub.Teams[key]; still {
			continue
		}
		bt := base.Desired.GitHub.Teams[key]
		members := []string{}
		if bt != nil {
			for id := range bt.Members {
				members = append(members, id)
			}
			sort.Strings(members)
		}
		out = append(out, Unmanaged{Group: name, Target: KindGitHub, Name: key, Level: string(t.Role), Members: members})
	}
	return out
}

// githubTeamKey is the Desired key of a team entry: the org as access.yaml
// writes it.
func githubTeamKey(d *schema.Desired, t schema.GitHubTarget) string {
	org := t.Org
	for o := range d.GitHub.Orgs {
		if strings.EqualFold(o, t.Org) {
			org = o
			break
		}
	}
	return org + "/" + t.Team
}

func equalGitHub(a, b []schema.GitHubTarget) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		x, y := a[i], b[i]
		if !strings.EqualFold(x.Org, y.Org) || x.Team != y.Team || x.Role != y.Role || x.Parent != y.Parent {
			return false
		}
	}
	return true
}

// githubTargets are the GitHub targets a group shares with others: its
// teams, and the org of every entry (a team's members are org members).
func githubTargets(g *schema.Group) []string {
	var out []string
	for _, t := range g.GitHub {
		org := "github:" + strings.ToLower(t.Org)
		out = append(out, org)
		if t.Team != "" {
			out = append(out, org+"/"+t.Team)
		}
	}
	return out
}
