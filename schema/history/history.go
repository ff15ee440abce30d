// Package history lists every access change in a repository's git history
// for one person or one group: date, commit, pull request number and author
// of each gain, loss or change. It walks HEAD's first-parent line (the
// main branch as it was merged) newest first, reading the config straight
// from the object store with go-git. Only files that changed between two
// commits are parsed (each file version once), and only the groups a change
// can affect are recomputed, so a long history stays fast.
//
// Changes are what commits did: a grant's until passing is not a commit, so
// grants are evaluated as written (nothing counts as expired) and every
// gain shows its until.
package history

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"

	"github.com/access-as-code/access/schema"
	"github.com/access-as-code/access/schema/gitrev"
)

// Subject is what the history is about.
type Subject struct {
	Kind string // "user" or "group"
	Name string // user id or group name (at HEAD)
}

// Event ops.
const (
	OpGain    = "gain"
	OpLose    = "lose"
	OpChange  = "change"  // still held; until, path or reason changed
	OpRenamed = "renamed" // the group file was renamed (From is the old name)
)

// Event is one access change made by one commit.
type Event struct {
	gitrev.Commit
	Group    string        `json:"group"`
	User     string        `json:"user"`
	Op       string        `json:"op"`
	From     string        `json:"from,omitempty"`
	Via      []schema.Path `json:"via,omitempty"`
	OldVia   []schema.Path `json:"old_via,omitempty"`
	Until    *time.Time    `json:"until,omitempty"`
	OldUntil *time.Time    `json:"old_until,omitempty"`
	Reason   string        `json:"reason,omitempty"`
}

// Options bound the walk.
type Options struct {
	Since time.Time // stop at commits older than this; zero = the whole history
	Limit int       // stop after this many events; 0 = no limit
	// Group, for a person's walk, is a group name to watch for: if a group
	// file of that name exists in a commit walked, Walk fails with
	// ErrAlsoAGroup (the name a person was found by is also a group's).
	Group string
}

// ErrAlsoAGroup: see Options.Group.
var ErrAlsoAGroup = errors.New("the name is also a group's in the history")

// evalTime evaluates grants as written: no entry counts as expired.
var evalTime = time.Time{}

// Walk lists the subject's access changes, newest first.
func Walk(ctx context.Context, repo *gitrev.Repo, subj Subject, opts Options) ([]Event, error) {
	if subj.Kind != "user" && subj.Kind != "group" {
		return nil, fmt.Errorf("history subject kind %q: want user or group", subj.Kind)
	}
	head, err := repo.Resolve("HEAD")
	if err != nil {
		return nil, err
	}
	w, err := newWalker(repo)
	if err != nil {
		return nil, err
	}
	defer w.close()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	snaps := snapshots(ctx, repo, head)
	first, ok := <-snaps
	if !ok || first.err != nil {
		return nil, firstErr(first, ctx)
	}
	child := first.snap
	st, err := w.initial(child, subj)
	if err != nil {
		return nil, err
	}
	var events []Event
	for c := head; c != nil; {
		if !opts.Since.IsZero() && c.Committer.When.Before(opts.Since) {
			break
		}
		next, ok := <-snaps
		if !ok || next.err != nil {
			return nil, firstErr(next, ctx)
		}
		ps := next.snap
		if opts.Group != "" && !entry(ps.groups, opts.Group).IsZero() {
			return nil, ErrAlsoAGroup
		}
		if ps.tree != child.tree {
			evs, st2, err := w.step(child, ps, st)
			if err != nil {
				return nil, fmt.Errorf("history: commit %.12s: %w", c.Hash, err)
			}
			meta := gitrev.Describe(c)
			for i := range evs {
				evs[i].Commit = meta
			}
			events = append(events, evs...)
			st = st2
			if opts.Limit > 0 && len(events) >= opts.Limit {
				return events[:opts.Limit], nil
			}
		}
		c, child = next.commit, ps
	}
	return events, nil
}

// snapResult is the snapshot of one commit on the first-parent line; commit
// is that commit (nil past the root, with an empty snapshot).
type snapResult struct {
	commit *object.Commit
	snap   *snap
	err    error
}

// snapshots sends the snapshot of head, then of each first parent in turn,
// and an empty one past the root. Reading the folder trees of thousands of
// commits is half the walk, so it runs in a goroutine of its own on a second
// handle of the repository (go-git's storage is not safe for concurrent
// use), while the walk reads and parses file versions on the first. A
// repository that cannot be reopened (in memory) is read in one goroutine.
func snapshots(ctx context.Context, repo *gitrev.Repo, head *object.Commit) <-chan snapResult {
	out := make(chan snapResult, 64)
	r2, err := repo.Reopen()
	if err != nil {
		out = make(chan snapResult) // unbuffered: the producer runs in step with the walk
		r2 = repo
	}
	go func() {
		defer close(out)
		if r2 != repo {
			defer r2.Close()
		}
		send := func(s snapResult) bool {
			select {
			case out <- s:
				return s.err == nil && s.commit != nil
			case <-ctx.Done():
				return false
			}
		}
		pw, err := newWalker(r2)
		if err != nil {
			send(snapResult{err: err})
			return
		}
		defer pw.close()
		c, err := r2.Git().CommitObject(head.Hash)
		if err != nil {
			send(snapResult{err: fmt.Errorf("history: %s: %w", head.Hash, err)})
			return
		}
		child, err := pw.snapshot(c, nil)
		if !send(snapResult{commit: c, snap: child, err: err}) {
			return
		}
		for {
			var parent *object.Commit
			if c.NumParents() > 0 {
				if parent, err = c.Parent(0); err != nil {
					send(snapResult{err: fmt.Errorf("history: parent of %s: %w", c.Hash, err)})
					return
				}
			}
			ps := &snap{}
			if parent != nil {
				if ps, err = pw.snapshot(parent, child); err != nil {
					send(snapResult{err: err})
					return
				}
			}
			if !send(snapResult{commit: parent, snap: ps}) {
				return
			}
			c, child = parent, ps
		}
	}()
	return out
}

// firstErr explains a snapshot stream that ended early.
func firstErr(r snapResult, ctx context.Context) error {
	if r.err != nil {
		return r.err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	return errors.New("history: commit stream ended early")
}

// snap is a commit's config as tree hashes: cheap to take and compare.
type snap struct {
	tree   plumbing.Hash // zero when the commit has no config
	groups *rawTree      // nil when absent
	roles  *rawTree
	// hints are group file hashes already known from a folder diff.
	hints map[string]plumbing.Hash
}

func (s *snap) hint(name string, h plumbing.Hash) {
	if s.hints == nil {
		s.hints = map[string]plumbing.Hash{}
	}
	s.hints[name] = h
}

type walker struct {
	repo   *gitrev.Repo
	objs   *gitrev.Objects
	groups map[plumbing.Hash]*schema.Group // parsed once per file version
	roles  map[plumbing.Hash]*schema.Role
	refs   map[plumbing.Hash][]string // roles named in a group file version
	texts  map[plumbing.Hash][]byte   // file versions' bytes
	// sizes of the caches, to bound them
	textBytes, groupEntries int
}

func newWalker(repo *gitrev.Repo) (*walker, error) {
	objs, err := repo.Objects()
	if err != nil {
		return nil, err
	}
	return &walker{repo: repo, objs: objs, groups: map[plumbing.Hash]*schema.Group{}, roles: map[plumbing.Hash]*schema.Role{},
		refs: map[plumbing.Hash][]string{}, texts: map[plumbing.Hash][]byte{}}, nil
}

func (w *walker) close() { w.objs.Close() }

// snapshot reads c's config trees; folders whose hash equals prev's are
// taken from prev instead of being decoded again.
func (w *walker) snapshot(c *object.Commit, prev *snap) (*snap, error) {
	tree, err := w.configTree(c)
	if err != nil || tree == nil {
		return &snap{}, err
	}
	if prev != nil && prev.tree == tree.hash {
		return prev, nil
	}
	s := &snap{tree: tree.hash}
	for e, off := tree.next(0); off >= 0; e, off = tree.next(off) {
		if !e.dir {
			continue
		}
		var sub **rawTree
		var old *rawTree
		switch string(e.name) {
		case "groups":
			sub = &s.groups
			if prev != nil {
				old = prev.groups
			}
		case "roles":
			sub = &s.roles
			if prev != nil {
				old = prev.roles
			}
		default:
			continue
		}
		var h plumbing.Hash
		copy(h[:], e.hash)
		if old != nil && old.hash == h {
			*sub = old
			continue
		}
		if *sub, err = w.rawTree(h); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// configTree is the config folder's tree at c, read raw (go-git's decoded
// trees cost more than the rest of reading a commit); nil when the commit
// has no config folder.
func (w *walker) configTree(c *object.Commit) (*rawTree, error) {
	t, err := w.rawTree(c.TreeHash)
	if err != nil {
		return nil, fmt.Errorf("commit %s: %w", c.Hash, err)
	}
	if w.repo.Prefix == "" {
		return t, nil
	}
	for _, name := range strings.Split(w.repo.Prefix, "/") {
		h, ok := t.dir(name)
		if !ok {
			return nil, nil
		}
		if t, err = w.rawTree(h); err != nil {
			return nil, fmt.Errorf("commit %s: %w", c.Hash, err)
		}
	}
	return t, nil
}

// groupEntry is the hash of groups/name.yaml at s; zero when absent.
func (s *snap) groupEntry(name string) plumbing.Hash {
	if h, ok := s.hints[name]; ok {
		return h
	}
	return entry(s.groups, name)
}

// entry finds name+".yaml" in a folder tree; zero hash when absent.
func entry(t *rawTree, name string) plumbing.Hash {
	if t == nil {
		return plumbing.ZeroHash
	}
	return t.find(name)
}

func (w *walker) blob(h plumbing.Hash) ([]byte, error) {
	return w.objs.Read(h, plumbing.BlobObject)
}
