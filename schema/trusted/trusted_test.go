package trusted_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-git/go-git/v5/plumbing"

	"github.com/access-as-code/access/schema"
	"github.com/access-as-code/access/schema/gitrev/gitrevtest"
	"github.com/access-as-code/access/schema/trusted"
)

var oktaURL = trusted.Setting{Env: "OKTA_ORG_URL", Key: "okta.org_url",
	Field: func(c *schema.Config) string { return c.Settings.Okta.OrgURL }}

func config(oktaURL string) *schema.Config {
	c := &schema.Config{}
	c.Settings.Okta.OrgURL = oktaURL
	return c
}

func envOf(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestRunOfKnowsPullRequestsAndTheirBase(t *testing.T) {
	for _, tc := range []struct {
		env  map[string]string
		want trusted.Run
	}{
		{nil, trusted.Run{}},
		{map[string]string{"GITHUB_EVENT_NAME": "push"}, trusted.Run{}},
		{map[string]string{"GITHUB_EVENT_NAME": "schedule"}, trusted.Run{}},
		{map[string]string{"GITHUB_EVENT_NAME": "pull_request", "GITHUB_BASE_REF": "main"}, trusted.Run{PullRequest: true, BaseRev: "origin/main"}},
		{map[string]string{"GITHUB_EVENT_NAME": "pull_request_target", "GITHUB_BASE_REF": "release/2"}, trusted.Run{PullRequest: true, BaseRev: "origin/release/2"}},
		{map[string]string{"GITHUB_EVENT_NAME": "merge_group"}, trusted.Run{PullRequest: true}},
		{map[string]string{"GITHUB_EVENT_NAME": "pull_request_review"}, trusted.Run{PullRequest: true}},
		// GITHUB_BASE_REF alone means a pull request whatever the event says.
		{map[string]string{"GITHUB_BASE_REF": "main"}, trusted.Run{PullRequest: true, BaseRev: "origin/main"}},
	} {
		if got := trusted.RunOf(envOf(tc.env)); got != tc.want {
			t.Errorf("RunOf(%v) = %+v, want %+v", tc.env, got, tc.want)
		}
	}
}

func TestRunOfTakesTheBaseOfOtherPullRequestEventsFromTheirPayload(t *testing.T) {
	dir := t.TempDir()
	sha := "0123456789abcdef0123456789abcdef01234567"
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	for _, tc := range []struct {
		event, payload, want string
	}{
		{"pull_request_review", `{"review":{},"pull_request":{"base":{"ref":"main","sha":"` + sha + `"}}}`, sha},
		{"merge_group", `{"merge_group":{"base_ref":"refs/heads/main","base_sha":"` + sha + `"}}`, sha},
		{"merge_group", `{"merge_group":{"base_sha":"HEAD"}}`, ""}, // only a full commit id is taken
		{"merge_group", `not json`, ""},
		{"push", `{"pull_request":{"base":{"sha":"` + sha + `"}}}`, ""}, // not a pull request
	} {
		env := map[string]string{"GITHUB_EVENT_NAME": tc.event, "GITHUB_EVENT_PATH": write("event.json", tc.payload)}
		if got := trusted.RunOf(envOf(env)); got.BaseRev != tc.want {
			t.Errorf("%s %s: BaseRev = %q, want %q", tc.event, tc.payload, got.BaseRev, tc.want)
		}
	}
	env := map[string]string{"GITHUB_EVENT_NAME": "merge_group", "GITHUB_EVENT_PATH": filepath.Join(dir, "missing.json")}
	if got := trusted.RunOf(envOf(env)); !got.PullRequest || got.BaseRev != "" {
		t.Errorf("an unreadable payload leaves the base unknown: %+v", got)
	}
}

func TestOutsideAPullRequestTheCheckedOutConfigIsTrusted(t *testing.T) {
	s := trusted.New(trusted.Options{Getenv: envOf(nil), Checked: config("https://merged.okta.com"),
		ReadBase: func(string) (*schema.Config, error) {
			t.Error("the base is read outside a pull request")
			return nil, nil
		}})
	if v, err := s.Value(oktaURL); err != nil || v != "https://merged.okta.com" {
		t.Errorf("Value = %q, %v", v, err)
	}
	s = trusted.New(trusted.Options{Getenv: envOf(map[string]string{"OKTA_ORG_URL": "https://env.okta.com"}), Checked: config("https://merged.okta.com")})
	if v, err := s.Value(oktaURL); err != nil || v != "https://env.okta.com" {
		t.Errorf("the environment must win: Value = %q, %v", v, err)
	}
}

func TestInAPullRequestOnlyTheBaseOrTheEnvironmentNamesTheDestination(t *testing.T) {
	run := trusted.Run{PullRequest: true, BaseRev: "origin/main"}
	var reads sync.Map
	readBase := func(rev string) (*schema.Config, error) {
		n, _ := reads.LoadOrStore(rev, new(int))
		*n.(*int)++
		return config("https://base.okta.com"), nil
	}
	s := trusted.New(trusted.Options{Getenv: envOf(nil), Checked: config("https://evil.example"), Run: run, ReadBase: readBase})
	for range 3 {
		if v, err := s.Value(oktaURL); err != nil || v != "https://base.okta.com" {
			t.Fatalf("Value = %q, %v; want the base's URL", v, err)
		}
	}
	if n, ok := reads.Load("origin/main"); !ok || *n.(*int) != 1 {
		t.Errorf("the base must be read once, at origin/main: %v", n)
	}

	s = trusted.New(trusted.Options{Getenv: envOf(map[string]string{"OKTA_ORG_URL": "https://env.okta.com"}), Checked: config("https://evil.example"), Run: run,
		ReadBase: func(string) (*schema.Config, error) {
			t.Error("the base is read although the environment names the URL")
			return nil, nil
		}})
	if v, err := s.Value(oktaURL); err != nil || v != "https://env.okta.com" {
		t.Errorf("Value = %q, %v; want the environment's URL", v, err)
	}
}

func TestAnUnreadableBaseFailsAndNeverFallsBackToTheCheckedOutConfig(t *testing.T) {
	checked := config("https://evil.example")
	for name, o := range map[string]trusted.Options{
		"base unreadable": {Run: trusted.Run{PullRequest: true, BaseRev: "origin/main"},
			ReadBase: func(string) (*schema.Config, error) { return nil, errors.New("revision not found") }},
		"base unknown": {Run: trusted.Run{PullRequest: true},
			ReadBase: func(string) (*schema.Config, error) { return config("https://x"), nil }},
		"no reader": {Run: trusted.Run{PullRequest: true, BaseRev: "origin/main"}},
	} {
		o.Checked = checked
		v, err := trusted.New(o).Value(oktaURL)
		if err == nil || v != "" {
			t.Errorf("%s: Value = %q, %v; want an error and no URL", name, v, err)
			continue
		}
		if !strings.Contains(err.Error(), "set OKTA_ORG_URL") {
			t.Errorf("%s: the error must say which variable to set: %v", name, err)
		}
	}
}

func TestWhereNamesTheTrustedPlace(t *testing.T) {
	for run, want := range map[trusted.Run]string{
		{}: "OKTA_ORG_URL (or okta.org_url in access.yaml)",
		{PullRequest: true, BaseRev: "origin/main"}: "OKTA_ORG_URL (or okta.org_url in access.yaml on the base branch origin/main)",
		{PullRequest: true}:                         "OKTA_ORG_URL",
	} {
		if got := trusted.New(trusted.Options{Run: run}).Where(oktaURL); got != want {
			t.Errorf("Where(%+v) = %q, want %q", run, got, want)
		}
	}
}

// AtRevision reads the committed config, not the work tree (which holds the
// change under review), and resolves origin/BRANCH as actions/checkout
// leaves it.
func TestAtRevisionReadsTheCommittedBase(t *testing.T) {
	b := gitrevtest.New(t)
	b.Write("cfg/access.yaml", "okta:\n  org_url: https://base.okta.com\n")
	b.Write("cfg/users.yaml", "users: []\n")
	base := b.Commit("base", "erin", time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC))
	if err := b.Repo.Storer.SetReference(plumbing.NewHashReference(plumbing.NewRemoteReferenceName("origin", "main"), base)); err != nil {
		t.Fatal(err)
	}
	b.Branch("pr")
	b.Write("cfg/access.yaml", "okta:\n  org_url: https://evil.example\n")
	b.Write("cfg/groups/broken.yaml", "::: not yaml")
	b.Commit("pr", "mallory", time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC))

	read := trusted.AtRevision(filepath.Join(b.Dir, "cfg"))
	cfg, err := read("origin/main")
	if err != nil || cfg.Settings.Okta.OrgURL != "https://base.okta.com" {
		t.Fatalf("origin/main: %v, %v", cfg, err)
	}
	// A broken group file does not hide access.yaml's settings...
	if cfg, err := read("HEAD"); err != nil || cfg.Settings.Okta.OrgURL != "https://evil.example" {
		t.Errorf("HEAD: %v, %v", cfg, err)
	}
	// ...but a broken access.yaml is an error, as is a missing revision.
	if err := os.WriteFile(filepath.Join(b.Dir, "cfg/access.yaml"), []byte("okta: [\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	b.Commit("break settings", "mallory", time.Date(2026, 11, 3, 9, 0, 0, 0, time.UTC))
	if _, err := read("HEAD"); err == nil || !strings.Contains(err.Error(), "access.yaml") {
		t.Errorf("a broken access.yaml must be an error naming it: %v", err)
	}
	if _, err := read("origin/nope"); err == nil {
		t.Error("a missing revision must be an error")
	}
}
