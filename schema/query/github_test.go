package query

import (
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/access-as-code/access/schema"
)

func githubConfig(t *testing.T) (*schema.Config, *schema.Desired) {
	t.Helper()
	now := time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)
	cfg, err := schema.CheckDir(filepath.Join("..", "..", "testdata", "valid", "github-orgs-and-teams"), now)
	if err != nil {
		t.Fatal(err)
	}
	return cfg, schema.Compile(cfg, now)
}

func TestAccessOfShowsGitHubOrgsAndTeams(t *testing.T) {
	cfg, d := githubConfig(t)
	res, err := AccessOf(cfg, d, "alice")
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, g := range res.GitHub {
		got[g.Name] = g.Role + " from " + g.ConfigGroup
	}
	want := map[string]string{
		"acme": "admin from acme-admins", "acme/platform": "maintainer from platform-leads",
		"acme/platform-leads": "member from platform-leads", "acme-labs": "member from platform",
		"acme-labs/platform-labs": "member from platform",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("alice's GitHub access:\n got %v\nwant %v", got, want)
	}
	dave, _ := AccessOf(cfg, d, "dave")
	if len(dave.GitHub) != 0 || len(dave.Notes) != 1 {
		t.Errorf("dave (no GitHub login): github %+v notes %v", dave.GitHub, dave.Notes)
	}
	cmp, _ := Compare(cfg, d, "bob", "alice")
	if len(cmp.OtherOnly.GitHub) == 0 || cmp.OtherOnly.GitHub[0] != (LevelDiff{Group: "acme", Level: "admin", ComparedLevel: "member"}) {
		t.Errorf("alice over bob: %+v", cmp.OtherOnly.GitHub)
	}
}

func TestWhoHasGitHubTeamAndOrg(t *testing.T) {
	cfg, d := githubConfig(t)
	res, err := WhoHas(cfg, d, "acme/platform")
	if err != nil {
		t.Fatal(err)
	}
	if res.Kind != "github" || !reflect.DeepEqual(res.Groups, []string{"platform", "platform-leads"}) {
		t.Fatalf("acme/platform: %+v", res)
	}
	got := map[string]string{}
	for _, h := range res.Members {
		got[h.User.ID] = h.Level
	}
	if !reflect.DeepEqual(got, map[string]string{"alice": "maintainer", "bob": "member"}) {
		t.Errorf("acme/platform holders: %v", got)
	}
	res, err = WhoHas(cfg, d, "acme")
	if err != nil {
		t.Fatal(err)
	}
	got = map[string]string{}
	for _, h := range res.Members {
		got[h.User.ID] = h.Level
	}
	// dave holds acme-members but has no GitHub login: not in the org.
	if !reflect.DeepEqual(got, map[string]string{"alice": "admin", "bob": "member", "carol": "member"}) {
		t.Errorf("acme holders: %v", got)
	}
	if _, err := WhoHas(cfg, d, "acme/platfrom"); err == nil {
		t.Error("a misspelt team was accepted")
	}
	groups := ListGroups(cfg, d)
	for _, g := range groups {
		if g.Name == "platform-leads" && (len(g.GitHub) != 2 || g.GitHub[1].Parent != "platform" || g.GitHub[0].Role != "maintainer") {
			t.Errorf("list: %+v", g.GitHub)
		}
	}
}
