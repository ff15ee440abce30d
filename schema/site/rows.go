package site

import (
	"html/template"
	"net/url"
	"strconv"
	"strings"

	"github.com/access-as-code/access/schema/query"
)

// The tables that grow with the org (a group's members, a person's groups,
// what ends soon) are written here rather than in templates: a template
// row calls several functions through reflection, which on a 10,000-person
// org is most of the build time. The markup is the templates' own.

var escaper = strings.NewReplacer(`&`, "&amp;", `'`, "&#39;", `<`, "&lt;", `>`, "&gt;", `"`, "&#34;")

type rowWriter struct {
	strings.Builder
	root string
}

func (w *rowWriter) text(s string) { escaper.WriteString(w, s) }

func (w *rowWriter) link(kind, name string) {
	w.WriteString(`<a href="`)
	w.text(w.root + kind + "/" + url.PathEscape(name) + ".html")
	w.WriteString(`">`)
	w.text(name)
	w.WriteString(`</a>`)
}

func (w *rowWriter) person(u query.UserRef) {
	w.link("people", u.ID)
	if u.Name != "" {
		w.WriteString(` <span class="name">`)
		w.text(u.Name)
		w.WriteString(`</span>`)
	}
}

func (w *rowWriter) via(vs []query.Via) {
	w.WriteString(string(viaHTML(w.root, vs)))
}

func (w *rowWriter) cell(s string) {
	w.WriteString("<td>")
	if s == "" {
		s = "–"
	}
	w.text(s)
	w.WriteString("</td>")
}

func (w *rowWriter) html() template.HTML { return template.HTML(w.String()) }

// memberRows: a group's or role's holders, person, [via,] until, reason.
func memberRows(root string, hs []query.Holder, withVia bool) template.HTML {
	w := &rowWriter{root: root}
	w.Grow(len(hs) * 256)
	for _, h := range hs {
		w.WriteString(`<tr><th scope="row">`)
		w.person(h.User)
		w.WriteString("</th>")
		if withVia {
			w.WriteString("<td>")
			w.via(h.Via)
			w.WriteString("</td>")
		}
		w.cell(until(h.Until))
		w.cell(reasons(h.Via))
		w.WriteString("</tr>\n")
	}
	return w.html()
}

// groupRows: a person's groups, group, app, via, until, reason.
func groupRows(root string, gs []query.GroupAccess) template.HTML {
	w := &rowWriter{root: root}
	w.Grow(len(gs) * 256)
	for _, g := range gs {
		w.WriteString(`<tr><th scope="row">`)
		w.link("groups", g.Group)
		w.WriteString("</th><td>")
		if g.App != "" {
			w.link("apps", g.App)
		} else {
			w.WriteString("–")
		}
		w.WriteString("</td><td>")
		w.via(g.Via)
		w.WriteString("</td>")
		w.cell(until(g.Until))
		w.cell(reasons(g.Via))
		w.WriteString("</tr>\n")
	}
	return w.html()
}

// endingRows: grants that end soon, person, loses, until, reason, owners.
func endingRows(root string, es []query.ExpiringGrant) template.HTML {
	w := &rowWriter{root: root}
	w.Grow(len(es) * 320)
	for _, e := range es {
		w.WriteString(`<tr><th scope="row">`)
		w.person(e.User)
		w.WriteString("</th><td>")
		if e.Kind == "role" {
			w.WriteString("role ")
			w.link("roles", e.Name)
		} else {
			w.link("groups", e.Name)
			if e.Role != "" {
				w.WriteString(" (through role ")
				w.link("roles", e.Role)
				w.WriteString(")")
			}
		}
		w.WriteString("</td>")
		w.cell(until(e.Until))
		w.cell(e.Reason)
		w.WriteString("<td>")
		for i, o := range e.Owners {
			if i > 0 {
				w.WriteString(", ")
			}
			w.link("people", o)
		}
		w.WriteString("</td></tr>\n")
	}
	return w.html()
}

func reasons(vs []query.Via) string {
	var out []string
	for _, v := range vs {
		if v.Reason != "" && !contains(out, v.Reason) {
			out = append(out, v.Reason)
		}
	}
	return strings.Join(out, "; ")
}

// The rest of a person's page:, apps, Okta and GitLab groups and
// what they own, each a tbody with its "none" row.
func appRows(root string, as []query.AppAccess) template.HTML {
	w := &rowWriter{root: root}
	for _, a := range as {
		w.WriteString(`<tr><th scope="row">`)
		w.link("apps", a.App)
		w.WriteString("</th><td>")
		for i, g := range a.Groups {
			if i > 0 {
				w.WriteString(", ")
			}
			w.link("groups", g)
		}
		w.WriteString("</td></tr>\n")
	}
	return w.none(len(as), 2, "No apps.")
}

func oktaRows(root string, os []query.OktaAccess) template.HTML {
	w := &rowWriter{root: root}
	for _, o := range os {
		w.WriteString(`<tr><th scope="row"><code>`)
		w.text(o.Group)
		w.WriteString("</code></th><td>")
		w.link("groups", o.ConfigGroup)
		w.WriteString("</td></tr>\n")
	}
	return w.none(len(os), 2, "No Okta groups.")
}

func gitlabRows(root string, gs []query.GitLabAccess) template.HTML {
	w := &rowWriter{root: root}
	for _, g := range gs {
		w.leveledRow(g.Group, g.Level, g.Via)
	}
	return w.none(len(gs), 3, "No GitLab groups.")
}

func githubRows(root string, gs []query.GitHubAccess) template.HTML {
	w := &rowWriter{root: root}
	for _, g := range gs {
		w.leveledRow(g.Name, g.Role, g.Via)
	}
	return w.none(len(gs), 3, "No GitHub orgs or teams.")
}

// leveledRow is one target held at a level (a GitLab group, a GitHub org or
// team): its name, the level, and each config group giving a level there.
func (w *rowWriter) leveledRow(name, level string, via []query.Via) {
	w.WriteString(`<tr><th scope="row"><code>`)
	w.text(name)
	w.WriteString("</code></th>")
	w.cell(level)
	w.WriteString("<td>")
	for i, v := range via {
		if i > 0 {
			w.WriteString(", ")
		}
		w.link("groups", v.Group)
		w.WriteString(" (")
		w.text(v.Level)
		w.WriteString(")")
	}
	w.WriteString("</td></tr>\n")
}

func ownedRows(root string, o *query.OwnedResult) template.HTML {
	w := &rowWriter{root: root}
	for _, l := range []struct {
		kind, dir string
		items     []query.OwnedItem
	}{{"group", "groups", o.Groups}, {"role", "roles", o.Roles}, {"app", "apps", o.Apps}} {
		for _, it := range l.items {
			w.WriteString(`<tr><th scope="row">` + l.kind + " ")
			w.link(l.dir, it.Name)
			w.WriteString("</th><td>")
			w.WriteString(string(ownedHTML(root, it.Via)))
			w.WriteString("</td></tr>\n")
		}
	}
	return w.none(len(o.Groups)+len(o.Roles)+len(o.Apps), 2, "Owns nothing.")
}

// none adds the row that says a table is empty.
func (w *rowWriter) none(n, cols int, msg string) template.HTML {
	if n == 0 {
		w.WriteString(`<tr><td colspan="` + strconv.Itoa(cols) + `">`)
		w.text(msg)
		w.WriteString("</td></tr>\n")
	}
	return w.html()
}
