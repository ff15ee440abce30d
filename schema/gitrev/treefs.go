package gitrev

import (
	"bytes"
	"errors"
	"io"
	"io/fs"
	"path"
	"sort"
	"sync"
	"time"

	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/object"
)

// TreeFS is a git tree read straight from the object store as an fs.FS:
// nothing is checked out, so any revision can be read in a CI clone.
// Symlinks and submodules are not followed; they read as errors, which keeps
// a config at a revision exactly what the commit holds.
//
// It is safe for concurrent use (schema.Load reads files in parallel): go-git
// trees index their entries lazily and its object storage shares file
// handles and caches, so every access to them is serialised by mu, which is
// shared by all TreeFS of one Repo.
type TreeFS struct {
	mu      *sync.Mutex
	tree    *object.Tree
	modTime time.Time // the commit time, reported as every file's ModTime
	// dirs caches decoded subtrees by path: go-git's Tree.File and
	// Tree.Tree decode every folder on the way on each call, which made
	// reading 2,000 files of one folder quadratic.
	dirs map[string]*object.Tree
}

// NewTreeFS wraps tree; modTime is reported as each file's modification time.
// Use Repo.ConfigFS when several trees of one repository are read at once.
func NewTreeFS(tree *object.Tree, modTime time.Time) *TreeFS {
	return &TreeFS{mu: &sync.Mutex{}, tree: tree, modTime: modTime}
}

// dir returns the subtree at slash path p ("." is the root); t.mu is held.
func (t *TreeFS) dir(p string) (*object.Tree, error) {
	if p == "." || p == "" {
		return t.tree, nil
	}
	if d, ok := t.dirs[p]; ok {
		return d, nil
	}
	parent, err := t.dir(path.Dir(p))
	if err != nil {
		return nil, err
	}
	e, err := parent.FindEntry(path.Base(p))
	if err != nil || e.Mode != filemode.Dir {
		return nil, fs.ErrNotExist
	}
	d, err := parent.Tree(path.Base(p))
	if err != nil {
		return nil, err
	}
	if t.dirs == nil {
		t.dirs = map[string]*object.Tree{}
	}
	t.dirs[p] = d
	return d, nil
}

// lookup finds name's entry and the tree that holds it; t.mu is held.
func (t *TreeFS) lookup(name string) (*object.Tree, *object.TreeEntry, error) {
	parent, err := t.dir(path.Dir(name))
	if err != nil {
		return nil, nil, fs.ErrNotExist
	}
	e, err := parent.FindEntry(path.Base(name))
	if err != nil {
		return nil, nil, fs.ErrNotExist
	}
	return parent, e, nil
}

// Tree is the underlying git tree.
func (t *TreeFS) Tree() *object.Tree { return t.tree }

var (
	_ fs.ReadFileFS = (*TreeFS)(nil)
	_ fs.ReadDirFS  = (*TreeFS)(nil)
	_ fs.StatFS     = (*TreeFS)(nil)
)

// Open implements fs.FS.
func (t *TreeFS) Open(name string) (fs.File, error) {
	if !fs.ValidPath(name) {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrInvalid}
	}
	if name == "." {
		return &treeDir{fsys: t, name: ".", tree: t.tree}, nil
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	_, entry, err := t.lookup(name)
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
	}
	switch entry.Mode {
	case filemode.Dir:
		sub, err := t.dir(name)
		if err != nil {
			return nil, &fs.PathError{Op: "open", Path: name, Err: err}
		}
		return &treeDir{fsys: t, name: name, tree: sub}, nil
	case filemode.Regular, filemode.Executable, filemode.Deprecated:
		data, err := t.readBlob(name)
		if err != nil {
			return nil, &fs.PathError{Op: "open", Path: name, Err: err}
		}
		return &treeFile{info: t.info(path.Base(name), entry.Mode, int64(len(data))), r: bytes.NewReader(data)}, nil
	default:
		return nil, &fs.PathError{Op: "open", Path: name, Err: errors.New("not a regular file or directory (symlink or submodule)")}
	}
}

// ReadFile implements fs.ReadFileFS without going through Open.
func (t *TreeFS) ReadFile(name string) ([]byte, error) {
	if !fs.ValidPath(name) {
		return nil, &fs.PathError{Op: "read", Path: name, Err: fs.ErrInvalid}
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	data, err := t.readBlob(name)
	if err != nil {
		return nil, &fs.PathError{Op: "read", Path: name, Err: err}
	}
	return data, nil
}

func (t *TreeFS) readBlob(name string) ([]byte, error) {
	parent, e, err := t.lookup(name)
	if err != nil {
		return nil, err
	}
	if !e.Mode.IsFile() {
		return nil, errors.New("not a regular file")
	}
	f, err := parent.TreeEntryFile(e)
	if err != nil {
		return nil, err
	}
	r, err := f.Reader()
	if err != nil {
		return nil, err
	}
	defer r.Close()
	return io.ReadAll(r)
}

// Stat implements fs.StatFS.
func (t *TreeFS) Stat(name string) (fs.FileInfo, error) {
	if !fs.ValidPath(name) {
		return nil, &fs.PathError{Op: "stat", Path: name, Err: fs.ErrInvalid}
	}
	if name == "." {
		return t.info(".", filemode.Dir, 0), nil
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	parent, entry, err := t.lookup(name)
	if err != nil {
		return nil, &fs.PathError{Op: "stat", Path: name, Err: fs.ErrNotExist}
	}
	var size int64
	if entry.Mode.IsFile() {
		if size, err = blobSize(parent, entry); err != nil {
			return nil, &fs.PathError{Op: "stat", Path: name, Err: err}
		}
	}
	return t.info(path.Base(name), entry.Mode, size), nil
}

// ReadDir implements fs.ReadDirFS: entries sorted by name.
func (t *TreeFS) ReadDir(name string) ([]fs.DirEntry, error) {
	if !fs.ValidPath(name) {
		return nil, &fs.PathError{Op: "readdir", Path: name, Err: fs.ErrInvalid}
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	tree, err := t.dir(name)
	if err != nil {
		return nil, &fs.PathError{Op: "readdir", Path: name, Err: fs.ErrNotExist}
	}
	return t.entries(tree), nil
}

func (t *TreeFS) entries(tree *object.Tree) []fs.DirEntry {
	out := make([]fs.DirEntry, 0, len(tree.Entries))
	for _, e := range tree.Entries {
		out = append(out, &dirEntry{fsys: t, tree: tree, entry: e})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name() < out[j].Name() })
	return out
}

func (t *TreeFS) info(name string, mode filemode.FileMode, size int64) fs.FileInfo {
	m, err := mode.ToOSFileMode()
	if err != nil {
		m = fs.ModeIrregular
	}
	return fileInfo{name: name, mode: m, size: size, modTime: t.modTime}
}

type fileInfo struct {
	name    string
	mode    fs.FileMode
	size    int64
	modTime time.Time
}

func (i fileInfo) Name() string       { return i.name }
func (i fileInfo) Size() int64        { return i.size }
func (i fileInfo) Mode() fs.FileMode  { return i.mode }
func (i fileInfo) ModTime() time.Time { return i.modTime }
func (i fileInfo) IsDir() bool        { return i.mode.IsDir() }
func (i fileInfo) Sys() any           { return nil }

// blobSize is a file entry's size, from the blob object's header.
func blobSize(parent *object.Tree, e *object.TreeEntry) (int64, error) {
	f, err := parent.TreeEntryFile(e)
	if err != nil {
		return 0, err
	}
	return f.Size, nil
}

// dirEntry computes its size only when Info is called: listing a folder of
// 2,000 groups must not read 2,000 blobs.
type dirEntry struct {
	fsys  *TreeFS
	tree  *object.Tree
	entry object.TreeEntry
}

func (e *dirEntry) Name() string { return e.entry.Name }
func (e *dirEntry) IsDir() bool  { return e.entry.Mode == filemode.Dir }
func (e *dirEntry) Type() fs.FileMode {
	return e.fsys.info(e.entry.Name, e.entry.Mode, 0).Mode().Type()
}
func (e *dirEntry) Info() (fs.FileInfo, error) {
	var size int64
	if e.entry.Mode.IsFile() {
		e.fsys.mu.Lock()
		defer e.fsys.mu.Unlock()
		var err error
		if size, err = blobSize(e.tree, &e.entry); err != nil {
			return nil, err
		}
	}
	return e.fsys.info(e.entry.Name, e.entry.Mode, size), nil
}
func (e *dirEntry) String() string { return fs.FormatDirEntry(e) }

type treeFile struct {
	info fs.FileInfo
	r    *bytes.Reader
}

func (f *treeFile) Stat() (fs.FileInfo, error) { return f.info, nil }
func (f *treeFile) Read(p []byte) (int, error) { return f.r.Read(p) }
func (f *treeFile) Close() error               { return nil }

type treeDir struct {
	fsys    *TreeFS
	name    string
	tree    *object.Tree
	pending []fs.DirEntry
	read    bool
}

func (d *treeDir) Stat() (fs.FileInfo, error) {
	return d.fsys.info(path.Base(d.name), filemode.Dir, 0), nil
}
func (d *treeDir) Read([]byte) (int, error) {
	return 0, &fs.PathError{Op: "read", Path: d.name, Err: errors.New("is a directory")}
}
func (d *treeDir) Close() error { return nil }

// ReadDir implements fs.ReadDirFile with the usual n semantics.
func (d *treeDir) ReadDir(n int) ([]fs.DirEntry, error) {
	if !d.read {
		d.fsys.mu.Lock()
		d.pending, d.read = d.fsys.entries(d.tree), true
		d.fsys.mu.Unlock()
	}
	if n <= 0 {
		out := d.pending
		d.pending = nil
		return out, nil
	}
	if len(d.pending) == 0 {
		return nil, io.EOF
	}
	if n > len(d.pending) {
		n = len(d.pending)
	}
	out := d.pending[:n]
	d.pending = d.pending[n:]
	return out, nil
}
