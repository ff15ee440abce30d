package schema

import (
	"maps"
	"slices"
	"strings"
)

// User returns the user with id, or nil.
func (c *Config) User(id string) *User {
	if c.userByID != nil {
		return c.userByID[id]
	}
	for _, u := range c.Users {
		if u.ID == id {
			return u
		}
	}
	return nil
}

// UserIDs returns every user id in users.yaml order.
func (c *Config) UserIDs() []string {
	out := make([]string, 0, len(c.Users))
	for _, u := range c.Users {
		out = append(out, u.ID)
	}
	return out
}

// GroupNames returns the names of all groups, sorted.
func (c *Config) GroupNames() []string { return slices.Sorted(maps.Keys(c.Groups)) }

// RoleNames returns the names of all roles, sorted.
func (c *Config) RoleNames() []string { return slices.Sorted(maps.Keys(c.Roles)) }

// AppNames returns the names of all apps, sorted.
func (c *Config) AppNames() []string { return slices.Sorted(maps.Keys(c.Apps)) }

// UserByGitHub finds a user by GitHub login, ignoring case as GitHub does.
func (c *Config) UserByGitHub(login string) *User {
	return c.findUser(c.byGitHub, login, func(u *User) string { return u.GitHub })
}

// UserByOkta finds a user by Okta login (okta, else email), ignoring case.
func (c *Config) UserByOkta(login string) *User {
	return c.findUser(c.byOkta, login, (*User).OktaLogin)
}

// UserByGitLab finds a user by GitLab username, ignoring case.
func (c *Config) UserByGitLab(username string) *User {
	return c.findUser(c.byGitLab, username, func(u *User) string { return u.GitLab })
}

func (c *Config) findUser(index map[string]*User, name string, get func(*User) string) *User {
	if name == "" {
		return nil
	}
	if index != nil {
		return index[strings.ToLower(name)]
	}
	for _, u := range c.Users {
		if strings.EqualFold(get(u), name) {
			return u
		}
	}
	return nil
}

// Suggest returns the closest of candidates to s (for "did you mean"
// messages), or "" when none is close.
func Suggest(s string, candidates []string) string { return closest(s, candidates) }

// indexUsers builds the lookup maps; the first of duplicates wins (duplicates
// are validation errors).
func (c *Config) indexUsers() {
	c.userByID = make(map[string]*User, len(c.Users))
	c.byOkta = make(map[string]*User, len(c.Users))
	c.byGitLab = make(map[string]*User, len(c.Users))
	c.byGitHub = make(map[string]*User, len(c.Users))
	put := func(m map[string]*User, k string, u *User) {
		if k == "" {
			return
		}
		if _, dup := m[k]; !dup {
			m[k] = u
		}
	}
	for _, u := range c.Users {
		put(c.userByID, u.ID, u)
		put(c.byOkta, strings.ToLower(u.OktaLogin()), u)
		put(c.byGitLab, strings.ToLower(u.GitLab), u)
		put(c.byGitHub, strings.ToLower(u.GitHub), u)
	}
}
