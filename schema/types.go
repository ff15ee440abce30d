package schema

import "time"

// Pos is where something was written: a file relative to the config root and a
// 1-based line and column. The zero Pos means "not from a file".
type Pos struct {
	File string `json:"file,omitempty"`
	Line int    `json:"line,omitempty"`
	Col  int    `json:"col,omitempty"`
}

// Config is a loaded access-config directory. Maps are keyed by name (the
// file name without .yaml for groups, roles and apps; the id for users).
type Config struct {
	Settings Settings
	Users    []*User
	Groups   map[string]*Group
	Roles    map[string]*Role
	Apps     map[string]*App

	userByID map[string]*User
	load     *loadInfo // what Load could not read; nil for a Config built in code
	// Lower-cased logins to users, built by Load (first user wins).
	byOkta, byGitLab, byGitHub map[string]*User
}

// Settings is access.yaml.
type Settings struct {
	Okta      OktaSettings   `yaml:"okta" json:"okta"`
	GitLab    GitLabSettings `yaml:"gitlab" json:"gitlab"`
	GitHub    GitHubSettings `yaml:"github" json:"github"`
	Admins    []string       `yaml:"admins" json:"admins"`
	Protected Protected      `yaml:"protected" json:"protected"`
	Limits    Limits         `yaml:"limits" json:"limits"`
	Policies  Policies       `yaml:"policies" json:"policies"`
	Pos       Pos            `yaml:"-" json:"-"`
}

// OktaSettings: the org URL; the token only ever comes from OKTA_API_TOKEN.
type OktaSettings struct {
	OrgURL string `yaml:"org_url" json:"org_url"`
}

// GitLabSettings: the base URL; the token only ever comes from GITLAB_TOKEN.
type GitLabSettings struct {
	URL string `yaml:"url" json:"url"`
}

// GitHubSettings names the repository that holds this config, for comments
// and approvals, and the organizations it governs; the token only ever comes
// from GITHUB_TOKEN. GITHUB_API_URL and GITHUB_GRAPHQL_URL override the URLs.
type GitHubSettings struct {
	APIURL     string `yaml:"api_url" json:"api_url"`
	GraphQLURL string `yaml:"graphql_url" json:"graphql_url"`
	Repo       string `yaml:"repo" json:"repo"`
	// Orgs are the organizations this config governs; a group naming
	// another org is a validation error.
	Orgs []string `yaml:"orgs" json:"orgs"`
	// MinAdmins: no apply leaves an org with fewer admins (owners) than
	// this; Load sets DefaultMinAdmins when access.yaml does not, and 0 (a
	// Config built in code) means DefaultMinAdmins too.
	MinAdmins int `yaml:"min_admins" json:"min_admins"`
	// TeamSync: the orgs use team synchronization with an identity provider
	// (GitHub Enterprise Cloud), so reconcile reads each managed team's IdP
	// group mappings (one request a team) and reports synced teams as
	// unmanageable instead of planning writes GitHub would refuse.
	TeamSync bool `yaml:"team_sync" json:"team_sync"`

	orgPos []Pos // where each of Orgs is written
}

// Protected principals are never removed from a managed target, whatever the
// config says: break-glass admins, service accounts, bots.
type Protected struct {
	Okta   []string `yaml:"okta" json:"okta"`     // Okta logins
	GitLab []string `yaml:"gitlab" json:"gitlab"` // GitLab usernames
	GitHub []string `yaml:"github" json:"github"` // GitHub logins
}

// Limits are the removal guards; flags override them.
type Limits struct {
	MaxRemovals     int     `yaml:"max_removals" json:"max_removals"`
	MaxRemovalRatio float64 `yaml:"max_removal_ratio" json:"max_removal_ratio"`
}

// Default guard values, used when access.yaml does not set them.
const (
	DefaultMaxRemovals     = 100
	DefaultMaxRemovalRatio = 0.5
	// DefaultMinAdmins keeps a second owner of each GitHub org, so that
	// losing one account never locks the org.
	DefaultMinAdmins = 2
)

// Policies hold organisation-wide rules.
type Policies struct {
	// Default applies to every group that has no policy of its own.
	Default *Policy `yaml:"default" json:"default,omitempty"`
	// AutoApprove lists grants that need no owner review (the Discord Access
	// "conditional access" idea): members of Role may add themselves to Groups
	// for at most MaxDuration, with a reason when RequireReason.
	AutoApprove []AutoApprove `yaml:"auto_approve" json:"auto_approve,omitempty"`
}

// AutoApprove is one self-service rule; see Policies.AutoApprove.
type AutoApprove struct {
	Role          string   `yaml:"role" json:"role"`
	Groups        []string `yaml:"groups" json:"groups"`
	MaxDuration   Duration `yaml:"max_duration" json:"max_duration"`
	RequireReason bool     `yaml:"require_reason" json:"require_reason"`
	Pos           Pos      `yaml:"-" json:"-"`
}

// User is one person of users.yaml.
type User struct {
	ID       string `json:"id"`
	Name     string `json:"name,omitempty"`
	Email    string `json:"email,omitempty"`  // empty for a person without Okta access
	Okta     string `json:"okta,omitempty"`   // Okta login; defaults to Email
	GitLab   string `json:"gitlab,omitempty"` // GitLab username; empty = no GitLab access
	GitHub   string `json:"github,omitempty"` // GitHub login
	OktaID   string `json:"okta_id,omitempty"`
	GitLabID int    `json:"gitlab_id,omitempty"`
	GitHubID int64  `json:"github_id,omitempty"` // pins the GitHub account across renames
	Pos      Pos    `json:"-"`

	index int            // 1-based place in users.yaml's list, 0 when built in code
	at    map[string]Pos // where each key's value is written, for errors
}

// posOf is where field key of u is written, else where u starts.
func (u *User) posOf(key string) Pos {
	if p, ok := u.at[key]; ok {
		return p
	}
	return u.Pos
}

// OktaLogin is the login used in Okta: okta, else email. "" means the person
// has no Okta access (neither is set).
func (u *User) OktaLogin() string {
	if u.Okta != "" {
		return u.Okta
	}
	return u.Email
}

// Ref is an owner or member reference: exactly one of User and Role is set.
type Ref struct {
	User string `json:"user,omitempty"`
	Role string `json:"role,omitempty"`
	Pos  Pos    `json:"-"`

	index int // 1-based place in its list, 0 when built in code
}

// Member is one entry of a members list.
type Member struct {
	Ref
	Until  *time.Time `json:"until,omitempty"` // nil = no end
	Reason string     `json:"reason,omitempty"`

	untilPos Pos // where until is written, for errors
}

// Expired reports whether the entry grants nothing at now: access ends at
// the instant Until, so an entry whose Until equals now has expired.
func (m Member) Expired(now time.Time) bool {
	return m.Until != nil && !now.Before(*m.Until)
}

// Policy constrains a group's member entries; checked at validate time.
type Policy struct {
	MaxDuration   Duration `yaml:"max_duration" json:"max_duration,omitempty"`
	RequireReason bool     `yaml:"require_reason" json:"require_reason,omitempty"`
}

// OktaTarget is the Okta group a config group manages.
type OktaTarget struct {
	Group string `json:"group"`
	Pos   Pos    `json:"-"`
}

// GitLabTarget is one GitLab group a config group grants, at one level.
type GitLabTarget struct {
	Group  string      `json:"group"` // full path
	Access AccessLevel `json:"access"`
	Pos    Pos         `json:"-"`
}

// GitHubRole is a role in a GitHub org (member, admin) or team (member,
// maintainer).
type GitHubRole string

// The GitHub roles. Org roles are member and admin (GitHub's "owner");
// team roles are member and maintainer.
const (
	GitHubMember     GitHubRole = "member"
	GitHubAdmin      GitHubRole = "admin"
	GitHubMaintainer GitHubRole = "maintainer"
)

// Rank orders roles of one kind: member below admin and maintainer.
func (r GitHubRole) Rank() int {
	switch r {
	case GitHubAdmin, GitHubMaintainer:
		return 2
	case GitHubMember:
		return 1
	}
	return 0
}

// GitHubTarget is one GitHub org (Team == "") or team a config group grants,
// with one role. Role is always set after Load (member by default).
type GitHubTarget struct {
	Org    string     `json:"org"`
	Team   string     `json:"team,omitempty"` // team slug
	Role   GitHubRole `json:"role"`
	Parent string     `json:"parent,omitempty"` // parent team slug; only with Team
	Pos    Pos        `json:"-"`

	at map[string]Pos // where each key's value is written, for errors
}

// posOf is where field key of t is written, else where t starts.
func (t GitHubTarget) posOf(key string) Pos {
	if p, ok := t.at[key]; ok {
		return p
	}
	return t.Pos
}

// Group is groups/<name>.yaml.
type Group struct {
	Name        string         `json:"name"`
	Description string         `json:"description,omitempty"`
	App         string         `json:"app,omitempty"`
	Owners      []Ref          `json:"owners"`
	Policy      *Policy        `json:"policy,omitempty"`
	Okta        *OktaTarget    `json:"okta,omitempty"`
	GitLab      []GitLabTarget `json:"gitlab,omitempty"`
	GitHub      []GitHubTarget `json:"github,omitempty"`
	Members     []Member       `json:"members"`
	Pos         Pos            `json:"-"` // the file, line 1

	appPos    Pos // where app: is written
	ownersPos Pos // where owners: is written
}

// Role is roles/<name>.yaml: a set of people granted groups together.
type Role struct {
	Name        string   `json:"name"`
	Description string   `json:"description,omitempty"`
	Owners      []Ref    `json:"owners"`
	Members     []Member `json:"members"`
	Pos         Pos      `json:"-"`
}

// App is apps/<name>.yaml: its owners co-own every group with `app: <name>`.
type App struct {
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
	Owners      []Ref  `json:"owners"`
	Pos         Pos    `json:"-"`
}
