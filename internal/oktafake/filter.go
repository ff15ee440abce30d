package oktafake

import (
	"fmt"
	"strings"
)

// expr is a parsed Okta filter or search expression: a disjunction of
// conjunctions of `attribute operator "value"` terms, the subset of SCIM
// filtering Okta documents for the `filter` and `search` parameters
// (Users API "List all users", Groups API "List all groups"). Parentheses
// and `not` are not modelled; they answer 400 E0000031 like any expression
// the real API rejects.
type expr [][]term

type term struct {
	attr, op, value string
}

// parseExpr reads e.g. `profile.login eq "a@x" or profile.login eq "b@x"`.
func parseExpr(s string) (expr, error) {
	toks, err := tokenize(s)
	if err != nil {
		return nil, err
	}
	var out expr
	var cur []term
	for i := 0; i < len(toks); {
		if len(toks)-i < 3 {
			return nil, fmt.Errorf("incomplete term at %q", strings.Join(toks[i:], " "))
		}
		t := term{attr: toks[i], op: strings.ToLower(toks[i+1]), value: toks[i+2]}
		switch t.op {
		case "eq", "sw":
		default:
			return nil, fmt.Errorf("unsupported operator %q", toks[i+1])
		}
		if !strings.HasPrefix(t.value, "\"") {
			return nil, fmt.Errorf("value of %s must be a quoted string", t.attr)
		}
		t.value = t.value[1:]
		cur = append(cur, t)
		i += 3
		if i == len(toks) {
			break
		}
		switch strings.ToLower(toks[i]) {
		case "and":
		case "or":
			out = append(out, cur)
			cur = nil
		default:
			return nil, fmt.Errorf("expected and/or, got %q", toks[i])
		}
		i++
		if i == len(toks) {
			return nil, fmt.Errorf("expression ends with an operator")
		}
	}
	if len(cur) == 0 {
		return nil, fmt.Errorf("empty expression")
	}
	return append(out, cur), nil
}

// tokenize splits on spaces outside double quotes; a quoted token keeps a
// leading quote as a marker and loses the closing one; \" escapes a quote.
func tokenize(s string) ([]string, error) {
	var toks []string
	for i := 0; i < len(s); {
		switch {
		case s[i] == ' ':
			i++
		case s[i] == '"':
			var b strings.Builder
			b.WriteByte('"')
			i++
			for ; i < len(s) && s[i] != '"'; i++ {
				if s[i] == '\\' && i+1 < len(s) {
					i++
				}
				b.WriteByte(s[i])
			}
			if i == len(s) {
				return nil, fmt.Errorf("unterminated string")
			}
			i++
			toks = append(toks, b.String())
		default:
			j := i
			for j < len(s) && s[j] != ' ' {
				j++
			}
			toks = append(toks, s[i:j])
			i = j
		}
	}
	return toks, nil
}

// match evaluates the expression against an object's attributes. String
// comparison is case-insensitive, as Okta's is for logins, emails and
// group names.
func (e expr) match(attr func(string) (string, bool)) bool {
	for _, conj := range e {
		all := true
		for _, t := range conj {
			v, ok := attr(t.attr)
			if !ok {
				all = false
				break
			}
			if t.op == "eq" && !strings.EqualFold(v, t.value) ||
				t.op == "sw" && (len(v) < len(t.value) || !strings.EqualFold(v[:len(t.value)], t.value)) {
				all = false
				break
			}
		}
		if all {
			return true
		}
	}
	return false
}

// mentions reports whether any term tests attr (e.g. "status").
func (e expr) mentions(attr string) bool {
	for _, conj := range e {
		for _, t := range conj {
			if t.attr == attr {
				return true
			}
		}
	}
	return false
}

func (u *user) attr(name string) (string, bool) {
	switch name {
	case "id":
		return u.id, true
	case "status":
		return u.status, true
	case "profile.login":
		return u.login, true
	case "profile.email":
		return u.email, true
	case "profile.firstName":
		return firstName(u.login), true
	case "profile.lastName":
		return "Fake", true
	}
	return "", false
}

func (g *group) attr(name string) (string, bool) {
	switch name {
	case "id":
		return g.id, true
	case "type":
		return g.typ, true
	case "profile.name":
		return g.name, true
	case "profile.description":
		return g.description, true
	}
	return "", false
}

func firstName(login string) string {
	if i := strings.IndexAny(login, "@."); i > 0 {
		return login[:i]
	}
	return login
}
