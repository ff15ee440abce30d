package history

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"testing/fstest" // a one-file fs.FS to read one users.yaml version

	"github.com/access-as-code/access/schema"
	"github.com/access-as-code/access/schema/gitrev"
	"github.com/access-as-code/access/schema/query"
)

// ResolveSubject finds what arg names: group/NAME and user/ID as written
// (they may no longer exist), else, in the config at HEAD, a group file's
// name or any identifier of a person (id, email, Okta, GitLab or GitHub
// login), else the same in the history, as an auditor types the name of a
// person who left or of a deleted group. A name that is both a group and a
// person is an error that lists both ways to write it.
//
// watch is a group name the walk of the person must watch for
// (Options.Group): the search of the history stopped at the person without
// ruling out an older group of that name.
func ResolveSubject(ctx context.Context, repo *gitrev.Repo, arg string) (subj Subject, watch string, err error) {
	if name, ok := strings.CutPrefix(arg, "group/"); ok {
		return Subject{Kind: "group", Name: name}, "", nil
	}
	if id, ok := strings.CutPrefix(arg, "user/"); ok {
		return Subject{Kind: "user", Name: id}, "", nil
	}
	head, err := repo.Resolve("HEAD")
	if err != nil {
		return Subject{}, "", err
	}
	fsys, err := repo.ConfigFS(head)
	if err != nil {
		return Subject{}, "", err
	}
	isGroup := false
	if st, err := fs.Stat(fsys, "groups/"+arg+".yaml"); err == nil && !st.IsDir() {
		isGroup = true
	}
	// People: users.yaml alone, not the thousands of group files, which
	// would cost more than the walk on a large org.
	cfg, _ := schema.Load(usersOnly{fsys}) // lenient: only names are needed
	u, uerr := query.FindUser(cfg, arg)
	var unknown *query.UnknownError
	switch {
	case isGroup && uerr == nil:
		return Subject{}, "", Ambiguous(arg, u.ID, "")
	case isGroup:
		return Subject{Kind: "group", Name: arg}, "", nil
	case uerr == nil:
		return Subject{Kind: "user", Name: u.ID}, "", nil
	case !errors.As(uerr, &unknown):
		return Subject{}, "", uerr // ambiguous among people
	}
	found, err := Find(ctx, repo, arg, func(users []byte) (string, bool) {
		cfg, _ := schema.Load(fstest.MapFS{"users.yaml": {Data: users}})
		u, err := query.FindUser(cfg, arg)
		if err != nil {
			return "", false
		}
		return u.ID, true
	})
	switch {
	case err != nil:
		return Subject{}, "", err
	case found.Group != "" && found.User != "":
		return Subject{}, "", Ambiguous(arg, found.User, " in the history")
	case found.Group != "":
		return Subject{Kind: "group", Name: found.Group}, "", nil
	case found.User != "" && found.Older:
		return Subject{Kind: "user", Name: found.User}, arg, nil
	case found.User != "":
		return Subject{Kind: "user", Name: found.User}, "", nil
	}
	return Subject{}, "", fmt.Errorf("%w, and no group or person of that name in the history either", uerr)
}

// Ambiguous is the error for a name that is both a group and a person
// (userID): it names both ways to write it.
func Ambiguous(name, userID, where string) error {
	return fmt.Errorf("%q names both a group and a person%s: write group/%s or user/%s", name, where, name, userID)
}

// usersOnly shows users.yaml of a config and nothing else.
type usersOnly struct{ fs.FS }

func (u usersOnly) Open(name string) (fs.File, error) {
	if name == "users.yaml" {
		return u.FS.Open(name)
	}
	return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
}
