package schema

import (
	"errors"
	"fmt"
	"sort"
)

// Error is one problem in the config, at a position. Validation returns every
// Error it finds, joined with errors.Join and sorted by file, line and column;
// use Errors to get them back as a slice.
type Error struct {
	Pos
	Field string // the YAML key concerned, dotted from the document root ("members[2].until"); may be empty
	Msg   string
}

func (e *Error) Error() string {
	loc := e.File
	if e.Line > 0 {
		loc = fmt.Sprintf("%s:%d:%d", e.File, e.Line, e.Col)
	}
	if loc == "" {
		loc = "(config)"
	}
	if e.Field != "" {
		return fmt.Sprintf("%s: %s: %s", loc, e.Field, e.Msg)
	}
	return fmt.Sprintf("%s: %s", loc, e.Msg)
}

// Errorf makes an *Error at pos.
func Errorf(pos Pos, field, format string, args ...any) *Error {
	return &Error{Pos: pos, Field: field, Msg: fmt.Sprintf(format, args...)}
}

// Errors unwraps err (an errors.Join of *Error, possibly nested) into its
// *Error parts, in order. Errors that are not *Error are returned as
// position-less *Error values so callers can print them uniformly.
func Errors(err error) []*Error {
	if err == nil {
		return nil
	}
	var out []*Error
	var walk func(error)
	walk = func(e error) {
		var se *Error
		if errors.As(e, &se) && se == e {
			out = append(out, se)
			return
		}
		if j, ok := e.(interface{ Unwrap() []error }); ok {
			for _, c := range j.Unwrap() {
				walk(c)
			}
			return
		}
		if errors.As(e, &se) {
			out = append(out, se)
			return
		}
		out = append(out, &Error{Msg: e.Error()})
	}
	walk(err)
	return out
}

// joinSorted sorts errs by position and joins them; nil when empty.
func joinSorted(errs []*Error) error {
	if len(errs) == 0 {
		return nil
	}
	sort.SliceStable(errs, func(i, j int) bool {
		a, b := errs[i], errs[j]
		if a.File != b.File {
			return a.File < b.File
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		return a.Col < b.Col
	})
	es := make([]error, len(errs))
	for i, e := range errs {
		es[i] = e
	}
	return errors.Join(es...)
}
