package schema

import (
	"maps"
	"path/filepath"
	"reflect"
	"slices"
	"testing"
	"time"
)

// TestCompileGitHub checks the GitHub part of the desired state on the
// github-orgs-and-teams example: highest role per person, team members
// implied as org members, parents, and people without a github login.
func TestCompileGitHub(t *testing.T) {
	cfg, err := CheckDir(filepath.Join(corpus, "valid", "github-orgs-and-teams"), exampleNow)
	if err != nil {
		t.Fatal(err)
	}
	gh := Compile(cfg, exampleNow).GitHub

	roles := func(m map[string]GitHubGrant) map[string]string {
		out := map[string]string{}
		for id, g := range m {
			if g.User != id {
				t.Errorf("grant under %q is for %q", id, g.User)
			}
			r := string(g.Role)
			if g.Implied {
				r += " (implied)"
			}
			out[id] = r
		}
		return out
	}
	if got := len(gh.Orgs); got != 2 {
		t.Fatalf("orgs: %v", gh.Orgs)
	}
	acme := gh.Orgs["acme"]
	if acme == nil || !acme.Managed {
		t.Fatalf("acme: %+v (want managed: groups grant the org itself)", acme)
	}
	want := map[string]string{"alice": "admin", "bob": "member", "carol": "member"}
	if got := roles(acme.Members); !reflect.DeepEqual(got, want) {
		t.Errorf("acme members: %v, want %v", got, want)
	}
	labs := gh.Orgs["acme-labs"]
	if labs == nil || labs.Managed {
		t.Fatalf("acme-labs: %+v (want unmanaged: only teams are granted)", labs)
	}
	want = map[string]string{"alice": "member (implied)", "bob": "member (implied)", "carol": "member (implied)"}
	if got := roles(labs.Members); !reflect.DeepEqual(got, want) {
		t.Errorf("acme-labs members: %v, want %v", got, want)
	}

	if got := slices.Sorted(maps.Keys(gh.Teams)); !reflect.DeepEqual(got, []string{"acme-labs/contributors", "acme-labs/platform-labs", "acme/platform", "acme/platform-leads"}) {
		t.Errorf("teams: %v", got)
	}
	p := gh.Teams["acme/platform"]
	if got := roles(p.Members); !reflect.DeepEqual(got, map[string]string{"alice": "maintainer", "bob": "member"}) {
		t.Errorf("acme/platform: %v", got)
	}
	if p.Members["alice"].ConfigGroup != "platform-leads" || !reflect.DeepEqual(p.Groups, []string{"platform", "platform-leads"}) {
		t.Errorf("acme/platform: %+v", p)
	}
	if b := p.Members["bob"]; b.Until == nil || fmtTime(*b.Until) != "2030-01-01" || b.Reason != "rotation" || b.Login != "bob-gh" {
		t.Errorf("bob in acme/platform: %+v", b)
	}
	if gh.Teams["acme/platform-leads"].Parent != "platform" || gh.Teams["acme-labs/platform-labs"].Parent != "labs" || p.Parent != "" {
		t.Errorf("parents: %+v", gh.Teams)
	}
	if c := gh.Teams["acme-labs/contributors"].Members["carol"]; c.GitHubID != 40000000001 || c.Login != "Carol-Codes" {
		t.Errorf("carol: %+v", c)
	}
	if !reflect.DeepEqual(gh.NoLogin, map[string][]string{"dave": {"acme-members"}}) {
		t.Errorf("no login: %v", gh.NoLogin)
	}
}

// TestCompileGitHubExplicitBeatsImplied: a person granted a team and the
// org itself holds the org through the org grant, so that removing the
// team does not look like the reason for their membership.
func TestCompileGitHubExplicitBeatsImplied(t *testing.T) {
	cfg := &Config{
		Settings: Settings{GitHub: GitHubSettings{Orgs: []string{"Acme"}}},
		Users:    []*User{{ID: "a", GitHub: "a-gh"}},
		Groups: map[string]*Group{
			"1-team": {Name: "1-team", GitHub: []GitHubTarget{{Org: "acme", Team: "t", Role: GitHubMaintainer}}, Members: []Member{{Ref: Ref{User: "a"}}}},
			"2-org":  {Name: "2-org", GitHub: []GitHubTarget{{Org: "ACME", Role: GitHubMember}}, Members: []Member{{Ref: Ref{User: "a"}}}},
		},
	}
	gh := Compile(cfg, exampleNow).GitHub
	g := gh.Orgs["Acme"].Members["a"]
	if g.Implied || g.ConfigGroup != "2-org" || g.Role != GitHubMember {
		t.Errorf("org grant: %+v", g)
	}
	if _, ok := gh.Teams["Acme/t"]; !ok {
		t.Errorf("team keys use the org as access.yaml writes it: %v", slices.Sorted(maps.Keys(gh.Teams)))
	}
}

// A membership two groups give at the same role lasts as long as the later.
func TestCompileGitHubKeepsTheLatestEndAtOneRole(t *testing.T) {
	soon, later := exampleNow.Add(24*time.Hour), exampleNow.Add(90*24*time.Hour)
	cfg := &Config{
		Settings: Settings{GitHub: GitHubSettings{Orgs: []string{"acme"}}},
		Users:    []*User{{ID: "a", GitHub: "a-gh"}},
		Groups: map[string]*Group{
			"1-soon":  {Name: "1-soon", GitHub: []GitHubTarget{{Org: "acme", Team: "t", Role: GitHubMember}}, Members: []Member{{Ref: Ref{User: "a"}, Until: &soon}}},
			"2-later": {Name: "2-later", GitHub: []GitHubTarget{{Org: "acme", Team: "t", Role: GitHubMember}}, Members: []Member{{Ref: Ref{User: "a"}, Until: &later}}},
		},
	}
	gh := Compile(cfg, exampleNow).GitHub
	for what, g := range map[string]GitHubGrant{"team": gh.Teams["acme/t"].Members["a"], "org": gh.Orgs["acme"].Members["a"]} {
		if g.Until == nil || !g.Until.Equal(later) {
			t.Errorf("%s membership ends %v, want %s (the later of its two groups)", what, g.Until, later)
		}
	}
}
