package schema

import (
	"io/fs"
	"os"
	"time"
)

// Check loads and validates the config at the root of fsys: every problem of
// both steps, joined and sorted. The Config is never nil; use it only when
// the error is nil.
func Check(fsys fs.FS, now time.Time) (*Config, error) {
	c, lerr := Load(fsys)
	verr := c.Validate(now)
	if lerr == nil && verr == nil {
		return c, nil
	}
	errs := append(Errors(lerr), Errors(verr)...)
	return c, joinSorted(dedupe(errs))
}

// CheckDir is Check on directory dir.
func CheckDir(dir string, now time.Time) (*Config, error) { return Check(os.DirFS(dir), now) }
