package schema

import (
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// dec decodes the nodes of one file, collecting errors instead of stopping.
type dec struct {
	file     string
	errs     []*Error
	adminPos []Pos // where each of Settings.Admins is written
}

func (d *dec) add(e *Error) { d.errs = append(d.errs, e) }

func (d *dec) at(n *yaml.Node) Pos { return Pos{File: d.file, Line: n.Line, Col: n.Column} }

func (d *dec) errorf(n *yaml.Node, field, format string, args ...any) {
	d.add(Errorf(d.at(n), field, format, args...))
}

// resolve follows an alias to the node it names.
func resolve(n *yaml.Node) *yaml.Node {
	for n != nil && n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	return n
}

func isNull(n *yaml.Node) bool {
	n = resolve(n)
	return n == nil || (n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null")
}

// kind names what a node is, for "must be X, got Y" messages.
func kind(n *yaml.Node) string {
	n = resolve(n)
	switch {
	case n == nil:
		return "nothing"
	case n.Kind == yaml.MappingNode:
		return "a mapping"
	case n.Kind == yaml.SequenceNode:
		return "a list"
	}
	switch n.ShortTag() {
	case "!!null":
		return "an empty value"
	case "!!bool":
		return "true/false"
	case "!!int", "!!float":
		return "a number"
	case "!!str", "!!timestamp":
		return "text"
	}
	return "a value tagged " + n.Tag
}

func sub(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func idx(path string, i int) string { return path + "[" + strconv.Itoa(i) + "]" }

// field is one key: value pair of a mapping.
type field struct {
	name     string
	key, val *yaml.Node
	path     string
}

// mapping returns the pairs of a mapping node, with merge keys (<<) applied:
// explicit keys win over merged ones, earlier merged mappings over later ones.
// Unknown and duplicate keys are errors; hints give a better message for keys
// that are known but not allowed here.
func (d *dec) mapping(n *yaml.Node, path string, keys []string, hints map[string]string) ([]field, bool) {
	r := resolve(n)
	if r == nil || r.Kind != yaml.MappingNode {
		d.errorf(n, path, "must be a mapping of %s, got %s", strings.Join(keys, ", "), kind(n))
		return nil, false
	}
	seen := map[string]*yaml.Node{}
	var out, merged []field
	for i := 0; i+1 < len(r.Content); i += 2 {
		k, v := r.Content[i], r.Content[i+1]
		if k.Kind == yaml.ScalarNode && k.ShortTag() == "!!merge" {
			merged = append(merged, d.merge(v, path, keys, hints)...)
			continue
		}
		kr := resolve(k)
		if kr == nil || kr.Kind != yaml.ScalarNode {
			d.errorf(k, path, "a key must be a plain word, got %s", kind(k))
			continue
		}
		name := kr.Value
		fp := sub(path, name)
		if prev, dup := seen[name]; dup {
			d.errorf(k, fp, "duplicate key %q (first at line %d)", name, prev.Line)
			continue
		}
		seen[name] = k
		if !contains(keys, name) {
			if h, ok := hints[name]; ok {
				d.errorf(k, fp, "%s", h)
			} else {
				d.errorf(k, fp, "unknown key %q%s; allowed: %s", name, suggest(name, keys), strings.Join(keys, ", "))
			}
			continue
		}
		out = append(out, field{name: name, key: k, val: v, path: fp})
	}
	for _, f := range merged {
		if _, ok := seen[f.name]; !ok {
			seen[f.name] = f.key
			out = append(out, f)
		}
	}
	return out, true
}

// merge expands the value of a << key: a mapping or a list of mappings.
func (d *dec) merge(v *yaml.Node, path string, keys []string, hints map[string]string) []field {
	r := resolve(v)
	if r != nil && r.Kind == yaml.SequenceNode {
		var out []field
		seen := map[string]bool{}
		for _, item := range r.Content {
			if ir := resolve(item); ir == nil || ir.Kind != yaml.MappingNode {
				d.errorf(item, sub(path, "<<"), "a merge key takes a mapping or a list of mappings, got %s", kind(item))
				continue
			}
			fs, _ := d.mapping(item, path, keys, hints)
			for _, f := range fs {
				if !seen[f.name] {
					seen[f.name] = true
					out = append(out, f)
				}
			}
		}
		return out
	}
	if r == nil || r.Kind != yaml.MappingNode {
		d.errorf(v, sub(path, "<<"), "a merge key takes a mapping or a list of mappings, got %s", kind(v))
		return nil
	}
	fs, _ := d.mapping(v, path, keys, hints)
	return fs
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// str decodes a scalar as text. Numbers and dates are accepted as written
// ("1042", "2026-01-01"); true/false, lists and mappings are not. An empty
// value gives "" and ok.
func (d *dec) str(n *yaml.Node, path string) (string, bool) {
	r := resolve(n)
	if isNull(r) {
		return "", true
	}
	if r.Kind == yaml.ScalarNode {
		switch r.ShortTag() {
		case "!!str", "!!int", "!!float", "!!timestamp":
			return r.Value, true
		}
	}
	d.errorf(n, path, "must be text, got %s%s", kind(n), quoteHint(r))
	return "", false
}

func quoteHint(r *yaml.Node) string {
	if r != nil && r.Kind == yaml.ScalarNode && r.ShortTag() == "!!bool" {
		return " (quote it if you mean the word: \"" + r.Value + "\")"
	}
	return ""
}

// reqStr is str that must not be empty.
func (d *dec) reqStr(n *yaml.Node, path string) (string, bool) {
	s, ok := d.str(n, path)
	if ok && strings.TrimSpace(s) == "" {
		d.errorf(n, path, "must not be empty")
		return "", false
	}
	return s, ok
}

func (d *dec) boolean(n *yaml.Node, path string) (bool, bool) {
	r := resolve(n)
	if r != nil && r.Kind == yaml.ScalarNode && r.ShortTag() == "!!bool" {
		var b bool
		if err := r.Decode(&b); err == nil {
			return b, true
		}
	}
	d.errorf(n, path, "must be true or false, got %s", kind(n))
	return false, false
}

func (d *dec) integer(n *yaml.Node, path string) (int, bool) { return wholeNumber[int](d, n, path) }

// wholeNumber decodes an integer scalar into T, reporting a non-integer or
// one out of T's range.
func wholeNumber[T int | int64](d *dec, n *yaml.Node, path string) (T, bool) {
	r := resolve(n)
	if r != nil && r.Kind == yaml.ScalarNode && r.ShortTag() == "!!int" {
		var i T
		if err := r.Decode(&i); err == nil {
			return i, true
		}
		d.errorf(n, path, "number %s is out of range", r.Value)
		return 0, false
	}
	d.errorf(n, path, "must be a whole number, got %s", kind(n))
	return 0, false
}

func (d *dec) number(n *yaml.Node, path string) (float64, bool) {
	r := resolve(n)
	if r != nil && r.Kind == yaml.ScalarNode && (r.ShortTag() == "!!int" || r.ShortTag() == "!!float") {
		var f float64
		if err := r.Decode(&f); err == nil {
			return f, true
		}
	}
	d.errorf(n, path, "must be a number, got %s", kind(n))
	return 0, false
}

// list returns the items of a sequence; an empty value is an empty list.
func (d *dec) list(n *yaml.Node, path, what string) ([]*yaml.Node, bool) {
	r := resolve(n)
	if isNull(r) {
		return nil, true
	}
	if r.Kind != yaml.SequenceNode {
		d.errorf(n, path, "must be a list of %s, got %s", what, kind(n))
		return nil, false
	}
	return r.Content, true
}

// strList decodes a list of non-empty strings.
func (d *dec) strList(n *yaml.Node, path, what string) []string {
	items, _ := d.list(n, path, what)
	out := make([]string, 0, len(items))
	for i, it := range items {
		if s, ok := d.reqStr(it, idx(path, i)); ok {
			out = append(out, s)
		}
	}
	return out
}

func (d *dec) duration(n *yaml.Node, path string) (Duration, bool) {
	s, ok := d.reqStr(n, path)
	if !ok {
		return 0, false
	}
	v, err := ParseDuration(s)
	if err != nil {
		d.errorf(n, path, "%v", err)
		return 0, false
	}
	return v, true
}
