package schema

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"gopkg.in/yaml.v3"
)

// Limits on hostile input, checked before a file is decoded.
const (
	MaxFileSize = 10 << 20 // bytes
	MaxDepth    = 100      // nested mappings and sequences
	// Aliases may expand a file to at most aliasFactor times its own node
	// count plus aliasSlack nodes; a billion-laughs file needs far more.
	aliasFactor = 10
	aliasSlack  = 10000
)

// readYAML reads and parses one file of fsys. It returns the document's root
// node, or nil with the problem recorded in d when the file is missing (exists
// false), too large, not text, not YAML, or beyond the limits. An empty
// document (nothing or only comments) returns nil with no error; the caller
// decides whether empty is allowed.
func readYAML(fsys fs.FS, d *dec) (root *yaml.Node, exists bool) {
	data, exists := readFile(fsys, d)
	if data == nil {
		return nil, exists
	}
	return parseYAML(data, d), true
}

// readFile reads one file of fsys within the limits; nil data with the
// problem in d when it cannot be used. It is the only part of loading that
// touches fsys, so callers keep it sequential: an fs.FS (a git tree) need not
// be safe for concurrent use.
func readFile(fsys fs.FS, d *dec) (data []byte, exists bool) {
	name := d.file
	st, err := fs.Stat(fsys, name)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, false
	}
	at := Pos{File: name, Line: 1, Col: 1}
	if err != nil {
		d.add(Errorf(at, "", "cannot read: %v", err))
		return nil, true
	}
	if st.IsDir() {
		d.add(Errorf(at, "", "is a directory, expected a YAML file"))
		return nil, true
	}
	if st.Size() > MaxFileSize {
		d.add(Errorf(at, "", "file is %d bytes, over the %d MiB limit", st.Size(), MaxFileSize>>20))
		return nil, true
	}
	f, err := fsys.Open(name)
	if err != nil {
		d.add(Errorf(at, "", "cannot read: %v", err))
		return nil, true
	}
	defer f.Close()
	// Stat may lie (a git blob reader, a pipe): never read past the limit.
	data, err = io.ReadAll(io.LimitReader(f, MaxFileSize+1))
	if err != nil {
		d.add(Errorf(at, "", "cannot read: %v", err))
		return nil, true
	}
	if len(data) > MaxFileSize {
		d.add(Errorf(at, "", "file is over the %d MiB limit", MaxFileSize>>20))
		return nil, true
	}
	if p, ok := notText(data); !ok {
		d.add(Errorf(Pos{File: name, Line: p.Line, Col: p.Col}, "", "file is not UTF-8 text (binary data?)"))
		return nil, true
	}
	return data, true
}

// parseYAML parses data read by readFile and checks the depth and alias
// limits; nil with the problem in d, or nil alone for an empty document.
func parseYAML(data []byte, d *dec) *yaml.Node {
	name := d.file
	doc, perr := parseDoc(data)
	if perr != nil {
		d.add(yamlError(name, data, perr))
		return nil
	}
	if doc == nil {
		return nil
	}
	if e := checkLimits(doc); e != nil {
		e.File = name
		d.add(e)
		return nil
	}
	return doc
}

// parseDoc parses exactly one YAML document. yaml.v3 has panicked on odd
// input in the past; a panic becomes an error, never a crash.
func parseDoc(data []byte) (root *yaml.Node, err error) {
	defer func() {
		if r := recover(); r != nil {
			root, err = nil, fmt.Errorf("yaml: cannot parse: %v", r)
		}
	}()
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, nil
		}
		return nil, err
	}
	var next yaml.Node
	if err := dec.Decode(&next); !errors.Is(err, io.EOF) {
		if err != nil {
			return nil, err
		}
		return nil, &docError{line: next.Line}
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) == 0 {
		return nil, nil
	}
	root = doc.Content[0]
	if root.Kind == yaml.ScalarNode && root.ShortTag() == "!!null" {
		return nil, nil
	}
	return root, nil
}

type docError struct{ line int }

func (e *docError) Error() string { return "more than one YAML document" }

// notText finds the first invalid UTF-8 sequence or NUL byte.
func notText(data []byte) (Pos, bool) {
	if utf8.Valid(data) && bytes.IndexByte(data, 0) < 0 {
		return Pos{}, true
	}
	line, col := 1, 1
	for i := 0; i < len(data); {
		r, size := utf8.DecodeRune(data[i:])
		if (r == utf8.RuneError && size <= 1) || r == 0 {
			return Pos{Line: line, Col: col}, false
		}
		if r == '\n' {
			line, col = line+1, 1
		} else {
			col++
		}
		i += size
	}
	return Pos{}, true
}

var yamlLineRE = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// yamlError turns a yaml.v3 parse error into an *Error with a position, and
// names the usual cause, a tab in the indentation, plainly.
func yamlError(file string, data []byte, err error) *Error {
	var de *docError
	if errors.As(err, &de) {
		return Errorf(Pos{File: file, Line: max(de.line, 1), Col: 1}, "",
			"more than one YAML document (a second `---`); put one document per file")
	}
	if p, ok := tabIndent(data); ok {
		return Errorf(Pos{File: file, Line: p.Line, Col: p.Col}, "",
			"tab character in indentation; YAML indents with spaces only")
	}
	msg := err.Error()
	line, col := 1, 1
	if m := yamlLineRE.FindStringSubmatch(msg); m != nil {
		if n, aerr := strconv.Atoi(m[1]); aerr == nil && n > 0 {
			line = n
		}
		msg = m[2]
		// yaml.v3 prints the 0-based line of libyaml's parser errors (its
		// scanner errors are 1-based already).
		if isParserProblem(msg) {
			line++
		}
		// An error at the end of input can point one past the last line.
		if n := bytes.Count(data, []byte("\n")); !bytes.HasSuffix(data, []byte("\n")) {
			line = min(line, n+1)
		} else {
			line = min(line, max(n, 1))
		}
	} else {
		msg = strings.TrimPrefix(msg, "yaml: ")
		if m := unknownAnchorRE.FindStringSubmatch(msg); m != nil {
			if i := bytes.Index(data, []byte("*"+m[1])); i >= 0 {
				line = 1 + bytes.Count(data[:i], []byte("\n"))
				col = 1 + utf8.RuneCount(data[bytes.LastIndexByte(data[:i], '\n')+1:i])
			}
		}
	}
	return Errorf(Pos{File: file, Line: line, Col: col}, "", "invalid YAML: %s", msg)
}

var unknownAnchorRE = regexp.MustCompile(`^unknown anchor '(.*)' referenced$`)

// isParserProblem recognises the messages of libyaml's parser (parserc.go),
// as opposed to its scanner.
func isParserProblem(msg string) bool {
	for _, p := range []string{"did not find expected", "found duplicate %", "found incompatible YAML document", "found undefined tag handle"} {
		if strings.HasPrefix(msg, p) {
			return true
		}
	}
	return false
}

// tabIndent finds the first line whose leading whitespace holds a tab.
func tabIndent(data []byte) (Pos, bool) {
	line := 1
	for len(data) > 0 {
		end := bytes.IndexByte(data, '\n')
		if end < 0 {
			end = len(data)
		}
		for i, c := range data[:end] {
			if c == '\t' {
				return Pos{Line: line, Col: i + 1}, true
			}
			if c != ' ' {
				break
			}
		}
		if end == len(data) {
			break
		}
		data = data[end+1:]
		line++
	}
	return Pos{}, false
}

// limitWalk measures a document as the decoder would see it, with aliases
// expanded: its node count and nesting depth. Anchored nodes are memoized so
// the walk itself stays linear even for an alias bomb.
type limitWalk struct {
	memo     map[*yaml.Node]nodeSize
	visiting map[*yaml.Node]bool
	literal  int
	err      *Error
	biggest  *yaml.Node // the alias that expands most, for the error position
	bigSize  int
}

type nodeSize struct{ size, height int }

const sizeCap = 1 << 50

func checkLimits(root *yaml.Node) *Error {
	w := &limitWalk{memo: map[*yaml.Node]nodeSize{}, visiting: map[*yaml.Node]bool{}}
	s := w.visit(root, 0)
	if w.err != nil {
		return w.err
	}
	if limit := aliasFactor*w.literal + aliasSlack; s.size > limit {
		at := w.biggest
		if at == nil {
			at = root
		}
		return Errorf(Pos{Line: at.Line, Col: at.Column}, "",
			"YAML aliases expand to more than %d nodes (the file itself has %d); refusing a possible alias bomb", limit, w.literal)
	}
	return nil
}

// visit returns the expanded size and height of n, found at nesting depth
// (the number of collections around n).
func (w *limitWalk) visit(n *yaml.Node, depth int) nodeSize {
	if w.err != nil || n == nil {
		return nodeSize{}
	}
	if n.Kind == yaml.AliasNode {
		w.literal++
		t := n.Alias
		if t == nil {
			return nodeSize{size: 1}
		}
		if w.visiting[t] {
			w.err = Errorf(Pos{Line: n.Line, Col: n.Column}, "", "alias *%s refers to a node that contains it", n.Value)
			return nodeSize{}
		}
		s, ok := w.memo[t]
		if !ok {
			s = w.visit(t, depth) // anchors come before their aliases; kept for safety
		}
		if w.err == nil && depth+s.height > MaxDepth {
			w.err = Errorf(Pos{Line: n.Line, Col: n.Column}, "", "nesting deeper than %d levels", MaxDepth)
		}
		if s.size > w.bigSize {
			w.biggest, w.bigSize = n, s.size
		}
		return s
	}
	w.literal++
	if n.Anchor != "" {
		w.visiting[n] = true
		defer delete(w.visiting, n)
	}
	s := nodeSize{size: 1}
	if n.Kind == yaml.MappingNode || n.Kind == yaml.SequenceNode {
		if depth+1 > MaxDepth {
			w.err = Errorf(Pos{Line: n.Line, Col: n.Column}, "", "nesting deeper than %d levels", MaxDepth)
			return nodeSize{}
		}
		h := 0
		for _, c := range n.Content {
			cs := w.visit(c, depth+1)
			s.size = min(s.size+cs.size, sizeCap)
			h = max(h, cs.height)
		}
		s.height = h + 1
	}
	if n.Anchor != "" {
		w.memo[n] = s
	}
	return s
}
