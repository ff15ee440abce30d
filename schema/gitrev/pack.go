package gitrev

import (
	"bufio"
	"bytes"
	"compress/zlib"
	"container/list"
	"errors"
	"fmt"
	"io"
	"math"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/format/idxfile"
)

// pack reads objects straight from one pack file, following the format of
// https://git-scm.com/docs/pack-format: a header of type and inflated size,
// for an OBJ_OFS_DELTA the distance back to its base, for an OBJ_REF_DELTA
// the base's name, then zlib data. go-git's packfile decoder computes the
// SHA-1 (collision-detecting, slow) of every object it resolves from a
// delta to key its cache; a walk over thousands of versions of a 200 KB
// users.yaml spent a fifth of its time there. Here objects are cached by
// their offset, which needs no hashing.
type pack struct {
	f    io.ReaderAt
	data []byte // the whole pack, when small enough to read at once
	idx  *idxfile.MemoryIndex
}

// maxPackInMemory: a pack up to this size is read whole (one read instead
// of one per object; a walk holds two copies at once); a larger one is
// read object by object.
const maxPackInMemory = 16 << 20

// maxDeltaDepth bounds a chain of deltas (git writes at most 4095), so a
// corrupt pack whose deltas form a cycle is an error, not a stack overflow.
const maxDeltaDepth = 10_000

// packKey names an object in one of the packs.
type packKey struct {
	pack int
	off  int64
}

type packObject struct {
	typ  plumbing.ObjectType
	data []byte
}

// packCache is an LRU of resolved objects, bounded in bytes: a walk reads
// each object just before its older version, stored as a delta of it.
type packCache struct {
	max, size int
	ll        *list.List // of *packEntry, most recent first
	m         map[packKey]*list.Element
}

type packEntry struct {
	key packKey
	obj packObject
}

func newPackCache(max int) *packCache {
	return &packCache{max: max, ll: list.New(), m: map[packKey]*list.Element{}}
}

func (c *packCache) get(k packKey) (packObject, bool) {
	e, ok := c.m[k]
	if !ok {
		return packObject{}, false
	}
	c.ll.MoveToFront(e)
	return e.Value.(*packEntry).obj, true
}

func (c *packCache) put(k packKey, o packObject) {
	if len(o.data) > c.max {
		return
	}
	if _, ok := c.m[k]; ok {
		return
	}
	c.m[k] = c.ll.PushFront(&packEntry{k, o})
	c.size += len(o.data)
	for c.size > c.max {
		e := c.ll.Back()
		pe := e.Value.(*packEntry)
		c.ll.Remove(e)
		delete(c.m, pe.key)
		c.size -= len(pe.obj.data)
	}
}

// packReader holds the buffers reused across reads.
type packReader struct {
	br *bufio.Reader
	mr *bytes.Reader
	zr io.ReadCloser
}

func newPackReader() packReader {
	return packReader{br: bufio.NewReaderSize(nil, 16<<10), mr: bytes.NewReader(nil)}
}

// byteReader is what zlib reads from without a buffer of its own.
type byteReader interface {
	io.Reader
	io.ByteReader
}

// readPacked resolves the object at offset off of pack pi.
func (o *Objects) readPacked(pi int, off int64, depth int) (packObject, error) {
	k := packKey{pi, off}
	if obj, ok := o.cache.get(k); ok {
		return obj, nil
	}
	if depth > maxDeltaDepth {
		return packObject{}, errors.New("pack: delta chain too deep (a cycle?)")
	}
	p := o.packs[pi]
	var br byteReader
	if p.data != nil {
		if off >= int64(len(p.data)) {
			return packObject{}, fmt.Errorf("pack offset %d: past the end of the pack", off)
		}
		o.rd.mr.Reset(p.data[off:])
		br = o.rd.mr
	} else {
		o.rd.br.Reset(io.NewSectionReader(p.f, off, math.MaxInt64-off))
		br = o.rd.br
	}
	typ, size, err := readObjectHeader(br)
	if err != nil {
		return packObject{}, fmt.Errorf("pack offset %d: %w", off, err)
	}
	var base packObject
	switch typ {
	case plumbing.CommitObject, plumbing.TreeObject, plumbing.BlobObject, plumbing.TagObject:
	case plumbing.OFSDeltaObject:
		rel, err := readDeltaOffset(br)
		if err != nil {
			return packObject{}, fmt.Errorf("pack offset %d: %w", off, err)
		}
		if rel <= 0 || rel >= off {
			return packObject{}, fmt.Errorf("pack offset %d: delta base %d bytes back is outside the pack", off, rel)
		}
		delta, err := o.inflate(br, size)
		if err != nil {
			return packObject{}, fmt.Errorf("pack offset %d: %w", off, err)
		}
		if base, err = o.readPacked(pi, off-rel, depth+1); err != nil {
			return packObject{}, err
		}
		return o.patch(k, base, delta)
	case plumbing.REFDeltaObject:
		var h plumbing.Hash
		if _, err := io.ReadFull(br, h[:]); err != nil {
			return packObject{}, fmt.Errorf("pack offset %d: %w", off, err)
		}
		delta, err := o.inflate(br, size)
		if err != nil {
			return packObject{}, fmt.Errorf("pack offset %d: %w", off, err)
		}
		if base, err = o.readAny(h, depth+1); err != nil {
			return packObject{}, fmt.Errorf("pack offset %d: delta base %s: %w", off, h, err)
		}
		return o.patch(k, base, delta)
	default:
		return packObject{}, fmt.Errorf("pack offset %d: invalid object type %d", off, typ)
	}
	data, err := o.inflate(br, size)
	if err != nil {
		return packObject{}, fmt.Errorf("pack offset %d: %w", off, err)
	}
	obj := packObject{typ, data}
	o.cache.put(k, obj)
	return obj, nil
}

func (o *Objects) patch(k packKey, base packObject, delta []byte) (packObject, error) {
	data, err := patchDelta(base.data, delta)
	if err != nil {
		return packObject{}, fmt.Errorf("pack offset %d: %w", k.off, err)
	}
	obj := packObject{base.typ, data}
	o.cache.put(k, obj)
	return obj, nil
}

// readAny finds h in any pack, else in go-git's storage (a loose object).
func (o *Objects) readAny(h plumbing.Hash, depth int) (packObject, error) {
	for i, p := range o.packs {
		if off, err := p.idx.FindOffset(h); err == nil {
			return o.readPacked(i, off, depth)
		}
	}
	obj, err := o.repo.git.Storer.EncodedObject(plumbing.AnyObject, h)
	if err != nil {
		return packObject{}, err
	}
	data, err := ReadAll(obj)
	if err != nil {
		return packObject{}, err
	}
	return packObject{obj.Type(), data}, nil
}

// inflate reads the zlib stream at br, which must hold exactly size bytes
// and end there (its checksum is checked at the end).
func (o *Objects) inflate(br byteReader, size int64) ([]byte, error) {
	var err error
	if o.rd.zr == nil {
		o.rd.zr, err = zlib.NewReader(br)
	} else {
		err = o.rd.zr.(zlib.Resetter).Reset(br, nil)
	}
	if err != nil {
		return nil, err
	}
	// The header's size is not trusted for the allocation: a corrupt one
	// could ask for gigabytes.
	buf := bytes.NewBuffer(make([]byte, 0, min(size, 1<<20)+bytes.MinRead))
	if _, err := buf.ReadFrom(io.LimitReader(o.rd.zr, size+1)); err != nil {
		return nil, err
	}
	if int64(buf.Len()) != size {
		return nil, fmt.Errorf("inflated %d bytes of an object of %d: %w", buf.Len(), size, io.ErrUnexpectedEOF)
	}
	// Read to the stream's end, where zlib checks its checksum.
	if n, err := o.rd.zr.Read(make([]byte, 1)); n != 0 || err != io.EOF {
		if err == nil || err == io.EOF {
			err = errors.New("object longer than its header says")
		}
		return nil, err
	}
	return buf.Bytes(), nil
}

// readObjectHeader reads a pack object's type and inflated size.
func readObjectHeader(br io.ByteReader) (plumbing.ObjectType, int64, error) {
	c, err := br.ReadByte()
	if err != nil {
		return 0, 0, err
	}
	typ := plumbing.ObjectType((c >> 4) & 7)
	size := int64(c & 15)
	for shift := 4; c&0x80 != 0; shift += 7 {
		if shift > 56 {
			return 0, 0, errors.New("object size too large")
		}
		if c, err = br.ReadByte(); err != nil {
			return 0, 0, err
		}
		size |= int64(c&0x7f) << shift
	}
	return typ, size, nil
}

// readDeltaOffset reads an OBJ_OFS_DELTA's distance back to its base, a
// varint where each continuation adds one (pack-format: "offset encoding").
func readDeltaOffset(br io.ByteReader) (int64, error) {
	c, err := br.ReadByte()
	if err != nil {
		return 0, err
	}
	off := int64(c & 0x7f)
	for c&0x80 != 0 {
		if off > math.MaxInt64>>8 {
			return 0, errors.New("delta offset too large")
		}
		if c, err = br.ReadByte(); err != nil {
			return 0, err
		}
		off = (off+1)<<7 | int64(c&0x7f)
	}
	return off, nil
}

// patchDelta applies a git delta (pack-format: "Deltified representation")
// to src, into one buffer of the target's size: go-git's PatchDelta grows
// its buffer in steps, clearing and copying a 200 KB file several times.
func patchDelta(src, delta []byte) ([]byte, error) {
	srcSize, delta, err := deltaSize(delta)
	if err != nil {
		return nil, err
	}
	if srcSize != len(src) {
		return nil, fmt.Errorf("delta for a base of %d bytes applied to one of %d", srcSize, len(src))
	}
	size, delta, err := deltaSize(delta)
	if err != nil {
		return nil, err
	}
	// Every instruction yields at most 64 KiB (a copy) from a few bytes: a
	// target size beyond that is corrupt, and would be a huge allocation.
	if size > (len(delta)+1)<<16 {
		return nil, errors.New("delta target size larger than the delta can produce")
	}
	out := make([]byte, 0, size)
	for len(delta) > 0 {
		cmd := delta[0]
		delta = delta[1:]
		switch {
		case cmd&0x80 != 0: // copy from src: offset and size bytes as flagged
			var off, n int
			for i := range 4 {
				if cmd&(1<<i) != 0 {
					if len(delta) == 0 {
						return nil, errors.New("truncated delta copy")
					}
					off |= int(delta[0]) << (8 * i)
					delta = delta[1:]
				}
			}
			for i := range 3 {
				if cmd&(0x10<<i) != 0 {
					if len(delta) == 0 {
						return nil, errors.New("truncated delta copy")
					}
					n |= int(delta[0]) << (8 * i)
					delta = delta[1:]
				}
			}
			if n == 0 {
				n = 0x10000
			}
			if off+n > len(src) || len(out)+n > size {
				return nil, errors.New("delta copy out of bounds")
			}
			out = append(out, src[off:off+n]...)
		case cmd != 0: // insert the next cmd bytes
			n := int(cmd)
			if n > len(delta) || len(out)+n > size {
				return nil, errors.New("delta insert out of bounds")
			}
			out = append(out, delta[:n]...)
			delta = delta[n:]
		default:
			return nil, errors.New("delta instruction 0 is reserved")
		}
	}
	if len(out) != size {
		return nil, fmt.Errorf("delta produced %d bytes of %d", len(out), size)
	}
	return out, nil
}

// deltaSize reads a delta's little-endian base-128 size.
func deltaSize(d []byte) (int, []byte, error) {
	n := 0
	for i, shift := 0, 0; i < len(d); i, shift = i+1, shift+7 {
		if shift > 56 {
			break
		}
		n |= int(d[i]&0x7f) << shift
		if d[i]&0x80 == 0 {
			return n, d[i+1:], nil
		}
	}
	return 0, nil, errors.New("bad delta size")
}
