package github_test

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/access-as-code/access/internal/githubfake"
	"github.com/access-as-code/access/reconcile"
	"github.com/access-as-code/access/reconcile/github"
	"github.com/access-as-code/access/schema"
)

// A dumped org validates, and a plan of it against the same org changes
// nothing: the import path of `dump --only github`.
func TestDumpedOrgPlansNoChange(t *testing.T) {
	w := newWorld(t, nil)
	w.s.SetOrgMember("k8s", "admin2", githubfake.RoleAdmin)
	w.s.AddTeam("k8s", "parent", "")
	w.s.AddTeam("k8s", "child", "parent")
	w.s.AddTeam("k8s", "empty", "")
	w.s.AddTeam("k8s", "members", "") // named like the org's member file
	w.s.SetTeamMember("k8s", "parent", "Mixed-Case", githubfake.RoleMaintainer)
	w.s.SetTeamMember("k8s", "child", "bob", githubfake.RoleMember)
	w.s.SetTeamMember("k8s", "members", "bob", githubfake.RoleMember)
	w.s.SetTeamMember("k8s", "parent", "admin2", githubfake.RoleMember) // shown as maintainer: an owner
	w.s.Invite("k8s", "invitee", "direct_member", "child")
	teams, err := w.p.Teams(ctx(t), "k8s")
	if err != nil {
		t.Fatal(err)
	}
	q := reconcile.Query{Groups: []string{"k8s"}}
	parents := map[string]string{}
	for slug, parent := range teams {
		q.Groups = append(q.Groups, "k8s/"+slug)
		if parent != "" {
			parents["k8s/"+slug] = parent
		}
	}
	obs, err := w.p.Observe(ctx(t), q)
	if err != nil {
		t.Fatal(err)
	}
	files, _, err := reconcile.Dump(nil, nil, reconcile.DumpOptions{Owners: []string{"admin2"}, GitHub: obs,
		GitHubCaps: github.Capabilities(), GitHubParents: parents, Protected: map[string][]string{"github": {"access-bot"}}})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for _, f := range files {
		p := filepath.Join(dir, filepath.FromSlash(f.Path))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, f.Content, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	now := time.Now()
	cfg, err := schema.CheckDir(dir, now)
	if err != nil {
		t.Fatalf("the dump does not validate: %v", err)
	}
	d := schema.Compile(cfg, now)
	p := w.plan(github.Want(d), "access-bot")
	if !p.Empty() {
		t.Fatalf("plan of the dump: %q", ops(p))
	}
	if got := len(github.Want(d)); got != 5 {
		t.Fatalf("%d managed groups, want the org and its 4 teams", got)
	}
	if github.TeamsOf(d)["k8s/child"].Parent != "parent" {
		t.Fatalf("child's parent not dumped: %+v", github.TeamsOf(d))
	}
}
