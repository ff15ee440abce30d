package history

import "bytes"

// A membership repository's largest file (the group of everyone) changes
// with most onboardings, and parsing and compiling each of its versions
// with YAML was most of a history walk. Most of those changes add or remove
// one line "  - ID": plainDiff recognises them from the bytes, so the walk
// can carry grants over instead of parsing.

// plainDiff compares two versions of a file. When they differ only by whole
// lines that are plain list items ("  - ID", an id as users.yaml spells it,
// nothing else on the line), it returns the ids on the lines only a has and
// those only b has, where the change starts in a, and ok. Otherwise (any
// other change) ok is false.
//
// Such a line is a whole entry of a block sequence: a member, an owner, or
// text of a block scalar. Adding or removing it changes no other entry, as
// long as both versions are valid, which every commit on main was.
func plainDiff(a, b []byte) (onlyA, onlyB []string, at int, ok bool) {
	a, b = endLine(a), endLine(b)
	p := commonPrefix(a, b)
	p = bytes.LastIndexByte(a[:p], '\n') + 1 // back to a line start
	s := commonSuffix(a[p:], b[p:])
	// forward to a line start (the line before the suffix ends in a newline
	// in both versions)
	for s > 0 && !(lineStart(a, len(a)-s, p) && lineStart(b, len(b)-s, p)) {
		s--
	}
	ma, mb := a[p:len(a)-s], b[p:len(b)-s]
	if onlyA, ok = plainItems(ma); !ok {
		return nil, nil, 0, false
	}
	if onlyB, ok = plainItems(mb); !ok {
		return nil, nil, 0, false
	}
	return onlyA, onlyB, p, true
}

// endLine ends d with a newline, so that its last line compares as the
// others do.
func endLine(d []byte) []byte {
	if len(d) > 0 && d[len(d)-1] != '\n' {
		return append(d[:len(d):len(d)], '\n')
	}
	return d
}

func lineStart(d []byte, i, min int) bool { return i == min || d[i-1] == '\n' }

// commonSuffix is the length of the longest common suffix of x and y.
func commonSuffix(x, y []byte) int {
	n := min(len(x), len(y))
	i := 0
	for i < n && x[len(x)-1-i] == y[len(y)-1-i] {
		i++
	}
	return i
}

// plainItems splits d into lines and returns their ids when every line is
// a plain list item.
func plainItems(d []byte) ([]string, bool) {
	var ids []string
	for len(d) > 0 {
		line := d
		if i := bytes.IndexByte(d, '\n'); i >= 0 {
			line, d = d[:i], d[i+1:]
		} else {
			d = nil
		}
		id, ok := plainItem(line)
		if !ok {
			return nil, false
		}
		ids = append(ids, id)
	}
	return ids, true
}

// plainItem reads "<spaces>- ID" (trailing spaces allowed, \r too). The id
// must start as users.yaml ids do and contain only their characters, so
// that no YAML syntax (quotes, ":", "#", "*", "&", "[") can hide in it.
func plainItem(line []byte) (string, bool) {
	line = bytes.TrimRight(line, " \t\r")
	rest := bytes.TrimLeft(line, " ")
	if len(rest) < 3 || rest[0] != '-' || rest[1] != ' ' {
		return "", false
	}
	id := bytes.TrimLeft(rest[2:], " ")
	if len(id) == 0 || !isIDStart(id[0]) {
		return "", false
	}
	for _, c := range id {
		if !isIDStart(c) && c != '.' && c != '_' && c != '@' && c != '+' && c != '-' {
			return "", false
		}
	}
	return string(id), true
}

func isIDStart(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// inMembers reports whether offset at of a group file's text lies in its
// top-level members: block, i.e. the last line before it that starts at
// column 0 (not a comment) is "members:".
func inMembers(d []byte, at int) bool {
	for end := at; end > 0; {
		start := bytes.LastIndexByte(d[:end-1], '\n') + 1
		line := bytes.TrimRight(d[start:end-1], " \t\r")
		end = start
		if len(line) == 0 || line[0] == ' ' || line[0] == '\t' || line[0] == '#' {
			continue
		}
		return string(line) == "members:"
	}
	return false
}
