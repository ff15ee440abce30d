package site

import (
	"context"
	"fmt"
	"maps"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// chromium finds Debian's headless Chromium. Without it the browser test
// skips on a developer machine but fails under CI, which must install it
// (.ci/run does).
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "/usr/bin/chromium"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatal("chromium is not installed and CI is set: the site's browser test must run (apt-get install chromium)")
	}
	t.Skip("chromium is not installed (apt-get install chromium); the browser test is skipped, and fails under CI=true")
	return ""
}

// browser is one headless Chromium tab that records what would make a page
// broken: uncaught exceptions, console and log errors, and requests that
// leave the site's directory.
type browser struct {
	ctx  context.Context
	site string // file:// URL of the site's directory, with a trailing slash

	mu       sync.Mutex
	problems []string
}

func newBrowser(t *testing.T, dir string) *browser {
	t.Helper()
	exe := chromium(t)
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(exe),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	t.Cleanup(cancel)
	actx, acancel := chromedp.NewExecAllocator(ctx, opts...)
	t.Cleanup(acancel)
	bctx, bcancel := chromedp.NewContext(actx)
	t.Cleanup(bcancel)
	b := &browser{ctx: bctx, site: (&url.URL{Scheme: "file", Path: filepath.ToSlash(dir) + "/"}).String()}
	err := chromedp.Listen(bctx, func(ev any) {
		var p string
		switch e := ev.(type) {
		case *runtime.EventExceptionThrown:
			p = "exception: " + e.ExceptionDetails.Text
			if e.ExceptionDetails.Exception != nil {
				p += " " + e.ExceptionDetails.Exception.Description
			}
		case *runtime.EventConsoleAPICalled:
			if e.Type == runtime.ConsoleAPICalledTypeError || e.Type == runtime.ConsoleAPICalledTypeAssert {
				p = "console." + string(e.Type)
			}
		case *log.EventEntryAdded:
			if e.Entry.Level == log.EntryLevelError {
				p = "log error: " + e.Entry.Text + " " + e.Entry.URL
			}
		case *network.EventRequestWillBeSent:
			if !strings.HasPrefix(e.Request.URL, b.site) {
				p = "request outside the site: " + e.Request.URL
			}
		}
		if p != "" {
			b.mu.Lock()
			b.problems = append(b.problems, p)
			b.mu.Unlock()
		}
	})
	if err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	return b
}

// open loads a page of the site and fails the test if loading it raised a
// problem.
func (b *browser) open(t *testing.T, page string) {
	t.Helper()
	b.mu.Lock()
	b.problems = nil
	b.mu.Unlock()
	if err := chromedp.Do(b.ctx, chromedp.Navigate(b.site+page), chromedp.WaitReady(chromedp.CSS("footer"))); err != nil {
		t.Fatalf("open %s: %v", page, err)
	}
	// Exceptions of late scripts arrive after load: ask the page for
	// something trivial so the events in flight are read.
	if _, err := chromedp.Run(b.ctx, chromedp.Evaluate[int](`1`)); err != nil {
		t.Fatal(err)
	}
	b.check(t, page)
}

func (b *browser) check(t *testing.T, page string) {
	t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, p := range b.problems {
		t.Errorf("%s: %s", page, p)
	}
	b.problems = nil
}

func eval[T any](t *testing.T, b *browser, js string) T {
	t.Helper()
	v, err := chromedp.Run(b.ctx, chromedp.Evaluate[T](js))
	if err != nil {
		t.Fatalf("evaluate %s: %v", js, err)
	}
	return v
}

func TestSiteInChromium(t *testing.T) {
	cfg, d := exampleConfig(t)
	dir := t.TempDir()
	if err := Build(cfg, d, exampleOpts, WriteDir(dir)); err != nil {
		t.Fatal(err)
	}
	b := newBrowser(t, dir)

	group, role, app := firstKey(cfg.Groups), firstKey(cfg.Roles), firstKey(cfg.Apps)
	person := cfg.Users[0].ID
	pages := []string{"index.html", "expiring.html", "groups/index.html", "roles/index.html", "apps/index.html",
		"people/index.html", "groups/" + group + ".html", "roles/" + role + ".html", "apps/" + app + ".html",
		"people/" + person + ".html"}

	t.Run("every page kind loads without errors and its links resolve", func(t *testing.T) {
		for _, p := range pages {
			b.open(t, p)
			links := eval[[]string](t, b, `Array.from(document.querySelectorAll("a[href], link[href], script[src]"), e => e.href || e.src)`)
			if len(links) == 0 {
				t.Errorf("%s: no links", p)
			}
			for _, l := range links {
				checkLink(t, b, dir, p, l)
			}
		}
	})

	t.Run("search filters as one types and keeps ?q=", func(t *testing.T) {
		b.open(t, "index.html")
		g := cfg.Groups[group]
		word := g.Name
		if err := chromedp.Do(b.ctx, chromedp.SendKeys(chromedp.ID("q"), word)); err != nil {
			t.Fatal(err)
		}
		hits := eval[[]string](t, b, `Array.from(document.querySelectorAll("#results a"), a => a.textContent)`)
		if !contains(hits, group) {
			t.Errorf("typing %q: results %v lack the group", word, hits)
		}
		if len(hits) >= len(cfg.Groups)+len(cfg.Roles)+len(cfg.Apps)+len(cfg.Users) {
			t.Errorf("typing %q filtered nothing: %d results", word, len(hits))
		}
		loc := eval[string](t, b, `location.search`)
		if loc != "?q="+url.QueryEscape(word) {
			t.Errorf("after typing %q, location.search = %q", word, loc)
		}
		// A person's name finds them.
		u := cfg.Users[0]
		if u.Name != "" {
			if err := chromedp.Do(b.ctx, chromedp.Evaluate[chromedp.Void](`document.getElementById("q").value = ""`), chromedp.SendKeys(chromedp.ID("q"), strings.ToLower(u.Name))); err != nil {
				t.Fatal(err)
			}
			hits = eval[[]string](t, b, `Array.from(document.querySelectorAll("#results a"), a => a.textContent)`)
			if !contains(hits, u.ID) {
				t.Errorf("typing %q (field %q): results %v lack %s", u.Name, eval[string](t, b, `document.getElementById("q").value`), hits, u.ID)
			}
		}
		// Nonsense finds nothing and says so.
		if err := chromedp.Do(b.ctx, chromedp.Evaluate[chromedp.Void](`document.getElementById("q").value = ""`), chromedp.SendKeys(chromedp.ID("q"), "zzqqxx")); err != nil {
			t.Fatal(err)
		}
		if n := eval[int](t, b, `document.querySelectorAll("#results li").length`); n != 0 {
			t.Errorf("typing nonsense left %d results", n)
		}
		if s := eval[string](t, b, `document.getElementById("results-status").textContent`); !strings.Contains(s, "No matches") {
			t.Errorf("typing nonsense: status %q", s)
		}
		b.check(t, "index.html (search)")

		// The query in the URL is applied on load.
		b.open(t, "index.html?q="+url.QueryEscape(word))
		if v := eval[string](t, b, `document.getElementById("q").value`); v != word {
			t.Errorf("loading ?q=%s: field holds %q", word, v)
		}
		hits = eval[[]string](t, b, `Array.from(document.querySelectorAll("#results a"), a => a.textContent)`)
		if !contains(hits, group) {
			t.Errorf("loading ?q=%s: results %v lack the group", word, hits)
		}
		// A result is a working link to the item's page.
		href := eval[string](t, b, fmt.Sprintf(`Array.from(document.querySelectorAll("#results a")).find(a => a.textContent === %q).href`, group))
		if want := b.site + "groups/" + group + ".html"; href != want {
			t.Errorf("result link %s, want %s", href, want)
		}
	})

	t.Run("keyboard: skip link first, search by typing and Enter stays on the page", func(t *testing.T) {
		b.open(t, "index.html")
		if err := chromedp.Do(b.ctx, chromedp.KeyEvent(kb.Tab)); err != nil {
			t.Fatal(err)
		}
		if got := eval[string](t, b, `document.activeElement.textContent`); got != "Skip to content" {
			t.Errorf("first Tab focuses %q, want the skip link", got)
		}
		if x := eval[float64](t, b, `document.activeElement.getBoundingClientRect().left`); x < 0 {
			t.Errorf("the focused skip link is off screen (left %v)", x)
		}
		// A reload would drop this marker: Enter must filter in place.
		if err := chromedp.Do(b.ctx, chromedp.Evaluate[chromedp.Void](`window.notReloaded = true`),
			chromedp.Focus(chromedp.ID("q")), chromedp.KeyEvent(role+kb.Enter)); err != nil {
			t.Fatal(err)
		}
		hits := eval[[]string](t, b, `Array.from(document.querySelectorAll("#results a"), a => a.textContent)`)
		if !contains(hits, role) {
			t.Errorf("typing %q and Enter: results %v lack the role", role, hits)
		}
		if !eval[bool](t, b, `window.notReloaded === true`) {
			t.Error("Enter in the search field reloaded the page")
		}
		b.check(t, "index.html (keyboard)")
	})

	t.Run("a phone-width screen needs no sideways scrolling", func(t *testing.T) {
		if err := chromedp.Do(b.ctx, chromedp.EmulateViewport(360, 740, chromedp.EmulateMobile)); err != nil {
			t.Fatal(err)
		}
		defer chromedp.Do(b.ctx, chromedp.ResetViewport())
		for _, p := range pages {
			b.open(t, p)
			// The viewport meta tag makes the page as wide as the phone ...
			if w := eval[int](t, b, `window.innerWidth`); w > 360 {
				t.Errorf("%s: laid out %d px wide on a 360 px phone (viewport meta?)", p, w)
			}
			// ... and wide tables scroll inside their own box, not the page.
			if over := eval[int](t, b, `document.documentElement.scrollWidth - window.innerWidth`); over > 0 {
				t.Errorf("%s: %d px wider than a 360 px phone", p, over)
			}
		}
	})

	t.Run("request access leads to the issue form", func(t *testing.T) {
		b.open(t, "groups/"+group+".html")
		href := eval[string](t, b, `Array.from(document.querySelectorAll("a")).find(a => a.textContent === "Request access").href`)
		want := "https://github.com/acme/access/issues/new?template=access-request.yml&group=" + url.QueryEscape(group)
		if href != want {
			t.Errorf("Request access = %s, want %s", href, want)
		}
		src := eval[string](t, b, `Array.from(document.querySelectorAll("a")).find(a => a.textContent === "View in repository").href`)
		if want := "https://github.com/acme/access/blob/main/access-config/groups/" + group + ".yaml#L1"; src != want {
			t.Errorf("View in repository = %s, want %s", src, want)
		}
	})

	t.Run("without --repo-url request access leads to the page's command", func(t *testing.T) {
		plain := t.TempDir()
		opts := exampleOpts
		opts.RepoURL = ""
		if err := Build(cfg, d, opts, WriteDir(plain)); err != nil {
			t.Fatal(err)
		}
		pb := newBrowser(t, plain)
		pb.open(t, "groups/"+group+".html")
		if err := chromedp.Do(pb.ctx, chromedp.Click(chromedp.CSS("a.button"))); err != nil {
			t.Fatal(err)
		}
		if h := eval[string](t, pb, `location.hash`); h != "#how-to-request" {
			t.Errorf("after clicking Request access, location.hash = %q", h)
		}
		cmd := eval[string](t, pb, `document.querySelector("#how-to-request ~ pre code").textContent`)
		if !strings.HasPrefix(cmd, "reconcile request "+group+" --reason") {
			t.Errorf("How to request shows %q", cmd)
		}
		pb.check(t, "groups/"+group+".html")
	})
}

// checkLink fails when a link of the site points nowhere: a file that does
// not exist, or an anchor missing from its page. Links to the repository
// are allowed; every other absolute link is not.
func checkLink(t *testing.T, b *browser, dir, page, link string) {
	t.Helper()
	if strings.HasPrefix(link, exampleOpts.RepoURL+"/") {
		return
	}
	if !strings.HasPrefix(link, b.site) {
		t.Errorf("%s: link outside the site: %s", page, link)
		return
	}
	u, err := url.Parse(link)
	if err != nil {
		t.Errorf("%s: bad link %s", page, link)
		return
	}
	if _, err := os.Stat(u.Path); err != nil {
		t.Errorf("%s: link %s: %v", page, link, err)
		return
	}
	if u.Fragment != "" && strings.TrimPrefix(u.Path, filepath.ToSlash(dir)+"/") == strings.SplitN(page, "?", 2)[0] {
		if n := eval[int](t, b, fmt.Sprintf(`document.querySelectorAll(%q).length`, "[id='"+u.Fragment+"']")); n != 1 {
			t.Errorf("%s: link %s: %d elements with id %s", page, link, n, u.Fragment)
		}
	}
}

func firstKey[V any](m map[string]V) string { return slices.Sorted(maps.Keys(m))[0] }
