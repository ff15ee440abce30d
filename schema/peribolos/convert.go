package peribolos

import (
	"bytes"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/access-as-code/access/schema"
)

// Result is an imported access-config and what was left out.
type Result struct {
	// Files: path relative to the config root -> content.
	Files map[string][]byte
	// NotImported lists, one line each and with file:line, what the
	// peribolos config sets that is not membership.
	NotImported []string
	// Notes are membership details resolved on the way (a person listed
	// both as admin and member keeps the higher role).
	Notes []string
	// Counts of the input, to check an import against: distinct people,
	// org memberships (org, person) and team memberships (team, person).
	People, OrgMemberships, TeamMemberships int
}

// Convert turns orgs into an access-config. Per org O: a role O.owners
// holding its admins, who own every group of the org; a group O.admins
// granting admin (its member is that role) and O.members granting member.
// Per team: O.SLUG granting team member and, where the team has
// maintainers, O.SLUG.maintainers granting maintainer; a child team names
// its parent. Group names stay unique whatever the teams are called (a team
// called "members" becomes O.team-members). Team maintainers own their
// team's groups; a team without maintainers is owned by the org's owners.
func Convert(orgs []*Org) (*Result, error) {
	c := &converter{res: &Result{Files: map[string][]byte{}}, ids: map[string]string{}, login: map[string]string{}, taken: map[string]bool{}}
	var errs []error
	for _, o := range orgs {
		c.collect(o)
	}
	for _, o := range orgs {
		if err := c.org(o); err != nil {
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	if len(c.ids) == 0 {
		return nil, errors.New("the config lists nobody: no admins, members or team members")
	}
	c.users()
	c.settings(orgs)
	c.res.People = len(c.ids)
	return c.res, nil
}

type converter struct {
	res   *Result
	ids   map[string]string // lower-case login -> user id
	login map[string]string // user id -> login as first written
	taken map[string]bool   // group file names used
	admin []string          // user ids of every org's admins
}

// collect gives every person an id: the login in lower case, with what a
// user id cannot hold replaced by '-'; a clash gets a number.
func (c *converter) collect(o *Org) {
	add := func(ls []Login) {
		for _, l := range ls {
			k := strings.ToLower(l.Name)
			if _, ok := c.ids[k]; ok {
				continue
			}
			id := userID(k)
			for i := 2; c.login[id] != ""; i++ {
				id = userID(k) + "-" + strconv.Itoa(i)
			}
			c.ids[k], c.login[id] = id, l.Name
		}
	}
	add(o.Admins)
	add(o.Members)
	var walk func(ts map[string]*Team)
	walk = func(ts map[string]*Team) {
		for _, n := range slices.Sorted(maps.Keys(ts)) {
			add(ts[n].Maintainers)
			add(ts[n].Members)
			walk(ts[n].Children)
		}
	}
	walk(o.Teams)
}

func userID(login string) string {
	b := []byte(login)
	for i, ch := range b {
		if !(ch >= 'a' && ch <= 'z' || ch >= '0' && ch <= '9' || ch == '.' || ch == '-') {
			b[i] = '-'
		}
	}
	if len(b) > 0 && (b[0] == '.' || b[0] == '-') {
		return "u" + string(b)
	}
	return string(b)
}

// ids turns logins into sorted unique user ids, without those in drop.
func (c *converter) idsOf(ls []Login, drop map[string]bool) []string {
	seen := map[string]bool{}
	var out []string
	for _, l := range ls {
		id := c.ids[strings.ToLower(l.Name)]
		if !seen[id] && !drop[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	sort.Strings(out)
	return out
}

func set(ids []string) map[string]bool {
	m := make(map[string]bool, len(ids))
	for _, id := range ids {
		m[id] = true
	}
	return m
}

// claim reserves a group name: name, else alt, else the last with a number.
func (c *converter) claim(name, alt string) string {
	cands := []string{name}
	if alt != "" {
		cands = append(cands, alt)
	}
	for _, n := range cands {
		if !c.taken[n] {
			c.taken[n] = true
			return n
		}
	}
	last := cands[len(cands)-1]
	for i := 2; ; i++ {
		if n := last + "-" + strconv.Itoa(i); !c.taken[n] {
			c.taken[n] = true
			return n
		}
	}
}

func (c *converter) org(o *Org) error {
	ln := strings.ToLower(o.Name)
	admins := c.idsOf(o.Admins, nil)
	if len(admins) == 0 {
		return schema.Errorf(o.Pos, "admins", "organization %s lists no admins: nobody could own its groups", o.Name)
	}
	c.admin = append(c.admin, admins...)
	members := c.idsOf(o.Members, set(admins))
	for _, id := range c.idsOf(o.Members, nil) {
		if set(admins)[id] {
			c.res.Notes = append(c.res.Notes, fmt.Sprintf("%s: %s is listed as admin and member; imported as admin", o.Name, id))
		}
	}
	c.res.OrgMemberships += len(admins) + len(members)
	for _, f := range o.Settings {
		c.notImported(f.Pos, "org %s setting %s", o.Name, f.Name)
	}
	if len(o.Repos) > 0 {
		c.notImported(o.Repos[0].Pos, "org %s repos (%d repositories)", o.Name, len(o.Repos))
	}

	owners := ln + ".owners"
	orgOwners := []any{map[string]string{"role": owners}}
	c.write("roles/"+owners+".yaml", outRole{
		Description: "Owners (admins) of the GitHub organization " + o.Name + "; they own its groups. Imported from peribolos.",
		Owners:      orgOwners, Members: strs(admins)})
	c.group(c.claim(ln+".admins", ""), outGroup{
		Description: "Admins of the GitHub organization " + o.Name + ".",
		Owners:      orgOwners, GitHub: []outTarget{{Org: o.Name, Role: "admin"}}, Members: orgOwners})
	c.group(c.claim(ln+".members", ""), outGroup{
		Description: "Members of the GitHub organization " + o.Name + ".",
		Owners:      orgOwners, GitHub: []outTarget{{Org: o.Name}}, Members: strs(members)})
	return errors.Join(c.teams(o, o.Teams, "", orgOwners, map[string]*Team{})...)
}

// teams writes the groups of ts and their children; slugs holds the
// teams seen in the org by slug, as GitHub names teams uniquely by it.
func (c *converter) teams(o *Org, ts map[string]*Team, parent string, orgOwners []any, slugs map[string]*Team) []error {
	ln := strings.ToLower(o.Name)
	var errs []error
	for _, name := range slices.Sorted(maps.Keys(ts)) {
		t := ts[name]
		slug := schema.TeamSlug(t.Name)
		if !schema.ValidTeamSlug(slug) {
			errs = append(errs, schema.Errorf(t.Pos, "teams."+t.Name, "team name %q gives no usable slug", t.Name))
			continue
		}
		if prev, dup := slugs[slug]; dup {
			errs = append(errs, schema.Errorf(t.Pos, "teams."+t.Name, "team %q has the same slug %q as team %q at %s:%d", t.Name, slug, prev.Name, prev.Pos.File, prev.Pos.Line))
			continue
		}
		slugs[slug] = t
		maint := c.idsOf(t.Maintainers, nil)
		members := c.idsOf(t.Members, set(maint))
		for _, id := range c.idsOf(t.Members, nil) {
			if set(maint)[id] {
				c.res.Notes = append(c.res.Notes, fmt.Sprintf("%s team %s: %s is listed as maintainer and member; imported as maintainer", o.Name, t.Name, id))
			}
		}
		c.res.TeamMemberships += len(maint) + len(members)
		c.teamNotes(o, t)

		owners := orgOwners
		if len(maint) > 0 {
			owners = strs(maint)
		}
		base := strings.ReplaceAll(slug, "_", "-")
		desc := t.Description
		if desc == "" {
			desc = "GitHub team " + t.Name + " of " + o.Name + "."
		}
		c.group(c.claim(ln+"."+base, ln+".team-"+base), outGroup{Description: desc, Owners: owners,
			GitHub: []outTarget{{Org: o.Name, Team: slug, Parent: parent}}, Members: strs(members)})
		if len(maint) > 0 {
			c.group(c.claim(ln+"."+base+".maintainers", ""), outGroup{Description: "Maintainers of " + t.Name + " (" + o.Name + ").",
				Owners: owners, GitHub: []outTarget{{Org: o.Name, Team: slug, Role: "maintainer", Parent: parent}}, Members: strs(maint)})
		}
		errs = append(errs, c.teams(o, t.Children, slug, orgOwners, slugs)...)
	}
	return errs
}

func (c *converter) teamNotes(o *Org, t *Team) {
	if t.Privacy == "secret" {
		c.notImported(t.Pos, "%s team %s: privacy secret (teams are created closed; an existing team keeps its privacy)", o.Name, t.Name)
	}
	if len(t.Previously) > 0 {
		c.notImported(t.Previously[0].Pos, "%s team %s: previously (former names): rename the team on GitHub before the first apply", o.Name, t.Name)
	}
	if len(t.Repos) > 0 {
		c.notImported(t.Repos[0].Pos, "%s team %s: repos (%d repository permissions)", o.Name, t.Name, len(t.Repos))
	}
}

func (c *converter) notImported(pos schema.Pos, format string, args ...any) {
	c.res.NotImported = append(c.res.NotImported, fmt.Sprintf("%s:%d: ", pos.File, pos.Line)+fmt.Sprintf(format, args...))
}

func strs(ids []string) []any {
	out := make([]any, len(ids))
	for i, id := range ids {
		out[i] = id
	}
	return out
}

// The written files, in the access-config format.
type (
	outUser struct {
		ID     string `yaml:"id"`
		GitHub string `yaml:"github"`
	}
	outTarget struct {
		Org    string `yaml:"org"`
		Team   string `yaml:"team,omitempty"`
		Role   string `yaml:"role,omitempty"`
		Parent string `yaml:"parent,omitempty"`
	}
	outGroup struct {
		Description string      `yaml:"description,omitempty"`
		Owners      []any       `yaml:"owners"`
		GitHub      []outTarget `yaml:"github"`
		Members     []any       `yaml:"members"`
	}
	outRole struct {
		Description string `yaml:"description,omitempty"`
		Owners      []any  `yaml:"owners"`
		Members     []any  `yaml:"members"`
	}
	outSettings struct {
		Admins []string `yaml:"admins,omitempty"`
		GitHub struct {
			Orgs []string `yaml:"orgs"`
		} `yaml:"github"`
	}
)

func (c *converter) group(name string, g outGroup) { c.write("groups/"+name+".yaml", g) }

func (c *converter) write(file string, v any) {
	var b bytes.Buffer
	b.WriteString("# Imported from peribolos by `reconcile import peribolos`.\n")
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(v); err != nil {
		panic(err) // only our own plain types are encoded
	}
	c.res.Files[file] = b.Bytes()
}

func (c *converter) users() {
	ids := make([]string, 0, len(c.login))
	for id := range c.login {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	us := make([]outUser, len(ids))
	for i, id := range ids {
		us[i] = outUser{ID: id, GitHub: c.login[id]}
	}
	c.write("users.yaml", map[string][]outUser{"users": us})
}

func (c *converter) settings(orgs []*Org) {
	var s outSettings
	seen := map[string]bool{}
	for _, id := range c.admin {
		if !seen[id] {
			seen[id] = true
			s.Admins = append(s.Admins, id)
		}
	}
	sort.Strings(s.Admins)
	for _, o := range orgs {
		s.GitHub.Orgs = append(s.GitHub.Orgs, o.Name)
	}
	c.write("access.yaml", s)
}
