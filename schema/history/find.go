package history

import (
	"bytes"
	"context"
	"fmt"

	"github.com/go-git/go-git/v5/plumbing"

	"github.com/access-as-code/access/schema/gitrev"
)

// Found is what a name denoted somewhere in the history: a group file of
// that name (Group) and a person matched by person (User, their id).
type Found struct {
	Group string
	User  string
	// Older is set when the search stopped at the person, newest first,
	// without looking for a group in older commits: walk the person with
	// Options.Group set to the name to learn the rest.
	Older bool
}

// Find searches HEAD's first-parent history for a name unknown at HEAD, as
// an auditor types a departed person's or a deleted group's name: a group
// whose file was groups/NAME.yaml, and a person of users.yaml that person
// matches (given each version of users.yaml that contains name; it returns
// the person's id). The whole history is searched for a group, so that a
// name that was both is reported as both; users.yaml is searched newest
// first, and the search stops at the person.
func Find(ctx context.Context, repo *gitrev.Repo, name string, person func(users []byte) (id string, ok bool)) (Found, error) {
	var found Found
	w, err := newWalker(repo)
	if err != nil {
		return found, err
	}
	defer w.close()
	c, err := repo.Resolve("HEAD")
	if err != nil {
		return found, err
	}
	var lastGroups, lastUsers plumbing.Hash
	key := []byte(name)
	if len(key) == 0 {
		return found, nil
	}
	for c != nil {
		if err := ctx.Err(); err != nil {
			return found, err
		}
		tree, err := w.configTree(c)
		if err != nil {
			return found, err
		}
		if tree != nil {
			if h, ok := tree.dir("groups"); ok && found.Group == "" && h != lastGroups {
				lastGroups = h
				g, err := w.rawTree(h)
				if err != nil {
					return found, fmt.Errorf("history: commit %.12s: %w", c.Hash, err)
				}
				if !g.find(name).IsZero() {
					found.Group = name
				}
			}
			if h := tree.find("users"); found.User == "" && !h.IsZero() && h != lastUsers {
				lastUsers = h
				data, err := w.objs.Read(h, plumbing.BlobObject)
				if err != nil {
					return found, fmt.Errorf("history: commit %.12s: %w", c.Hash, err)
				}
				if containsFold(data, key) {
					if id, ok := person(data); ok {
						found.User = id
					}
				}
			}
		}
		if found.User != "" {
			found.Older = found.Group == "" && c.NumParents() > 0
			break
		}
		if c.NumParents() == 0 {
			break
		}
		parent, err := c.Parent(0)
		if err != nil {
			return found, fmt.Errorf("history: parent of %.12s: %w", c.Hash, err)
		}
		c = parent
	}
	return found, nil
}

// containsFold reports whether sub occurs in s, ignoring ASCII case (emails
// and logins match whatever their case), without a lowered copy of s.
func containsFold(s, sub []byte) bool {
	first := sub[0] | 0x20
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i]|0x20 == first && bytes.EqualFold(s[i:i+len(sub)], sub) {
			return true
		}
	}
	return false
}
