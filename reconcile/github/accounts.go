package github

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"

	gh "github.com/google/go-github/v60/github"

	"github.com/access-as-code/access/reconcile"
)

// whoami returns the lower-case login behind the token, "" for an app
// installation token (GET /user answers 403 for those).
func (p *Provider) whoami(ctx context.Context) (string, error) {
	p.mu.Lock()
	if p.selfOK {
		defer p.mu.Unlock()
		return p.self, nil
	}
	p.mu.Unlock()
	var u *gh.User
	resp, err := p.do(ctx, "read the token's account (GET /user)", false, func(ctx context.Context) (*gh.Response, error) {
		var resp *gh.Response
		var err error
		u, resp, err = p.api.Users.Get(ctx, "")
		return resp, err
	})
	self := ""
	switch st := statusOf(resp, err); {
	case err == nil:
		self = strings.ToLower(u.GetLogin())
	case st == http.StatusForbidden || st == http.StatusNotFound:
		// An installation token belongs to an app, not to a user.
	default:
		return "", err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.self, p.selfOK = self, true
	return self, nil
}

// lookup resolves logins (GET /users/{login}) and pinned ids (GET
// /user/{id}, by the id only: a renamed account is found under its new
// login) that the org reads did not show. A 404 is an account that does
// not exist (any more): absent, which the plan reports by users.yaml
// entry; any other failure fails the read.
func (p *Provider) lookup(ctx context.Context, logins []string, pins map[string]string) (map[string]*reconcile.Account, error) {
	type job struct{ login, pin string }
	var jobs []job
	for _, l := range logins {
		jobs = append(jobs, job{login: l})
	}
	for l, pin := range pins {
		jobs = append(jobs, job{login: l, pin: pin})
	}
	out := map[string]*reconcile.Account{}
	var mu sync.Mutex
	var errs []error
	sem := make(chan struct{}, p.cfg.ReadConcurrency)
	var wg sync.WaitGroup
	for _, j := range jobs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			var u *gh.User
			what := "look up " + j.login
			resp, err := p.do(ctx, what, false, func(ctx context.Context) (*gh.Response, error) {
				var resp *gh.Response
				var err error
				if j.pin != "" {
					id, perr := strconv.ParseInt(j.pin, 10, 64)
					if perr != nil {
						return nil, permanent{fmt.Errorf("github_id %q of %s is not a number", j.pin, j.login)}
					}
					u, resp, err = p.api.Users.GetByID(ctx, id)
				} else {
					u, resp, err = p.api.Users.Get(ctx, j.login)
				}
				return resp, err
			})
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				a := &reconcile.Account{ID: strconv.FormatInt(u.GetID(), 10), Login: u.GetLogin(), Active: true, Status: "active"}
				if u.SuspendedAt != nil {
					a.Active, a.Status = false, "suspended"
				}
				out[j.login] = a
			case statusOf(resp, err) == http.StatusNotFound:
			default:
				errs = append(errs, err)
			}
		}()
	}
	wg.Wait()
	return out, errors.Join(errs...)
}
