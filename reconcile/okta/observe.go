package okta

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"sync"

	"github.com/okta/okta-sdk-golang/v2/okta"
	"github.com/okta/okta-sdk-golang/v2/okta/query"
	"golang.org/x/sync/errgroup"

	"github.com/access-as-code/access/reconcile"
)

// Page sizes: Okta's maxima for group members (1000) and users (200);
// group searches return at most a batch's worth of groups.
const (
	memberPageSize = 1000
	userPageSize   = 200
	groupPageSize  = 1000
	rulePageSize   = 200
	// maxExprLen bounds a batched search expression once URL-encoded, well
	// under the URL lengths proxies and Okta accept.
	maxExprLen = 3000
	// Up to this many unresolved logins are fetched one by one (GET
	// /users/{login}); more are searched in batches.
	perUserLookups = 2
)

// Observe reads the managed groups and resolves the requested logins.
// A failed read of anything is an error; it never yields an empty group.
func (p *Provider) Observe(ctx context.Context, q reconcile.Query) (*reconcile.Observed, error) {
	names := uniq(q.Groups)
	obs := &reconcile.Observed{Groups: map[string]*reconcile.ObservedGroup{}, Accounts: map[string]*reconcile.Account{}}

	// Stage 1: find the groups, and list the group rules once.
	var found map[string][]*okta.Group
	var rules map[string]string
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() (err error) { found, err = p.findGroups(gctx, names); return err })
	if len(names) > 0 {
		g.Go(func() (err error) { rules, err = p.activeRuleTargets(gctx); return err })
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}

	// Stage 2: list the members of every group that exists.
	seenByID := map[string]*reconcile.Account{}
	seenByLogin := map[string]*reconcile.Account{}
	var mu sync.Mutex
	g, gctx = errgroup.WithContext(ctx)
	g.SetLimit(p.conc)
	for _, name := range names {
		og, grp := p.choose(name, found[name], rules)
		obs.Groups[name] = og
		if og.Exists {
			p.remember(name, groupInfo{id: og.ID, unmanageable: og.Unmanageable})
		}
		if grp == nil {
			continue
		}
		g.Go(func() error {
			users, err := p.listMembers(gctx, grp.Id)
			if err != nil {
				return fmt.Errorf("okta: reading members of group %q (%s): %w", name, grp.Id, err)
			}
			mu.Lock()
			defer mu.Unlock()
			for _, u := range users {
				a := accountOf(u.ID, u.Profile.Login, u.Status)
				m := &reconcile.ObservedMember{AccountID: a.ID, Login: a.Login}
				if _, ok := rules[grp.Id]; ok {
					m.ReadOnly = "group_rule"
				}
				og.Members[a.ID] = m
				seenByID[a.ID] = a
				seenByLogin[strings.ToLower(a.Login)] = a
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}

	// Stage 3: resolve logins, from the listings where possible.
	if err := p.resolve(ctx, q, obs.Accounts, seenByID, seenByLogin); err != nil {
		return nil, err
	}
	return obs, nil
}

// choose picks the group for a configured name and says whether it can be
// managed. Okta compares group names without regard to case, so a group
// that differs only in case is the same group; two candidates are an error
// for the operator to resolve, not a guess.
func (p *Provider) choose(name string, cands []*okta.Group, rules map[string]string) (*reconcile.ObservedGroup, *okta.Group) {
	og := &reconcile.ObservedGroup{Name: name, Members: map[string]*reconcile.ObservedMember{}}
	var exact, folded []*okta.Group
	for _, c := range cands {
		switch n := groupName(c); {
		case n == name:
			exact = append(exact, c)
		case strings.EqualFold(n, name):
			folded = append(folded, c)
		}
	}
	pick := exact
	if len(pick) == 0 {
		pick = folded
	}
	var grp *okta.Group
	switch len(pick) {
	case 0:
		return og, nil
	case 1:
		grp = pick[0]
	default:
		ids := make([]string, len(pick))
		for i, c := range pick {
			ids[i] = fmt.Sprintf("%s %q (%s)", c.Id, groupName(c), c.Type)
		}
		og.Exists = true
		og.Unmanageable = fmt.Sprintf("%d Okta groups are named %q: %s; rename all but one", len(pick), name, strings.Join(ids, ", "))
		return og, nil
	}
	og.ID, og.Exists, og.Name = grp.Id, true, groupName(grp)
	switch {
	case grp.Type == "BUILT_IN":
		og.Unmanageable = "BUILT_IN group: Okta itself manages its members"
	case grp.Type == "APP_GROUP":
		og.Unmanageable = "APP_GROUP: its members come from an application"
	case grp.Type != "" && grp.Type != "OKTA_GROUP":
		og.Unmanageable = "group of type " + grp.Type + " cannot be managed"
	case rules[grp.Id] != "":
		og.Unmanageable = "targeted by active group rule " + rules[grp.Id] + ": its members are assigned by the rule"
	}
	return og, grp
}

func (p *Provider) remember(name string, gi groupInfo) {
	p.mu.Lock()
	p.groups[name] = gi
	p.mu.Unlock()
}

func groupName(g *okta.Group) string {
	if g.Profile == nil {
		return ""
	}
	return g.Profile.Name
}

// findGroups looks the names up with as few searches as fit in a URL:
// search=profile.name eq "A" or profile.name eq "B" ... Okta compares
// case-insensitively, so the candidates include names differing in case.
func (p *Provider) findGroups(ctx context.Context, names []string) (map[string][]*okta.Group, error) {
	out := map[string][]*okta.Group{}
	var mu sync.Mutex
	// The transport bounds requests in flight too; the limit bounds
	// goroutines, and the group's context stops work a failed read has
	// made pointless.
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(p.conc)
	for _, batch := range batches(names, "profile.name") {
		g.Go(func() error {
			expr := orExpr("profile.name", batch)
			var all []*okta.Group
			err := listAll(gctx, func() ([]*okta.Group, *okta.Response, error) {
				return p.client.Group.ListGroups(gctx, query.NewQueryParams(query.WithSearch(expr), query.WithLimit(groupPageSize)))
			}, func(gs []*okta.Group) { all = append(all, gs...) })
			if err != nil {
				return fmt.Errorf("okta: looking up groups %s: %w", strings.Join(batch, ", "), err)
			}
			mu.Lock()
			defer mu.Unlock()
			for _, name := range batch {
				for _, grp := range all {
					if strings.EqualFold(groupName(grp), name) {
						out[name] = append(out[name], grp)
					}
				}
			}
			return nil
		})
	}
	return out, g.Wait()
}

// activeRuleTargets maps each group id that an ACTIVE group rule assigns
// users to, to a description of the rule.
func (p *Provider) activeRuleTargets(ctx context.Context) (map[string]string, error) {
	out := map[string]string{}
	err := listAll(ctx, func() ([]*okta.GroupRule, *okta.Response, error) {
		return p.client.Group.ListGroupRules(ctx, query.NewQueryParams(query.WithLimit(rulePageSize)))
	}, func(rs []*okta.GroupRule) {
		for _, r := range rs {
			if r.Status != "ACTIVE" || r.Actions == nil || r.Actions.AssignUserToGroups == nil {
				continue
			}
			for _, id := range r.Actions.AssignUserToGroups.GroupIds {
				out[id] = fmt.Sprintf("%q (%s)", r.Name, r.Id)
			}
		}
	})
	if err != nil {
		return nil, fmt.Errorf("okta: listing group rules: %w", err)
	}
	return out, nil
}

// listAll reads a listing to its last page: first makes the first request,
// rel="next" links (Okta's Link header pagination) the rest, and each sees
// every page. A next link that was already read is an error: a server
// repeating a page would otherwise keep the read going forever.
func listAll[T any](ctx context.Context, first func() ([]T, *okta.Response, error), each func([]T)) error {
	seen := map[string]bool{}
	page, resp, err := first()
	for {
		if err == nil {
			err = jsonArray(resp)
		}
		if err != nil {
			return apiError(resp, err)
		}
		each(page)
		if !resp.HasNextPage() {
			return nil
		}
		if seen[resp.NextPage] {
			return fmt.Errorf("pagination does not advance: next page %s was already read", resp.NextPage)
		}
		seen[resp.NextPage] = true
		page = nil
		resp, err = resp.Next(ctx, &page)
	}
}

// jsonArray checks that a page's body is a JSON array. The SDK decodes
// nothing from an empty or non-array body and reports success: the page
// would read as "no members", and a wrong read must never become a plan.
func jsonArray(resp *okta.Response) error {
	if resp == nil || resp.Response == nil || resp.Body == nil {
		return errors.New("listing page without a response")
	}
	// The SDK leaves the whole body in memory; the first bytes suffice.
	head := make([]byte, 64)
	n, _ := io.ReadFull(resp.Body, head)
	if t := bytes.TrimLeft(head[:n], " \t\r\n"); len(t) == 0 || t[0] != '[' {
		return fmt.Errorf("listing page is not a JSON array (HTTP %d, Content-Type %q, body %q)",
			resp.StatusCode, resp.Header.Get("Content-Type"), head[:min(n, 32)])
	}
	return nil
}

// member is the part of a listed user that reconcile needs. Decoding only
// these fields (rather than the SDK's User with its profile map) makes
// reading 200,000 memberships several times cheaper; the request still goes
// through the SDK's executor (auth, Link pagination).
type member struct {
	ID      string `json:"id"`
	Status  string `json:"status"`
	Profile struct {
		Login string `json:"login"`
	} `json:"profile"`
}

// listMembers pages through a group's members to the last page.
func (p *Provider) listMembers(ctx context.Context, groupID string) ([]member, error) {
	rq := p.client.CloneRequestExecutor()
	req, err := rq.WithAccept("application/json").NewRequest("GET",
		fmt.Sprintf("/api/v1/groups/%s/users?limit=%d", url.PathEscape(groupID), memberPageSize), nil)
	if err != nil {
		return nil, err
	}
	var all []member
	err = listAll(ctx, func() ([]member, *okta.Response, error) {
		var page []member
		resp, err := rq.Do(ctx, req, &page)
		return page, resp, err
	}, func(page []member) { all = append(all, page...) })
	return all, err
}

// resolve fills accounts for the requested and pinned logins: from the
// member listings first, pinned ids by GET /users/{id}, a few others by
// GET /users/{login}, many others by batched searches on profile.login
// (search, unlike filter, also returns DEPROVISIONED users, which the plan
// must see to report them).
func (p *Provider) resolve(ctx context.Context, q reconcile.Query, accounts, byID, byLogin map[string]*reconcile.Account) error {
	logins := q.Logins
	for l := range q.Pinned {
		logins = append(logins, l)
	}
	var pinned, rest []string
	for _, l := range uniq(logins) {
		if id := q.Pinned[l]; id != "" {
			if a := byID[id]; a != nil {
				accounts[l] = a
			} else {
				pinned = append(pinned, l)
			}
			continue
		}
		if a := byLogin[strings.ToLower(l)]; a != nil {
			accounts[l] = a
		} else {
			rest = append(rest, l)
		}
	}
	var mu sync.Mutex
	set := func(login string, a *reconcile.Account) {
		mu.Lock()
		accounts[login] = a
		mu.Unlock()
	}
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(p.conc)
	get := func(login, key string) {
		g.Go(func() error {
			a, err := p.getUser(gctx, key)
			if err != nil {
				return fmt.Errorf("okta: looking up user %q: %w", login, err)
			}
			if a != nil {
				set(login, a)
			}
			return nil
		})
	}
	for _, l := range pinned {
		get(l, q.Pinned[l])
	}
	if len(rest) <= perUserLookups {
		for _, l := range rest {
			get(l, l)
		}
		return g.Wait()
	}
	for _, batch := range batches(rest, "profile.login") {
		g.Go(func() error {
			found, err := p.searchLogins(gctx, batch)
			if err != nil {
				return err
			}
			for _, l := range batch {
				if a := found[strings.ToLower(l)]; a != nil {
					set(l, a)
				}
			}
			return nil
		})
	}
	return g.Wait()
}

func (p *Provider) searchLogins(ctx context.Context, batch []string) (map[string]*reconcile.Account, error) {
	out := map[string]*reconcile.Account{}
	err := listAll(ctx, func() ([]*okta.User, *okta.Response, error) {
		return p.client.User.ListUsers(ctx, query.NewQueryParams(query.WithSearch(orExpr("profile.login", batch)), query.WithLimit(userPageSize)))
	}, func(us []*okta.User) {
		for _, u := range us {
			a := account(u)
			out[strings.ToLower(a.Login)] = a
		}
	})
	if err != nil {
		return nil, fmt.Errorf("okta: searching users %s: %w", strings.Join(batch, ", "), err)
	}
	return out, nil
}

// getUser fetches one user by id or login; nil when there is none.
func (p *Provider) getUser(ctx context.Context, idOrLogin string) (*reconcile.Account, error) {
	u, resp, err := p.client.User.GetUser(ctx, url.PathEscape(idOrLogin))
	if statusOf(resp) == http.StatusNotFound {
		return nil, nil
	}
	if err != nil {
		return nil, apiError(resp, err)
	}
	return account(u), nil
}

// account converts an Okta user. SUSPENDED and DEPROVISIONED accounts are
// inactive; STAGED and PROVISIONED (not yet activated) and the credential
// states of an active account (LOCKED_OUT, PASSWORD_EXPIRED, RECOVERY) are
// active: they are people who keep their groups. Status carries the word.
func account(u *okta.User) *reconcile.Account {
	var login string
	if u.Profile != nil {
		login, _ = (*u.Profile)["login"].(string)
	}
	return accountOf(u.Id, login, u.Status)
}

func accountOf(id, login, status string) *reconcile.Account {
	return &reconcile.Account{ID: id, Login: login, Status: status, Active: status != "SUSPENDED" && status != "DEPROVISIONED"}
}

// batches splits values so that each `attr eq "v" or ...` expression stays
// under maxExprLen once URL-encoded, and under a page of results.
func batches(values []string, attr string) [][]string {
	var out [][]string
	var cur []string
	size := 0
	for _, v := range values {
		n := len(url.QueryEscape(fmt.Sprintf(` or %s eq "%s"`, attr, escape(v))))
		if len(cur) > 0 && (size+n > maxExprLen || len(cur) >= userPageSize) {
			out = append(out, cur)
			cur, size = nil, 0
		}
		cur = append(cur, v)
		size += n
	}
	if len(cur) > 0 {
		out = append(out, cur)
	}
	return out
}

func orExpr(attr string, values []string) string {
	parts := make([]string, len(values))
	for i, v := range values {
		parts[i] = fmt.Sprintf(`%s eq "%s"`, attr, escape(v))
	}
	return strings.Join(parts, " or ")
}

func escape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s)
}

func uniq(in []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range in {
		if s != "" && !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	sort.Strings(out)
	return out
}
