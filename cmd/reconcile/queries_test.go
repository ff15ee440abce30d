package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/access-as-code/access/schema/gitrev/gitrevtest"
)

// queryConfig is a small org for the query commands: alice reaches
// platform/backend as developer (backend) and bob as maintainer
// (backend-admins); carol's temporary entry ends 2026-12-31.
var queryConfig = map[string]string{
	"access.yaml": "admins: [erin]\n",
	"users.yaml": `users:
  - {id: alice, name: Alice Example, email: alice@example.com, gitlab: alice, github: alice-gh}
  - {id: bob, email: bob@example.com, gitlab: bob}
  - {id: carol, email: carol@example.com, gitlab: carol}
  - {id: erin, email: erin@example.com}
`,
	"apps/gitlab.yaml":             "description: Source code\nowners: [{role: backend-engineers}]\n",
	"roles/backend-engineers.yaml": "description: Backend team\nowners: [bob]\nmembers:\n  - alice\n",
	"groups/backend.yaml": `description: Backend engineers
app: gitlab
owners: [bob]
okta:
  group: Eng-Backend
gitlab:
  - group: platform/backend
    access: developer
members:
  - role: backend-engineers
  - user: carol
    until: 2026-12-31
    reason: INC-1234 cross-team help
`,
	"groups/backend-admins.yaml": `description: Maintainers of the backend repositories
owners: [erin]
gitlab:
  - group: platform/backend
    access: maintainer
members:
  - bob
`,
}

const queryNow = "2026-11-23"

func writeConfig(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, body := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// runQuery runs the command tree in-process, as main does.
func runQuery(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(context.Background(), args, strings.NewReader(""), &out, &errb, func(string) string { return "" })
	return code, out.String(), errb.String()
}

func TestValidateReportsCountsOnAValidConfig(t *testing.T) {
	dir := writeConfig(t, queryConfig)
	code, out, errOut := runQuery(t, "validate", "--config", dir, "--now", queryNow)
	if code != 0 || out != "config is valid: 4 users, 2 groups, 1 role, 1 app\n" {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	code, out, _ = runQuery(t, "validate", "--config", dir, "--now", queryNow, "--format", "json")
	var v validationJSON
	if err := json.Unmarshal([]byte(out), &v); err != nil || code != 0 || !v.Valid || v.Users != 4 || len(v.Errors) != 0 {
		t.Fatalf("exit %d, %+v, %v\n%s", code, v, err, out)
	}
}

func TestValidatePrintsEveryErrorAndExitsOne(t *testing.T) {
	files := map[string]string{}
	for k, v := range queryConfig {
		files[k] = v
	}
	files["groups/backend-admins.yaml"] = strings.Replace(queryConfig["groups/backend-admins.yaml"], "  - bob\n", "  - bobb\ncolour: blue\n", 1)
	dir := writeConfig(t, files)
	code, out, _ := runQuery(t, "validate", "--config", dir, "--now", queryNow)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if code != 1 || len(lines) != 3 || lines[2] != "2 errors" {
		t.Fatalf("exit %d, output:\n%s", code, out)
	}
	pos := regexp.MustCompile(`^groups/backend-admins\.yaml:\d+:\d+: `)
	for _, l := range lines[:2] {
		if !pos.MatchString(l) {
			t.Errorf("line %q does not start with path:line:col", l)
		}
	}
	if !strings.Contains(out, "bobb") || !strings.Contains(out, "colour") {
		t.Errorf("errors do not name the mistakes:\n%s", out)
	}
	code, out, _ = runQuery(t, "validate", "--config", dir, "--now", queryNow, "--format", "json")
	var v validationJSON
	if err := json.Unmarshal([]byte(out), &v); err != nil || code != 1 || v.Valid || len(v.Errors) != 2 {
		t.Fatalf("exit %d, %+v, %v", code, v, err)
	}
	if e := v.Errors[0]; e.File != "groups/backend-admins.yaml" || e.Line == 0 || e.Col == 0 || e.Message == "" {
		t.Errorf("first error %+v lacks its position", e)
	}
	// the other commands refuse to answer from an invalid config
	code, _, errOut := runQuery(t, "who-has", "backend", "--config", dir, "--now", queryNow)
	if code != 1 || !strings.Contains(errOut, "is invalid (2 errors") {
		t.Errorf("who-has on an invalid config: exit %d, %q", code, errOut)
	}
}

func TestWhoHasPrintsHowAndUntil(t *testing.T) {
	dir := writeConfig(t, queryConfig)
	code, out, errOut := runQuery(t, "who-has", "backend", "--config", dir, "--now", queryNow)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{"backend (group): 2 members", "alice", "role backend-engineers", "carol", "2026-12-31", "INC-1234 cross-team help"} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %q in:\n%s", want, out)
		}
	}
	// After carol's until she is gone.
	_, out, _ = runQuery(t, "who-has", "backend", "--config", dir, "--now", "2026-12-31", "--format", "json")
	var res struct {
		Members []struct {
			User struct{ ID string } `json:"user"`
		} `json:"members"`
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil || len(res.Members) != 1 || res.Members[0].User.ID != "alice" {
		t.Errorf("at carol's until: %s (%v)", out, err)
	}
}

func TestUnknownNamesFailWithASuggestion(t *testing.T) {
	dir := writeConfig(t, queryConfig)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"who-has", "bakend"}, `unknown group "bakend"; did you mean "backend"?`},
		{[]string{"access-of", "alcie"}, `unknown user "alcie"; did you mean "alice"?`},
		{[]string{"compare", "alice", "bbo"}, `did you mean "bob"?`},
		{[]string{"owned-by", "erni"}, `did you mean "erin"?`},
		{[]string{"list", "grups"}, `did you mean "groups"?`},
		{[]string{"list", "groups", "--format", "yaml"}, `unknown format "yaml"`},
		{[]string{"validate", "--config", filepath.Join(dir, "nope")}, `nope: no such file or directory`},
		{[]string{"access-of", "alice", "--config", filepath.Join(dir, "users.yaml")}, `not a directory`},
	} {
		code, out, errOut := runQuery(t, append([]string{"--config", dir, "--now", queryNow}, c.args...)...)
		if code != 1 || out != "" || !strings.Contains(errOut, c.want) {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want exit 1 and %q", c.args, code, out, errOut, c.want)
		}
	}
}

func TestAccessOfAcceptsAnyIdentifierAndShowsHighestLevel(t *testing.T) {
	dir := writeConfig(t, queryConfig)
	code, out, errOut := runQuery(t, "access-of", "alice-gh", "--config", dir, "--now", queryNow, "--format", "json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var res struct {
		User   struct{ ID string }             `json:"user"`
		Groups []struct{ Group string }        `json:"groups"`
		Okta   []struct{ Group string }        `json:"okta"`
		GitLab []struct{ Group, Level string } `json:"gitlab"`
		Apps   []struct{ App string }          `json:"apps"`
		Roles  []struct{ Role string }         `json:"roles"`
		Commit *struct{ Commit string }        `json:"commit"`
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatal(err)
	}
	if res.User.ID != "alice" || len(res.Groups) != 1 || res.Okta[0].Group != "Eng-Backend" || res.GitLab[0].Level != "developer" ||
		res.Apps[0].App != "gitlab" || res.Roles[0].Role != "backend-engineers" || res.Commit != nil {
		t.Errorf("unexpected answer: %s", out)
	}
	_, out, _ = runQuery(t, "access-of", "bob", "--config", dir, "--now", queryNow)
	if !regexp.MustCompile(`platform/backend\s+maintainer\s+backend-admins \(maintainer\)`).MatchString(out) {
		t.Errorf("bob's GitLab level not shown:\n%s", out)
	}
}

func TestAccessOfAtReadsTheConfigOfThatDate(t *testing.T) {
	b := gitrevtest.New(t)
	for name, body := range queryConfig {
		b.Write("access-config/"+name, body)
	}
	b.Commit("initial config", "Alice", time.Date(2026, 1, 10, 9, 0, 0, 0, time.UTC))
	b.Write("access-config/roles/backend-engineers.yaml", "description: Backend team\nowners: [bob]\nmembers:\n  - bob\n")
	b.Commit("alice leaves the backend team", "Bob", time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC))
	dir := filepath.Join(b.Dir, "access-config")

	code, out, errOut := runQuery(t, "access-of", "alice", "--config", dir, "--at", "2026-03-01")
	if code != 0 || !strings.Contains(out, "backend") || !strings.Contains(out, "config of commit") {
		t.Fatalf("in March: exit %d\n%s%s", code, out, errOut)
	}
	code, out, _ = runQuery(t, "access-of", "alice", "--config", dir, "--at", "2026-07-01", "--format", "json")
	var res struct {
		Groups []any                    `json:"groups"`
		Commit struct{ Subject string } `json:"commit"`
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil || code != 0 || len(res.Groups) != 0 || res.Commit.Subject != "alice leaves the backend team" {
		t.Errorf("in July: exit %d %+v %v\n%s", code, res, err, out)
	}
	code, _, errOut = runQuery(t, "access-of", "alice", "--config", dir, "--at", "2025-01-01")
	if code != 1 || !strings.Contains(errOut, "no commit at or before") {
		t.Errorf("before history: exit %d %q", code, errOut)
	}
}

func TestCompareShowsBothDirections(t *testing.T) {
	dir := writeConfig(t, queryConfig)
	code, out, errOut := runQuery(t, "compare", "alice", "bob", "--config", dir, "--now", queryNow)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	theirs, mine, ok := strings.Cut(out, "What alice has that bob has not")
	if !ok || !strings.Contains(theirs, "What bob has that alice has not") {
		t.Fatalf("sections missing:\n%s", out)
	}
	for _, want := range []string{"backend-admins", "maintainer (alice: developer)"} {
		if !strings.Contains(theirs, want) {
			t.Errorf("bob's side lacks %q:\n%s", want, theirs)
		}
	}
	for _, want := range []string{"backend", "backend-engineers", "Eng-Backend", "gitlab"} {
		if !strings.Contains(mine, want) {
			t.Errorf("alice's side lacks %q:\n%s", want, mine)
		}
	}
}

func TestListShowsOwnersMembersAndTargets(t *testing.T) {
	dir := writeConfig(t, queryConfig)
	code, out, _ := runQuery(t, "list", "groups", "--config", dir, "--now", queryNow)
	if code != 0 || !regexp.MustCompile(`backend\s+gitlab\s+bob\s+2\s+Eng-Backend\s+platform/backend \(developer\)`).MatchString(out) {
		t.Errorf("exit %d:\n%s", code, out)
	}
	_, out, _ = runQuery(t, "list", "roles", "--config", dir, "--now", queryNow, "--format", "json")
	var res struct {
		Kind  string `json:"kind"`
		Roles []struct {
			Name    string   `json:"name"`
			Members int      `json:"members"`
			Groups  []string `json:"groups"`
		} `json:"roles"`
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil || res.Kind != "roles" || len(res.Roles) != 1 || res.Roles[0].Members != 1 || res.Roles[0].Groups[0] != "backend" {
		t.Errorf("%+v %v", res, err)
	}
	_, out, _ = runQuery(t, "list", "apps", "--config", dir, "--now", queryNow, "--format", "markdown")
	if !strings.Contains(out, "| gitlab | role:backend-engineers | backend | Source code |") {
		t.Errorf("markdown:\n%s", out)
	}
}

func TestOwnedBySaysAdminsOwnEverything(t *testing.T) {
	dir := writeConfig(t, queryConfig)
	_, out, _ := runQuery(t, "owned-by", "alice", "--config", dir, "--now", queryNow)
	for _, want := range []string{"app    gitlab", "role backend-engineers", "app gitlab (role backend-engineers)"} {
		if !strings.Contains(out, want) {
			t.Errorf("alice owned-by lacks %q:\n%s", want, out)
		}
	}
	_, out, _ = runQuery(t, "owned-by", "erin", "--config", dir, "--now", queryNow)
	if !strings.Contains(out, "erin is an admin") || !strings.Contains(out, "backend-admins") {
		t.Errorf("erin:\n%s", out)
	}
}

func TestQueriesAnswerFromTheExampleConfig(t *testing.T) {
	const example = "../../access-config"
	if code, out, errOut := runQuery(t, "validate", "--config", example); code != 0 {
		t.Fatalf("the example config does not validate: %s%s", out, errOut)
	}
	for _, args := range [][]string{{"access-of", "alice"}, {"compare", "alice", "bob"}, {"list", "groups"}, {"list", "roles"}, {"list", "apps"}, {"owned-by", "alice"}, {"who-has", "backend"}} {
		code, out, errOut := runQuery(t, append(args, "--config", example)...)
		if code != 0 || out == "" {
			t.Errorf("%v: exit %d, %q %q", args, code, out, errOut)
		}
	}
}
