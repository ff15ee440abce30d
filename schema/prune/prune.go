// Package prune removes expired member entries from access-config files
// while keeping everything else byte for byte: comments, blank lines, key
// order, quoting. yaml.v3 finds the entries and their lines; the edit is a
// deletion of those line ranges from the original bytes, never a
// re-encoding, so a scheduled job can open a clean-up pull request whose diff
// shows only the removed entries.
package prune

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/access-as-code/access/schema"
)

// Removed is one member entry taken out.
type Removed struct {
	File  string    `json:"file"`
	Line  int       `json:"line"`
	User  string    `json:"user,omitempty"`
	Role  string    `json:"role,omitempty"`
	Until time.Time `json:"until"`
}

// Skipped is a file prune could not edit safely, with why.
type Skipped struct {
	File   string `json:"file"`
	Reason string `json:"reason"`
}

// File returns data without its expired `members` entries (until at or
// before now) and the entries removed. name is used in reports only.
func File(name string, data []byte, now time.Time) ([]byte, []Removed, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, nil, fmt.Errorf("%s: %w", name, err)
	}
	if len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode {
		return data, nil, nil
	}
	root := doc.Content[0]
	var key, seq *yaml.Node
	next := 0 // line of the key after members, 0 when members is last
	for i := 0; i+1 < len(root.Content); i += 2 {
		if root.Content[i].Value == "members" {
			key, seq = root.Content[i], root.Content[i+1]
			if i+2 < len(root.Content) {
				next = root.Content[i+2].Line
			}
		}
	}
	if seq == nil || seq.Kind != yaml.SequenceNode {
		return data, nil, nil // no members, or an alias: nothing we may edit
	}
	var removed []Removed
	var drop []int // indexes into seq.Content
	for i, item := range seq.Content {
		if r, ok := expired(item, now); ok {
			r.File, r.Line = name, item.Line
			removed, drop = append(removed, r), append(drop, i)
		}
	}
	if len(drop) == 0 {
		return data, nil, nil
	}
	if seq.Style&yaml.FlowStyle != 0 {
		return nil, nil, fmt.Errorf("%s: members is a flow sequence ([...]); remove the expired entries by hand", name)
	}
	lines := splitLines(data)
	del := map[int]bool{} // 0-based line indexes to delete
	for _, i := range drop {
		start, end := ItemRange(lines, seq, i, next)
		for l := start; l <= end; l++ {
			del[l] = true
		}
	}
	if len(drop) == len(seq.Content) {
		// Keep the key valid: `members:` with nothing under it would be null.
		kl := key.Line - 1
		text := strings.TrimRight(lines[kl], "\r\n")
		nl := lines[kl][len(text):]
		if c := strings.Index(text, ":"); c >= 0 {
			text = text[:c+1] + " []" + text[c+1:]
		}
		lines[kl] = text + nl
	}
	var out bytes.Buffer
	for i, l := range lines {
		if !del[i] {
			out.WriteString(l)
		}
	}
	return out.Bytes(), removed, nil
}

// expired reports whether a member entry has an until at or before now.
func expired(item *yaml.Node, now time.Time) (Removed, bool) {
	if item.Kind != yaml.MappingNode {
		return Removed{}, false
	}
	var r Removed
	found := false
	for i := 0; i+1 < len(item.Content); i += 2 {
		k, v := item.Content[i].Value, item.Content[i+1]
		switch k {
		case "user":
			r.User = v.Value
		case "role":
			r.Role = v.Value
		case "until":
			t, err := schema.ParseTime(v.Value)
			if err != nil {
				return Removed{}, false // invalid: validation reports it
			}
			r.Until, found = t, true
		}
	}
	m := schema.Member{Until: &r.Until}
	return r, found && m.Expired(now)
}

// ItemRange is the 0-based inclusive line range of seq.Content[i] in
// lines (the file split into lines, with or without their newlines): from
// its "- " line (and comment lines directly above it at the same
// indentation) to the line before the next item, or before the next
// top-level key (line nextKey, 1-based; 0 for none), less trailing blank
// lines and comments that belong to what follows. schema/request uses it to
// find where a new member entry goes.
func ItemRange(lines []string, seq *yaml.Node, i, nextKey int) (int, int) {
	item := seq.Content[i]
	start := item.Line - 1
	indent := dashIndent(lines[start])
	for start > 0 && isCommentAt(lines[start-1], indent) {
		start--
	}
	var end int
	if i+1 < len(seq.Content) {
		end = seq.Content[i+1].Line - 2
		for end > start && isCommentAt(lines[end], indent) {
			end-- // the next item's own head comment stays with it
		}
		return start, end
	}
	if nextKey > 0 {
		end = nextKey - 2
	} else {
		end = len(lines) - 1
	}
	// Trailing blank lines and comments not indented into the item belong
	// to what follows.
	for end > start {
		t := strings.TrimSpace(lines[end])
		if t == "" || (strings.HasPrefix(t, "#") && leading(lines[end]) <= indent) {
			end--
			continue
		}
		break
	}
	return start, end
}

func dashIndent(line string) int { return leading(line) }

func leading(line string) int { return len(line) - len(strings.TrimLeft(line, " ")) }

func isCommentAt(line string, indent int) bool {
	return strings.HasPrefix(strings.TrimSpace(line), "#") && leading(line) == indent
}

// splitLines keeps each line's newline so joining restores the bytes.
func splitLines(data []byte) []string {
	var out []string
	for len(data) > 0 {
		i := bytes.IndexByte(data, '\n')
		if i < 0 {
			out = append(out, string(data))
			break
		}
		out = append(out, string(data[:i+1]))
		data = data[i+1:]
	}
	return out
}

// Dir prunes groups/*.yaml and roles/*.yaml under dir. With write false
// nothing is changed (a dry run). Files that cannot be edited safely are
// skipped and reported; the others are still pruned.
func Dir(dir string, now time.Time, write bool) ([]Removed, []Skipped, error) {
	var removed []Removed
	var skipped []Skipped
	var errs []error
	for _, sub := range []string{"groups", "roles"} {
		entries, err := os.ReadDir(filepath.Join(dir, sub))
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, nil, err
		}
		for _, e := range entries {
			if e.IsDir() || !strings.HasSuffix(e.Name(), ".yaml") {
				continue
			}
			rel := path.Join(sub, e.Name())
			full := filepath.Join(dir, sub, e.Name())
			data, err := os.ReadFile(full)
			if err != nil {
				errs = append(errs, err)
				continue
			}
			out, rm, err := File(rel, data, now)
			if err != nil {
				skipped = append(skipped, Skipped{File: rel, Reason: err.Error()})
				continue
			}
			if len(rm) == 0 {
				continue
			}
			removed = append(removed, rm...)
			if write {
				info, _ := e.Info()
				mode := fs.FileMode(0o644)
				if info != nil {
					mode = info.Mode().Perm()
				}
				if err := os.WriteFile(full, out, mode); err != nil {
					errs = append(errs, err)
				}
			}
		}
	}
	sort.SliceStable(removed, func(i, j int) bool { return removed[i].File < removed[j].File })
	return removed, skipped, errors.Join(errs...)
}
