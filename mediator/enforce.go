package mediator

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sort"
	"strings"
	"time"

	gitlab "gitlab.com/gitlab-org/api/client-go"
)

// Enforcer re-checks people between logins: those no longer in a required
// group are blocked in GitLab, and unblocked when they are back, but only
// if the mediator blocked them. Group claims go stale between logins (Dex
// #1468); this is what removes access meanwhile.
//
// Who is checked: people seen at login plus the GitLab members of the
// included groups. A person the directory does not know is blocked only if
// they logged in through the mediator (a GitLab-only account such as a bot
// is left alone). A directory that does not answer blocks nobody.
//
// The people seen at login and the people the mediator blocked are in the
// Store, so that any replica, and the same one after a restart, only ever
// unblocks the mediator's own blocks. One replica at a time enforces: the
// one holding the enforcement lease in the store (see Run).
type Enforcer struct {
	m         *Mediator
	api       *gitlab.Client
	source    Source
	rules     GroupRules
	skip      map[string]bool
	auditOnly bool
	interval  time.Duration
	lease     time.Duration
	log       *slog.Logger
	metrics   *metrics
}

// NewEnforcer builds enforcement over the mediator's known people and
// GitLab backend settings; hc reaches GitLab (nil = the mediator's client).
func (m *Mediator) NewEnforcer(source Source, hc *http.Client) (*Enforcer, error) {
	if hc == nil {
		hc = m.client
	}
	api, err := newGitLabClient(m.cfg, hc)
	if err != nil {
		return nil, err
	}
	skip := map[string]bool{strings.ToLower(m.cfg.MediatorUsername): true}
	for _, u := range m.cfg.EnforceGroupsIgnoreUsers {
		skip[strings.ToLower(u)] = true
	}
	lease := m.cfg.EnforceGroupsLease
	if lease <= 0 {
		lease = DefaultEnforceLease
	}
	return &Enforcer{m: m, api: api, source: source, rules: m.rules, skip: skip,
		auditOnly: m.cfg.EnforceGroupsAuditOnly, interval: m.cfg.EnforceGroupsInterval, lease: lease,
		log: m.log.With("component", "enforcement", "replica", m.replica), metrics: m.metrics}, nil
}

type candidate struct {
	who       Identity
	fromLogin bool
}

// Check makes one pass over everyone, if this replica holds (or can take)
// the enforcement lease. It stops at the first write it can no longer make
// under the lease.
func (e *Enforcer) Check(ctx context.Context) error {
	if len(e.rules.Required) == 0 {
		return nil // no required group: nobody can fall out of one
	}
	held, err := e.hold(ctx)
	switch {
	case err != nil:
		e.metrics.runs.WithLabelValues("store_error").Inc()
		return fmt.Errorf("enforcement paused: %w", err)
	case !held:
		e.metrics.runs.WithLabelValues("not_leader").Inc()
		return errNotLeader
	}
	err = e.pass(ctx)
	switch {
	case errors.Is(err, errLeaseLost):
		e.metrics.runs.WithLabelValues("lease_lost").Inc()
	case err != nil:
		e.metrics.runs.WithLabelValues("error").Inc()
	default:
		e.metrics.runs.WithLabelValues("ok").Inc()
	}
	return err
}

func (e *Enforcer) pass(ctx context.Context) error {
	ours, err := e.m.blockedByUs(ctx)
	if err != nil {
		return err // without it, an unblock could undo an administrator's block
	}
	people, err := e.candidates(ctx)
	if err != nil {
		return err // without the member list, check nobody rather than a part
	}
	if err := e.m.refreshLists(ctx); err != nil {
		return err
	}
	var errs []error
	for _, c := range people {
		if e.skip[strings.ToLower(c.who.Account())] {
			continue
		}
		err := e.checkOne(ctx, c, ours)
		if errors.Is(err, errLeaseLost) {
			return errors.Join(append(errs, err)...)
		}
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

func (e *Enforcer) checkOne(ctx context.Context, c candidate, blockedByUs map[string]bool) error {
	acct := c.who.Account()
	groups, err := e.source.Groups(ctx, c.who)
	allowed := false
	switch {
	case errors.Is(err, ErrUnknownPerson) && !c.fromLogin:
		e.log.Warn("GitLab member unknown to the directory; left alone", "user", acct)
		return nil
	case errors.Is(err, ErrUnknownPerson):
		allowed = false // the directory says this person is gone
	case err != nil:
		e.metrics.enforce.WithLabelValues("source_error").Inc()
		return fmt.Errorf("directory: %w", err) // no answer: block nobody
	default:
		allowed = e.rules.Admitted(e.rules.Mapped(groups))
	}
	u, err := e.gitlabUser(ctx, acct)
	if err != nil || u == nil {
		return err
	}
	ours := blockedByUs[strings.ToLower(acct)]
	switch {
	case !allowed && u.State == "active":
		return e.act(ctx, "block", u, acct)
	case allowed && u.State == "blocked" && ours:
		return e.act(ctx, "unblock", u, acct)
	}
	return nil
}

// act blocks or unblocks, or only logs it in audit-only mode.
func (e *Enforcer) act(ctx context.Context, action string, u *gitlab.User, acct string) error {
	if e.auditOnly {
		e.metrics.enforce.WithLabelValues("would_" + action).Inc()
		e.log.Warn("audit only: would "+action+" user", "user", acct)
		return nil
	}
	if err := e.stillLeader(ctx); err != nil {
		return err
	}
	// Each order fails safe: a block not recorded is never undone by the
	// mediator; a record dropped before a failed unblock leaves the person
	// blocked. Never the reverse, which could undo an administrator's block.
	var err error
	if action == "block" {
		err = e.api.Users.BlockUser(u.ID, gitlab.WithContext(ctx))
		if err == nil {
			err = e.m.setBlockedByUs(ctx, acct, true)
		}
	} else {
		err = e.m.setBlockedByUs(ctx, acct, false)
		if err == nil {
			err = e.api.Users.UnblockUser(u.ID, gitlab.WithContext(ctx))
		}
	}
	if err != nil {
		return fmt.Errorf("%s %s: %w", action, acct, err)
	}
	e.metrics.enforce.WithLabelValues(action).Inc()
	e.log.Info("user "+action+"ed", "user", acct)
	return nil
}

func (e *Enforcer) gitlabUser(ctx context.Context, username string) (*gitlab.User, error) {
	users, _, err := e.api.Users.ListUsers(&gitlab.ListUsersOptions{Username: gitlab.Ptr(username)}, gitlab.WithContext(ctx))
	if err != nil {
		return nil, fmt.Errorf("look up GitLab user %s: %w", username, err)
	}
	for _, u := range users {
		if strings.EqualFold(u.Username, username) {
			return u, nil
		}
	}
	return nil, nil // no account: nothing to block
}

// candidates merges people seen at login with the included groups' members.
func (e *Enforcer) candidates(ctx context.Context) ([]candidate, error) {
	byAcct := map[string]candidate{}
	known, err := e.m.knownPeople(ctx)
	if err != nil {
		return nil, err
	}
	for _, who := range known {
		byAcct[strings.ToLower(who.Account())] = candidate{who: who, fromLogin: true}
	}
	if len(e.rules.Included) > 0 {
		groups, err := listIncludedGroups(ctx, e.api, e.rules)
		if err != nil {
			return nil, err
		}
		for _, g := range groups {
			opt := &gitlab.ListGroupMembersOptions{ListOptions: gitlab.ListOptions{PerPage: 100, Page: 1}}
			for {
				members, resp, err := e.api.Groups.ListGroupMembers(g.ID, opt, gitlab.WithContext(ctx))
				if err != nil {
					return nil, fmt.Errorf("members of %s: %w", g.FullPath, err)
				}
				for _, mem := range members {
					if _, ok := byAcct[strings.ToLower(mem.Username)]; ok {
						continue
					}
					who := Identity{Username: mem.Username, Email: mem.Email}
					if who.Email == "" {
						// The members API leaves email out; an admin token reads it from the user.
						if u, _, err := e.api.Users.GetUser(mem.ID, gitlab.GetUsersOptions{}, gitlab.WithContext(ctx)); err == nil {
							who.Email = u.Email
						}
					}
					byAcct[strings.ToLower(mem.Username)] = candidate{who: who}
				}
				if resp.NextPage == 0 {
					break
				}
				opt.Page = resp.NextPage
			}
		}
	}
	out := make([]candidate, 0, len(byAcct))
	for _, c := range byAcct {
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].who.Account() < out[j].who.Account() })
	return out, nil
}
