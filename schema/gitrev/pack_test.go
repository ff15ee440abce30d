package gitrev

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/format/idxfile"

	"github.com/access-as-code/access/schema/gitrev/gitrevtest"
)

// packedRepo commits many versions of a few files and packs them with git
// (deltas against neighbouring versions, as a server's pack has), with
// offset deltas or, when refDelta, deltas naming their base by hash.
func packedRepo(t testing.TB, refDelta bool) string {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git not installed: needed to write a pack with deltas")
	}
	b := gitrevtest.New(t)
	var users strings.Builder
	for i := range 60 {
		fmt.Fprintf(&users, "- id: person%d\n  email: person%d@example.com\n", i, i)
		b.Write("access-config/users.yaml", users.String())
		b.Write(fmt.Sprintf("access-config/groups/g%d.yaml", i%7), fmt.Sprintf("owners: [person0]\nmembers: [person%d]\n", i))
		b.Commit(fmt.Sprintf("commit %d", i), "alice", time.Date(2026, 1, 1, i, 0, 0, 0, time.UTC))
	}
	cmd := exec.Command("git", "-C", b.Dir, "-c", fmt.Sprintf("repack.useDeltaBaseOffset=%v", !refDelta), "repack", "-a", "-d", "-f", "-q")
	cmd.Env = append(os.Environ(), "GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_NOSYSTEM=1")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("git repack: %v\n%s", err, out)
	}
	packs, _ := filepath.Glob(filepath.Join(b.Dir, ".git", "objects", "pack", "*.pack"))
	if len(packs) != 1 {
		t.Fatalf("packs: %v", packs)
	}
	out, err := exec.Command("git", "verify-pack", "-v", packs[0]).CombinedOutput()
	if err != nil {
		t.Fatalf("git verify-pack: %v\n%s", err, out)
	}
	if !bytes.Contains(out, []byte("chain length = 2")) {
		t.Fatalf("the pack has no delta chains to follow:\n%s", out)
	}
	return b.Dir
}

// Every object read from the pack directly is the object go-git's storage
// reads, through chains of offset and hash deltas, from a pack read whole
// or object by object.
func TestObjectsReadsPackedDeltasAsGoGitDoes(t *testing.T) {
	for _, c := range []struct{ refDelta, whole bool }{{false, true}, {true, true}, {false, false}} {
		refDelta := c.refDelta
		dir := packedRepo(t, refDelta)
		repo, err := Open(filepath.Join(dir, "access-config"))
		if err != nil {
			t.Fatal(err)
		}
		objs, err := repo.Objects()
		if err != nil {
			t.Fatal(err)
		}
		if len(objs.packs) != 1 || objs.packs[0].data == nil {
			t.Fatalf("Objects opened %d packs, not read whole; want 1, read whole (a small pack)", len(objs.packs))
		}
		if !c.whole {
			objs.packs[0].data = nil
		}
		ref, err := git.PlainOpen(dir)
		if err != nil {
			t.Fatal(err)
		}
		iter, err := ref.Storer.IterEncodedObjects(plumbing.AnyObject)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		err = iter.ForEach(func(obj plumbing.EncodedObject) error {
			want, err := ReadAll(obj)
			if err != nil {
				return err
			}
			got, err := objs.Read(obj.Hash(), obj.Type())
			if err != nil {
				return fmt.Errorf("refDelta %v: Read %s %s: %w", refDelta, obj.Type(), obj.Hash(), err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("refDelta %v: %s %s: read %d bytes that differ from go-git's %d", refDelta, obj.Type(), obj.Hash(), len(got), len(want))
			}
			other := plumbing.TreeObject
			if obj.Type() == plumbing.TreeObject {
				other = plumbing.BlobObject
			}
			if _, err := objs.Read(obj.Hash(), other); err == nil {
				t.Errorf("refDelta %v: %s %s read as a %s", refDelta, obj.Type(), obj.Hash(), other)
			}
			n++
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if n < 180 {
			t.Errorf("compared %d objects; the repository has more", n)
		}
		objs.Close()
		repo.Close()
	}
}

// FuzzPackCorrupt reads every object of a pack with one byte changed: an
// error or some bytes, never a panic, a hang or a huge allocation.
func FuzzPackCorrupt(f *testing.F) {
	dir := packedRepo(f, false)
	packs, _ := filepath.Glob(filepath.Join(dir, ".git", "objects", "pack", "*.pack"))
	data, err := os.ReadFile(packs[0])
	if err != nil {
		f.Fatal(err)
	}
	idxFile, err := os.Open(strings.TrimSuffix(packs[0], ".pack") + ".idx")
	if err != nil {
		f.Fatal(err)
	}
	defer idxFile.Close()
	idx := idxfile.NewMemoryIndex()
	if err := idxfile.NewDecoder(idxFile).Decode(idx); err != nil {
		f.Fatal(err)
	}
	repo, err := Open(filepath.Join(dir, "access-config"))
	if err != nil {
		f.Fatal(err)
	}
	defer repo.Close()
	var hashes []plumbing.Hash
	entries, err := idx.Entries()
	if err != nil {
		f.Fatal(err)
	}
	for e, err := entries.Next(); err == nil; e, err = entries.Next() {
		hashes = append(hashes, e.Hash)
	}
	for _, seed := range []struct {
		pos uint32
		b   byte
	}{{12, 0xff}, {13, 0x80}, {uint32(len(data) / 2), 0}, {40, 0x7f}} {
		f.Add(seed.pos, seed.b)
	}
	f.Fuzz(func(t *testing.T, pos uint32, b byte) {
		bad := bytes.Clone(data)
		bad[int(pos)%len(bad)] = b
		for _, p := range []*pack{{f: bytes.NewReader(bad), idx: idx}, {data: bad, idx: idx}} {
			objs := &Objects{repo: repo, packs: []*pack{p}, cache: newPackCache(1 << 20), rd: newPackReader()}
			for _, h := range hashes {
				objs.Read(h, plumbing.BlobObject)
			}
		}
	})
}

// FuzzPatchDelta: any delta applied to any base gives the size the delta
// announces, or an error; never a panic.
func FuzzPatchDelta(f *testing.F) {
	f.Add([]byte("hello world"), []byte{11, 5, 0x90, 5})                 // copy 5 bytes from 0
	f.Add([]byte("hello world"), []byte{11, 7, 0x91, 6, 5, 2, 'o', 'k'}) // copy, insert
	f.Add([]byte(""), []byte{0, 0x80, 0x80, 4, 0x80})
	f.Fuzz(func(t *testing.T, src, delta []byte) {
		out, err := patchDelta(src, delta)
		if err != nil {
			return
		}
		_, rest, _ := deltaSize(delta)
		if want, _, _ := deltaSize(rest); len(out) != want {
			t.Errorf("patchDelta = %d bytes; the delta announces %d", len(out), want)
		}
	})
}
