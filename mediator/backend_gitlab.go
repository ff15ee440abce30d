package mediator

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	gitlab "gitlab.com/gitlab-org/api/client-go"
)

// GitLabBackend makes a person's memberships in the included GitLab groups
// match their groups after a login. A mapped group name is a GitLab group's
// full path. Only groups matching included_groups are ever read or changed.
type GitLabBackend struct {
	api     *gitlab.Client
	rules   GroupRules
	retries int
	backoff time.Duration
	level   gitlab.AccessLevelValue
	log     *slog.Logger
}

// NewGitLabBackend builds the backend from gitlab_url, GITLAB_SECRET,
// retries, backoff and gitlab_access_level.
func NewGitLabBackend(cfg *Config, hc *http.Client, log *slog.Logger) (*GitLabBackend, error) {
	api, err := newGitLabClient(cfg, hc)
	if err != nil {
		return nil, err
	}
	level, err := accessLevel(cfg.GitLabAccessLevel)
	if err != nil {
		return nil, err
	}
	return &GitLabBackend{api: api, retries: cfg.Retries, backoff: cfg.Backoff, level: level, log: log,
		rules: GroupRules{Map: cfg.GroupMap, Included: cfg.IncludedGroups, Required: cfg.RequiredGroups}}, nil
}

func newGitLabClient(cfg *Config, hc *http.Client) (*gitlab.Client, error) {
	opts := []gitlab.ClientOptionFunc{gitlab.WithBaseURL(strings.TrimRight(cfg.GitLabURL, "/") + "/api/v4")}
	if hc != nil {
		opts = append(opts, gitlab.WithHTTPClient(hc))
	}
	api, err := gitlab.NewClient(cfg.GitLabSecret, opts...)
	if err != nil {
		return nil, fmt.Errorf("gitlab client: %w", err)
	}
	return api, nil
}

// accessLevel parses gitlab_access_level.
func accessLevel(name string) (gitlab.AccessLevelValue, error) {
	switch strings.ToLower(name) {
	case "guest":
		return gitlab.GuestPermissions, nil
	case "reporter":
		return gitlab.ReporterPermissions, nil
	case "", "developer":
		return gitlab.DeveloperPermissions, nil
	case "maintainer":
		return gitlab.MaintainerPermissions, nil
	case "owner":
		return gitlab.OwnerPermissions, nil
	}
	return 0, fmt.Errorf("%q is not guest, reporter, developer, maintainer or owner", name)
}

// Sync implements Backend.
func (b *GitLabBackend) Sync(ctx context.Context, who Identity, groups []string) error {
	if len(b.rules.Included) == 0 {
		return nil // no included group: nothing is processed (Apertis AuthZ mediator README)
	}
	user, err := b.waitForUser(ctx, who)
	if err != nil {
		return err
	}
	managed, err := listIncludedGroups(ctx, b.api, b.rules)
	if err != nil {
		return err
	}
	want := map[string]bool{}
	for _, g := range groups {
		want[strings.ToLower(g)] = true
	}
	var errs []error
	for _, g := range managed {
		path := strings.ToLower(g.FullPath)
		member := want[path]
		delete(want, path)
		errs = append(errs, b.syncGroup(ctx, g, user, member))
	}
	for missing := range want {
		b.log.Warn("group from the provider does not exist in GitLab; not created", "group", missing, "user", user.Username)
	}
	return errors.Join(errs...)
}

// syncGroup adds or removes one direct membership.
func (b *GitLabBackend) syncGroup(ctx context.Context, g *gitlab.Group, u *gitlab.User, member bool) error {
	_, resp, err := b.api.GroupMembers.GetGroupMember(g.ID, u.ID, gitlab.WithContext(ctx))
	is := err == nil
	if err != nil && (resp == nil || resp.StatusCode != http.StatusNotFound) {
		return fmt.Errorf("read membership of %s in %s: %w", u.Username, g.FullPath, err)
	}
	switch {
	case member && !is:
		_, resp, err := b.api.GroupMembers.AddGroupMember(g.ID, &gitlab.AddGroupMemberOptions{
			UserID: gitlab.Ptr(u.ID), AccessLevel: gitlab.Ptr(b.level)}, gitlab.WithContext(ctx))
		if err != nil && (resp == nil || resp.StatusCode != http.StatusConflict) { // 409: already there
			return fmt.Errorf("add %s to %s: %w", u.Username, g.FullPath, err)
		}
		b.log.Info("member added", "group", g.FullPath, "user", u.Username)
	case !member && is:
		_, err := b.api.GroupMembers.RemoveGroupMember(g.ID, u.ID, &gitlab.RemoveGroupMemberOptions{
			SkipSubresources: gitlab.Ptr(true)}, gitlab.WithContext(ctx))
		if err != nil {
			return fmt.Errorf("remove %s from %s: %w", u.Username, g.FullPath, err)
		}
		b.log.Info("member removed", "group", g.FullPath, "user", u.Username)
	}
	return nil
}

// errNoAccount means the person has no GitLab account (yet).
var errNoAccount = errors.New("no GitLab account")

// waitForUser finds the account, retrying while GitLab is still creating
// it: the relying party creates it only after the token exchange.
func (b *GitLabBackend) waitForUser(ctx context.Context, who Identity) (*gitlab.User, error) {
	for attempt := 0; ; attempt++ {
		u, err := b.findUser(ctx, who)
		if err == nil || !errors.Is(err, errNoAccount) || attempt >= b.retries {
			return u, err
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(b.backoff):
		}
	}
}

// findUser looks the account up by preferred_username, else by email.
func (b *GitLabBackend) findUser(ctx context.Context, who Identity) (*gitlab.User, error) {
	opt := &gitlab.ListUsersOptions{}
	if who.Username != "" {
		opt.Username = gitlab.Ptr(who.Username)
	} else if who.Email != "" {
		opt.Search = gitlab.Ptr(who.Email)
	} else {
		return nil, fmt.Errorf("%w: the ID token has neither preferred_username nor email", errNoAccount)
	}
	users, _, err := b.api.Users.ListUsers(opt, gitlab.WithContext(ctx))
	if err != nil {
		return nil, fmt.Errorf("look up GitLab user %s: %w", who.Account(), err)
	}
	for _, u := range users {
		if strings.EqualFold(u.Username, who.Username) || (who.Username == "" && strings.EqualFold(u.Email, who.Email)) {
			return u, nil
		}
	}
	return nil, fmt.Errorf("%w: %s", errNoAccount, who.Account())
}

// listIncludedGroups lists every GitLab group whose full path matches
// included_groups, reading all pages.
func listIncludedGroups(ctx context.Context, api *gitlab.Client, rules GroupRules) ([]*gitlab.Group, error) {
	var out []*gitlab.Group
	opt := &gitlab.ListGroupsOptions{AllAvailable: gitlab.Ptr(true), ListOptions: gitlab.ListOptions{PerPage: 100, Page: 1}}
	for {
		groups, resp, err := api.Groups.ListGroups(opt, gitlab.WithContext(ctx))
		if err != nil {
			return nil, fmt.Errorf("list GitLab groups: %w", err)
		}
		for _, g := range groups {
			if rules.IsIncluded(g.FullPath) {
				out = append(out, g)
			}
		}
		if resp.NextPage == 0 {
			return out, nil
		}
		opt.Page = resp.NextPage
	}
}
