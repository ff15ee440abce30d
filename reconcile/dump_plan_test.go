package reconcile_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/access-as-code/access/reconcile"
	"github.com/access-as-code/access/reconcile/gitlab"
	"github.com/access-as-code/access/reconcile/okta"
	"github.com/access-as-code/access/schema"
)

// A dumped config, validated and planned with the providers' own Want and
// Capabilities against what was dumped, changes nothing.
func TestDumpThenValidateThenPlanHasNoChanges(t *testing.T) {
	oktaObs, gitlabObs := reconcile.DumpFixture()
	files, warns, err := reconcile.Dump(oktaObs, gitlabObs, reconcile.DumpOptions{Owners: []string{"alice"}})
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
	for _, o := range []*reconcile.Observed{oktaObs, gitlabObs} {
		for _, g := range o.Groups {
			for id, m := range g.Members {
				o.Accounts[m.Login] = &reconcile.Account{ID: id, Login: m.Login, Active: true}
			}
		}
	}
	delete(oktaObs.Groups, "Missing")
	p := reconcile.MakePlan(reconcile.Input{Target: "okta", Caps: okta.Capabilities(), Want: okta.Want(d), Observed: oktaObs},
		reconcile.Input{Target: "gitlab", Caps: gitlab.Capabilities(), Want: gitlab.Want(d), Observed: gitlabObs})
	if !p.Empty() {
		t.Errorf("plan after dump should be empty: %v", p.Changes)
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
