package gitrev

import (
	"bytes"
	"errors"
	"fmt"
	"io"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/cache"
	"github.com/go-git/go-git/v5/plumbing/format/idxfile"
	"github.com/go-git/go-git/v5/plumbing/format/packfile"
	"github.com/go-git/go-git/v5/storage/filesystem"
	"github.com/go-git/go-git/v5/storage/filesystem/dotgit"
)

// Objects reads raw object contents (tree and blob bytes) for a walk over
// thousands of commits. go-git's storage hands out objects over 16 KiB (a
// folder of 800 groups, a large group file) as lazy objects that open the
// pack file again on every read; Objects keeps each pack open with its own
// index and decodes objects in memory, sharing one delta-base cache. Loose
// objects, and repositories not on disk, are read through go-git's storage.
// Not safe for concurrent use.
type Objects struct {
	repo  *Repo
	packs []*packfile.Packfile
	idx   []*idxfile.MemoryIndex
}

// Objects opens the repository's pack files; Close them when done.
func (r *Repo) Objects() (*Objects, error) {
	o := &Objects{repo: r}
	st, ok := r.git.Storer.(*filesystem.Storage)
	if !ok {
		return o, nil // in memory: the storage reads directly
	}
	dg := dotgit.New(st.Filesystem())
	hashes, err := dg.ObjectPacks()
	if err != nil {
		return nil, fmt.Errorf("gitrev: list pack files: %w", err)
	}
	// A walk reads each object just before its older version, which packs
	// store as a delta of it: a small cache keeps the bases it needs.
	c := cache.NewObjectLRU(8 * cache.MiByte)
	for _, h := range hashes {
		idx, err := readIndex(dg, h)
		if err != nil {
			return nil, errors.Join(err, o.Close())
		}
		f, err := dg.ObjectPack(h)
		if err != nil {
			return nil, errors.Join(fmt.Errorf("gitrev: open pack %s: %w", h, err), o.Close())
		}
		// No filesystem: the pack returns objects decoded in memory.
		o.packs = append(o.packs, packfile.NewPackfileWithCache(idx, nil, f, c, 0))
		o.idx = append(o.idx, idx)
	}
	return o, nil
}

func readIndex(dg *dotgit.DotGit, h plumbing.Hash) (*idxfile.MemoryIndex, error) {
	f, err := dg.ObjectPackIdx(h)
	if err != nil {
		return nil, fmt.Errorf("gitrev: open pack index %s: %w", h, err)
	}
	defer f.Close()
	idx := idxfile.NewMemoryIndex()
	if err := idxfile.NewDecoder(f).Decode(idx); err != nil {
		return nil, fmt.Errorf("gitrev: read pack index %s: %w", h, err)
	}
	return idx, nil
}

// Close closes the pack files.
func (o *Objects) Close() error {
	var errs []error
	for _, p := range o.packs {
		errs = append(errs, p.Close())
	}
	o.packs, o.idx = nil, nil
	return errors.Join(errs...)
}

// Read is the content of object h, which must be of type t. The whole
// object is read, to its end, and checked against the size its header
// gives: a short read is an error, never a shorter file.
func (o *Objects) Read(h plumbing.Hash, t plumbing.ObjectType) ([]byte, error) {
	obj, err := o.find(h, t)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", t, h, err)
	}
	data, err := ReadAll(obj)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", t, h, err)
	}
	return data, nil
}

func (o *Objects) find(h plumbing.Hash, t plumbing.ObjectType) (plumbing.EncodedObject, error) {
	for i, idx := range o.idx {
		if ok, _ := idx.Contains(h); !ok {
			continue
		}
		obj, err := o.packs[i].Get(h)
		if err != nil {
			return nil, err
		}
		if obj.Type() != t {
			return nil, plumbing.ErrObjectNotFound
		}
		return obj, nil
	}
	return o.repo.git.Storer.EncodedObject(t, h)
}

// ReadAll reads an object's content to its end (io.ReadAll, into a buffer
// sized from the header) and fails if it is shorter or longer than the
// header says.
func ReadAll(obj plumbing.EncodedObject) ([]byte, error) {
	r, err := obj.Reader()
	if err != nil {
		return nil, err
	}
	defer r.Close()
	buf := bytes.NewBuffer(make([]byte, 0, max(obj.Size(), 0)+bytes.MinRead))
	if _, err := buf.ReadFrom(r); err != nil {
		return nil, err
	}
	if int64(buf.Len()) != obj.Size() {
		return nil, fmt.Errorf("read %d bytes of an object of %d: %w", buf.Len(), obj.Size(), io.ErrUnexpectedEOF)
	}
	return buf.Bytes(), nil
}
