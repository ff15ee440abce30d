package codeowners

import (
	"strings"
	"testing"
	"time"

	"github.com/access-as-code/access/schema"
)

var now = time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)

func fixture() *schema.Config {
	return &schema.Config{
		Settings: schema.Settings{Admins: []string{"root"}},
		Users: []*schema.User{
			{ID: "root", GitHub: "root-gh"}, {ID: "alice", GitHub: "Alice-GH"}, {ID: "bob", GitHub: "bob-gh"},
			{ID: "carol", GitHub: "carol-gh"}, {ID: "nologin"},
		},
		Roles: map[string]*schema.Role{"leads": {Name: "leads", Owners: []schema.Ref{{User: "alice"}},
			Members: []schema.Member{{Ref: schema.Ref{User: "bob"}}}}},
		Apps: map[string]*schema.App{"billing": {Name: "billing", Owners: []schema.Ref{{User: "carol"}}}},
		Groups: map[string]*schema.Group{
			"backend":  {Name: "backend", Owners: []schema.Ref{{User: "alice"}, {Role: "leads"}}},
			"invoices": {Name: "invoices", App: "billing", Owners: []schema.Ref{{User: "alice"}}},
			"orphan":   {Name: "orphan", Owners: []schema.Ref{{User: "nologin"}}},
		},
	}
}

func TestGenerateRoundTripsOwnersAsLogins(t *testing.T) {
	cfg := fixture()
	out := Generate(cfg, schema.Compile(cfg, now), "access-config")
	got := Parse(out)
	want := map[string]string{
		"/access-config/":                     "@root-gh",
		"/access-config/users.yaml":           "@root-gh",
		"/.github/":                           "@root-gh",
		"/access-config/groups/backend.yaml":  "@Alice-GH @bob-gh",   // role owner expands to its members
		"/access-config/groups/invoices.yaml": "@Alice-GH @carol-gh", // app owners co-own
		"/access-config/groups/orphan.yaml":   "@root-gh",            // no login: admins
		"/access-config/roles/leads.yaml":     "@Alice-GH",
		"/access-config/apps/billing.yaml":    "@carol-gh",
	}
	for pattern, owners := range want {
		if strings.Join(got[pattern], " ") != owners {
			t.Errorf("%s owners = %v, want %s", pattern, got[pattern], owners)
		}
	}
	// Later patterns win in CODEOWNERS: the catch-all must come before the files.
	if strings.Index(string(out), "/access-config/ ") > strings.Index(string(out), "groups/backend.yaml") {
		t.Error("the admin catch-all comes after the file rules and would override them")
	}
	if d := Diff(out, Generate(cfg, schema.Compile(cfg, now), "access-config")); d != "" {
		t.Errorf("generation is not deterministic:\n%s", d)
	}
}

func TestDiffShowsStaleLines(t *testing.T) {
	cfg := fixture()
	before := Generate(cfg, schema.Compile(cfg, now), "")
	cfg.Groups["backend"].Owners = []schema.Ref{{User: "carol"}}
	after := Generate(cfg, schema.Compile(cfg, now), "")
	d := Diff(before, after)
	if d != "-/groups/backend.yaml @Alice-GH @bob-gh\n+/groups/backend.yaml @carol-gh\n" {
		t.Errorf("diff = %q", d)
	}
}
