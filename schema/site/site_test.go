package site

import (
	"bytes"
	"flag"
	"io"
	"io/fs"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/access-as-code/access/schema"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

// exampleNow is a fixed instant at which the example config has grants
// ending within a week and others later.
var exampleNow = time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)

func exampleConfig(t testing.TB) (*schema.Config, *schema.Desired) {
	t.Helper()
	cfg, err := schema.CheckDir(filepath.Join("..", "..", "access-config"), exampleNow)
	if err != nil {
		t.Fatal(err)
	}
	return cfg, schema.Compile(cfg, exampleNow)
}

var exampleOpts = Options{Now: exampleNow, Commit: "0123456789abcdef0123456789abcdef01234567",
	RepoURL: "https://github.com/acme/access", Branch: "main", ConfigPath: "access-config"}

// buildMap renders a site into memory.
func buildMap(t testing.TB, cfg *schema.Config, d *schema.Desired, opts Options) map[string][]byte {
	t.Helper()
	files := map[string][]byte{}
	var mu sync.Mutex
	err := Build(cfg, d, opts, func(name string, body func(io.Writer) error) error {
		var buf bytes.Buffer
		if err := body(&buf); err != nil {
			return err
		}
		mu.Lock()
		defer mu.Unlock()
		if _, dup := files[name]; dup {
			t.Errorf("%s written twice", name)
		}
		files[name] = buf.Bytes()
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

func TestExampleSiteMatchesGolden(t *testing.T) {
	cfg, d := exampleConfig(t)
	files := buildMap(t, cfg, d, exampleOpts)
	golden := filepath.Join("testdata", "golden")
	if *update {
		if err := os.RemoveAll(golden); err != nil {
			t.Fatal(err)
		}
		for name, data := range files {
			p := filepath.Join(golden, filepath.FromSlash(name))
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(p, data, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	want := map[string][]byte{}
	err := filepath.WalkDir(golden, func(p string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(golden, p)
		data, err := os.ReadFile(p)
		want[filepath.ToSlash(rel)] = data
		return err
	})
	if err != nil {
		t.Fatalf("%v (run go test -update to create the golden files)", err)
	}
	for name, data := range files {
		w, ok := want[name]
		switch {
		case !ok:
			t.Errorf("%s: generated but not in testdata/golden (go test -update)", name)
		case !bytes.Equal(data, w):
			t.Errorf("%s differs from testdata/golden/%s (go test -update to accept):\n%s", name, name, firstDiff(w, data))
		}
	}
	for name := range want {
		if _, ok := files[name]; !ok {
			t.Errorf("%s: in testdata/golden but no longer generated", name)
		}
	}
}

func firstDiff(want, got []byte) string {
	wl, gl := strings.Split(string(want), "\n"), strings.Split(string(got), "\n")
	for i := 0; i < len(wl) || i < len(gl); i++ {
		var w, g string
		if i < len(wl) {
			w = wl[i]
		}
		if i < len(gl) {
			g = gl[i]
		}
		if w != g {
			return "line " + strconv.Itoa(i+1) + ":\n  want " + w + "\n  got  " + g
		}
	}
	return ""
}

func TestSameConfigGivesSameBytes(t *testing.T) {
	cfg, d := exampleConfig(t)
	a := buildMap(t, cfg, d, exampleOpts)
	cfg2, d2 := exampleConfig(t)
	b := buildMap(t, cfg2, d2, exampleOpts)
	if len(a) != len(b) {
		t.Fatalf("%d files, then %d", len(a), len(b))
	}
	for name := range a {
		if !bytes.Equal(a[name], b[name]) {
			t.Errorf("%s: different bytes on a second build", name)
		}
	}
}

func TestEveryPageExistsAndEveryRelativeLinkResolves(t *testing.T) {
	cfg, d := exampleConfig(t)
	files := buildMap(t, cfg, d, exampleOpts)
	want := []string{"index.html", "expiring.html", "site.css", "site.js", "search-index.js",
		"groups/index.html", "roles/index.html", "apps/index.html", "people/index.html"}
	for n := range cfg.Groups {
		want = append(want, "groups/"+n+".html")
	}
	for n := range cfg.Roles {
		want = append(want, "roles/"+n+".html")
	}
	for n := range cfg.Apps {
		want = append(want, "apps/"+n+".html")
	}
	for _, u := range cfg.Users {
		want = append(want, "people/"+u.ID+".html")
	}
	for _, n := range want {
		if _, ok := files[n]; !ok {
			t.Errorf("no %s", n)
		}
	}
	refs := regexp.MustCompile(`(?:href|src)="([^"]*)"`)
	for name, data := range files {
		if !strings.HasSuffix(name, ".html") {
			continue
		}
		for _, m := range refs.FindAllSubmatch(data, -1) {
			h := strings.ReplaceAll(string(m[1]), "&amp;", "&")
			u, err := url.Parse(h)
			if err != nil {
				t.Errorf("%s: bad link %q", name, h)
				continue
			}
			if u.IsAbs() {
				if !strings.HasPrefix(h, exampleOpts.RepoURL+"/") {
					t.Errorf("%s: link outside the site and repository: %s", name, h)
				}
				continue
			}
			if u.Path == "" {
				if u.Fragment != "" && !bytes.Contains(data, []byte(`id="`+u.Fragment+`"`)) {
					t.Errorf("%s: link to missing anchor #%s", name, u.Fragment)
				}
				continue
			}
			target := path.Join(path.Dir(name), u.Path)
			if _, ok := files[target]; !ok {
				t.Errorf("%s: link %s: no %s in the site", name, h, target)
			}
		}
	}
}

func TestRequestLinkOpensTheIssueFormOrTheHowToSection(t *testing.T) {
	cfg, d := exampleConfig(t)
	names := make([]string, 0, len(cfg.Groups))
	for n := range cfg.Groups {
		names = append(names, n)
	}
	sort.Strings(names)
	g := names[0]
	with := string(buildMap(t, cfg, d, exampleOpts)["groups/"+g+".html"])
	form := `href="https://github.com/acme/access/issues/new?template=access-request.yml&amp;group=` + g + `">Request access</a>`
	if !strings.Contains(with, form) {
		t.Errorf("with --repo-url, group %s has no request link to the issue form %s", g, form)
	}
	src := `href="https://github.com/acme/access/blob/main/access-config/groups/` + g + `.yaml#L1"`
	if !strings.Contains(with, src) {
		t.Errorf("group %s has no source link %s", g, src)
	}
	dotGit := exampleOpts
	dotGit.RepoURL = "https://github.com/acme/access.git/"
	if got := string(buildMap(t, cfg, d, dotGit)["groups/"+g+".html"]); !strings.Contains(got, form) {
		t.Errorf("a --repo-url ending in .git/ gives no request link to %s", form)
	}
	opts := exampleOpts
	opts.RepoURL = ""
	without := string(buildMap(t, cfg, d, opts)["groups/"+g+".html"])
	if !strings.Contains(without, `href="#how-to-request">Request access</a>`) || !strings.Contains(without, `id="how-to-request"`) {
		t.Errorf("without --repo-url, group %s's request link does not lead to its How to request section", g)
	}
	if !strings.Contains(without, "reconcile request "+g+" --reason") {
		t.Errorf("without --repo-url, group %s shows no reconcile request command", g)
	}
	if strings.Contains(without, "https://") {
		t.Errorf("without --repo-url, group %s links outside the site", g)
	}
}

func TestNamesThatCannotBePagesAreRefused(t *testing.T) {
	cfg, d := exampleConfig(t)
	for n, g := range cfg.Groups {
		delete(cfg.Groups, n)
		g.Name = "index"
		cfg.Groups["index"] = g
		break
	}
	err := Build(cfg, d, exampleOpts, func(string, func(io.Writer) error) error { return nil })
	if err == nil || !strings.Contains(err.Error(), `group "index"`) {
		t.Fatalf("a group named index: err = %v, want a refusal naming it", err)
	}
}

func TestGitHubTargetsShowOnGroupAndPersonPages(t *testing.T) {
	cfg, _ := exampleConfig(t)
	cfg.Settings.GitHub.Orgs = []string{"acme"}
	g := cfg.Groups["backend"]
	g.GitHub = []schema.GitHubTarget{{Org: "acme", Team: "backend", Role: schema.GitHubMaintainer}}
	d := schema.Compile(cfg, exampleNow)
	files := buildMap(t, cfg, d, exampleOpts)
	page := string(files["groups/backend.html"])
	if !strings.Contains(page, `<th scope="row">GitHub</th><td><code>acme/backend</code></td><td>maintainer</td>`) {
		t.Error("groups/backend.html does not show its GitHub team and role")
	}
	var holder string
	for id := range d.Groups["backend"] {
		if u := findUser(cfg, id); u != nil && u.GitHub != "" {
			holder = id
			break
		}
	}
	if holder == "" {
		t.Fatal("nobody with a GitHub login holds backend in the example")
	}
	person := string(files["people/"+holder+".html"])
	if !strings.Contains(person, `<code>acme/backend</code></th><td>maintainer</td>`) {
		t.Errorf("people/%s.html does not show the GitHub team backend grants", holder)
	}
}

func findUser(cfg *schema.Config, id string) *schema.User {
	for _, u := range cfg.Users {
		if u.ID == id {
			return u
		}
	}
	return nil
}
