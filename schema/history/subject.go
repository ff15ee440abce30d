package history

import (
	"fmt"
	"io/fs"
	"strings"

	"github.com/access-as-code/access/schema"
	"github.com/access-as-code/access/schema/gitrev"
	"github.com/access-as-code/access/schema/query"
)

// ResolveSubject finds what arg names in the config at HEAD: group/NAME
// and user/ID as written (they may no longer exist), else a group file's
// name, else any identifier of a person (id, email, Okta, GitLab or GitHub
// login).
func ResolveSubject(repo *gitrev.Repo, arg string) (Subject, error) {
	if name, ok := strings.CutPrefix(arg, "group/"); ok {
		return Subject{Kind: "group", Name: name}, nil
	}
	if id, ok := strings.CutPrefix(arg, "user/"); ok {
		return Subject{Kind: "user", Name: id}, nil
	}
	head, err := repo.Resolve("HEAD")
	if err != nil {
		return Subject{}, err
	}
	fsys, err := repo.ConfigFS(head)
	if err != nil {
		return Subject{}, err
	}
	if st, err := fs.Stat(fsys, "groups/"+arg+".yaml"); err == nil && !st.IsDir() {
		return Subject{Kind: "group", Name: arg}, nil
	}
	// Only people are left to match: users.yaml alone, not the thousands of
	// group files, which would cost more than the walk on a large org.
	cfg, _ := schema.Load(usersOnly{fsys}) // lenient: only names are needed
	u, err := query.FindUser(cfg, arg)
	if err != nil {
		return Subject{}, fmt.Errorf("%w (not a group either; for names that no longer exist use group/NAME or user/ID)", err)
	}
	return Subject{Kind: "user", Name: u.ID}, nil
}

// usersOnly shows users.yaml of a config and nothing else.
type usersOnly struct{ fs.FS }

func (u usersOnly) Open(name string) (fs.File, error) {
	if name == "users.yaml" {
		return u.FS.Open(name)
	}
	return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
}
