package gitlab

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"

	gl "gitlab.com/gitlab-org/api/client-go"

	"github.com/access-as-code/access/reconcile"
)

// perPage is GitLab's largest page (docs: api/rest/index.md).
const perPage = 100

// groupRead is one managed group as read.
type groupRead struct {
	og       *reconcile.ObservedGroup
	fullPath string
	id       int64
	direct   []*gl.GroupMember
}

// Observe reads every group in q.Groups and resolves q.Logins and
// q.Pinned. Any failed read fails the whole Observe: a group is never
// reported empty because its read failed.
func (p *Provider) Observe(ctx context.Context, q reconcile.Query) (*reconcile.Observed, error) {
	paths := unique(q.Groups)
	reads := make([]*groupRead, len(paths))
	err := forEach(len(paths), p.cfg.MaxConcurrency, func(i int) error {
		r, err := p.readGroup(ctx, paths[i])
		reads[i] = r
		return err
	})
	if err != nil {
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
	if obs.Accounts, err = p.resolve(ctx, q, seen); err != nil {
		return nil, err
	}
	return obs, nil
}

// readGroup looks the group up by full path and reads its direct members.
// A missing group is Exists=false, not an error.
func (p *Provider) readGroup(ctx context.Context, path string) (*groupRead, error) {
	og := &reconcile.ObservedGroup{Name: path, Members: map[string]*reconcile.ObservedMember{}}
	var g *gl.Group
	resp, err := p.do(ctx, "GET group "+path, func(o ...gl.RequestOptionFunc) (*gl.Response, error) {
		var r *gl.Response
		var e error
		g, r, e = p.c.Groups.GetGroup(path, &gl.GetGroupOptions{WithProjects: ptr(false)}, o...)
		return r, e
	})
	if status(resp, err) == http.StatusNotFound {
		return &groupRead{og: og}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("gitlab: read group %s: %w", path, err)
	}
	og.Exists, og.ID = true, strconv.FormatInt(g.ID, 10)
	direct, err := p.listMembers(ctx, g.ID, path, false)
	if err != nil {
		return nil, fmt.Errorf("gitlab: read members of %s: %w", path, err)
	}
	for _, m := range direct {
		og.Members[strconv.FormatInt(m.ID, 10)] = &reconcile.ObservedMember{
			AccountID: strconv.FormatInt(m.ID, 10), Login: m.Username, Level: int(m.AccessLevel),
		}
	}
	return &groupRead{og: og, fullPath: g.FullPath, id: g.ID, direct: direct}, nil
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
	page := func(n int64) ([]*gl.GroupMember, *gl.Response, error) {
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
	first, resp, err := page(1)
	if err != nil {
		return nil, false, err
	}
	if resp.TotalPages == 0 {
		// Uncounted list: follow X-Next-Page to the end.
		out := first
		for next := resp.NextPage; next != 0; {
			ms, r, err := page(next)
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
	var mu sync.Mutex
	consistent := true
	err = forEach(int(pages-1), p.cfg.MaxConcurrency, func(i int) error {
		ms, r, err := page(int64(i) + 2)
		rest[i] = ms
		if err == nil && r.TotalItems != total {
			mu.Lock()
			consistent = false
			mu.Unlock()
		}
		return err
	})
	if err != nil {
		return nil, false, err
	}
	out := first
	for _, ms := range rest {
		out = append(out, ms...)
	}
	out = dedupe(out)
	return out, consistent && int64(len(out)) == total, nil
}

// addInherited reports, in each subgroup, the members it inherits from its
// parents as ReadOnly "inherited" with the highest inherited level.
// Parents that are managed were read already; other parents are read once
// (their direct members); /members/all is the fallback when a parent
// cannot be read (GitLab answers 404 or 403 for groups the token cannot
// see).
func (p *Provider) addInherited(ctx context.Context, reads []*groupRead, seen *accountIndex) error {
	direct := map[string][]*gl.GroupMember{}
	for _, r := range reads {
		if r.og.Exists {
			direct[strings.ToLower(r.fullPath)] = r.direct
		}
	}
	var need []string
	for _, r := range reads {
		for _, a := range ancestors(r.fullPath) {
			if _, ok := direct[strings.ToLower(a)]; !ok {
				direct[strings.ToLower(a)] = nil
				need = append(need, a)
			}
		}
	}
	unreadable := map[string]bool{}
	var mu sync.Mutex
	err := forEach(len(need), p.cfg.MaxConcurrency, func(i int) error {
		ms, err := p.listMembers(ctx, need[i], need[i], false)
		mu.Lock()
		defer mu.Unlock()
		switch st := status(nil, err); {
		case err == nil:
			direct[strings.ToLower(need[i])] = ms
		case errors.Is(err, gl.ErrNotFound) || st == http.StatusForbidden:
			unreadable[strings.ToLower(need[i])] = true
		default:
			return fmt.Errorf("gitlab: read members of parent group %s: %w", need[i], err)
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, ms := range direct {
		seen.addMembers(ms)
	}
	return forEach(len(reads), p.cfg.MaxConcurrency, func(i int) error {
		r := reads[i]
		if !r.og.Exists || !strings.Contains(r.fullPath, "/") {
			return nil
		}
		inherited := map[int64]*gl.GroupMember{}
		fallback := false
		for _, a := range ancestors(r.fullPath) {
			if unreadable[strings.ToLower(a)] {
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
			all, err := p.listMembers(ctx, r.id, r.og.Name, true)
			if err != nil {
				return fmt.Errorf("gitlab: read inherited members of %s: %w", r.og.Name, err)
			}
			mu.Lock()
			seen.addMembers(all)
			mu.Unlock()
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

// forEach runs fn(0..n-1) with at most limit at once and joins the errors.
func forEach(n, limit int, fn func(i int) error) error {
	if n == 0 {
		return nil
	}
	sem := make(chan struct{}, max(limit, 1))
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			errs[i] = fn(i)
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

func ptr[T any](v T) *T { return &v }
