package peribolos

import (
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing/fstest"
	"time"

	"github.com/access-as-code/access/schema"
)

// Import loads a peribolos config (see Load), keeps the orgs named in only
// (all when empty; names are not case-sensitive), converts it and checks
// the result with the access-config validator at now: an import that would
// not validate is an error, never written.
func Import(p string, only []string, now time.Time) (*Result, error) {
	orgs, err := Load(p)
	if err != nil {
		return nil, err
	}
	if len(only) > 0 {
		keep := map[string]bool{}
		for _, o := range only {
			keep[strings.ToLower(o)] = true
		}
		var kept []*Org
		for _, o := range orgs {
			if keep[strings.ToLower(o.Name)] {
				kept = append(kept, o)
				delete(keep, strings.ToLower(o.Name))
			}
		}
		if len(keep) > 0 {
			var names []string
			for _, o := range orgs {
				names = append(names, o.Name)
			}
			missing := slices.Sorted(maps.Keys(keep))
			return nil, fmt.Errorf("--orgs: %s not in the config (it has %s)", strings.Join(missing, ", "), strings.Join(names, ", "))
		}
		orgs = kept
	}
	res, err := Convert(orgs)
	if err != nil {
		return nil, err
	}
	if _, err := schema.Check(res.FS(), now); err != nil {
		return nil, fmt.Errorf("the imported config does not validate (please report this): %w", err)
	}
	return res, nil
}

// FS is the imported config as a file system, for validation.
func (r *Result) FS() fs.FS {
	m := fstest.MapFS{}
	for name, data := range r.Files {
		m[name] = &fstest.MapFile{Data: data, Mode: 0o644}
	}
	return m
}

// Write writes the files under dir, which must be empty or not exist: an
// import never overwrites a config.
func (r *Result) Write(dir string) error {
	entries, err := os.ReadDir(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return err
	case len(entries) > 0:
		return fmt.Errorf("%s is not empty: import writes a new config, give an empty or new directory", dir)
	}
	names := make([]string, 0, len(r.Files))
	for n := range r.Files {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		p := filepath.Join(dir, filepath.FromSlash(n))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(p, r.Files[n], 0o644); err != nil {
			return err
		}
	}
	return nil
}
