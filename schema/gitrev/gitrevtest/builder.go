// Package gitrevtest builds real git repositories with go-git in temporary
// directories, for tests of diff, approvals and history: commits with chosen
// dates and authors, branches, merge commits and renames.
package gitrevtest

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"
)

// Builder writes files into a work tree and commits them.
type Builder struct {
	t    testing.TB
	Dir  string
	Repo *git.Repository
	wt   *git.Worktree
}

// New initialises an empty repository in a temporary directory, on "main".
func New(t testing.TB) *Builder {
	t.Helper()
	dir := t.TempDir()
	repo, err := git.PlainInitWithOptions(dir, &git.PlainInitOptions{
		InitOptions: git.InitOptions{DefaultBranch: plumbing.NewBranchReferenceName("main")},
	})
	if err != nil {
		t.Fatalf("git init: %v", err)
	}
	wt, err := repo.Worktree()
	if err != nil {
		t.Fatalf("worktree: %v", err)
	}
	return &Builder{t: t, Dir: dir, Repo: repo, wt: wt}
}

// Write puts content at path (slash-separated, relative to the root).
func (b *Builder) Write(path, content string) *Builder {
	b.t.Helper()
	full := filepath.Join(b.Dir, filepath.FromSlash(path))
	if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
		b.t.Fatal(err)
	}
	if err := os.WriteFile(full, []byte(content), 0o644); err != nil {
		b.t.Fatal(err)
	}
	return b
}

// Remove deletes path from the work tree.
func (b *Builder) Remove(path string) *Builder {
	b.t.Helper()
	if err := os.Remove(filepath.Join(b.Dir, filepath.FromSlash(path))); err != nil {
		b.t.Fatal(err)
	}
	return b
}

// Rename moves a file, as `git mv` would.
func (b *Builder) Rename(from, to string) *Builder {
	b.t.Helper()
	if err := os.Rename(filepath.Join(b.Dir, filepath.FromSlash(from)), filepath.Join(b.Dir, filepath.FromSlash(to))); err != nil {
		b.t.Fatal(err)
	}
	return b
}

// Commit stages everything and commits it as author at when.
func (b *Builder) Commit(msg, author string, when time.Time, parents ...plumbing.Hash) plumbing.Hash {
	b.t.Helper()
	if err := b.wt.AddWithOptions(&git.AddOptions{All: true}); err != nil {
		b.t.Fatalf("git add: %v", err)
	}
	sig := &object.Signature{Name: author, Email: author + "@example.com", When: when}
	opts := &git.CommitOptions{Author: sig, Committer: sig, AllowEmptyCommits: true}
	if len(parents) > 0 {
		head := b.Head()
		opts.Parents = append([]plumbing.Hash{head}, parents...)
	}
	h, err := b.wt.Commit(msg, opts)
	if err != nil {
		b.t.Fatalf("git commit: %v", err)
	}
	return h
}

// Head is the current commit.
func (b *Builder) Head() plumbing.Hash {
	b.t.Helper()
	ref, err := b.Repo.Head()
	if err != nil {
		b.t.Fatalf("HEAD: %v", err)
	}
	return ref.Hash()
}

// Branch creates branch name at HEAD and switches to it.
func (b *Builder) Branch(name string) {
	b.t.Helper()
	if err := b.wt.Checkout(&git.CheckoutOptions{Branch: plumbing.NewBranchReferenceName(name), Create: true}); err != nil {
		b.t.Fatalf("checkout -b %s: %v", name, err)
	}
}

// Checkout switches to an existing branch.
func (b *Builder) Checkout(name string) {
	b.t.Helper()
	if err := b.wt.Checkout(&git.CheckoutOptions{Branch: plumbing.NewBranchReferenceName(name), Force: true}); err != nil {
		b.t.Fatalf("checkout %s: %v", name, err)
	}
}

// Merge records a merge of branch into the current branch as GitHub does
// ("Merge pull request #N from ..."): the current work tree (which the caller
// has brought to the merged state, e.g. by replaying the branch's writes)
// is committed with the current HEAD and the branch's head as parents.
func (b *Builder) Merge(branch, msg, author string, when time.Time) plumbing.Hash {
	b.t.Helper()
	ref, err := b.Repo.Reference(plumbing.NewBranchReferenceName(branch), true)
	if err != nil {
		b.t.Fatalf("branch %s: %v", branch, err)
	}
	return b.Commit(msg, author, when, ref.Hash())
}
