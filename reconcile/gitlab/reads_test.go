package gitlab_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/access-as-code/access/internal/gitlabfake"
	"github.com/access-as-code/access/reconcile"
	"github.com/access-as-code/access/reconcile/gitlab"
)

const groupKey = "GET /api/v4/groups/:id"

// rewrite lets a test change every response on its way to the provider.
type rewrite struct {
	next http.RoundTripper
	fn   func(*http.Request, *http.Response) *http.Response
}

func (t *rewrite) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := t.next.RoundTrip(r)
	if err != nil {
		return resp, err
	}
	return t.fn(r, resp), nil
}

func providerVia(t *testing.T, s *gitlabfake.Server, fn func(*http.Request, *http.Response) *http.Response) *gitlab.Provider {
	t.Helper()
	hc := s.Client()
	hc.Transport = &rewrite{next: hc.Transport, fn: fn}
	p, err := gitlab.New(context.Background(), gitlab.Config{BaseURL: s.URL(), Token: s.Token(), HTTPClient: hc, MaxConcurrency: 2})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestObserveReadsMembersByPathWithoutLookingGroupsUp(t *testing.T) {
	s, p := setup(t)
	addUsers(s, "top/mid/leaf", gitlabfake.Developer, "ann", "bob")
	addUsers(s, "top/other", gitlabfake.Developer, "cat")
	s.ResetCounts()
	obs := mustObserve(t, p, reconcile.Query{Groups: []string{"top/mid/leaf", "Top/Other", "top/gone"}})
	if n := s.Requests(groupKey); n != 0 {
		t.Fatalf("%d GET /groups/:id, want none: members are read by path", n)
	}
	// One page per managed group (the missing one answers 404) and one
	// per unmanaged parent (top, top/mid).
	if n, want := s.Requests(membersKey), 3+2; n != want {
		t.Fatalf("%d member pages, want %d: %v", n, want, s.RequestCounts())
	}
	if g := obs.Groups["top/mid/leaf"]; !g.Exists || len(g.Members) != 2 {
		t.Fatalf("top/mid/leaf: %+v", g)
	}
	if g := obs.Groups["Top/Other"]; !g.Exists || len(g.Members) != 1 {
		t.Fatalf("a path in other case is the same group (GitLab routes ignore case): %+v", g)
	}
	if g := obs.Groups["top/gone"]; g.Exists || len(g.Members) != 0 {
		t.Fatalf("missing group: %+v", g)
	}
}

func TestA404ThatIsNotGitLabsGroupNotFoundIsAnError(t *testing.T) {
	s := gitlabfake.New()
	defer s.Close()
	addUsers(s, "team", gitlabfake.Developer, "ann")
	// A proxy or a wrong base URL answers 404 with its own body: that is
	// no proof the group is missing, and reading it as missing would
	// plan to create it or find nobody in it.
	p := providerVia(t, s, func(r *http.Request, resp *http.Response) *http.Response {
		resp.Body.Close()
		resp.StatusCode, resp.Status = http.StatusNotFound, "404 Not Found"
		resp.Body = io.NopCloser(strings.NewReader(`{"error":"404 Not Found"}`))
		resp.ContentLength = -1
		resp.Header.Del("Content-Length")
		return resp
	})
	obs, err := p.Observe(context.Background(), reconcile.Query{Groups: []string{"team"}})
	if err == nil || !strings.Contains(err.Error(), "404 Group Not Found") {
		t.Fatalf("Observe = %+v, %v; want an error naming GitLab's 404 message", obs, err)
	}
}

func TestObserveFailsWhenPaginationGoesBackwards(t *testing.T) {
	s := gitlabfake.New()
	defer s.Close()
	var names []string
	for i := range 250 {
		names = append(names, fmt.Sprintf("b%03d", i))
	}
	addUsers(s, "loop", gitlabfake.Guest, names...)
	// An uncounted list (as above 10,000 members) whose page 3 points back
	// to page 2. After 20 requests the server "recovers", so that a
	// client without the check ends instead of looping forever.
	var n atomic.Int32
	p := providerVia(t, s, func(r *http.Request, resp *http.Response) *http.Response {
		resp.Header.Del("X-Total")
		resp.Header.Del("X-Total-Pages")
		if n.Add(1) <= 20 && r.URL.Query().Get("page") == "3" {
			resp.Header.Set("X-Next-Page", "2")
		}
		return resp
	})
	_, err := p.Observe(context.Background(), reconcile.Query{Groups: []string{"loop"}})
	if err == nil || !strings.Contains(err.Error(), "went backwards") {
		t.Fatalf("Observe: %v; want pagination that went backwards refused", err)
	}
}
