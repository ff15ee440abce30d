package schema

import (
	"io/fs"
	"os"
	"path"
	"regexp"
	"runtime"
	"strings"
	"sync"

	"gopkg.in/yaml.v3"
)

// loadInfo is what Load knows beyond the Config itself, so that Validate does
// not pile follow-up errors on a file that already failed to load.
type loadInfo struct {
	adminPos    []Pos           // where each of Settings.Admins is written
	broken      map[string]bool // files with load errors (relative path)
	unparsed    map[string]bool // "group/NAME", "role/NAME", "app/NAME" whose file could not be read
	usersBroken bool            // users.yaml missing or unreadable: user references cannot be checked
}

// The kinds of per-name files, each in its own folder of the config root.
const (
	groupsDir = "groups"
	rolesDir  = "roles"
	appsDir   = "apps"
)

// LoadDir loads the config in directory dir; see Load.
func LoadDir(dir string) (*Config, error) { return Load(os.DirFS(dir)) }

// Load reads access.yaml, users.yaml, groups/*.yaml, roles/*.yaml and
// apps/*.yaml from the root of fsys. It checks each file on its own (syntax,
// keys, types, formats); cross-file rules are Validate's. The returned Config
// is never nil: it holds everything that could be read, so that validation
// can still report the problems of the other files. The error joins every
// *Error found, sorted by file and position.
func Load(fsys fs.FS) (*Config, error) {
	c := &Config{
		Groups:   map[string]*Group{},
		Roles:    map[string]*Role{},
		Apps:     map[string]*App{},
		userByID: map[string]*User{},
		load:     &loadInfo{broken: map[string]bool{}, unparsed: map[string]bool{}},
	}
	c.Settings.Limits = Limits{MaxRemovals: DefaultMaxRemovals, MaxRemovalRatio: DefaultMaxRemovalRatio}
	c.Settings.GitHub.MinAdmins = DefaultMinAdmins
	var errs []*Error
	collect := func(d *dec) bool {
		if len(d.errs) > 0 {
			c.load.broken[d.file] = true
			errs = append(errs, d.errs...)
			return false
		}
		return true
	}

	d := &dec{file: "access.yaml"}
	if root, _ := readYAML(fsys, d); root != nil {
		d.settings(root, &c.Settings)
	}
	c.Settings.Pos = Pos{File: "access.yaml", Line: 1, Col: 1}
	c.load.adminPos = d.adminPos
	collect(d)

	d = &dec{file: "users.yaml"}
	root, exists := readYAML(fsys, d)
	switch {
	case !exists:
		d.add(Errorf(Pos{File: "users.yaml"}, "", "missing: every config needs users.yaml listing the people it names"))
		c.load.usersBroken = true
	case root == nil && len(d.errs) == 0:
		d.add(Errorf(Pos{File: "users.yaml", Line: 1, Col: 1}, "", "file is empty: list people under `users:`"))
		c.load.usersBroken = true
	case root == nil:
		c.load.usersBroken = true
	default:
		c.Users = d.users(root)
	}
	collect(d)
	c.indexUsers()

	// Group, role and app files are independent: decode them in parallel,
	// then add them to the Config in file order.
	errs = loadFolder(c, errs, fsys, groupsDir, "group", "a group needs at least owners and members", c.Groups,
		func(name string, at Pos, d *dec, root *yaml.Node) *Group {
			g := &Group{Name: name, Pos: at}
			d.group(root, g)
			return g
		})
	errs = loadFolder(c, errs, fsys, rolesDir, "role", "a role needs owners and members", c.Roles,
		func(name string, at Pos, d *dec, root *yaml.Node) *Role {
			ro := &Role{Name: name, Pos: at}
			d.role(root, ro)
			return ro
		})
	errs = loadFolder(c, errs, fsys, appsDir, "app", "an app needs owners", c.Apps,
		func(name string, at Pos, d *dec, root *yaml.Node) *App {
			a := &App{Name: name, Pos: at}
			d.app(root, a)
			return a
		})
	return c, joinSorted(dedupe(errs))
}

// loadFolder reads the NAME.yaml files of one folder into items: decode
// fills a new item from a non-empty file (at is the file's top). A file
// that cannot be read leaves "kind/NAME" unparsed, so Validate does not
// report its references as dangling; need says what an empty file lacks.
func loadFolder[T any](c *Config, errs []*Error, fsys fs.FS, dir, kind, need string, items map[string]*T,
	decode func(name string, at Pos, d *dec, root *yaml.Node) *T) []*Error {
	for _, r := range eachFile(fsys, dir, func(name string, d *dec, root *yaml.Node) *T {
		if root == nil {
			emptyFile(d, need)
			return nil
		}
		return decode(name, Pos{File: d.file, Line: 1, Col: 1}, d, root)
	}) {
		if r.item != nil {
			items[r.name] = r.item
		} else if r.name != "" {
			c.load.unparsed[kind+"/"+r.name] = true
		}
		errs = c.load.note(errs, r.file, r.errs)
	}
	return errs
}

// emptyFile reports an empty file unless readYAML already said why it
// returned nothing.
func emptyFile(d *dec, need string) {
	if len(d.errs) == 0 {
		d.add(Errorf(Pos{File: d.file, Line: 1, Col: 1}, "", "file is empty: %s", need))
	}
}

var fileNameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]*$`)

// fileResult is one file of a folder: its name (empty when the file name
// itself is wrong), what decode made of it, and its errors.
type fileResult[T any] struct {
	name, file string
	item       *T
	errs       []*Error
}

// note records a file's errors.
func (info *loadInfo) note(errs []*Error, file string, fileErrs []*Error) []*Error {
	if len(fileErrs) > 0 {
		info.broken[file] = true
	}
	return append(errs, fileErrs...)
}

// eachFile decodes every NAME.yaml in dir, after checking the names: it reads
// the files one after another (fsys need not be safe for concurrent use),
// then parses and decodes them with one worker per CPU; results come back in
// file order.
func eachFile[T any](fsys fs.FS, dir string, decode func(name string, d *dec, root *yaml.Node) *T) []fileResult[T] {
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		if st, serr := fs.Stat(fsys, dir); serr == nil && !st.IsDir() {
			return []fileResult[T]{{file: dir, errs: []*Error{Errorf(Pos{File: dir, Line: 1, Col: 1}, "", "must be a folder of NAME.yaml files")}}}
		}
		return nil // no folder: no groups (or roles, apps)
	}
	out := make([]fileResult[T], 0, len(entries))
	var todo []int
	for _, e := range entries {
		name := e.Name()
		file := path.Join(dir, name)
		at := Pos{File: file, Line: 1, Col: 1}
		bad := func(format string, args ...any) {
			out = append(out, fileResult[T]{file: file, errs: []*Error{Errorf(at, "", format, args...)}})
		}
		switch {
		case strings.HasPrefix(name, "."), strings.EqualFold(path.Ext(name), ".md"):
			continue // editor files, dotfiles, notes
		case e.IsDir():
			bad("folders inside %s/ are not read: put the files directly in %s/", dir, dir)
			continue
		case strings.HasSuffix(name, ".yml"):
			bad("rename to %s: config files end in .yaml", strings.TrimSuffix(name, ".yml")+".yaml")
			continue
		case !strings.HasSuffix(name, ".yaml"):
			bad("not a .yaml file: only NAME.yaml files belong in %s/", dir)
			continue
		}
		base := strings.TrimSuffix(name, ".yaml")
		if !fileNameRE.MatchString(base) {
			bad("invalid name %q: use lowercase letters, digits, '-', '_' and '.', starting with a letter or digit", base)
			continue
		}
		todo = append(todo, len(out))
		out = append(out, fileResult[T]{name: base, file: file})
	}
	decs := make([]*dec, len(out))
	datas := make([][]byte, len(out))
	for _, i := range todo {
		decs[i] = &dec{file: out[i].file}
		datas[i], _ = readFile(fsys, decs[i])
	}
	work := make(chan int)
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), max(len(todo), 1)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				d := decs[i]
				var root *yaml.Node
				if datas[i] != nil {
					root = parseYAML(datas[i], d)
				}
				out[i].item = decode(out[i].name, d, root)
				out[i].errs = d.errs
			}
		}()
	}
	for _, i := range todo {
		work <- i
	}
	close(work)
	wg.Wait()
	return out
}

// dedupe drops repeated errors: a merged anchor with a mistake is reported
// once, not once per place that merges it.
func dedupe(errs []*Error) []*Error {
	// The field is left out of the key: a merged mapping appears under the
	// field of each place that merges it, but it is one mistake.
	type key struct {
		Pos
		msg string
	}
	seen := make(map[key]bool, len(errs))
	out := errs[:0]
	for _, e := range errs {
		k := key{e.Pos, e.Msg}
		if !seen[k] {
			seen[k] = true
			out = append(out, e)
		}
	}
	return out
}
