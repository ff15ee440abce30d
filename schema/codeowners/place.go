package codeowners

import (
	"fmt"
	"path/filepath"

	"github.com/access-as-code/access/schema/gitrev"
)

// Place says where CODEOWNERS goes for the config in configDir and the
// prefix its patterns need. GitHub reads CODEOWNERS patterns relative to
// the repository root, so the config's place in its repository matters
// even when output names the file: output, when given, is the path;
// otherwise .github/CODEOWNERS at the root of the repository holding the
// config. Outside a repository, output is required and the prefix empty.
func Place(configDir, output string) (path, prefix string, err error) {
	repo, err := gitrev.Open(configDir)
	if err != nil {
		if output == "" {
			return "", "", fmt.Errorf("%w (or give --output)", err)
		}
		return output, "", nil
	}
	_ = repo.Close()
	if output == "" {
		output = filepath.Join(repo.Root, filepath.FromSlash(Path))
	}
	return output, repo.Prefix, nil
}
