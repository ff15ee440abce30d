package history

import (
	"bytes"

	"github.com/go-git/go-git/v5/plumbing"
)

// rawTree is a git tree object kept in its encoded form. A history walk
// compares the 2,000-entry groups folder of thousands of commits; walking
// the encoded entries ("MODE NAME\0" + 20-byte hash, sorted by name)
// without decoding them into go-git's TreeEntry values saves most of the
// time and garbage.
type rawTree struct {
	hash plumbing.Hash
	data []byte
	idx  map[string]plumbing.Hash // built only where many lookups follow
	memo map[string]plumbing.Hash // names already looked up by a scan
}

// index builds a name lookup, for a tree read in full (the newest commit).
func (t *rawTree) index() {
	if t == nil || t.idx != nil {
		return
	}
	t.idx = map[string]plumbing.Hash{}
	for e, off := t.next(0); off >= 0; e, off = t.next(off) {
		if n, ok := trimYAML(string(e.name)); ok && !e.dir {
			var h plumbing.Hash
			copy(h[:], e.hash)
			t.idx[n] = h
		}
	}
}

func (w *walker) rawTree(h plumbing.Hash) (*rawTree, error) {
	data, err := w.objs.Read(h, plumbing.TreeObject)
	if err != nil {
		return nil, err
	}
	return &rawTree{hash: h, data: data}, nil
}

// rawEntry is one entry; name and hash alias the tree's bytes.
type rawEntry struct {
	name []byte
	hash []byte
	dir  bool
}

// next parses the entry at data[off:] and returns the offset after it;
// -1 at the end or on a malformed tree.
func (t *rawTree) next(off int) (rawEntry, int) {
	if t == nil || off >= len(t.data) {
		return rawEntry{}, -1
	}
	d := t.data[off:]
	sp := bytes.IndexByte(d, ' ')
	if sp < 0 {
		return rawEntry{}, -1
	}
	nul := bytes.IndexByte(d[sp:], 0)
	if nul < 0 || sp+nul+21 > len(d) {
		return rawEntry{}, -1
	}
	nul += sp
	mode := d[:sp]
	return rawEntry{name: d[sp+1 : nul], hash: d[nul+1 : nul+21], dir: bytes.Equal(mode, []byte("40000"))}, off + nul + 21
}

// find is the hash of the file name+".yaml"; zero when absent.
func (t *rawTree) find(name string) plumbing.Hash {
	if t.idx != nil {
		return t.idx[name]
	}
	if h, ok := t.memo[name]; ok {
		return h
	}
	var h plumbing.Hash
	want := []byte(name + ".yaml")
	for e, off := t.next(0); off >= 0; e, off = t.next(off) {
		if !e.dir && bytes.Equal(e.name, want) {
			copy(h[:], e.hash)
			break
		}
	}
	if t.memo == nil {
		t.memo = map[string]plumbing.Hash{}
	}
	t.memo[name] = h
	return h
}

// dir is the hash of the subfolder name.
func (t *rawTree) dir(name string) (plumbing.Hash, bool) {
	var h plumbing.Hash
	for e, off := t.next(0); off >= 0; e, off = t.next(off) {
		if e.dir && string(e.name) == name {
			copy(h[:], e.hash)
			return h, true
		}
	}
	return h, false
}

// names lists the .yaml files, without the extension.
func (t *rawTree) names() []string {
	var out []string
	for e, off := t.next(0); off >= 0; e, off = t.next(off) {
		if n, ok := trimYAML(string(e.name)); ok && !e.dir {
			out = append(out, n)
		}
	}
	return out
}

// change is one .yaml file (name without extension) whose blob differs
// between two folder trees: a is its hash in the first, b in the second
// (zero where absent).
type change struct {
	name string
	a, b plumbing.Hash
}

// changed lists the files whose blob differs between two folder trees, by a
// merge walk of their sorted entries.
func changed(a, b *rawTree) []change {
	if a == nil && b == nil || (a != nil && b != nil && a.hash == b.hash) {
		return nil
	}
	var out []change
	add := func(name, ha, hb []byte) {
		n, ok := trimYAML(string(name))
		if !ok {
			return
		}
		c := change{name: n}
		copy(c.a[:], ha)
		copy(c.b[:], hb)
		out = append(out, c)
	}
	// Two versions of a folder are byte-identical up to the first changed
	// entry: skip the entries inside that common prefix in one pass.
	start := 0
	if a != nil && b != nil {
		p := commonPrefix(a.data, b.data)
		for _, off := a.next(0); off >= 0 && off <= p; _, off = a.next(off) {
			start = off
		}
	}
	ea, oa := a.next(start)
	eb, ob := b.next(start)
	for oa >= 0 || ob >= 0 {
		switch {
		case ob < 0 || (oa >= 0 && bytes.Compare(ea.name, eb.name) < 0):
			add(ea.name, ea.hash, nil)
			ea, oa = a.next(oa)
		case oa < 0 || bytes.Compare(eb.name, ea.name) < 0:
			add(eb.name, nil, eb.hash)
			eb, ob = b.next(ob)
		default:
			if !bytes.Equal(ea.hash, eb.hash) {
				add(ea.name, ea.hash, eb.hash)
			}
			ea, oa = a.next(oa)
			eb, ob = b.next(ob)
		}
	}
	return out
}

// commonPrefix is the length of the longest common prefix of x and y,
// found by halving with bytes.Equal (vectorised) rather than byte by byte.
func commonPrefix(x, y []byte) int {
	n := min(len(x), len(y))
	lo, hi := 0, n // x[:lo] == y[:lo]; the mismatch, if any, is before hi
	for hi-lo > 64 {
		mid := lo + (hi-lo)/2
		if bytes.Equal(x[lo:mid], y[lo:mid]) {
			lo = mid
		} else {
			hi = mid
		}
	}
	for lo < hi && x[lo] == y[lo] {
		lo++
	}
	return lo
}
