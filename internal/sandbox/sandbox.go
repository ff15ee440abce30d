// Package sandbox runs the fake Okta, GitLab and GitHub APIs in-process, seeded from
// an access-config with realistic drift, so `reconcile --sandbox` shows a real
// plan and `reconcile --sandbox --apply` a real convergence without any
// credentials. It is a demonstration and a test fixture, nothing more.
package sandbox

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/access-as-code/access/internal/githubfake"
	"github.com/access-as-code/access/internal/gitlabfake"
	"github.com/access-as-code/access/internal/oktafake"
	"github.com/access-as-code/access/schema"
)

// Sandbox is the seeded fakes.
type Sandbox struct {
	Okta   *oktafake.Server
	GitLab *gitlabfake.Server
	GitHub *githubfake.Server
	// Drift describes, one line each, how the fakes differ from the config.
	Drift []string
}

// Close stops the fakes.
func (s *Sandbox) Close() {
	s.Okta.Close()
	s.GitLab.Close()
	s.GitHub.Close()
}

// Start seeds fakes so that they hold the desired state of cfg at d.Now,
// then adds drift: a stray member, a missing member, a wrong GitLab level, a
// GitLab account that does not exist yet, and an expired grant still present.
// Protected GitLab principals are made owners of every managed GitLab group,
// as the break-glass accounts of a real instance are.
func Start(cfg *schema.Config, d *schema.Desired) *Sandbox {
	s := &Sandbox{Okta: oktafake.New(oktafake.WithTLS()), GitLab: gitlabfake.New(gitlabfake.WithTLS())}
	pendingGitLab := pickPending(d)
	for _, u := range cfg.Users {
		s.Okta.AddUser(u.OktaLogin(), u.Email)
		if u.GitLab != "" && u.GitLab != pendingGitLab {
			s.GitLab.AddUserWithID(u.GitLabID, u.GitLab, u.Name, u.Email)
		}
	}
	if pendingGitLab != "" {
		s.Drift = append(s.Drift, fmt.Sprintf("GitLab has no account %q yet (pending user)", pendingGitLab))
	}
	for _, p := range cfg.Settings.Protected.GitLab {
		s.GitLab.AddUser(p, p, p+"@localhost")
	}
	for _, p := range cfg.Settings.Protected.Okta {
		s.Okta.AddUser(p, p)
	}

	oktaGroups := slices.Sorted(maps.Keys(d.Okta))
	missingDone := false
	for _, g := range oktaGroups {
		s.Okta.AddGroup(g, "OKTA_GROUP")
		for _, login := range slices.Sorted(maps.Keys(d.Okta[g])) {
			if !missingDone {
				missingDone = true
				s.Drift = append(s.Drift, fmt.Sprintf("Okta group %s lacks %s (missing member)", g, login))
				continue
			}
			s.Okta.AddMember(g, login)
		}
	}
	if len(oktaGroups) > 0 {
		s.Okta.AddUser("former.employee@example.com", "former.employee@example.com")
		s.Okta.AddMember(oktaGroups[len(oktaGroups)-1], "former.employee@example.com")
		s.Drift = append(s.Drift, fmt.Sprintf("Okta group %s has former.employee@example.com, who is not in the config (stray member)", oktaGroups[len(oktaGroups)-1]))
	}

	levelDone := false
	for _, path := range slices.Sorted(maps.Keys(d.GitLab)) {
		s.GitLab.AddGroup(path)
		for _, p := range cfg.Settings.Protected.GitLab {
			s.GitLab.SetMember(path, p, schema.Owner.Value())
		}
		for _, username := range slices.Sorted(maps.Keys(d.GitLab[path])) {
			if username == pendingGitLab {
				continue
			}
			g := d.GitLab[path][username]
			level := g.Level.Value()
			if !levelDone && g.Level != schema.Guest {
				levelDone = true
				level = schema.Guest.Value()
				s.Drift = append(s.Drift, fmt.Sprintf("GitLab %s: %s is guest, the config says %s (wrong level)", path, username, g.Level))
			}
			s.GitLab.SetMember(path, username, level)
		}
	}
	s.addExpired(cfg, d)
	s.startGitHub(cfg, d)
	return s
}

// addExpired puts back one grant whose until has passed, as a target that
// nobody cleaned up would still hold it.
func (s *Sandbox) addExpired(cfg *schema.Config, d *schema.Desired) {
	for _, name := range slices.Sorted(maps.Keys(cfg.Groups)) {
		g := cfg.Groups[name]
		for _, m := range g.Members {
			if m.User == "" || !m.Expired(d.Now) || d.Groups[name][m.User] != nil {
				continue
			}
			u := userByID(cfg, m.User)
			if u == nil {
				continue
			}
			switch {
			case g.Okta != nil:
				s.Okta.AddMember(g.Okta.Group, u.OktaLogin())
				s.Drift = append(s.Drift, fmt.Sprintf("Okta group %s still has %s, whose grant ended %s (expired grant)", g.Okta.Group, u.ID, m.Until.Format("2006-01-02")))
			case len(g.GitLab) > 0 && u.GitLab != "":
				s.GitLab.SetMember(g.GitLab[0].Group, u.GitLab, g.GitLab[0].Access.Value())
				s.Drift = append(s.Drift, fmt.Sprintf("GitLab %s still has %s, whose grant ended %s (expired grant)", g.GitLab[0].Group, u.ID, m.Until.Format("2006-01-02")))
			default:
				continue
			}
			return
		}
	}
}

// pickPending chooses a GitLab username that will have no account: the last
// desired GitLab member by name, so the choice is stable.
func pickPending(d *schema.Desired) string {
	all := map[string]bool{}
	for _, m := range d.GitLab {
		for u := range m {
			all[u] = true
		}
	}
	names := slices.Sorted(maps.Keys(all))
	if len(names) < 2 {
		return ""
	}
	return names[len(names)-1]
}

func userByID(cfg *schema.Config, id string) *schema.User {
	for _, u := range cfg.Users {
		if u.ID == id {
			return u
		}
	}
	return nil
}

// Describe is the drift as an indented list, for the terminal.
func (s *Sandbox) Describe() string {
	return "  - " + strings.Join(s.Drift, "\n  - ")
}
