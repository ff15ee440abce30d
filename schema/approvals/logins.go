package approvals

import (
	"fmt"
	"sort"
	"strings"

	"github.com/access-as-code/access/schema"
)

// Logins maps GitHub logins to the people of one users.yaml (the base
// revision's, so that a pull request cannot claim a reviewer's login for
// someone else). GitHub compares logins without regard to case, and so
// does Logins.
type Logins struct {
	people map[string][]string // lower-case login -> user ids claiming it
}

// NewLogins indexes the github field of cfg's users.
func NewLogins(cfg *schema.Config) *Logins {
	l := &Logins{people: map[string][]string{}}
	if cfg == nil {
		return l
	}
	for _, u := range cfg.Users {
		if u == nil || strings.TrimSpace(u.GitHub) == "" {
			continue
		}
		k := strings.ToLower(strings.TrimSpace(u.GitHub))
		l.people[k] = append(l.people[k], u.ID)
	}
	return l
}

// Person is the user id whose github field is login. A login nobody
// claims, or that two or more people claim (users.yaml validation refuses
// that, but a base revision is read as it is), is an error: it must count
// for nobody, never for one of the claimants picked at random.
func (l *Logins) Person(login string) (string, error) {
	ids := l.people[strings.ToLower(strings.TrimSpace(login))]
	switch len(ids) {
	case 0:
		return "", fmt.Errorf("GitHub login %q: no users.yaml entry has it as github", login)
	case 1:
		return ids[0], nil
	default:
		sorted := append([]string(nil), ids...)
		sort.Strings(sorted)
		return "", fmt.Errorf("GitHub login %q: claimed by %s in users.yaml; it counts for nobody until one entry is fixed", login, strings.Join(sorted, ", "))
	}
}

// People maps the pull request's author and approvers to user ids, for
// Input.Author and Input.ApprovedBy. A login that maps to nobody is left
// out (the author then is "") and its reason returned, one error each.
func (l *Logins) People(author string, approvers []string) (authorID string, approvedBy []string, ignored []error) {
	if author != "" {
		id, err := l.Person(author)
		if err != nil {
			ignored = append(ignored, fmt.Errorf("author: %w", err))
		}
		authorID = id
	}
	seen := map[string]bool{}
	for _, login := range approvers {
		id, err := l.Person(login)
		if err != nil {
			ignored = append(ignored, fmt.Errorf("approval ignored: %w", err))
			continue
		}
		if !seen[id] {
			seen[id] = true
			approvedBy = append(approvedBy, id)
		}
	}
	return authorID, approvedBy, ignored
}
