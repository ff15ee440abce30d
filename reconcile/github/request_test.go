package github_test

import (
	"context"
	"encoding/json"
	"errors"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/access-as-code/access/internal/githubfake"
	rgh "github.com/access-as-code/access/reconcile/github"
	"github.com/access-as-code/access/schema/request"
)

var requestNow = time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)

// seedExample puts the example config under access-config/ on main.
func seedExample(t *testing.T, srv *githubfake.Server) map[string]string {
	t.Helper()
	files := map[string]string{"README.md": "# acme access\n"}
	err := fs.WalkDir(os.DirFS("../../access-config"), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile("../../access-config/" + p)
		files["access-config/"+p] = string(data)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	srv.SeedBranch(repo, "main", files)
	return files
}

func until(s string) *time.Time {
	t, _ := time.Parse("2006-01-02", s)
	return &t
}

func count(reqs []string, prefix string) int {
	n := 0
	for _, r := range reqs {
		if strings.HasPrefix(r, prefix) {
			n++
		}
	}
	return n
}

func TestRequestOpensOnePullRequestFromTheRemoteBase(t *testing.T) {
	srv, c := newClient(t, githubfake.Options{Token: "t0ken", Login: "bokafor"})
	files := seedExample(t, srv)
	main, _ := srv.BranchCommit(repo, "main")
	ctx := context.Background()
	snap, err := c.Snapshot(ctx, "main", "access-config", nil)
	if err != nil {
		t.Fatal(err)
	}
	in := rgh.RequestInput{Request: request.Request{Group: "production", User: "bob", Until: until("2026-12-20"),
		Reason: "INC-1 on call", Requester: "bob"}, Login: "bokafor", Now: requestNow}
	opened, err := c.OpenRequest(ctx, snap, in)
	if err != nil {
		t.Fatal(err)
	}
	if opened.Branch != "access-request/bob-production-20261123" {
		t.Errorf("branch %s", opened.Branch)
	}
	got, ok := srv.File(repo, opened.Branch, "access-config/groups/production.yaml")
	want := strings.Replace(files["access-config/groups/production.yaml"], "    reason: INC-2231 payment outage follow-up\n",
		"    reason: INC-2231 payment outage follow-up\n  - user: bob\n    until: 2026-12-20\n    reason: INC-1 on call\n", 1)
	if !ok || got != want {
		t.Errorf("branch file:\n%s\nwant:\n%s", got, want)
	}
	for _, p := range []string{"README.md", "access-config/users.yaml", "access-config/groups/backend.yaml"} {
		if got, _ := srv.File(repo, opened.Branch, p); got != files[p] {
			t.Errorf("%s changed on the branch", p)
		}
	}
	if bc, _ := srv.BranchCommit(repo, opened.Branch); len(bc.Parents) != 1 || bc.Parents[0] != main.SHA {
		t.Errorf("commit parents %v, want the base %s", bc.Parents, main.SHA)
	}
	pulls := srv.Pulls(repo)
	if len(pulls) != 1 {
		t.Fatalf("%d pull requests", len(pulls))
	}
	pr := pulls[0]
	if pr.HeadRef != opened.Branch || pr.BaseRef != "main" || opened.Number != pr.Number || !strings.HasSuffix(opened.URL, "/pull/1") {
		t.Errorf("pull %+v opened %+v", pr, opened)
	}
	if request.Requester(pr.Body) != "bokafor" {
		t.Errorf("body does not record the requester:\n%s", pr.Body)
	}
	for _, w := range []string{"Add bob to production until 2026-12-20", "INC-1 on call", "Who gets or loses access", "Who needs to approve", "dave"} {
		if !strings.Contains(pr.Body, w) {
			t.Errorf("body lacks %q:\n%s", w, pr.Body)
		}
	}
	// Without a local copy every file of the config is one blob read; the
	// rest (ref, commit, trees, the new blob, tree, commit, ref, pull) is
	// a fixed few.
	inDir := 0
	for p := range files {
		if strings.HasPrefix(p, "access-config/") {
			inDir++
		}
	}
	if n := len(srv.Requests()); n > inDir+8 {
		t.Errorf("%d requests for one request, want at most %d", n, inDir+8)
	}
}

func TestSnapshotTakesOnlyLocalFilesWhoseHashMatches(t *testing.T) {
	srv, c := newClient(t, githubfake.Options{})
	files := seedExample(t, srv)
	ctx := context.Background()
	if _, err := c.Snapshot(ctx, "main", "access-config", os.DirFS("../../access-config")); err != nil {
		t.Fatal(err)
	}
	if n := count(srv.Requests(), "GET /repos/"+repo+"/git/blobs/"); n != 0 {
		t.Errorf("%d blobs downloaded though the checkout matches", n)
	}
	stale := fstest.MapFS{}
	for p, content := range files {
		if rel, ok := strings.CutPrefix(p, "access-config/"); ok {
			stale[rel] = &fstest.MapFile{Data: []byte(content)}
		}
	}
	stale["users.yaml"] = &fstest.MapFile{Data: []byte("users: []\n")} // an old checkout
	snap, err := c.Snapshot(ctx, "main", "access-config", stale)
	if err != nil {
		t.Fatal(err)
	}
	if n := count(srv.Requests(), "GET /repos/"+repo+"/git/blobs/"); n != 1 {
		t.Errorf("%d blobs downloaded, want only the stale one", n)
	}
	if got, _ := fs.ReadFile(snap.FS, "users.yaml"); string(got) != files["access-config/users.yaml"] {
		t.Errorf("the stale local file was used")
	}
}

// failingPulls forwards to the fake but refuses to open pull requests.
func failingPulls(t *testing.T, srv *githubfake.Server) *rgh.Client {
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/pulls") {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusBadGateway)
			_, _ = w.Write([]byte(`{"message":"Server Error"}`))
			return
		}
		srv.Config.Handler.ServeHTTP(w, r)
	}))
	t.Cleanup(proxy.Close)
	c, err := rgh.New(rgh.Options{APIURL: proxy.URL, Token: "t", Repo: repo})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestFailedRequestLeavesNoBranch(t *testing.T) {
	srv := githubfake.New(githubfake.Options{})
	defer srv.Close()
	seedExample(t, srv)
	c := failingPulls(t, srv)
	ctx := context.Background()
	snap, err := c.Snapshot(ctx, "main", "access-config", nil)
	if err != nil {
		t.Fatal(err)
	}
	in := rgh.RequestInput{Request: request.Request{Group: "backend", User: "bob", Until: until("2026-12-20"), Reason: "x"}, Now: requestNow}
	if _, err := c.OpenRequest(ctx, snap, in); err == nil {
		t.Fatal("no error")
	}
	if got := srv.Branches(repo); len(got) != 1 || got[0] != "main" {
		t.Errorf("branches after a failure: %v", got)
	}
	if count(srv.Requests(), "DELETE ") != 1 {
		t.Errorf("the branch was not deleted: %v", srv.Requests())
	}

	// A branch that already exists is someone's earlier request: refused,
	// and left as it is.
	srv.SeedBranch(repo, "access-request/bob-backend-20261123", map[string]string{"x": "y"})
	_, err = c.OpenRequest(ctx, snap, in)
	var rej *rgh.Rejected
	if !errors.As(err, &rej) || !strings.Contains(err.Error(), "already exists") {
		t.Errorf("existing branch: %v", err)
	}
	if len(srv.Branches(repo)) != 2 {
		t.Errorf("branches %v", srv.Branches(repo))
	}
}

// issueEvent is an `issues` payload as GitHub sends it (trimmed).
func issueEvent(t *testing.T, number int, author, body string) *rgh.IssueEvent {
	t.Helper()
	payload := map[string]any{
		"action": "opened",
		"issue": map[string]any{"number": number, "title": "Access request", "body": body, "state": "open",
			"user":   map[string]any{"login": author, "id": 1, "type": "User"},
			"labels": []map[string]any{{"name": "access-request", "color": "ededed"}}},
		"repository": map[string]any{"full_name": repo, "name": "access"},
		"sender":     map[string]any{"login": author},
	}
	data, _ := json.Marshal(payload)
	ev, err := rgh.ParseIssueEvent(data)
	if err != nil {
		t.Fatal(err)
	}
	return ev
}

func form(group, person, until, reason string) string {
	v := func(s string) string {
		if s == "" {
			return "_No response_"
		}
		return s
	}
	return "### Group\n\n" + v(group) + "\n\n### Person\n\n" + v(person) + "\n\n### Until\n\n" + v(until) + "\n\n### Reason\n\n" + v(reason)
}

func TestIssueFormOpensAPullRequestAndCommentsItsLink(t *testing.T) {
	srv, c := newClient(t, githubfake.Options{Login: "access-bot[bot]"})
	seedExample(t, srv)
	body := form("production", "carol", "2026-12-20", `INC-7 "quoted", admins: [mallory] # not a key`)
	n := srv.OpenIssue(repo, "alice-moreau", "Access request", body)
	ev := issueEvent(t, n, "alice-moreau", body)
	opened, err := c.RequestFromIssue(context.Background(), ev, rgh.IssueRequest{Base: "main", Dir: "access-config", Now: requestNow})
	if err != nil {
		t.Fatal(err)
	}
	pulls := srv.Pulls(repo)
	if len(pulls) != 1 || request.Requester(pulls[0].Body) != "alice-moreau" || pulls[0].Author != "access-bot[bot]" {
		t.Fatalf("pulls %+v", pulls)
	}
	if request.Author(pulls[0].Author, true, pulls[0].Body) != "alice-moreau" {
		t.Error("approvals would not see the requester as the author")
	}
	cs := srv.Comments(repo, n)
	if len(cs) != 1 || !strings.Contains(cs[0].Body, opened.URL) {
		t.Fatalf("issue comments %+v", cs)
	}
	// Editing the issue runs the workflow again: the open pull request is
	// pointed to, nothing new is made.
	ev.Action = "edited"
	_, err = c.RequestFromIssue(context.Background(), ev, rgh.IssueRequest{Base: "main", Dir: "access-config", Now: requestNow})
	var rej *rgh.Rejected
	if !errors.As(err, &rej) || !strings.Contains(err.Error(), opened.URL) {
		t.Errorf("second run: %v", err)
	}
	if cs := srv.Comments(repo, n); len(cs) != 2 || !strings.Contains(cs[1].Body, opened.URL) || len(srv.Pulls(repo)) != 1 {
		t.Errorf("second run: comments %+v, %d pulls", cs, len(srv.Pulls(repo)))
	}
	// The reason is one string value in the file, whatever it contains.
	text, _ := srv.File(repo, opened.Branch, "access-config/groups/production.yaml")
	var doc struct {
		Owners  []any               `yaml:"owners"`
		Members []map[string]string `yaml:"members"`
	}
	if err := yaml.Unmarshal([]byte(text), &doc); err != nil {
		t.Fatal(err)
	}
	last := doc.Members[len(doc.Members)-1]
	if last["user"] != "carol" || last["reason"] != `INC-7 "quoted", admins: [mallory] # not a key` || len(last) != 3 || len(doc.Owners) != 2 {
		t.Errorf("entry %v owners %v", last, doc.Owners)
	}
}

func TestHostileIssuesAreRejectedWithACommentAndNothingWritten(t *testing.T) {
	cases := map[string]struct{ body, want string }{
		"path traversal":            {form("../../access.yaml", "carol", "2026-12-20", "x"), "not a valid name"},
		"traversal no suffix":       {form("../../access", "carol", "2026-12-20", "x"), "not a valid name"},
		"reason injection":          {form("backend", "carol", "2026-12-20", "x\"\n  - user: mallory\n    until: 2999-01-01"), "one line"},
		"date in 2999":              {form("production", "carol", "2999-01-01", "x"), "max_duration"},
		"loose date":                {form("backend", "carol", "next friday", "x"), "want a date"},
		"unknown person":            {form("backend", "mallroy", "2026-12-20", "x"), `no user "mallroy"`},
		"unknown group":             {form("prodution", "carol", "2026-12-20", "x"), `did you mean "production"`},
		"no reason":                 {form("backend", "carol", "2026-12-20", ""), "Reason field is empty"},
		"shadowed field":            {form("backend", "carol", "2026-12-20", "x\n\n### Group\n\nproduction"), "twice"},
		"no person, unknown author": {form("backend", "", "2026-12-20", "x"), "not in users.yaml"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			srv, c := newClient(t, githubfake.Options{Login: "access-bot[bot]"})
			seedExample(t, srv)
			author := "carol-ng"
			if name == "no person, unknown author" {
				author = "stranger"
			}
			n := srv.OpenIssue(repo, author, "Access request", tc.body)
			_, err := c.RequestFromIssue(context.Background(), issueEvent(t, n, author, tc.body),
				rgh.IssueRequest{Base: "main", Dir: "access-config", Now: requestNow})
			var rej *rgh.Rejected
			if !errors.As(err, &rej) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want a rejection with %q", err, tc.want)
			}
			cs := srv.Comments(repo, n)
			if len(cs) != 1 || !strings.Contains(cs[0].Body, "could not be opened") || !strings.Contains(cs[0].Body, tc.want) {
				t.Errorf("comment %+v", cs)
			}
			if b := srv.Branches(repo); len(b) != 1 || len(srv.Pulls(repo)) != 0 {
				t.Errorf("written: branches %v pulls %v", b, srv.Pulls(repo))
			}
			if count(srv.Requests(), "POST /repos/"+repo+"/git/") != 0 {
				t.Errorf("git objects were created: %v", srv.Requests())
			}
		})
	}
}

func TestRequestWithABadTokenSaysSoAndWritesNothing(t *testing.T) {
	srv, _ := newClient(t, githubfake.Options{Token: "right"})
	seedExample(t, srv)
	c, err := rgh.New(rgh.Options{APIURL: srv.URL, Token: "wrong", Repo: repo})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Snapshot(context.Background(), "main", "access-config", nil)
	if err == nil || !strings.Contains(err.Error(), "401 Bad credentials") {
		t.Errorf("err = %v", err)
	}
	if len(srv.Branches(repo)) != 1 {
		t.Errorf("branches %v", srv.Branches(repo))
	}
}
