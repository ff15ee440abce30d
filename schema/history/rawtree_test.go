package history

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/go-git/go-git/v5/plumbing"
)

func rawOf(files map[string]string) *rawTree {
	var names []string
	for n := range files {
		names = append(names, n)
	}
	// git sorts entries by name
	for i := range names {
		for j := i + 1; j < len(names); j++ {
			if names[j] < names[i] {
				names[i], names[j] = names[j], names[i]
			}
		}
	}
	var b bytes.Buffer
	for _, n := range names {
		h := plumbing.ComputeHash(plumbing.BlobObject, []byte(files[n]))
		fmt.Fprintf(&b, "100644 %s\x00", n)
		b.Write(h[:])
	}
	return &rawTree{hash: plumbing.ComputeHash(plumbing.TreeObject, b.Bytes()), data: b.Bytes()}
}

func TestChangedListsAddedRemovedAndModifiedFiles(t *testing.T) {
	before := map[string]string{}
	for i := 0; i < 300; i++ {
		before[fmt.Sprintf("g%03d.yaml", i)] = fmt.Sprint(i)
	}
	after := map[string]string{}
	for k, v := range before {
		after[k] = v
	}
	after["g150.yaml"] = "changed"
	delete(after, "g200.yaml")
	after["g250x.yaml"] = "new"
	after["README.md"] = "not yaml"
	var got []string
	for _, c := range changed(rawOf(after), rawOf(before)) {
		got = append(got, fmt.Sprintf("%s:%v:%v", c.name, c.a.IsZero(), c.b.IsZero()))
	}
	if strings.Join(got, " ") != "g150:false:false g200:true:false g250x:false:true" {
		t.Errorf("changed = %v", got)
	}
}

func TestCommonPrefix(t *testing.T) {
	x := bytes.Repeat([]byte("a"), 1000)
	for _, at := range []int{0, 1, 63, 64, 65, 500, 999} {
		y := bytes.Clone(x)
		y[at] = 'b'
		if got := commonPrefix(x, y); got != at {
			t.Errorf("mismatch at %d: commonPrefix = %d", at, got)
		}
	}
	if got := commonPrefix(x, x[:700]); got != 700 {
		t.Errorf("prefix of a prefix = %d", got)
	}
}

// find stops at the first file sorted after the one it looks for: every
// file is still found, and names between, before and after are not.
func TestRawTreeFindStopsPastTheName(t *testing.T) {
	files := map[string]string{"a.yaml": "1", "b-x.yaml": "2", "b.yaml": "3", "c.yaml": "4", "notes.txt": "5"}
	tr := rawOf(files)
	for n, content := range files {
		name, ok := trimYAML(n)
		if !ok {
			continue
		}
		if got, want := tr.find(name), plumbing.ComputeHash(plumbing.BlobObject, []byte(content)); got != want {
			t.Errorf("find(%q) = %s; want %s", name, got, want)
		}
	}
	for _, name := range []string{"0", "aa", "b-", "bb", "d", "notes"} {
		if got := (&rawTree{data: tr.data}).find(name); !got.IsZero() {
			t.Errorf("find(%q) = %s; want none", name, got)
		}
	}
}
