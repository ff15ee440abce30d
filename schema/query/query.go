// Package query answers the persona questions of access-as-code (what do I
// have, what does a teammate have that I don't, who has this group, what do
// I administer, what ends soon) over a loaded config and its compiled
// desired state. It is pure: no I/O, no clock; the caller passes both the
// config and schema.Compile's result, so every answer is reproducible.
//
// Results are plain structs with stable snake_case JSON tags; the CLI prints
// them as tables or as JSON.
package query

import (
	"fmt"
	"strings"
	"time"

	"github.com/access-as-code/access/schema"
)

// UnknownError says a name given on the command line matches nothing in the
// config. Suggestion is the closest existing name, if one is close enough.
type UnknownError struct {
	Kind       string // "user", "group", "list kind"
	Name       string
	Suggestion string
}

func (e *UnknownError) Error() string {
	if e.Suggestion != "" {
		return fmt.Sprintf("unknown %s %q; did you mean %q?", e.Kind, e.Name, e.Suggestion)
	}
	return fmt.Sprintf("unknown %s %q", e.Kind, e.Name)
}

// UserRef identifies a person in results.
type UserRef struct {
	ID    string `json:"id"`
	Name  string `json:"name,omitempty"`
	Email string `json:"email,omitempty"`
}

func refOf(u *schema.User) UserRef { return UserRef{ID: u.ID, Name: u.Name, Email: u.Email} }

// Via is one way a person holds something: a config group, directly
// (Role == "") or through a role, with the expiry and reason of the entry
// that grants it. Level is set when the thing held is a GitLab group.
type Via struct {
	Group  string     `json:"group,omitempty"`
	Role   string     `json:"role,omitempty"`
	Level  string     `json:"level,omitempty"`
	Until  *time.Time `json:"until,omitempty"`
	Reason string     `json:"reason,omitempty"`
}

// Describe renders a Via for tables: "direct" or "role NAME", with the group
// when it is not the obvious one.
func (v Via) Describe(withGroup bool) string {
	how := "direct"
	if v.Role != "" {
		how = "role " + v.Role
	}
	if withGroup && v.Group != "" {
		how = v.Group + " (" + how + ")"
	}
	if v.Level != "" {
		how += " as " + v.Level
	}
	return how
}

// FindUser resolves name to a person of users.yaml. Any identifier of
// users.yaml is accepted: id, email, Okta login, GitLab or GitHub username.
// An id wins over other identifiers; emails and logins match ignoring case.
func FindUser(cfg *schema.Config, name string) (*schema.User, error) {
	if name == "" {
		return nil, fmt.Errorf("no user given: name a user by id, email, Okta login, GitLab or GitHub username")
	}
	for _, u := range cfg.Users {
		if u.ID == name {
			return u, nil
		}
	}
	var found []*schema.User
	for _, u := range cfg.Users {
		for _, id := range userIdentifiers(u)[1:] {
			if id != "" && strings.EqualFold(id, name) {
				found = append(found, u)
				break
			}
		}
	}
	switch len(found) {
	case 1:
		return found[0], nil
	case 0:
		var cands []string
		for _, u := range cfg.Users {
			cands = append(cands, userIdentifiers(u)...)
		}
		return nil, &UnknownError{Kind: "user", Name: name, Suggestion: schema.Suggest(name, cands)}
	}
	ids := make([]string, len(found))
	for i, u := range found {
		ids[i] = u.ID
	}
	return nil, fmt.Errorf("user %q is ambiguous: it names %s; use the id", name, strings.Join(ids, ", "))
}

func userIdentifiers(u *schema.User) []string {
	return []string{u.ID, u.Email, u.OktaLogin(), u.GitLab, u.GitHub}
}

// vias converts a compiled grant's paths for group g.
func vias(g string, gr *schema.Grant, level string) []Via {
	out := make([]Via, 0, len(gr.Via))
	for _, p := range gr.Via {
		out = append(out, Via{Group: g, Role: p.Role, Level: level, Until: p.Until, Reason: p.Reason})
	}
	return out
}

// latest is the later of two expiries, nil meaning "never ends".
func latest(a, b *time.Time) *time.Time {
	if a == nil || b == nil {
		return nil
	}
	if a.After(*b) {
		return a
	}
	return b
}

// roleEntry returns user's active entry in role r at now; when the user is
// listed twice, the one that lasts longest.
func roleEntry(r *schema.Role, user string, now time.Time) (schema.Member, bool) {
	var best schema.Member
	found := false
	for _, m := range r.Members {
		if m.User != user || m.Expired(now) {
			continue
		}
		if !found || latest(best.Until, m.Until) == m.Until {
			best, found = m, true
		}
	}
	return best, found
}

// RefString renders an owner reference: "bob", "role:eng-leads".
func RefString(r schema.Ref) string {
	if r.Role != "" {
		return "role:" + r.Role
	}
	return r.User
}
