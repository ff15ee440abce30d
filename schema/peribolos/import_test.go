package peribolos

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/access-as-code/access/schema"
)

var now = time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)

const excerpt = "testdata/kubernetes-org/config"

// inputCounts counts the excerpt's people, org memberships and team
// memberships straight from the YAML, independently of the parser.
func inputCounts(t *testing.T, dir string) (people, orgM, teamM int) {
	t.Helper()
	logins := map[string]bool{}
	type team struct {
		Members, Maintainers []string
		Teams                map[string]team
	}
	var count func(org string, ts map[string]team)
	count = func(org string, ts map[string]team) {
		for _, tm := range ts {
			seen := map[string]bool{}
			for _, l := range append(tm.Members, tm.Maintainers...) {
				logins[strings.ToLower(l)] = true
				seen[strings.ToLower(l)] = true
			}
			teamM += len(seen)
			count(org, tm.Teams)
		}
	}
	orgs, _ := os.ReadDir(dir)
	for _, o := range orgs {
		var cfg struct {
			Admins, Members []string
			Teams           map[string]team
		}
		b, err := os.ReadFile(filepath.Join(dir, o.Name(), "org.yaml"))
		if err != nil {
			t.Fatal(err)
		}
		if err := yaml.Unmarshal(b, &cfg); err != nil {
			t.Fatal(err)
		}
		seen := map[string]bool{}
		for _, l := range append(cfg.Admins, cfg.Members...) {
			logins[strings.ToLower(l)] = true
			seen[strings.ToLower(l)] = true
		}
		orgM += len(seen)
		count(o.Name(), cfg.Teams)
		files, _ := filepath.Glob(filepath.Join(dir, o.Name(), "*", "teams.yaml"))
		for _, f := range files {
			var tf struct{ Teams map[string]team }
			b, _ := os.ReadFile(f)
			if err := yaml.Unmarshal(b, &tf); err != nil {
				t.Fatal(err)
			}
			count(o.Name(), tf.Teams)
		}
	}
	return len(logins), orgM, teamM
}

// TestImportKubernetesOrgRoundTrip: the import of a real kubernetes/org
// excerpt validates, and compiling it gives back every person, org
// membership and team membership of the input.
func TestImportKubernetesOrgRoundTrip(t *testing.T) {
	res, err := Import(excerpt, nil, now)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := schema.Check(res.FS(), now)
	if err != nil {
		t.Fatalf("output does not validate: %v", err)
	}
	d := schema.Compile(cfg, now)
	people, orgM, teamM := inputCounts(t, excerpt)
	if people == 0 || orgM == 0 || teamM == 0 {
		t.Fatal("the excerpt is empty")
	}
	gotOrg, gotTeam := 0, 0
	for _, o := range d.GitHub.Orgs {
		if !o.Managed {
			t.Errorf("an imported org is not managed: %+v", o)
		}
		for _, g := range o.Members {
			if !g.Implied {
				gotOrg++
			}
		}
	}
	for _, tm := range d.GitHub.Teams {
		gotTeam += len(tm.Members)
	}
	if len(cfg.Users) != people || gotOrg != orgM || gotTeam != teamM {
		t.Errorf("round trip: people %d/%d, org memberships %d/%d, team memberships %d/%d (got/want)", len(cfg.Users), people, gotOrg, orgM, gotTeam, teamM)
	}
	if res.People != people || res.OrgMemberships != orgM || res.TeamMemberships != teamM {
		t.Errorf("reported counts %d %d %d, want %d %d %d", res.People, res.OrgMemberships, res.TeamMemberships, people, orgM, teamM)
	}

	// The team called "members" does not take the org members' group; its
	// child names it as parent; a team listed with no members is managed.
	if g := cfg.Groups["etcd-io.team-members"]; g == nil || g.GitHub[0].Team != "members" {
		t.Errorf("team members: %+v", g)
	}
	if g := cfg.Groups["etcd-io.members"]; g == nil || g.GitHub[0].Team != "" {
		t.Errorf("org members group: %+v", g)
	}
	if tm := d.GitHub.Teams["etcd-io/reviewers-etcd"]; tm == nil || tm.Parent != "members" {
		t.Errorf("reviewers-etcd: %+v", tm)
	}
	if tm, ok := d.GitHub.Teams["etcd-io/release-etcd"]; !ok || len(tm.Members) != 0 {
		t.Errorf("release-etcd should be managed and empty: %+v", tm)
	}
	// Maintainers hold the maintainer role and own their team's groups.
	pb := d.GitHub.Teams["kubernetes-nightly/publishing-bot-maintainers"]
	if pb == nil || pb.Members["dims"].Role != schema.GitHubMaintainer || pb.Members["xmudrii"].Role != schema.GitHubMember {
		t.Fatalf("publishing-bot-maintainers: %+v", pb)
	}
	if o := d.Owners["group/kubernetes-nightly.publishing-bot-maintainers"]; !contains(o, "dims") || contains(o, "cblecker") {
		t.Errorf("owners of a team with maintainers: %v", o)
	}
	if o := d.Owners["group/kubernetes-nightly.members"]; !contains(o, "cblecker") {
		t.Errorf("owners of the org members group: %v", o)
	}
	if d.GitHub.Orgs["kubernetes-nightly"].Members["madhavjivrajani"].Role != schema.GitHubAdmin {
		t.Error("an org admin is not admin")
	}

	var text string
	for _, n := range res.NotImported {
		text += n + "\n"
	}
	for _, want := range []string{
		"kubernetes-nightly/sig-release/teams.yaml:15: kubernetes-nightly team publishing-bot-admins: previously",
		"etcd-io/org.yaml:12: org etcd-io setting billing_email",
		"etcd-io team members: repos (7 repository permissions)",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("not imported lacks %q:\n%s", want, text)
		}
	}
}

func TestImportIsDeterministicAndFiltersOrgs(t *testing.T) {
	a, err := Import(excerpt, []string{"ETCD-io"}, now)
	if err != nil {
		t.Fatal(err)
	}
	b, err := Import(excerpt, []string{"etcd-io"}, now)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(a.Files, b.Files) {
		t.Error("two imports differ")
	}
	for name := range a.Files {
		if strings.Contains(name, "nightly") {
			t.Errorf("--orgs etcd-io wrote %s", name)
		}
	}
	if !bytes.Contains(a.Files["access.yaml"], []byte("- etcd-io")) || bytes.Contains(a.Files["access.yaml"], []byte("nightly")) {
		t.Errorf("access.yaml:\n%s", a.Files["access.yaml"])
	}
	if _, err := Import(excerpt, []string{"kubernetes"}, now); err == nil || !strings.Contains(err.Error(), "kubernetes not in the config") {
		t.Errorf("unknown org: %v", err)
	}
}

func TestWriteRefusesAnExistingConfig(t *testing.T) {
	res, err := Import(excerpt, nil, now)
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "out")
	if err := res.Write(dir); err != nil {
		t.Fatal(err)
	}
	if _, err := schema.CheckDir(dir, now); err != nil {
		t.Fatalf("written config: %v", err)
	}
	if err := res.Write(dir); err == nil {
		t.Error("wrote over a config")
	}
}
