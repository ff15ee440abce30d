package history

import (
	"fmt"
	"io/fs"
	"os"
	"strings"
	"time"

	"github.com/access-as-code/access/schema"
	"github.com/access-as-code/access/schema/accessdiff"
	"github.com/access-as-code/access/schema/gitrev"
)

// Worktree, as a head revision, names the files on disk under the config
// directory instead of a commit.
const Worktree = "WORKTREE"

// Range is a loaded base...head comparison.
type Range struct {
	Base, Head accessdiff.Side
	BaseCommit gitrev.Commit
	HeadCommit *gitrev.Commit // nil for Worktree
	Report     *accessdiff.Report
}

// InvalidConfigError is a head config that does not validate; Where names
// it (the directory, and the commit when it is one).
type InvalidConfigError struct {
	Where string
	Err   error
}

func (e *InvalidConfigError) Error() string {
	return fmt.Sprintf("config %s is invalid: %v", e.Where, e.Err)
}
func (e *InvalidConfigError) Unwrap() error { return e.Err }

// LoadRange resolves base and head in the repository holding configDir,
// loads both configs and diffs them. Like "git diff BASE...HEAD" the
// comparison starts from the merge base of the two commits (with Worktree,
// from base itself). The head must validate at now (it is what would be
// applied); the base is only loaded, since it was validated when it was
// merged and time-dependent rules may have moved since. A base without the
// config directory is an empty config: everything is new.
func LoadRange(configDir, baseRev, headRev string, now time.Time) (*Range, error) {
	repo, err := gitrev.Open(configDir)
	if err != nil {
		return nil, err
	}
	defer repo.Close() // everything is read before returning
	rv := &Range{}
	var headCfg *schema.Config
	baseC, err := repo.Resolve(baseRev)
	if err != nil {
		return nil, fmt.Errorf("--base: %w", err)
	}
	if headRev == Worktree {
		cfg, err := schema.Check(os.DirFS(configDir), now)
		if err != nil {
			return nil, &InvalidConfigError{Where: configDir, Err: err}
		}
		headCfg = cfg
	} else {
		headC, err := repo.Resolve(headRev)
		if err != nil {
			return nil, fmt.Errorf("--head: %w", err)
		}
		if baseC, err = repo.MergeBase(baseC, headC); err != nil {
			return nil, err
		}
		fsys, err := repo.ConfigFS(headC)
		if err != nil {
			return nil, fmt.Errorf("--head: %w", err)
		}
		cfg, err := schema.Check(fsys, now)
		if err != nil {
			return nil, &InvalidConfigError{Where: fmt.Sprintf("%s at %.12s", configDir, headC.Hash), Err: err}
		}
		hc := gitrev.Describe(headC)
		rv.HeadCommit = &hc
		headCfg = cfg
	}
	rv.BaseCommit = gitrev.Describe(baseC)
	baseCfg := &schema.Config{Groups: map[string]*schema.Group{}, Roles: map[string]*schema.Role{}, Apps: map[string]*schema.App{}}
	if tree, err := repo.ConfigTree(baseC); err != nil {
		return nil, fmt.Errorf("--base: %w", err)
	} else if tree != nil {
		var fsys fs.FS
		if fsys, err = repo.ConfigFS(baseC); err != nil {
			return nil, fmt.Errorf("--base: %w", err)
		}
		if baseCfg, err = schema.Load(fsys); err != nil {
			return nil, fmt.Errorf("--base %s: the config at %.12s does not load: %w", baseRev, baseC.Hash, err)
		}
	}
	// Only groups whose access can differ are compiled: a diff costs what
	// the change touches, not the size of the org.
	rv.Base, rv.Head = accessdiff.CompileChanged(baseCfg, headCfg, now)
	rv.Report = accessdiff.Compute(rv.Base, rv.Head)
	rv.Report.Base = rv.BaseCommit.Hash
	if rv.HeadCommit != nil {
		rv.Report.Head = rv.HeadCommit.Hash
	} else {
		rv.Report.Head = strings.ToLower(Worktree)
	}
	return rv, nil
}
