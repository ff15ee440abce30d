// Package gitrev reads access-config at any git revision straight from the
// object store with go-git: no checkout, no git binary, so `diff`,
// `approvals`, `history` and `access-of --at` work in a CI clone with full
// history. The repository is the one containing the config directory, found
// by searching upward as git does; the config may be the repository root or
// any folder in it.
package gitrev

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/go-git/go-billy/v5/osfs"
	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/cache"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/go-git/go-git/v5/storage/filesystem"
)

// Repo is an opened repository and where the config lives inside it.
type Repo struct {
	git *git.Repository
	mu  *sync.Mutex // serialises object-store reads of its TreeFS
	// Root is the work tree's root directory on disk.
	Root string
	// Prefix is the config directory relative to Root, slash-separated;
	// "" when the config is the repository root.
	Prefix string

	closer func() error
}

// Commit describes one commit for reports.
type Commit struct {
	Hash    string    `json:"commit"`
	When    time.Time `json:"date"` // committer time: when it landed
	Author  string    `json:"author"`
	Email   string    `json:"author_email,omitempty"`
	Subject string    `json:"subject"`
	PR      int       `json:"pr,omitempty"` // pull request number from the message, 0 if none
}

// Open finds the repository containing configDir by searching upward.
// Close it when done: pack files stay open between reads, which matters
// when a history walk reads thousands of objects.
func Open(configDir string) (*Repo, error) {
	return open(configDir, true)
}

func open(configDir string, keep bool) (*Repo, error) {
	abs, err := filepath.Abs(configDir)
	if err != nil {
		return nil, fmt.Errorf("config directory %s: %w", configDir, err)
	}
	if real, err := filepath.EvalSymlinks(abs); err == nil {
		abs = real
	}
	repo, root, closer, err := openRepository(abs, keep)
	if err != nil {
		if errors.Is(err, git.ErrRepositoryNotExists) {
			return nil, fmt.Errorf("config directory %s is not inside a git repository (searched upward for .git)", configDir)
		}
		return nil, fmt.Errorf("open git repository for %s: %w", configDir, err)
	}
	if real, err := filepath.EvalSymlinks(root); err == nil {
		root = real
	}
	rel, err := filepath.Rel(root, abs)
	if err != nil || strings.HasPrefix(rel, "..") {
		return nil, fmt.Errorf("config directory %s is outside the repository at %s", configDir, root)
	}
	prefix := filepath.ToSlash(rel)
	if prefix == "." {
		prefix = ""
	}
	return &Repo{git: repo, mu: &sync.Mutex{}, Root: root, Prefix: prefix, closer: closer}, nil
}

// objectCache is the go-git object cache size. A history walk reads each
// object's newer version just before its older one (its delta base), so a
// small cache keeps the bases it needs; a large one only gives the garbage
// collector more to scan.
const objectCache = 32 * cache.MiByte

// openRepository opens the repository whose work tree contains dir. A plain
// .git directory is opened with pack descriptors kept open (keep) and a
// larger object cache; worktrees and submodules (.git files) go through
// go-git's own detection.
func openRepository(dir string, keep bool) (*git.Repository, string, func() error, error) {
	for d := dir; ; d = filepath.Dir(d) {
		fi, err := os.Stat(filepath.Join(d, ".git"))
		if err == nil && fi.IsDir() {
			st := filesystem.NewStorageWithOptions(osfs.New(filepath.Join(d, ".git")), cache.NewObjectLRU(objectCache),
				filesystem.Options{KeepDescriptors: keep})
			repo, err := git.Open(st, osfs.New(d))
			if err != nil {
				st.Close()
				return nil, "", nil, err
			}
			return repo, d, st.Close, nil
		}
		if err == nil || filepath.Dir(d) == d {
			break // a .git file, or the root: let go-git decide
		}
	}
	repo, err := git.PlainOpenWithOptions(dir, &git.PlainOpenOptions{DetectDotGit: true, EnableDotGitCommonDir: true})
	if err != nil {
		return nil, "", nil, err
	}
	wt, err := repo.Worktree()
	if err != nil {
		return nil, "", nil, fmt.Errorf("repository has no work tree: %w", err)
	}
	return repo, wt.Filesystem.Root(), func() error { return nil }, nil
}

// Close releases the repository's open files.
func (r *Repo) Close() error {
	if r.closer == nil {
		return nil
	}
	return r.closer()
}

// Reopen opens a second, independent handle on the same repository, for a
// goroutine of its own: go-git's storage (pack readers, caches) is not safe
// for concurrent use. Repositories not opened from disk cannot be reopened.
func (r *Repo) Reopen() (*Repo, error) {
	if r.Root == "" {
		return nil, errors.New("gitrev: repository was not opened from disk")
	}
	return open(filepath.Join(r.Root, filepath.FromSlash(r.Prefix)), true)
}

// FromRepository wraps an already opened repository (tests, in-memory
// storage) with the config at prefix.
func FromRepository(repo *git.Repository, prefix string) *Repo {
	return &Repo{git: repo, mu: &sync.Mutex{}, Prefix: strings.Trim(prefix, "/")}
}

// Git is the underlying go-git repository.
func (r *Repo) Git() *git.Repository { return r.git }

// Resolve turns REV into a commit. REV is anything git's rev-parse subset in
// go-git understands (HEAD, HEAD~3, main, origin/main, v1.2, a full or short
// hash), or a date / RFC 3339 time meaning the last commit at or before it
// on HEAD's first-parent line. "" means HEAD.
func (r *Repo) Resolve(rev string) (*object.Commit, error) {
	if rev == "" {
		rev = "HEAD"
	}
	h, err := r.git.ResolveRevision(plumbing.Revision(rev))
	if err != nil {
		if t, ok := parseTime(rev); ok {
			return r.At(t)
		}
		return nil, fmt.Errorf("revision %q: %w", rev, err)
	}
	c, err := r.git.CommitObject(*h)
	if err != nil {
		return nil, fmt.Errorf("revision %q: %w", rev, err)
	}
	return c, nil
}

// At is the last commit at or before t on HEAD's first-parent line: the
// state of the main branch at that moment. Merged branches' own commits are
// skipped because their content was not in force until the merge. Committer
// time is used since it is when a commit landed.
func (r *Repo) At(t time.Time) (*object.Commit, error) {
	head, err := r.Resolve("HEAD")
	if err != nil {
		return nil, err
	}
	var first time.Time
	for c := head; ; {
		if !c.Committer.When.After(t) {
			return c, nil
		}
		first = c.Committer.When
		if c.NumParents() == 0 {
			break
		}
		if c, err = c.Parent(0); err != nil {
			return nil, fmt.Errorf("walk history: %w", err)
		}
	}
	return nil, fmt.Errorf("no commit at or before %s: the history begins at %s", t.UTC().Format(time.RFC3339), first.UTC().Format(time.RFC3339))
}

// ConfigTree is the config directory's tree at c; (nil, nil) when the
// commit has no such directory (before the config was added).
func (r *Repo) ConfigTree(c *object.Commit) (*object.Tree, error) {
	tree, err := c.Tree()
	if err != nil {
		return nil, fmt.Errorf("commit %s: %w", c.Hash, err)
	}
	if r.Prefix == "" {
		return tree, nil
	}
	sub, err := tree.Tree(r.Prefix)
	if errors.Is(err, object.ErrDirectoryNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("commit %s: %s: %w", short(c.Hash), r.Prefix, err)
	}
	return sub, nil
}

// ConfigFS is the config directory at c as an fs.FS.
func (r *Repo) ConfigFS(c *object.Commit) (*TreeFS, error) {
	tree, err := r.ConfigTree(c)
	if err != nil {
		return nil, err
	}
	if tree == nil {
		return nil, fmt.Errorf("commit %s has no %s directory", short(c.Hash), r.Prefix)
	}
	return &TreeFS{mu: r.mu, tree: tree, modTime: c.Committer.When}, nil
}

// ConfigAt opens the repository containing configDir and returns the config
// as it was at the last commit at or before at (see Repo.At). It is what
// `reconcile access-of USER --at DATE` uses. Call done once the config has
// been read: pack files stay open until then, since reopening them for
// each of a thousand files was most of the command's time.
func ConfigAt(ctx context.Context, configDir string, at time.Time) (fsys fs.FS, c Commit, done func() error, err error) {
	if err := ctx.Err(); err != nil {
		return nil, Commit{}, nil, err
	}
	r, err := open(configDir, true)
	if err != nil {
		return nil, Commit{}, nil, err
	}
	commit, err := r.At(at)
	if err == nil {
		fsys, err = r.ConfigFS(commit)
	}
	if err != nil {
		return nil, Commit{}, nil, errors.Join(err, r.Close())
	}
	return fsys, Describe(commit), r.Close, nil
}

// Describe summarises c for reports.
func Describe(c *object.Commit) Commit {
	subject, _, _ := strings.Cut(strings.TrimSpace(c.Message), "\n")
	return Commit{
		Hash:    c.Hash.String(),
		When:    c.Committer.When,
		Author:  c.Author.Name,
		Email:   c.Author.Email,
		Subject: subject,
		PR:      ParsePR(c.Message),
	}
}

var (
	mergePR  = regexp.MustCompile(`^Merge pull request #(\d+) `)
	squashPR = regexp.MustCompile(`\(#(\d+)\)\s*$`)
)

// ParsePR finds the pull request number in a commit message: GitHub's merge
// commit subject "Merge pull request #N from ..." or the squash-merge
// subject suffix "(#N)". 0 when there is none.
func ParsePR(message string) int {
	subject, _, _ := strings.Cut(strings.TrimSpace(message), "\n")
	m := mergePR.FindStringSubmatch(subject)
	if m == nil {
		m = squashPR.FindStringSubmatch(subject)
	}
	if m == nil {
		return 0
	}
	n, _ := strconv.Atoi(m[1])
	return n
}

// parseTime accepts what schema.ParseTime does (a date or RFC 3339); kept
// here so reading git does not depend on the config loader.
func parseTime(s string) (time.Time, bool) {
	if t, err := time.Parse("2006-01-02", s); err == nil {
		return t, true
	}
	t, err := time.Parse(time.RFC3339, s)
	return t, err == nil
}

func short(h plumbing.Hash) string { return h.String()[:12] }

// MergeBase is the best common ancestor of base and head, the point a
// branch forked from: what `git diff base...head` compares against, so that
// commits made on base after the fork are not shown as the branch's
// changes. When there is none (unrelated histories), it is base itself.
func (r *Repo) MergeBase(base, head *object.Commit) (*object.Commit, error) {
	bases, err := base.MergeBase(head)
	if err != nil {
		return nil, fmt.Errorf("merge base of %s and %s: %w", short(base.Hash), short(head.Hash), err)
	}
	if len(bases) == 0 {
		return base, nil
	}
	return bases[0], nil
}
