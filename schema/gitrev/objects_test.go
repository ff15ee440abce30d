package gitrev_test

import (
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/storage"

	"github.com/access-as-code/access/schema/gitrev"
	"github.com/access-as-code/access/schema/gitrev/gitrevtest"
)

// brokenStorage serves every blob through a reader that fails (err set) or
// ends early (err nil) after half of its bytes.
type brokenStorage struct {
	storage.Storer
	err error
}

func (s brokenStorage) EncodedObject(t plumbing.ObjectType, h plumbing.Hash) (plumbing.EncodedObject, error) {
	obj, err := s.Storer.EncodedObject(t, h)
	if err != nil || obj.Type() != plumbing.BlobObject {
		return obj, err
	}
	return halfObject{obj, s.err}, nil
}

type halfObject struct {
	plumbing.EncodedObject
	err error
}

func (o halfObject) Reader() (io.ReadCloser, error) {
	r, err := o.EncodedObject.Reader()
	if err != nil {
		return nil, err
	}
	half := io.LimitReader(r, o.Size()/2)
	if o.err == nil {
		return io.NopCloser(half), nil
	}
	return io.NopCloser(io.MultiReader(half, errReader{o.err})), nil
}

type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }

// A file version that cannot be read whole is an error, never a shorter
// file: a history that read half a group file would report people losing
// access who never did.
func TestObjectsReadFailsOnAShortOrFailedRead(t *testing.T) {
	content := "owners: [alice]\nmembers:\n" + strings.Repeat("  - someone\n", 100)
	for _, readErr := range []error{errors.New("disk on fire"), nil} {
		b := gitrevtest.New(t)
		b.Write("access-config/groups/big.yaml", content)
		b.Commit("one", "alice", day(1))
		head, err := b.Repo.ResolveRevision("HEAD")
		if err != nil {
			t.Fatal(err)
		}
		commit, err := b.Repo.CommitObject(*head)
		if err != nil {
			t.Fatal(err)
		}
		file, err := commit.File("access-config/groups/big.yaml")
		if err != nil {
			t.Fatal(err)
		}
		broken, err := git.Open(brokenStorage{b.Repo.Storer, readErr}, nil)
		if err != nil {
			t.Fatal(err)
		}
		objs, err := gitrev.FromRepository(broken, "access-config").Objects()
		if err != nil {
			t.Fatal(err)
		}
		data, err := objs.Read(file.Hash, plumbing.BlobObject)
		if err == nil {
			t.Errorf("reader failing with %v: Read = %d of %d bytes and no error", readErr, len(data), len(content))
		}
		good, err := gitrev.FromRepository(b.Repo, "access-config").Objects()
		if err != nil {
			t.Fatal(err)
		}
		if data, err := good.Read(file.Hash, plumbing.BlobObject); err != nil || string(data) != content {
			t.Errorf("intact object: Read = %d bytes, %v; want the whole file", len(data), err)
		}
	}
}
