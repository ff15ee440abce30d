package githubfake

import (
	"encoding/json"
	"fmt"
	"strconv"
)

// A small GraphQL parser for the fake: one operation (query), variable
// definitions, fields with aliases and arguments, nested selection sets.
// Fragments, directives and mutations are not used by any client of the
// fake and are refused ("Queries and mutations", graphql.org/learn).

type gqlField struct {
	alias, name string
	args        map[string]any // literal values; variables as gqlVar
	sel         []*gqlField
}

type gqlVar string

type gqlOp struct {
	vars map[string]any // default values
	sel  []*gqlField
}

type gqlLexer struct {
	src string
	pos int
}

func (l *gqlLexer) skip() {
	for l.pos < len(l.src) {
		switch c := l.src[l.pos]; {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == ',':
			l.pos++
		case c == '#':
			for l.pos < len(l.src) && l.src[l.pos] != '\n' {
				l.pos++
			}
		default:
			return
		}
	}
}

// next returns the next token: a punctuator, a name, a number or a
// quoted string (kept quoted).
func (l *gqlLexer) next() (string, error) {
	l.skip()
	if l.pos >= len(l.src) {
		return "", nil
	}
	start := l.pos
	c := l.src[l.pos]
	switch {
	case c == '.' && l.pos+2 < len(l.src) && l.src[l.pos:l.pos+3] == "...":
		l.pos += 3
	case c == '{' || c == '}' || c == '(' || c == ')' || c == ':' || c == '$' || c == '!' || c == '=' || c == '[' || c == ']' || c == '@':
		l.pos++
	case c == '"':
		l.pos++
		for l.pos < len(l.src) && l.src[l.pos] != '"' {
			if l.src[l.pos] == '\\' {
				l.pos++
			}
			l.pos++
		}
		if l.pos >= len(l.src) {
			return "", fmt.Errorf("unterminated string at %d", start)
		}
		l.pos++
	case c == '_' || c == '-' || isAlnum(c):
		l.pos++
		for l.pos < len(l.src) && (l.src[l.pos] == '_' || l.src[l.pos] == '.' || isAlnum(l.src[l.pos])) {
			l.pos++
		}
	default:
		return "", fmt.Errorf("unexpected character %q at %d", c, start)
	}
	return l.src[start:l.pos], nil
}

func isAlnum(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

func (l *gqlLexer) peek() string {
	save := l.pos
	t, _ := l.next()
	l.pos = save
	return t
}

func (l *gqlLexer) expect(want string) error {
	t, err := l.next()
	if err != nil {
		return err
	}
	if t != want {
		return fmt.Errorf("expected %q, got %q at %d", want, t, l.pos)
	}
	return nil
}

// parseGraphQL parses one query operation.
func parseGraphQL(src string) (*gqlOp, error) {
	l := &gqlLexer{src: src}
	op := &gqlOp{vars: map[string]any{}}
	switch t := l.peek(); t {
	case "query":
		_, _ = l.next()
		if t := l.peek(); t != "(" && t != "{" {
			_, _ = l.next() // operation name
		}
		if l.peek() == "(" {
			if err := parseVarDefs(l, op); err != nil {
				return nil, err
			}
		}
	case "{":
	default:
		return nil, fmt.Errorf("only query operations are supported, got %q", t)
	}
	sel, err := parseSelection(l, 0)
	if err != nil {
		return nil, err
	}
	if t := l.peek(); t != "" {
		return nil, fmt.Errorf("unexpected %q after the operation", t)
	}
	op.sel = sel
	return op, nil
}

func parseVarDefs(l *gqlLexer, op *gqlOp) error {
	_ = l.expect("(")
	for l.peek() != ")" {
		if err := l.expect("$"); err != nil {
			return err
		}
		name, err := l.next()
		if err != nil || name == "" {
			return fmt.Errorf("variable name: %v", err)
		}
		if err := l.expect(":"); err != nil {
			return err
		}
		// The type: Name, [Name], with ! anywhere.
		for t := l.peek(); t == "[" || t == "]" || t == "!" || (t != "" && t != "=" && t != "$" && t != ")"); t = l.peek() {
			_, _ = l.next()
		}
		op.vars[name] = nil
		if l.peek() == "=" {
			_, _ = l.next()
			v, err := parseValue(l, 0)
			if err != nil {
				return err
			}
			op.vars[name] = v
		}
	}
	return l.expect(")")
}

const maxDepth = 32

func parseSelection(l *gqlLexer, depth int) ([]*gqlField, error) {
	if depth > maxDepth {
		return nil, fmt.Errorf("selection nested too deep")
	}
	if err := l.expect("{"); err != nil {
		return nil, err
	}
	var out []*gqlField
	for {
		t, err := l.next()
		if err != nil {
			return nil, err
		}
		switch t {
		case "}":
			if len(out) == 0 {
				return nil, fmt.Errorf("empty selection")
			}
			return out, nil
		case "", "...", "@", "{", "(", ")", ":", "$", "!", "=", "[", "]":
			return nil, fmt.Errorf("unexpected %q in a selection at %d", t, l.pos)
		}
		f := &gqlField{name: t, alias: t}
		if l.peek() == ":" {
			_, _ = l.next()
			name, err := l.next()
			if err != nil || !isName(name) {
				return nil, fmt.Errorf("field name after alias %q", t)
			}
			f.name = name
		}
		if l.peek() == "(" {
			_, _ = l.next()
			f.args = map[string]any{}
			for l.peek() != ")" {
				name, err := l.next()
				if err != nil || !isName(name) {
					return nil, fmt.Errorf("argument name at %d", l.pos)
				}
				if err := l.expect(":"); err != nil {
					return nil, err
				}
				v, err := parseValue(l, depth)
				if err != nil {
					return nil, err
				}
				f.args[name] = v
			}
			_, _ = l.next()
		}
		if l.peek() == "{" {
			f.sel, err = parseSelection(l, depth+1)
			if err != nil {
				return nil, err
			}
		}
		out = append(out, f)
	}
}

func isName(t string) bool {
	if t == "" || !(t[0] == '_' || isAlnum(t[0])) || (t[0] >= '0' && t[0] <= '9') {
		return false
	}
	for i := 0; i < len(t); i++ {
		if !(t[i] == '_' || isAlnum(t[i])) {
			return false
		}
	}
	return true
}

func parseValue(l *gqlLexer, depth int) (any, error) {
	if depth > maxDepth {
		return nil, fmt.Errorf("value nested too deep")
	}
	t, err := l.next()
	if err != nil {
		return nil, err
	}
	switch {
	case t == "$":
		name, err := l.next()
		if err != nil || !isName(name) {
			return nil, fmt.Errorf("variable name at %d", l.pos)
		}
		return gqlVar(name), nil
	case t == "[":
		var list []any
		for l.peek() != "]" {
			if l.peek() == "" {
				return nil, fmt.Errorf("unterminated list")
			}
			v, err := parseValue(l, depth+1)
			if err != nil {
				return nil, err
			}
			list = append(list, v)
		}
		_, _ = l.next()
		return list, nil
	case len(t) > 0 && t[0] == '"':
		var s string
		if err := json.Unmarshal([]byte(t), &s); err != nil {
			return nil, fmt.Errorf("string %s: %w", t, err)
		}
		return s, nil
	case t == "true" || t == "false":
		return t == "true", nil
	case t == "null":
		return nil, nil
	case len(t) > 0 && (t[0] == '-' || t[0] >= '0' && t[0] <= '9'):
		n, err := strconv.Atoi(t)
		if err != nil {
			return nil, fmt.Errorf("number %q", t)
		}
		return n, nil
	case isName(t):
		return t, nil // an enum value
	}
	return nil, fmt.Errorf("unexpected %q as a value at %d", t, l.pos)
}
