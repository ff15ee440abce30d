package peribolos

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"

	"gopkg.in/yaml.v3"

	"github.com/access-as-code/access/schema"
)

// Load reads PATH: a peribolos config file (orgs: NAME: ...), or a directory
// laid out like kubernetes/org's config/: <org>/org.yaml, plus the teams of
// every <org>/<dir>/teams.yaml merged into the org (one level deep, as
// kubernetes/org's cmd/merge --merge-teams does). Orgs come sorted by name.
// The error joins every problem found, each naming its file and line.
func Load(p string) ([]*Org, error) {
	st, err := os.Stat(p)
	if err != nil {
		return nil, err
	}
	if !st.IsDir() {
		data, err := readFile(os.DirFS(filepath.Dir(p)), filepath.Base(p))
		if err != nil {
			return nil, err
		}
		return Parse(filepath.Base(p), data)
	}
	return LoadDir(os.DirFS(p))
}

// Parse reads a peribolos config file: a mapping with orgs: NAME: ORG.
func Parse(file string, data []byte) ([]*Org, error) {
	p := &parser{file: file}
	root := p.document(data)
	var orgs []*Org
	for _, f := range p.mapping(root, "", fullKeys) {
		for _, o := range p.mapping(f.val, f.path, nil) {
			if !orgDirRE.MatchString(o.name) {
				p.errorf(o.key, o.path, "%q is not a GitHub organization name", o.name)
				continue
			}
			orgs = append(orgs, p.org(o.val, o.path, o.name))
		}
	}
	if len(p.errs) == 0 && len(orgs) == 0 {
		p.errs = append(p.errs, schema.Errorf(schema.Pos{File: file, Line: 1, Col: 1}, "orgs", "no organization: a peribolos config lists them under orgs:"))
	}
	sort.Slice(orgs, func(i, j int) bool { return orgs[i].Name < orgs[j].Name })
	return orgs, errors.Join(p.errs...)
}

// orgDirRE: an organization login as a directory name.
var orgDirRE = regexp.MustCompile(`^[A-Za-z0-9](?:[A-Za-z0-9]|-[A-Za-z0-9])*$`)

// LoadDir reads the directory layout of Load from fsys.
func LoadDir(fsys fs.FS) ([]*Org, error) {
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return nil, err
	}
	var orgs []*Org
	var errs []error
	for _, e := range entries {
		if !e.IsDir() || !orgDirRE.MatchString(e.Name()) {
			continue
		}
		file := path.Join(e.Name(), "org.yaml")
		data, err := readFile(fsys, file)
		if errors.Is(err, fs.ErrNotExist) {
			continue // not an org directory
		}
		if err != nil {
			errs = append(errs, err)
			continue
		}
		p := &parser{file: file}
		o := p.org(p.document(data), "", e.Name())
		errs = append(errs, p.errs...)
		errs = append(errs, mergeTeams(fsys, o)...)
		orgs = append(orgs, o)
	}
	if len(errs) == 0 && len(orgs) == 0 {
		if _, err := fs.Stat(fsys, "org.yaml"); err == nil {
			return nil, fmt.Errorf("no organization found: this is one org's directory; give its parent (the directory holding <org>/org.yaml), and --orgs to pick orgs")
		}
		return nil, fmt.Errorf("no organization found: expected <org>/org.yaml under the directory")
	}
	return orgs, errors.Join(errs...)
}

// mergeTeams adds the teams of <org>/*/teams.yaml to o; a team defined twice
// is an error naming both places.
func mergeTeams(fsys fs.FS, o *Org) []error {
	dirs, err := fs.ReadDir(fsys, o.Name)
	if err != nil {
		return []error{err}
	}
	var errs []error
	for _, d := range dirs {
		if !d.IsDir() {
			continue
		}
		file := path.Join(o.Name, d.Name(), "teams.yaml")
		data, err := readFile(fsys, file)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			errs = append(errs, err)
			continue
		}
		p := &parser{file: file}
		teams := map[string]*Team{}
		for _, f := range p.mapping(p.document(data), "", []string{"teams"}) {
			p.teams(f.val, f.path, teams)
		}
		errs = append(errs, p.errs...)
		for _, name := range slices.Sorted(maps.Keys(teams)) {
			if prev, dup := o.Teams[name]; dup {
				t := teams[name]
				errs = append(errs, schema.Errorf(t.Pos, "teams."+name, "team %q is already defined at %s:%d", name, prev.Pos.File, prev.Pos.Line))
				continue
			}
			o.Teams[name] = teams[name]
		}
	}
	return errs
}

// readFile reads one file, refusing what the access-config loader refuses
// too: over schema.MaxFileSize.
func readFile(fsys fs.FS, name string) ([]byte, error) {
	f, err := fsys.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, schema.MaxFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if len(data) > schema.MaxFileSize {
		return nil, fmt.Errorf("%s: over the %d MiB limit", name, schema.MaxFileSize>>20)
	}
	return data, nil
}

// document parses data into its first document's root node. YAML aliases
// are refused: peribolos configs do not use them, and following them could
// multiply the work on a hostile file.
func (p *parser) document(data []byte) *yaml.Node {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		p.errs = append(p.errs, yamlError(p.file, err))
		return nil
	}
	if len(doc.Content) == 0 {
		p.errs = append(p.errs, schema.Errorf(schema.Pos{File: p.file, Line: 1, Col: 1}, "", "file is empty"))
		return nil
	}
	if n, msg := check(doc.Content[0], 0); n != nil {
		p.errorf(n, "", "%s", msg)
		return nil
	}
	return doc.Content[0]
}

// check refuses YAML aliases and nesting deeper than schema.MaxDepth.
func check(n *yaml.Node, depth int) (*yaml.Node, string) {
	if n.Kind == yaml.AliasNode {
		return n, "YAML aliases (*" + n.Value + ") are not supported in a peribolos config: write the values out"
	}
	if depth > schema.MaxDepth {
		return n, "nesting deeper than " + strconv.Itoa(schema.MaxDepth) + " levels"
	}
	for _, c := range n.Content {
		if bad, msg := check(c, depth+1); bad != nil {
			return bad, msg
		}
	}
	return nil, ""
}

var yamlLineRE = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// yamlError turns a yaml.v3 syntax error into a positioned error.
func yamlError(file string, err error) error {
	if m := yamlLineRE.FindStringSubmatch(err.Error()); m != nil {
		line, _ := strconv.Atoi(m[1])
		return schema.Errorf(schema.Pos{File: file, Line: line, Col: 1}, "", "%s", m[2])
	}
	return schema.Errorf(schema.Pos{File: file, Line: 1, Col: 1}, "", "%v", err)
}
