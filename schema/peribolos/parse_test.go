package peribolos

import (
	"strings"
	"testing"
	"testing/fstest"
)

// TestParseErrorsNameFileLineAndField: every mistake is reported, each with
// its place, and unknown keys get a suggestion.
func TestParseErrorsNameFileLineAndField(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{"unknown org key", "orgs:\n  acme:\n    admin: [alice]\n",
			`peribolos.yaml:3:5: orgs.acme.admin: unknown key "admin" (did you mean "admins"?)`},
		{"unknown team key", "orgs:\n  acme:\n    admins: [alice]\n    teams:\n      t:\n        maintainer: [bob]\n",
			`peribolos.yaml:6:9: orgs.acme.teams.t.maintainer: unknown key "maintainer" (did you mean "maintainers"?)`},
		{"bad login", "orgs:\n  acme:\n    admins: [alice, \"bob smith\"]\n",
			`peribolos.yaml:3:21: orgs.acme.admins[1]: "bob smith" is not a GitHub login`},
		{"bad privacy", "orgs:\n  acme:\n    admins: [alice]\n    teams:\n      t:\n        privacy: public\n",
			`peribolos.yaml:6:18: orgs.acme.teams.t.privacy: unknown privacy "public"`},
		{"bad repo permission", "orgs:\n  acme:\n    admins: [alice]\n    teams:\n      t:\n        repos:\n          r: push\n",
			`peribolos.yaml:7:14: orgs.acme.teams.t.repos.r: unknown permission "push"`},
		{"unknown repo key", "orgs:\n  acme:\n    admins: [alice]\n    repos:\n      r:\n        has_issue: true\n",
			`peribolos.yaml:6:9: orgs.acme.repos.r.has_issue: unknown key "has_issue" (did you mean "has_issues"?)`},
		{"duplicate key", "orgs:\n  acme:\n    admins: [alice]\n    admins: [bob]\n",
			`peribolos.yaml:4:5: orgs.acme.admins: duplicate key "admins" (first at line 3)`},
		{"members as text", "orgs:\n  acme:\n    admins: [alice]\n    members: bob\n",
			`peribolos.yaml:4:14: orgs.acme.members: must be a list of GitHub logins, got text`},
		{"alias", "orgs:\n  acme:\n    admins: &a [alice]\n    members: *a\n",
			`peribolos.yaml:4:14: YAML aliases (*a) are not supported`},
		{"syntax", "orgs:\n  acme:\n    admins: [alice\n",
			`peribolos.yaml:`},
		{"not an org name", "orgs:\n  -acme:\n    admins: [alice]\n",
			`peribolos.yaml:2:3: orgs.-acme: "-acme" is not a GitHub organization name`},
		{"no orgs", "orgs: {}\n", `peribolos.yaml:1:1: orgs: no organization`},
		{"empty", "", `peribolos.yaml:1:1: file is empty`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse("peribolos.yaml", []byte(tc.in))
			if err == nil {
				t.Fatal("accepted")
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got  %v\nwant %s", err, tc.want)
			}
		})
	}
}

func TestParseReadsMembershipAndSettings(t *testing.T) {
	in := `orgs:
  acme:
    name: ACME Inc
    billing_email: x@example.com
    admins: [Alice]
    members: [bob]
    repos:
      site:
        description: the site
        collaborators: {carol: write}
        on_create: {auto_init: true}
    teams:
      Core Team:
        description: core
        privacy: secret
        maintainers: [alice]
        members: [bob]
        previously: [core]
        teams:
          core-reviewers:
            members: [carol]
`
	orgs, err := Parse("p.yaml", []byte(in))
	if err != nil {
		t.Fatal(err)
	}
	o := orgs[0]
	if o.Name != "acme" || len(o.Admins) != 1 || o.Admins[0].Name != "Alice" || len(o.Settings) != 2 || len(o.Repos) != 1 {
		t.Fatalf("org: %+v", o)
	}
	core := o.Teams["Core Team"]
	if core == nil || core.Privacy != "secret" || len(core.Previously) != 1 || core.Children["core-reviewers"] == nil {
		t.Fatalf("team: %+v", core)
	}
	res, err := Convert(orgs)
	if err != nil {
		t.Fatal(err)
	}
	g := string(res.Files["groups/acme.core-team.maintainers.yaml"])
	if !strings.Contains(g, "team: core-team") || !strings.Contains(g, "role: maintainer") {
		t.Errorf("maintainers group:\n%s", g)
	}
	if c := string(res.Files["groups/acme.core-reviewers.yaml"]); !strings.Contains(c, "parent: core-team") {
		t.Errorf("child team:\n%s", c)
	}
	if res.People != 3 || res.OrgMemberships != 2 || res.TeamMemberships != 3 {
		t.Errorf("counts %d %d %d", res.People, res.OrgMemberships, res.TeamMemberships)
	}
}

// TestLoadDirMergesTeamsAndRefusesDuplicates: teams.yaml one level below
// the org merge in; deeper ones are not read; a team defined twice is an
// error naming both files.
func TestLoadDirMergesTeamsAndRefusesDuplicates(t *testing.T) {
	fsys := fstest.MapFS{
		"acme/org.yaml":              {Data: []byte("admins: [alice]\nteams:\n  a:\n    members: [bob]\n")},
		"acme/sig-x/teams.yaml":      {Data: []byte("teams:\n  b:\n    members: [carol]\n")},
		"acme/sig-x/deep/teams.yaml": {Data: []byte("teams:\n  c:\n    members: [dave]\n")},
		"notes.md":                   {Data: []byte("# not an org")},
		"other/README.md":            {Data: []byte("no org.yaml here")},
	}
	orgs, err := LoadDir(fsys)
	if err != nil {
		t.Fatal(err)
	}
	if len(orgs) != 1 || len(orgs[0].Teams) != 2 || orgs[0].Teams["b"] == nil {
		t.Fatalf("orgs: %+v", orgs)
	}
	if _, err := LoadDir(fstest.MapFS{"org.yaml": {Data: []byte("admins: [a]\n")}}); err == nil || !strings.Contains(err.Error(), "give its parent") {
		t.Errorf("one org's directory: %v", err)
	}
	fsys["acme/sig-y/teams.yaml"] = &fstest.MapFile{Data: []byte("teams:\n  a:\n    members: [erin]\n")}
	fsys["acme/sig-z/teams.yaml"] = &fstest.MapFile{Data: []byte("teams:\n  z:\n    members: [erin]\nmembers: [erin]\n")}
	_, err = LoadDir(fsys)
	for _, want := range []string{
		`acme/sig-y/teams.yaml:2:3: teams.a: team "a" is already defined at acme/org.yaml:3`,
		`acme/sig-z/teams.yaml:4:1: members: unknown key "members"`,
	} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("got %v\nwant %s", err, want)
		}
	}
}

func TestConvertRefusesWhatCannotBeImported(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"orgs:\n  acme:\n    members: [bob]\n", "organization acme lists no admins"},
		{"orgs:\n  acme:\n    admins: [a]\n    teams:\n      Core:\n        members: [b]\n      core:\n        members: [c]\n", `has the same slug "core"`},
		{"orgs:\n  acme:\n    admins: [a]\n    teams:\n      '!!':\n        members: [b]\n", "gives no usable slug"},
	} {
		orgs, err := Parse("p.yaml", []byte(tc.in))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := Convert(orgs); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: got %v, want %s", tc.in, err, tc.want)
		}
	}
}
