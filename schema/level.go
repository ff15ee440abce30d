package schema

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// AccessLevel is a GitLab access level by name. The numeric values are
// GitLab's own (docs: api/members.md, "Roles").
type AccessLevel string

// The GitLab access levels a group file may name.
const (
	Guest      AccessLevel = "guest"
	Reporter   AccessLevel = "reporter"
	Developer  AccessLevel = "developer"
	Maintainer AccessLevel = "maintainer"
	Owner      AccessLevel = "owner"
)

var levelValues = map[AccessLevel]int{Guest: 10, Reporter: 20, Developer: 30, Maintainer: 40, Owner: 50}

// AccessLevels lists the valid names, lowest first.
func AccessLevels() []AccessLevel {
	return []AccessLevel{Guest, Reporter, Developer, Maintainer, Owner}
}

// Value is GitLab's numeric access level, 0 when the name is unknown.
func (a AccessLevel) Value() int { return levelValues[a] }

// Valid reports whether a names a GitLab access level.
func (a AccessLevel) Valid() bool { return levelValues[a] != 0 }

// LevelFromValue maps GitLab's numeric level back to a name; levels between
// the named ones (such as 5, minimal access) round down, below guest is "".
func LevelFromValue(v int) AccessLevel {
	var best AccessLevel
	for _, l := range AccessLevels() {
		if levelValues[l] <= v {
			best = l
		}
	}
	return best
}

// Duration is a length of time written as Go durations ("36h") or with a
// day suffix ("90d", "7d12h").
type Duration time.Duration

// ParseDuration accepts Go durations plus a leading whole-days "Nd" part.
func ParseDuration(s string) (Duration, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, fmt.Errorf("empty duration")
	}
	var days int64
	if i := strings.IndexByte(s, 'd'); i > 0 {
		n, err := strconv.ParseInt(s[:i], 10, 32)
		if err != nil || n < 0 {
			return 0, fmt.Errorf("invalid duration %q: want e.g. 90d, 36h or 7d12h", s)
		}
		days, s = n, s[i+1:]
	}
	var rest time.Duration
	if s != "" {
		d, err := time.ParseDuration(s)
		if err != nil || d < 0 {
			return 0, fmt.Errorf("invalid duration %q: want e.g. 90d, 36h or 7d12h", s)
		}
		rest = d
	}
	return Duration(time.Duration(days)*24*time.Hour + rest), nil
}

// String renders whole days as "Nd", otherwise Go's form.
func (d Duration) String() string {
	td := time.Duration(d)
	if td > 0 && td%(24*time.Hour) == 0 {
		return fmt.Sprintf("%dd", td/(24*time.Hour))
	}
	return td.String()
}

// MarshalText writes the String form, so JSON output reads like the YAML.
func (d Duration) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// ParseTime accepts a date (YYYY-MM-DD, meaning the start of that day in UTC)
// or an RFC 3339 time.
func ParseTime(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if t, err := time.Parse("2006-01-02", s); err == nil {
		return t, nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("invalid time %q: want a date (2026-12-31) or an RFC 3339 time (2026-12-31T18:00:00Z)", s)
	}
	return t, nil
}
