package reconcile

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/access-as-code/access/schema"
)

func dumpFixture() (okta, gitlab *Observed) {
	okta = obs(map[string]map[string]string{
		"Eng-Backend": {"00u1": "alice@acme.example", "00u2": "bob@acme.example"},
		"Ops":         {"00u2": "bob@acme.example", "00u3": "carol.x@acme.example"},
		"Missing":     nil,
	})
	gitlab = obs(map[string]map[string]string{
		"platform/backend": {"11": "alice:developer", "12": "bob:maintainer", "13": "zed:developer", "14": "parent:owner:inherited", "15": "min:guest"},
	})
	gitlab.Groups["platform/backend"].Members["15"].Level = 5 // minimal access
	return okta, gitlab
}

func TestDumpThenValidateThenPlanHasNoChanges(t *testing.T) {
	okta, gitlab := dumpFixture()
	files, warns, err := Dump(okta, gitlab, DumpOptions{Owners: []string{"alice"}})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for _, f := range files {
		p := filepath.Join(dir, f.Path)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, f.Content, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	now := time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)
	cfg, err := schema.CheckDir(dir, now)
	if err != nil {
		for _, f := range files {
			t.Logf("%s:\n%s", f.Path, f.Content)
		}
		t.Fatalf("dump does not validate: %v", err)
	}
	d := schema.Compile(cfg, now)
	// The accounts a real Observe would resolve for the dumped logins.
	for _, o := range []*Observed{okta, gitlab} {
		for _, g := range o.Groups {
			for id, m := range g.Members {
				o.Accounts[m.Login] = &Account{ID: id, Login: m.Login, Active: true}
			}
		}
	}
	delete(okta.Groups, "Missing")
	p := MakePlan(Input{Target: "okta", Caps: oktaLike, Want: WantOkta(d), Observed: okta}, Input{Target: "gitlab", Caps: gitlabLike, Want: WantGitLab(d), Observed: gitlab})
	if !p.Empty() {
		t.Errorf("plan after dump should be empty: %v", ops(p))
	}
	users := string(files[0].Content)
	if !strings.Contains(users, "gitlab: alice") || !strings.Contains(users, "okta_id: 00u1") || !strings.Contains(users, "gitlab_id: 11") {
		t.Errorf("alice's Okta and GitLab accounts should be one pinned person:\n%s", users)
	}
	if !strings.Contains(users, "zed@gitlab.invalid # placeholder") {
		t.Errorf("a GitLab-only person gets a marked placeholder email:\n%s", users)
	}
	kinds := map[string]bool{}
	for _, w := range warns {
		kinds[w.Kind] = true
	}
	if !kinds["not_found"] || !kinds["unsupported_level"] {
		t.Errorf("warnings = %+v", warns)
	}
}

func TestDumpKeepsExistingIDsAndNeedsOwners(t *testing.T) {
	okta, _ := dumpFixture()
	if _, _, err := Dump(okta, nil, DumpOptions{}); err == nil {
		t.Fatal("dump without owners must fail: group files need owners")
	}
	existing := &schema.Config{Users: []*schema.User{{ID: "bobby", Email: "bob@acme.example"}}}
	files, _, err := Dump(okta, nil, DumpOptions{Existing: existing, Owners: []string{"bobby"}})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(files[0].Content), "id: bobby") || strings.Contains(string(files[0].Content), "id: bob\n") {
		t.Errorf("bob should keep his existing id:\n%s", files[0].Content)
	}
}
