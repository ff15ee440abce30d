package main

import (
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-git/go-git/v5/plumbing"
)

// recorder counts connections made to it: a token goes only where a
// connection goes. It serves TLS with a certificate the clients do not
// trust (the Okta client accepts only https), so a handshake is attempted
// and fails before any header, token included, is sent.
type recorder struct {
	*httptest.Server
	conns atomic.Int32
}

func newRecorder(t *testing.T) *recorder {
	r := &recorder{}
	r.Server = httptest.NewUnstartedServer(http.NotFoundHandler())
	r.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			r.conns.Add(1)
		}
	}
	r.Config.ErrorLog = log.New(io.Discard, "", 0) // the failed handshakes
	r.StartTLS()
	t.Cleanup(r.Close)
	return r
}

// prWithProviderURLs commits the example config on main with okta.org_url,
// gitlab.url and github.api_url pointing at base, records main as origin/main (as
// actions/checkout with fetch-depth: 0 leaves it), and checks out a pull
// request branch whose access.yaml points all three at head.
func prWithProviderURLs(t *testing.T, base, head string) string {
	t.Helper()
	b, cfg := exampleRepo(t)
	settings := filepath.Join(cfg, "access.yaml")
	orig, err := os.ReadFile(settings)
	if err != nil {
		t.Fatal(err)
	}
	withURLs := func(url string) {
		t.Helper()
		s := strings.Replace(string(orig), "org_url: https://acme.okta.com\n", "org_url: "+url+"\n", 1)
		s = strings.Replace(s, "url: https://gitlab.acme.example\n", "url: "+url+"\n", 1)
		s = strings.Replace(s, "\ngithub:\n", "\ngithub:\n  api_url: "+url+"/\n", 1)
		if strings.Count(s, url) != 3 {
			t.Fatal("the example access.yaml no longer has okta.org_url, gitlab.url and a github section to edit")
		}
		if err := os.WriteFile(settings, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	withURLs(base)
	main := b.Commit("provider URLs", "erin", time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC))
	if err := b.Repo.Storer.SetReference(plumbing.NewHashReference(plumbing.NewRemoteReferenceName("origin", "main"), main)); err != nil {
		t.Fatal(err)
	}
	b.Branch("pr")
	withURLs(head)
	b.Commit("Point the providers at my server", "mallory", time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC))
	return cfg
}

// TestPullRequestPlanSendsTokensOnlyWhereTheBaseSays: the plan job of a pull
// request holds read-only Okta and GitLab tokens; the pull request points
// okta.org_url and gitlab.url at its author's server. With OKTA_ORG_URL and
// GITLAB_URL unset, the tokens must go only where access.yaml on the base
// branch says, and when that cannot be read, nowhere.
func TestPullRequestPlanSendsTokensOnlyWhereTheBaseSays(t *testing.T) {
	trustedSrv, evil := newRecorder(t), newRecorder(t)
	cfg := prWithProviderURLs(t, trustedSrv.URL, evil.URL)
	pr := map[string]string{"GITHUB_EVENT_NAME": "pull_request", "GITHUB_BASE_REF": "main",
		"OKTA_API_TOKEN": "okta-ro", "GITLAB_TOKEN": "gitlab-ro", "GITHUB_TOKEN": "github-ro"}

	for _, target := range []string{"okta", "gitlab", "github"} {
		before := trustedSrv.conns.Load()
		code, _, errs := runGit(t, pr, "--config", cfg, "--only", target)
		if n := evil.conns.Load(); n > 0 {
			t.Fatalf("%s: the plan connected %d times to the server the pull request chose, to send it the token", target, n)
		}
		if trustedSrv.conns.Load() == before {
			t.Errorf("%s: the plan should have read the server named on the base branch (exit %d)\n%s", target, code, errs)
		}
	}

	// The base branch cannot be read: the run fails and says what to set.
	unreadable := map[string]string{"GITHUB_EVENT_NAME": "pull_request", "GITHUB_BASE_REF": "no-such-branch",
		"OKTA_API_TOKEN": "okta-ro", "GITLAB_TOKEN": "gitlab-ro", "GITHUB_TOKEN": "github-ro"}
	code, _, errs := runGit(t, unreadable, "--config", cfg)
	if evil.conns.Load() > 0 {
		t.Fatal("with the base unreadable the plan connected to the server the pull request chose")
	}
	if code != 1 || !strings.Contains(errs, "set OKTA_ORG_URL") {
		t.Errorf("exit %d; the error must say to set OKTA_ORG_URL:\n%s", code, errs)
	}
	unreadable["GITHUB_BASE_REF"] = ""
	unreadable["GITHUB_EVENT_NAME"] = "merge_group"
	if code, _, errs := runGit(t, unreadable, "--config", cfg, "--only", "gitlab"); code != 1 || !strings.Contains(errs, "set GITLAB_URL") {
		t.Errorf("merge_group without a known base: exit %d; the error must say to set GITLAB_URL:\n%s", code, errs)
	}

	// The environment wins, and then the base is not needed.
	env := newRecorder(t)
	unreadable["OKTA_ORG_URL"], unreadable["GITLAB_URL"], unreadable["GITHUB_API_URL"] = env.URL, env.URL, env.URL+"/"
	runGit(t, unreadable, "--config", cfg)
	if env.conns.Load() == 0 || evil.conns.Load() > 0 {
		t.Errorf("OKTA_ORG_URL, GITLAB_URL and GITHUB_API_URL must win: %d requests there, %d to the pull request's server", env.conns.Load(), evil.conns.Load())
	}
}

// Outside a pull request (apply on main, a local run) the checked-out
// access.yaml is the merged config and names the servers.
func TestOutsideAPullRequestTheCheckedOutURLsAreUsed(t *testing.T) {
	base, head := newRecorder(t), newRecorder(t)
	cfg := prWithProviderURLs(t, base.URL, head.URL)
	runGit(t, map[string]string{"GITHUB_EVENT_NAME": "push", "OKTA_API_TOKEN": "okta", "GITLAB_TOKEN": "gitlab", "GITHUB_TOKEN": "github"}, "--config", cfg)
	if head.conns.Load() == 0 || base.conns.Load() > 0 {
		t.Errorf("checked-out config: %d requests to its server, %d elsewhere", head.conns.Load(), base.conns.Load())
	}
}
