// Package site generates the access catalog: a static website, built from an
// access-config and its compiled state, where every employee can discover what
// groups, roles and apps exist, who owns and who holds them, and how to
// request access. It is plain HTML with one CSS file, one JS file and a search
// index loaded with <script src>, so it works from file:// and from any static
// host, and reads without JavaScript.
//
// Generation is pure: the same config, state and options give the same bytes.
// Answers come from schema/query, so the site and the CLI never disagree.
package site

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/access-as-code/access/schema"
	"github.com/access-as-code/access/schema/query"
)

// Options say how the site links out and what its footer says.
type Options struct {
	// Now is the generation time shown in the footer; expiry windows are
	// counted from the compiled state's Now.
	Now time.Time
	// Commit is the config revision shown in the footer ("" = not shown).
	Commit string
	// RepoURL is the GitHub repository holding the config,
	// https://github.com/O/R. With it, "Request access" opens the issue
	// form and "View in repository" links to the file and line.
	RepoURL string
	// Branch is the branch the repository links point at; default main.
	Branch string
	// ConfigPath is the config directory relative to the repository root,
	// slash-separated ("" when the config is the root), for source links.
	ConfigPath string
}

// Windows for "ends soon": the index shows a week, the expiring page a month.
const (
	IndexWindow    = 7 * 24 * time.Hour
	ExpiringWindow = 30 * 24 * time.Hour
)

// Put receives one file of the site: its slash-separated path under the
// output directory and a function writing its bytes. Build calls it from
// several goroutines at once, each file once.
type Put func(name string, body func(io.Writer) error) error

// Build renders every page of the site through put, in a fixed order.
func Build(cfg *schema.Config, d *schema.Desired, opts Options, put Put) error {
	if opts.Branch == "" {
		opts.Branch = "main"
	}
	opts.RepoURL = strings.TrimSuffix(strings.TrimRight(opts.RepoURL, "/"), ".git")
	if err := checkNames(cfg); err != nil {
		return err
	}
	r, err := newRenderer()
	if err != nil {
		return err
	}
	b := &builder{cfg: cfg, d: d, opts: opts, r: r, put: put, info: siteInfo{
		Generated: opts.Now.UTC().Format("2006-01-02 15:04 UTC"),
		Commit:    opts.Commit,
	}}
	if opts.RepoURL != "" && opts.Commit != "" {
		b.info.CommitURL = opts.RepoURL + "/commit/" + opts.Commit
	}
	return b.build()
}

// writers are reused: a fresh 64 KiB buffer for each of 10,000 pages is
// most of what the garbage collector would otherwise clear.
var writers = sync.Pool{New: func() any { return bufio.NewWriterSize(nil, 64<<10) }}

// WriteDir returns a Put that writes files under dir, creating folders.
func WriteDir(dir string) Put {
	var made sync.Map // folders already created: one MkdirAll each, not one per page
	return func(name string, body func(io.Writer) error) error {
		path := filepath.Join(dir, filepath.FromSlash(name))
		if _, ok := made.Load(filepath.Dir(path)); !ok {
			if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
				return err
			}
			made.Store(filepath.Dir(path), true)
		}
		f, err := os.Create(path)
		if err != nil {
			return err
		}
		w := writers.Get().(*bufio.Writer)
		w.Reset(f)
		err = body(w)
		if err == nil {
			err = w.Flush()
		}
		w.Reset(nil)
		writers.Put(w)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return fmt.Errorf("write %s: %w", path, err)
		}
		return nil
	}
}

type builder struct {
	cfg  *schema.Config
	d    *schema.Desired
	opts Options
	r    *renderer
	put  Put
	info siteInfo

	everyone []*schema.User
	g        *errgroup.Group
	access   map[string]*query.AccessResult
	owned    map[string]*query.OwnedResult
}

func (b *builder) build() error {
	// Pages are independent: render them on every core, a bounded number
	// in flight so memory stays flat. Everyone's answers are computed only
	// once the group pages are written, so both are never held at once.
	b.g = &errgroup.Group{}
	b.g.SetLimit(runtime.GOMAXPROCS(0) + 1)
	everyone := func() error {
		b.access = query.AccessOfAll(b.cfg, b.d)
		b.owned = query.OwnedByAll(b.cfg, b.d)
		return nil
	}
	steps := []func() error{b.static, b.index, b.expiring, b.groups, b.roles, b.apps, everyone, b.lists, b.personPages}
	for _, step := range steps {
		if err := step(); err != nil {
			_ = b.g.Wait()
			return err
		}
	}
	return b.g.Wait()
}

// page renders template kind as file name, in the background; the folders
// in name say how far the relative links climb back to the root.
func (b *builder) page(name, kind, title string, data any) error {
	root := strings.Repeat("../", strings.Count(name, "/"))
	p := &page{Root: root, Title: title, Site: &b.info, Data: data, Search: kind == "index"}
	b.g.Go(func() error { return b.put(name, func(w io.Writer) error { return b.r.render(w, kind, p) }) })
	return nil
}

// sourceLink is where an item is written, with a link to the file and line
// in the repository when the site knows the repository.
func (b *builder) sourceLink(pos schema.Pos) source {
	s := source{File: pos.File, Line: pos.Line}
	if b.opts.RepoURL != "" && pos.File != "" {
		p := pos.File
		if b.opts.ConfigPath != "" && b.opts.ConfigPath != "." {
			p = strings.Trim(b.opts.ConfigPath, "/") + "/" + p
		}
		s.URL = b.opts.RepoURL + "/blob/" + b.opts.Branch + "/" + escapePath(p)
		if pos.Line > 0 {
			s.URL += fmt.Sprintf("#L%d", pos.Line)
		}
	}
	return s
}

// checkNames refuses names that cannot be a page's file name: a name with a
// path separator, or "index", whose page would replace the list.
func checkNames(cfg *schema.Config) error {
	var errs []error
	check := func(kind, name string, pos schema.Pos) {
		if name == "index" || name == "" || name == "." || name == ".." || strings.ContainsAny(name, "/\\\x00") {
			errs = append(errs, fmt.Errorf("%s:%d: %s %q cannot be a page of the site (rename it)", pos.File, pos.Line, kind, name))
		}
	}
	for _, n := range slices.Sorted(maps.Keys(cfg.Groups)) {
		check("group", n, cfg.Groups[n].Pos)
	}
	for _, n := range slices.Sorted(maps.Keys(cfg.Roles)) {
		check("role", n, cfg.Roles[n].Pos)
	}
	for _, n := range slices.Sorted(maps.Keys(cfg.Apps)) {
		check("app", n, cfg.Apps[n].Pos)
	}
	for _, u := range cfg.Users {
		check("user id", u.ID, u.Pos)
	}
	return errors.Join(errs...)
}
