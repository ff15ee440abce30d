package gitlab

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"

	gl "gitlab.com/gitlab-org/api/client-go"
	"golang.org/x/sync/errgroup"

	"github.com/access-as-code/access/reconcile"
)

// perPage is GitLab's largest page (docs: api/rest/index.md).
const perPage = 100

// groupRead is one managed group as read.
type groupRead struct {
	og     *reconcile.ObservedGroup
	direct []*gl.GroupMember
}

// Observe reads every group in q.Groups and resolves q.Logins and
// q.Pinned. Any failed read fails the whole Observe: a group is never
// reported empty because its read failed.
func (p *Provider) Observe(ctx context.Context, q reconcile.Query) (*reconcile.Observed, error) {
	paths := unique(q.Groups)
	reads := make([]*groupRead, len(paths))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(p.cfg.MaxConcurrency)
	for i, path := range paths {
		g.Go(func() error {
			r, err := p.readGroup(gctx, path)
			reads[i] = r
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	seen := newAccountIndex()
	for _, r := range reads {
		seen.addMembers(r.direct)
	}
	if err := p.addInherited(ctx, reads, seen); err != nil {
		return nil, err
	}
	obs := &reconcile.Observed{Groups: make(map[string]*reconcile.ObservedGroup, len(reads))}
	for _, r := range reads {
		obs.Groups[r.og.Name] = r.og
	}
	var err error
	if obs.Accounts, err = p.resolve(ctx, q, seen); err != nil {
		return nil, err
	}
	return obs, nil
}

// groupNotFound is the message of GitLab's 404 for a group that does not
// exist or that the token cannot see (not_found!('Group') in GitLab's API
// helpers; docs: api/rest/troubleshooting.md, "Status codes"). Any other
// 404, such as Grape's {"error":"404 Not Found"} for an unknown route when
// the URL is not the API's, is an error, never "the group is missing".
const groupNotFound = "404 Group Not Found"

// readGroup reads the group's direct members by its URL-encoded full path
// (docs: api/rest/index.md, "Namespaced paths"), so that a group costs its
// member pages and nothing more: GitLab's 404 "404 Group Not Found" tells
// a missing group, which is Exists=false, not an error. GitLab accepts the
// full path wherever it takes a group id, so the group's numeric id is
// never needed and ObservedGroup.ID stays empty.
func (p *Provider) readGroup(ctx context.Context, path string) (*groupRead, error) {
	og := &reconcile.ObservedGroup{Name: path, Members: map[string]*reconcile.ObservedMember{}}
	ctx, note := withNotFoundNote(ctx)
	direct, err := p.listMembers(ctx, path, path, false)
	if errors.Is(err, gl.ErrNotFound) {
		if msg := note.message(); msg != groupNotFound {
			return nil, fmt.Errorf("gitlab: read members of %s: %w, answered %q where GitLab answers %q for a missing group: is the base URL GitLab's?", path, err, msg, groupNotFound)
		}
		return &groupRead{og: og}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("gitlab: read members of %s: %w", path, err)
	}
	og.Exists = true
	for _, m := range direct {
		og.Members[strconv.FormatInt(m.ID, 10)] = &reconcile.ObservedMember{
			AccountID: strconv.FormatInt(m.ID, 10), Login: m.Username, Level: int(m.AccessLevel),
		}
	}
	return &groupRead{og: og, direct: direct}, nil
}

// listMembers reads a member list to the end: the first page gives
// X-Total-Pages, the other pages are read in parallel. Offset pages can
// shift when the list changes meanwhile, so the read is checked against
// X-Total (same on every page, no member missing or doubled) and repeated
// up to three times. Above 10,000 members GitLab sends no totals; the
// pages are then followed one by one through X-Next-Page.
func (p *Provider) listMembers(ctx context.Context, gid any, what string, all bool) ([]*gl.GroupMember, error) {
	for try := 1; ; try++ {
		ms, consistent, err := p.listMembersOnce(ctx, gid, what, all)
		if err != nil || consistent {
			return ms, err
		}
		if try == 3 {
			return nil, fmt.Errorf("member list of %s changed while it was read, %d times", what, try)
		}
	}
}

func (p *Provider) listMembersOnce(ctx context.Context, gid any, what string, all bool) ([]*gl.GroupMember, bool, error) {
	page := func(ctx context.Context, n int64) ([]*gl.GroupMember, *gl.Response, error) {
		opt := &gl.ListGroupMembersOptions{ListOptions: gl.ListOptions{Page: n, PerPage: perPage}}
		var ms []*gl.GroupMember
		resp, err := p.do(ctx, fmt.Sprintf("GET members of %s page %d", what, n), func(o ...gl.RequestOptionFunc) (*gl.Response, error) {
			var r *gl.Response
			var e error
			if all {
				ms, r, e = p.c.Groups.ListAllGroupMembers(gid, opt, o...)
			} else {
				ms, r, e = p.c.Groups.ListGroupMembers(gid, opt, o...)
			}
			return r, e
		})
		return ms, resp, err
	}
	first, resp, err := page(ctx, 1)
	if err != nil {
		return nil, false, err
	}
	if resp.TotalPages == 0 {
		// Uncounted list: follow X-Next-Page to the end.
		out := first
		for next := resp.NextPage; next != 0; {
			ms, r, err := page(ctx, next)
			if err != nil {
				return nil, false, err
			}
			out = append(out, ms...)
			if r.NextPage != 0 && r.NextPage <= next {
				return nil, false, fmt.Errorf("pagination of %s went backwards at page %d", what, next)
			}
			next = r.NextPage
		}
		return dedupe(out), true, nil
	}
	total, pages := resp.TotalItems, resp.TotalPages
	rest := make([][]*gl.GroupMember, pages-1)
	var moved atomic.Bool
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(p.cfg.MaxConcurrency)
	for i := range rest {
		g.Go(func() error {
			ms, r, err := page(gctx, int64(i)+2)
			rest[i] = ms
			if err == nil && r.TotalItems != total {
				moved.Store(true)
			}
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return nil, false, err
	}
	out := first
	for _, ms := range rest {
		out = append(out, ms...)
	}
	out = dedupe(out)
	return out, !moved.Load() && int64(len(out)) == total, nil
}

// addInherited reports, in each subgroup, the members it inherits from its
// parents as ReadOnly "inherited" with the highest inherited level.
// Parents that are managed were read already; other parents are read once
// (their direct members); /members/all is the fallback when a parent
// cannot be read (GitLab answers 404 or 403 for groups the token cannot
// see). Paths are compared without regard to case, as GitLab routes them.
func (p *Provider) addInherited(ctx context.Context, reads []*groupRead, seen *accountIndex) error {
	direct := map[string][]*gl.GroupMember{}
	for _, r := range reads {
		if r.og.Exists {
			direct[strings.ToLower(r.og.Name)] = r.direct
		}
	}
	var need []string
	for _, r := range reads {
		if !r.og.Exists {
			continue
		}
		for _, a := range ancestors(r.og.Name) {
			if _, ok := direct[strings.ToLower(a)]; !ok {
				direct[strings.ToLower(a)] = nil
				need = append(need, a)
			}
		}
	}
	parents := make([][]*gl.GroupMember, len(need))
	unreadable := make([]bool, len(need))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(p.cfg.MaxConcurrency)
	for i, path := range need {
		g.Go(func() error {
			ms, err := p.listMembers(gctx, path, path, false)
			switch st := status(nil, err); {
			case err == nil:
				parents[i] = ms
			case errors.Is(err, gl.ErrNotFound) || st == http.StatusForbidden:
				unreadable[i] = true
			default:
				return fmt.Errorf("gitlab: read members of parent group %s: %w", path, err)
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return err
	}
	cannotRead := map[string]bool{}
	for i, path := range need {
		direct[strings.ToLower(path)] = parents[i]
		cannotRead[strings.ToLower(path)] = unreadable[i]
		seen.addMembers(parents[i])
	}
	// Members read through the /members/all fallback, per read; added to
	// seen after the reads, so that seen is written by one goroutine.
	fallbacks := make([][]*gl.GroupMember, len(reads))
	g, gctx = errgroup.WithContext(ctx)
	g.SetLimit(p.cfg.MaxConcurrency)
	for i, r := range reads {
		if !r.og.Exists || !strings.Contains(r.og.Name, "/") {
			continue
		}
		g.Go(func() error {
			inherited := map[int64]*gl.GroupMember{}
			fallback := false
			for _, a := range ancestors(r.og.Name) {
				if cannotRead[strings.ToLower(a)] {
					fallback = true
					break
				}
				for _, m := range direct[strings.ToLower(a)] {
					if cur := inherited[m.ID]; cur == nil || m.AccessLevel > cur.AccessLevel {
						inherited[m.ID] = m
					}
				}
			}
			if fallback {
				all, err := p.listMembers(gctx, r.og.Name, r.og.Name, true)
				if err != nil {
					return fmt.Errorf("gitlab: read inherited members of %s: %w", r.og.Name, err)
				}
				fallbacks[i] = all
				inherited = map[int64]*gl.GroupMember{}
				for _, m := range all {
					inherited[m.ID] = m
				}
			}
			for id, m := range inherited {
				key := strconv.FormatInt(id, 10)
				if _, isDirect := r.og.Members[key]; isDirect {
					continue
				}
				r.og.Members[key] = &reconcile.ObservedMember{AccountID: key, Login: m.Username, Level: int(m.AccessLevel), ReadOnly: "inherited"}
			}
			return nil
		})
	}
	err := g.Wait()
	for _, all := range fallbacks {
		seen.addMembers(all)
	}
	return err
}

// ancestors of "a/b/c" are "a/b" and "a".
func ancestors(fullPath string) []string {
	var out []string
	for i := strings.LastIndexByte(fullPath, '/'); i > 0; i = strings.LastIndexByte(fullPath[:i], '/') {
		out = append(out, fullPath[:i])
	}
	return out
}

func dedupe(ms []*gl.GroupMember) []*gl.GroupMember {
	seen := make(map[int64]bool, len(ms))
	out := ms[:0]
	for _, m := range ms {
		if !seen[m.ID] {
			seen[m.ID] = true
			out = append(out, m)
		}
	}
	return out
}

func unique(ss []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range ss {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}
