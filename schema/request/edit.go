package request

import (
	"bytes"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"gopkg.in/yaml.v3"

	"github.com/access-as-code/access/schema/prune"
)

// Entry is the member entry a request adds or extends: exactly one of User
// and Role; Until nil means no end.
type Entry struct {
	User   string
	Role   string
	Until  *time.Time
	Reason string
}

// Ops of an edit.
const (
	OpAdded    = "added"
	OpExtended = "extended"
)

// MaxReason bounds the reason written into a file; a reason is a sentence
// or a ticket, and a long one is more likely an attack than a need.
const MaxReason = 500

// Edit returns data with e added to its `members` list, or, when a direct
// entry for the same user or role exists, with that entry's until (and
// reason) replaced. Only the lines of that entry change; everything else is
// kept byte for byte. name is used in errors only.
func Edit(name string, data []byte, e Entry) ([]byte, string, error) {
	if (e.User == "") == (e.Role == "") {
		return nil, "", fmt.Errorf("a request names exactly one user or one role")
	}
	if len(e.Reason) > MaxReason {
		return nil, "", fmt.Errorf("reason: %d characters, at most %d", len(e.Reason), MaxReason)
	}
	if !utf8.ValidString(e.Reason) {
		return nil, "", fmt.Errorf("reason: not valid UTF-8")
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, "", fmt.Errorf("%s: %w", name, err)
	}
	if len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode {
		return nil, "", fmt.Errorf("%s: not a mapping of keys; fix the file first", name)
	}
	root := doc.Content[0]
	lines := splitLines(data)
	var key, seq *yaml.Node
	next := 0 // line of the key after members, 0 when members is last
	for i := 0; i+1 < len(root.Content); i += 2 {
		if root.Content[i].Value == "members" {
			key, seq = root.Content[i], root.Content[i+1]
			next = 0
			if i+2 < len(root.Content) {
				next = root.Content[i+2].Line
			}
		}
	}
	if seq != nil && seq.Kind == yaml.SequenceNode {
		for _, item := range seq.Content {
			if same(item, e) {
				out, err := extend(name, lines, item, e)
				return out, OpExtended, err
			}
		}
	}
	switch {
	case key == nil:
		// No members key: append one at the end, at column 1.
		return insertAfter(lines, len(lines)-1, "members:\n"+entryText(e, "  ", "    ")), OpAdded, nil
	case seq.Kind == yaml.ScalarNode && seq.Tag == "!!null" && seq.Line == key.Line:
		// `members:` with nothing after it on the line (null): the entry goes below.
		ind := strings.Repeat(" ", key.Column-1)
		return insertAfter(lines, key.Line-1, entryText(e, ind+"  ", ind+"    ")), OpAdded, nil
	case seq.Kind != yaml.SequenceNode:
		return nil, "", fmt.Errorf("%s:%d: members is not a list; fix the file first", name, seq.Line)
	case seq.Style&yaml.FlowStyle != 0 && len(seq.Content) == 0 && seq.Line == key.Line:
		// `members: []`: drop the brackets, the entry goes below.
		l := lines[key.Line-1]
		at := seq.Column - 1
		if at+2 > len(l) || l[at:at+2] != "[]" {
			return nil, "", fmt.Errorf("%s:%d: members is written in a form this edit does not handle; add the entry by hand", name, key.Line)
		}
		lines[key.Line-1] = strings.TrimRight(l[:at], " ") + l[at+2:]
		ind := strings.Repeat(" ", key.Column-1)
		return insertAfter(lines, key.Line-1, entryText(e, ind+"  ", ind+"    ")), OpAdded, nil
	case seq.Style&yaml.FlowStyle != 0 || len(seq.Content) == 0:
		return nil, "", fmt.Errorf("%s:%d: members is a flow list ([...]); add the entry by hand", name, seq.Line)
	}
	last := seq.Content[len(seq.Content)-1]
	dash := leading(lines[last.Line-1])
	keyInd := dash + 2
	if last.Kind == yaml.MappingNode && last.Style&yaml.FlowStyle == 0 && last.Column-1 > dash {
		keyInd = last.Column - 1
	}
	_, end := prune.ItemRange(lines, seq, len(seq.Content)-1, next)
	text := entryText(e, strings.Repeat(" ", dash), strings.Repeat(" ", keyInd))
	return insertAfter(lines, end, text), OpAdded, nil
}

// same: item is a direct entry for the same user (or role) as e.
func same(item *yaml.Node, e Entry) bool {
	if item.Kind != yaml.MappingNode {
		return false
	}
	for i := 0; i+1 < len(item.Content); i += 2 {
		k, v := item.Content[i].Value, item.Content[i+1]
		if v.Kind != yaml.ScalarNode {
			continue
		}
		if (k == "user" && e.User != "" && v.Value == e.User) || (k == "role" && e.Role != "" && v.Value == e.Role) {
			return true
		}
	}
	return false
}

// extend replaces the until (and reason) values of an existing entry in
// place, or adds the missing keys as lines after the entry's last key.
func extend(name string, lines []string, item *yaml.Node, e Entry) ([]byte, error) {
	if item.Style&yaml.FlowStyle != 0 {
		return nil, fmt.Errorf("%s:%d: the existing entry is written in flow style ({...}); change it by hand", name, item.Line)
	}
	var until, reason, lastVal *yaml.Node
	keyInd := item.Column - 1
	for i := 0; i+1 < len(item.Content); i += 2 {
		k, v := item.Content[i], item.Content[i+1]
		switch k.Value {
		case "until":
			until = v
		case "reason":
			reason = v
		}
		lastVal = v
	}
	who := entryName(e)
	switch {
	case e.Until == nil && until == nil:
		return nil, fmt.Errorf("%s:%d: %s is already a member with no end", name, item.Line, who)
	case e.Until == nil:
		return nil, fmt.Errorf("%s:%d: %s is already a member until %s; request an until, or remove the end by hand", name, until.Line, who, until.Value)
	case until == nil:
		return nil, fmt.Errorf("%s:%d: %s is already a member with no end", name, item.Line, who)
	}
	var add []string
	if err := replaceScalar(lines, until, formatTime(*e.Until)); err != nil {
		return nil, fmt.Errorf("%s:%d: %w", name, until.Line, err)
	}
	if e.Reason != "" {
		if reason != nil {
			if err := replaceScalar(lines, reason, quote(e.Reason)); err != nil {
				return nil, fmt.Errorf("%s:%d: %w", name, reason.Line, err)
			}
		} else {
			add = append(add, strings.Repeat(" ", keyInd)+"reason: "+quote(e.Reason)+"\n")
		}
	}
	if len(add) > 0 {
		if lastVal.Kind != yaml.ScalarNode || lastVal.Style&(yaml.LiteralStyle|yaml.FoldedStyle) != 0 {
			return nil, fmt.Errorf("%s:%d: the existing entry ends in a value this edit does not handle; change it by hand", name, item.Line)
		}
		return insertAfter(lines, lastVal.Line-1, strings.Join(add, "")), nil
	}
	return []byte(strings.Join(lines, "")), nil
}

// replaceScalar swaps the written form of the one-line scalar v for text.
// It cuts the token where yaml.v3 says it starts and checks that the cut
// decodes to v's value, so an unexpected layout is refused, never mangled.
func replaceScalar(lines []string, v *yaml.Node, text string) error {
	if v.Kind != yaml.ScalarNode || v.Style&(yaml.LiteralStyle|yaml.FoldedStyle) != 0 {
		return fmt.Errorf("the value is not a one-line scalar; change it by hand")
	}
	l := lines[v.Line-1]
	start := v.Column - 1
	if start >= len(l) {
		return fmt.Errorf("the value is not where the parser says; change it by hand")
	}
	end := tokenEnd(l, start, v.Style)
	if end < 0 {
		return fmt.Errorf("the value continues on the next line; change it by hand")
	}
	var got string
	if err := yaml.Unmarshal([]byte("v: "+l[start:end]), &struct {
		V *string `yaml:"v"`
	}{V: &got}); err != nil || got != v.Value {
		return fmt.Errorf("the value is written in a form this edit does not handle; change it by hand")
	}
	lines[v.Line-1] = l[:start] + text + l[end:]
	return nil
}

// tokenEnd is the byte offset just after the scalar that starts at start,
// -1 when it does not end on this line.
func tokenEnd(l string, start int, style yaml.Style) int {
	body := strings.TrimRight(l, "\r\n")
	switch {
	case style&yaml.DoubleQuotedStyle != 0:
		for i := start + 1; i < len(body); i++ {
			switch body[i] {
			case '\\':
				i++
			case '"':
				return i + 1
			}
		}
		return -1
	case style&yaml.SingleQuotedStyle != 0:
		for i := start + 1; i < len(body); i++ {
			if body[i] == '\'' {
				if i+1 < len(body) && body[i+1] == '\'' {
					i++
					continue
				}
				return i + 1
			}
		}
		return -1
	}
	end := len(body)
	if i := strings.Index(body[start:], " #"); i >= 0 {
		end = start + i
	}
	return len(strings.TrimRight(body[:end], " \t"))
}

// entryText is the new entry's lines: the dash at dash, keys at keys.
func entryText(e Entry, dash, keys string) string {
	var b strings.Builder
	if e.User != "" {
		b.WriteString(dash + "- user: " + quote(e.User) + "\n")
	} else {
		b.WriteString(dash + "- role: " + quote(e.Role) + "\n")
	}
	if e.Until != nil {
		b.WriteString(keys + "until: " + formatTime(*e.Until) + "\n")
	}
	if e.Reason != "" {
		b.WriteString(keys + "reason: " + quote(e.Reason) + "\n")
	}
	return b.String()
}

func entryName(e Entry) string {
	if e.User != "" {
		return "user " + e.User
	}
	return "role " + e.Role
}

// formatTime writes a date when t is midnight UTC, else RFC 3339 in UTC.
func formatTime(t time.Time) string {
	t = t.UTC()
	if t.Hour() == 0 && t.Minute() == 0 && t.Second() == 0 && t.Nanosecond() == 0 {
		return t.Format("2006-01-02")
	}
	return t.Format(time.RFC3339)
}

// quote writes s as a YAML scalar that can only ever be one string value:
// plain when it is a harmless word, else double-quoted with every quote,
// backslash, line break and control character escaped. Text from an issue
// form passes through here, so it cannot close the string, start a key or
// a new entry, or carry a tag or an anchor.
func quote(s string) string {
	if plainSafe(s) {
		return s
	}
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\r':
			b.WriteString(`\r`)
		case r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) || r == 0x2028 || r == 0x2029 || r == 0xfeff || !unicode.IsPrint(r) && r != ' ':
			if r <= 0xffff {
				fmt.Fprintf(&b, `\u%04x`, r)
			} else {
				fmt.Fprintf(&b, `\U%08x`, r)
			}
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// plainSafe: letters, digits, single spaces and . _ - , / ( ) only, not
// starting with a sign, dot or space nor ending with a space, and not a
// word YAML would read as something other than this string.
func plainSafe(s string) bool {
	if s == "" || strings.ContainsAny(s[:1], "-. ") || strings.HasSuffix(s, " ") || strings.Contains(s, "  ") {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("._-,/() ", r)) {
			return false
		}
	}
	switch strings.ToLower(s) {
	case "y", "n", "yes", "no", "on", "off": // booleans to YAML 1.1 readers
		return false
	}
	var v any
	if err := yaml.Unmarshal([]byte(s), &v); err != nil {
		return false
	}
	str, ok := v.(string)
	return ok && str == s
}

// insertAfter inserts text after line idx (0-based), with the file's own
// line ending (a file written on Windows keeps its CRLF).
func insertAfter(lines []string, idx int, text string) []byte {
	nl := "\n"
	if len(lines) > 0 && strings.HasSuffix(lines[0], "\r\n") {
		nl = "\r\n"
		text = strings.ReplaceAll(text, "\n", nl)
	}
	var b strings.Builder
	for i, l := range lines {
		b.WriteString(l)
		if i == idx {
			if !strings.HasSuffix(l, "\n") {
				b.WriteString(nl)
			}
			b.WriteString(text)
		}
	}
	if idx < 0 || idx >= len(lines) {
		b.WriteString(text)
	}
	return []byte(b.String())
}

func leading(line string) int { return len(line) - len(strings.TrimLeft(line, " ")) }

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
