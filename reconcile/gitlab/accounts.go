package gitlab

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	gl "gitlab.com/gitlab-org/api/client-go"
	"golang.org/x/sync/errgroup"

	"github.com/access-as-code/access/reconcile"
)

// accountIndex holds the accounts already seen in member lists, so that
// resolving a member's username costs no request.
type accountIndex struct {
	byLogin map[string]*reconcile.Account // lower-case username
	byID    map[string]*reconcile.Account
}

func newAccountIndex() *accountIndex {
	return &accountIndex{byLogin: map[string]*reconcile.Account{}, byID: map[string]*reconcile.Account{}}
}

func (x *accountIndex) addMembers(ms []*gl.GroupMember) {
	for _, m := range ms {
		x.add(account(m.ID, m.Username, m.State))
	}
}

func (x *accountIndex) add(a *reconcile.Account) {
	x.byLogin[strings.ToLower(a.Login)] = a
	x.byID[a.ID] = a
}

// account builds an Account; only "active" is active: blocked,
// ldap_blocked, deactivated, banned and blocked_pending_approval users
// cannot use GitLab (docs: api/users.md, "state").
func account(id int64, username, state string) *reconcile.Account {
	return &reconcile.Account{ID: strconv.FormatInt(id, 10), Login: username, Active: state == "active", Status: state}
}

// resolve finds the account of every requested login: a pinned id first
// (GET /users/:id; a rename shows as a different Login), else the
// username (GET /users?username=, exact). Accounts seen in member lists
// cost nothing. A login without an account is absent from the result.
func (p *Provider) resolve(ctx context.Context, q reconcile.Query, seen *accountIndex) (map[string]*reconcile.Account, error) {
	logins := unique(append(append([]string(nil), q.Logins...), keys(q.Pinned)...))
	found := make([]*reconcile.Account, len(logins))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(p.cfg.MaxConcurrency)
	for i, login := range logins {
		g.Go(func() error {
			var a *reconcile.Account
			var err error
			if id, ok := q.Pinned[login]; ok && id != "" {
				if a = seen.byID[id]; a == nil {
					a, err = p.userByID(gctx, id)
				}
			} else if a = seen.byLogin[strings.ToLower(login)]; a == nil {
				a, err = p.userByName(gctx, login)
			}
			found[i] = a
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	out := make(map[string]*reconcile.Account, len(logins))
	for i, a := range found {
		if a != nil {
			out[logins[i]] = a
		}
	}
	return out, nil
}

// userByID is GET /users/:id; nil when there is no such user.
func (p *Provider) userByID(ctx context.Context, id string) (*reconcile.Account, error) {
	n, err := strconv.ParseInt(id, 10, 64)
	if err != nil {
		return nil, fmt.Errorf("gitlab: pinned gitlab_id %q is not a number", id)
	}
	var u *gl.User
	resp, err := p.do(ctx, "GET user "+id, func(o ...gl.RequestOptionFunc) (*gl.Response, error) {
		var r *gl.Response
		var e error
		u, r, e = p.c.Users.GetUser(n, gl.GetUsersOptions{}, o...)
		return r, e
	})
	if status(resp, err) == http.StatusNotFound {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("gitlab: look up user id %s: %w", id, err)
	}
	return account(u.ID, u.Username, u.State), nil
}

// userByName is GET /users?username=, an exact match; nil when nobody has
// the username.
func (p *Provider) userByName(ctx context.Context, login string) (*reconcile.Account, error) {
	var us []*gl.User
	_, err := p.do(ctx, "GET users?username="+login, func(o ...gl.RequestOptionFunc) (*gl.Response, error) {
		var r *gl.Response
		var e error
		us, r, e = p.c.Users.ListUsers(&gl.ListUsersOptions{Username: &login}, o...)
		return r, e
	})
	if err != nil {
		return nil, fmt.Errorf("gitlab: look up username %s: %w", login, err)
	}
	for _, u := range us {
		if strings.EqualFold(u.Username, login) {
			return account(u.ID, u.Username, u.State), nil
		}
	}
	return nil, nil
}

func keys(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}
