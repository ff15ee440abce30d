package site

import (
	"embed"
	"fmt"
	"html"
	"html/template"
	"io"
	"net/url"
	"strings"
	"time"

	"github.com/access-as-code/access/schema"
	"github.com/access-as-code/access/schema/query"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static/site.css static/site.js
var staticFS embed.FS

// pageKinds are the templates, one per kind of page, each with the layout.
var pageKinds = []string{"index", "groups", "roles", "apps", "people", "expiring", "group", "role", "app", "person"}

type renderer struct{ t map[string]*template.Template }

func newRenderer() (*renderer, error) {
	r := &renderer{t: map[string]*template.Template{}}
	for _, k := range pageKinds {
		t, err := template.New(k).Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/"+k+".html")
		if err != nil {
			return nil, fmt.Errorf("site: template %s: %w", k, err)
		}
		r.t[k] = t
	}
	return r, nil
}

func (r *renderer) render(w io.Writer, kind string, p *page) error {
	return r.t[kind].ExecuteTemplate(w, "layout", p)
}

// page is what every template receives.
type page struct {
	Root   string // "" or "../": the way back to the site's root
	Title  string
	Search bool // load the search index (the index page only)
	Site   *siteInfo
	Data   any
}

type siteInfo struct {
	Generated, Commit, CommitURL string
}

// source is where an item is written in the config: file, line, and its
// address in the repository ("" when unknown).
type source struct {
	File string
	Line int
	URL  string
}

// Links. Names are file names (the loader rejects others) and ids are
// users.yaml ids; both are escaped for the href and the text.
var funcs = template.FuncMap{
	"group":      func(root, name string) template.HTML { return link(root, "groups", name) },
	"role":       func(root, name string) template.HTML { return link(root, "roles", name) },
	"app":        func(root, name string) template.HTML { return link(root, "apps", name) },
	"userid":     func(root, id string) template.HTML { return link(root, "people", id) },
	"ref":        refLink,
	"until":      until,
	"memberRows": memberRows,
	"groupRows":  groupRows,
	"endingRows": endingRows,
	"appRows":    appRows,
	"oktaRows":   oktaRows,
	"gitlabRows": gitlabRows,
	"githubRows": githubRows,
	"ownedRows":  ownedRows,
	"dict": func(kv ...any) map[string]any {
		m := make(map[string]any, len(kv)/2)
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i].(string)] = kv[i+1]
		}
		return m
	},
	"dash": func(s string) string {
		if s == "" {
			return "–"
		}
		return s
	},
}

// href is the relative address of an item's page.
func href(root, kind, name string) string {
	return root + kind + "/" + url.PathEscape(name) + ".html"
}

func link(root, kind, name string) template.HTML {
	var sb strings.Builder
	sb.WriteString(`<a href="`)
	sb.WriteString(html.EscapeString(href(root, kind, name)))
	sb.WriteString(`">`)
	sb.WriteString(html.EscapeString(name))
	sb.WriteString(`</a>`)
	return template.HTML(sb.String())
}

func refLink(root string, r schema.Ref) template.HTML {
	if r.Role != "" {
		return "role " + link(root, "roles", r.Role)
	}
	return link(root, "people", r.User)
}

// viaHTML says how a person holds a group: directly, through roles.
func viaHTML(root string, vs []query.Via) template.HTML {
	var parts []string
	for _, v := range vs {
		if v.Role == "" {
			if !contains(parts, "direct") {
				parts = append(parts, "direct")
			}
			continue
		}
		parts = append(parts, "role "+string(link(root, "roles", v.Role)))
	}
	return template.HTML(strings.Join(parts, ", "))
}

// ownedHTML says how someone owns an item: named, through a role, through
// the group's app.
func ownedHTML(root string, vs []query.OwnerVia) template.HTML {
	var parts []string
	for _, v := range vs {
		switch v.Kind {
		case "role":
			parts = append(parts, "role "+string(link(root, "roles", v.Role)))
		case "app":
			s := "owner of app " + string(link(root, "apps", v.App))
			if v.Role != "" {
				s += " (role " + string(link(root, "roles", v.Role)) + ")"
			}
			parts = append(parts, s)
		default:
			parts = append(parts, "named owner")
		}
	}
	return template.HTML(strings.Join(parts, ", "))
}

// until renders an expiry as the CLI does: a date when it is midnight UTC.
func until(t any) string {
	var u time.Time
	switch v := t.(type) {
	case *time.Time:
		if v == nil {
			return "–"
		}
		u = v.UTC()
	case time.Time:
		u = v.UTC()
	}
	if u.Hour() == 0 && u.Minute() == 0 && u.Second() == 0 && u.Nanosecond() == 0 {
		return u.Format("2006-01-02")
	}
	return u.Format(time.RFC3339)
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

// escapePath escapes each segment of a slash-separated path for a URL.
func escapePath(p string) string {
	segs := strings.Split(p, "/")
	for i, s := range segs {
		segs[i] = url.PathEscape(s)
	}
	return strings.Join(segs, "/")
}
