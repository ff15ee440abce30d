package site

import (
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/url"
	"slices"
	"sort"

	"github.com/access-as-code/access/schema"
	"github.com/access-as-code/access/schema/query"
)

func (b *builder) static() error {
	for _, name := range []string{"site.css", "site.js"} {
		data, err := staticFS.ReadFile("static/" + name)
		if err != nil {
			return err
		}
		if err := b.put(name, func(w io.Writer) error { _, err := w.Write(data); return err }); err != nil {
			return err
		}
	}
	return b.put("search-index.js", b.searchIndex)
}

// entry is one search result: kind, name, description, page (from the root).
type entry struct {
	T string `json:"t"`
	N string `json:"n"`
	D string `json:"d,omitempty"`
	U string `json:"u"`
}

// searchIndex writes every group, role, app and person as a JS assignment,
// so the index page can load it with <script src> from file://.
func (b *builder) searchIndex(w io.Writer) error {
	var es []entry
	for _, n := range slices.Sorted(maps.Keys(b.cfg.Groups)) {
		es = append(es, entry{"group", n, b.cfg.Groups[n].Description, href("", "groups", n)})
	}
	for _, n := range slices.Sorted(maps.Keys(b.cfg.Roles)) {
		es = append(es, entry{"role", n, b.cfg.Roles[n].Description, href("", "roles", n)})
	}
	for _, n := range slices.Sorted(maps.Keys(b.cfg.Apps)) {
		es = append(es, entry{"app", n, b.cfg.Apps[n].Description, href("", "apps", n)})
	}
	for _, u := range b.people() {
		es = append(es, entry{"person", u.ID, u.Name, href("", "people", u.ID)})
	}
	data, err := json.Marshal(es)
	if err != nil {
		return err
	}
	if _, err := io.WriteString(w, "window.ACCESS_INDEX = "); err != nil {
		return err
	}
	if _, err := w.Write(data); err != nil {
		return err
	}
	_, err = io.WriteString(w, ";\n")
	return err
}

// people are the persons of users.yaml by id, once each.
func (b *builder) people() []*schema.User {
	if b.everyone != nil {
		return b.everyone
	}
	seen := map[string]bool{}
	var out []*schema.User
	for _, u := range b.cfg.Users {
		if !seen[u.ID] {
			seen[u.ID] = true
			out = append(out, u)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	b.everyone = out
	return out
}

type indexView struct {
	Groups, Roles, Apps, People int
	Ending                      []query.ExpiringGrant
	Window                      string
}

func (b *builder) index() error {
	return b.page("index.html", "index", "Access catalog", indexView{
		Groups: len(b.cfg.Groups), Roles: len(b.cfg.Roles), Apps: len(b.cfg.Apps), People: len(b.people()),
		Ending: query.Expiring(b.cfg, b.d, b.d.Now, IndexWindow), Window: "7 days",
	})
}

func (b *builder) expiring() error {
	return b.page("expiring.html", "expiring", "Access ending soon", indexView{
		Ending: query.Expiring(b.cfg, b.d, b.d.Now, ExpiringWindow), Window: "30 days",
	})
}

type personRow struct {
	User          *schema.User
	Groups, Roles int
	Owns          int
}

func (b *builder) lists() error {
	if err := b.page("groups/index.html", "groups", "Groups", query.ListGroups(b.cfg, b.d)); err != nil {
		return err
	}
	if err := b.page("roles/index.html", "roles", "Roles", query.ListRoles(b.cfg, b.d)); err != nil {
		return err
	}
	if err := b.page("apps/index.html", "apps", "Apps", query.ListApps(b.cfg)); err != nil {
		return err
	}
	var rows []personRow
	for _, u := range b.people() {
		a, o := b.access[u.ID], b.owned[u.ID]
		rows = append(rows, personRow{User: u, Groups: len(a.Groups), Roles: len(a.Roles),
			Owns: len(o.Groups) + len(o.Roles) + len(o.Apps)})
	}
	return b.page("people/index.html", "people", "People", rows)
}

// ownerRow is one way an item is owned: a reference of its owners list
// (App == "") or one of its app's owners.
type ownerRow struct {
	Ref schema.Ref
	App string
}

// targetRow is one system a group grants: adding a target kind to the
// schema is one more row here.
type targetRow struct{ System, Name, Level string }

type groupView struct {
	G          *schema.Group
	Owners     []ownerRow
	Approvers  []string
	Targets    []targetRow
	Policy     *schema.Policy
	PolicyFrom string
	Roles      []schema.Member // role entries of the members list
	Members    []query.Holder
	RequestURL string // the issue form, or "" (then the page's own section)
	Source     source
}

const groupBatch = 200

func (b *builder) groups() error {
	names := slices.Sorted(maps.Keys(b.cfg.Groups))
	var who []*query.WhoHasResult
	for i, name := range names {
		// who-has in batches: one user index per batch, and never every
		// group's members in memory at once.
		if i%groupBatch == 0 {
			var err error
			if who, err = query.WhoHasEach(b.cfg, b.d, names[i:min(i+groupBatch, len(names))]); err != nil {
				return err
			}
		}
		g := b.cfg.Groups[name]
		v := groupView{G: g, Approvers: b.d.Owners["group/"+name],
			Members: who[i%groupBatch].Members, Source: b.sourceLink(g.Pos)}
		for _, r := range g.Owners {
			v.Owners = append(v.Owners, ownerRow{Ref: r})
		}
		if a := b.cfg.Apps[g.App]; a != nil {
			for _, r := range a.Owners {
				v.Owners = append(v.Owners, ownerRow{Ref: r, App: a.Name})
			}
		}
		if g.Okta != nil {
			v.Targets = append(v.Targets, targetRow{"Okta", g.Okta.Group, "member"})
		}
		for _, t := range g.GitLab {
			v.Targets = append(v.Targets, targetRow{"GitLab", t.Group, string(t.Access)})
		}
		for _, t := range g.GitHub {
			name, level := t.Org, string(t.Role)
			if t.Team != "" {
				name += "/" + t.Team
				if t.Parent != "" {
					level += " (parent team " + t.Parent + ")"
				}
			}
			v.Targets = append(v.Targets, targetRow{"GitHub", name, level})
		}
		v.Policy, v.PolicyFrom = g.Policy, "this group"
		if v.Policy == nil && b.cfg.Settings.Policies.Default != nil {
			v.Policy, v.PolicyFrom = b.cfg.Settings.Policies.Default, "the default policy in access.yaml"
		}
		for _, m := range g.Members {
			if m.Role != "" {
				v.Roles = append(v.Roles, m)
			}
		}
		if b.opts.RepoURL != "" {
			v.RequestURL = b.opts.RepoURL + "/issues/new?template=access-request.yml&group=" + url.QueryEscape(name)
		}
		if err := b.page("groups/"+name+".html", "group", name, v); err != nil {
			return err
		}
	}
	return nil
}

type roleView struct {
	R         *schema.Role
	Owners    []ownerRow
	Approvers []string
	Groups    []string
	Members   []query.Holder
	Source    source
}

func (b *builder) roles() error {
	names := slices.Sorted(maps.Keys(b.cfg.Roles))
	grants := map[string][]string{}
	for _, ri := range query.ListRoles(b.cfg, b.d) {
		grants[ri.Name] = ri.Groups
	}
	// who-has of a role without resolving the groups that grant it: those
	// come from ListRoles, once for all roles.
	view := &schema.Config{Users: b.cfg.Users, Roles: b.cfg.Roles}
	who, err := query.WhoHasEach(view, b.d, names)
	if err != nil {
		return err
	}
	for i, name := range names {
		r := b.cfg.Roles[name]
		v := roleView{R: r, Approvers: b.d.Owners["role/"+name], Groups: grants[name], Source: b.sourceLink(r.Pos),
			Members: who[i].Members}
		for _, o := range r.Owners {
			v.Owners = append(v.Owners, ownerRow{Ref: o})
		}
		if err := b.page("roles/"+name+".html", "role", name, v); err != nil {
			return err
		}
	}
	return nil
}

type appView struct {
	A      *schema.App
	Owners []ownerRow
	Groups []query.GroupInfo
	Source source
}

func (b *builder) apps() error {
	byApp := map[string][]query.GroupInfo{}
	for _, gi := range query.ListGroups(b.cfg, b.d) {
		if gi.App != "" {
			byApp[gi.App] = append(byApp[gi.App], gi)
		}
	}
	for _, name := range slices.Sorted(maps.Keys(b.cfg.Apps)) {
		a := b.cfg.Apps[name]
		v := appView{A: a, Groups: byApp[name], Source: b.sourceLink(a.Pos)}
		for _, o := range a.Owners {
			v.Owners = append(v.Owners, ownerRow{Ref: o})
		}
		if err := b.page("apps/"+name+".html", "app", name, v); err != nil {
			return err
		}
	}
	return nil
}

type personView struct {
	U      *schema.User
	Access *query.AccessResult
	Owned  *query.OwnedResult
	Source source
}

func (b *builder) personPages() error {
	for _, u := range b.people() {
		v := personView{U: u, Access: b.access[u.ID], Owned: b.owned[u.ID], Source: b.sourceLink(u.Pos)}
		if err := b.page("people/"+u.ID+".html", "person", u.ID, v); err != nil {
			return fmt.Errorf("person %s: %w", u.ID, err)
		}
	}
	return nil
}
