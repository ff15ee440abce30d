package request

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// Form is what the issue form .github/ISSUE_TEMPLATE/access-request.yml
// asks for, as typed: every field is untrusted text.
type Form struct {
	Group, User, Until, Reason string
}

// FormLabels are the field labels of the issue form, by field id. GitHub
// renders a submitted form as markdown with one "### <label>" heading per
// field, so the labels, not the ids, are what the body carries.
var FormLabels = map[string]string{
	"group":  "Group",
	"user":   "Person",
	"until":  "Until",
	"reason": "Reason",
}

// noResponse is what GitHub writes for a field left empty.
const noResponse = "_No response_"

// MaxFormBody bounds the issue body read (GitHub's own limit on an issue
// body is 65,536 characters).
const MaxFormBody = 65536

// ParseForm reads the body GitHub renders for a submitted issue form:
//
//	### Group
//
//	backend
//
//	### Person
//
//	_No response_
//
// Headings other than the form's are ignored; a form heading given twice
// (for instance typed into the reason to shadow a field) is an error, as is
// a field that spans lines: every field is one line, so text that tries
// to continue into YAML on a second line is refused before it is encoded.
func ParseForm(body string) (Form, error) {
	if len(body) > MaxFormBody {
		return Form{}, fmt.Errorf("the issue body is longer than %d bytes", MaxFormBody)
	}
	if !utf8.ValidString(body) {
		return Form{}, fmt.Errorf("the issue body is not valid UTF-8")
	}
	byLabel := map[string]string{}
	for id, label := range FormLabels {
		byLabel[strings.ToLower(label)] = id
	}
	body = strings.ReplaceAll(body, "\r\n", "\n")
	values := map[string]*strings.Builder{}
	var cur *strings.Builder
	for _, line := range strings.Split(body, "\n") {
		if h, ok := strings.CutPrefix(line, "### "); ok {
			id, known := byLabel[strings.ToLower(strings.TrimSpace(h))]
			if !known {
				cur = nil
				continue
			}
			if values[id] != nil {
				return Form{}, fmt.Errorf("the issue body has the field %q twice; edit the issue so each field appears once", FormLabels[id])
			}
			cur = &strings.Builder{}
			values[id] = cur
			continue
		}
		if cur != nil {
			cur.WriteString(line)
			cur.WriteByte('\n')
		}
	}
	get := func(id string, oneLine bool) (string, error) {
		b := values[id]
		if b == nil {
			return "", nil
		}
		v := strings.TrimSpace(b.String())
		if v == noResponse {
			return "", nil
		}
		if oneLine && strings.ContainsAny(v, "\n\r") {
			return "", fmt.Errorf("field %q: one line expected", FormLabels[id])
		}
		return v, nil
	}
	var f Form
	var err error
	if f.Group, err = get("group", true); err != nil {
		return Form{}, err
	}
	if f.User, err = get("user", true); err != nil {
		return Form{}, err
	}
	if f.Until, err = get("until", true); err != nil {
		return Form{}, err
	}
	if f.Reason, err = get("reason", true); err != nil {
		return Form{}, err
	}
	if values["group"] == nil {
		return Form{}, fmt.Errorf("the issue body has no %q field: open the issue with the access request form", FormLabels["group"])
	}
	return f, nil
}
