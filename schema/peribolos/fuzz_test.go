package peribolos

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/access-as-code/access/schema"
)

// FuzzParse: any input either fails with positioned errors, or converts to
// an access-config that the validator accepts (or a conversion error).
func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join(excerpt, "*", "*", "teams.yaml"))
	orgFiles, _ := filepath.Glob(filepath.Join(excerpt, "*", "org.yaml"))
	for _, p := range append(files, orgFiles...) {
		if b, err := os.ReadFile(p); err == nil {
			// As one org of a full config: indent under orgs: NAME:.
			f.Add(append([]byte("orgs:\n  acme:\n"), indent(b, "    ")...))
		}
	}
	f.Add([]byte("orgs:\n  acme:\n    admins: [alice]\n    members: [bob]\n    teams:\n      t:\n        maintainers: [alice]\n        members: [bob]\n        teams:\n          c:\n            members: [carol]\n"))
	f.Add([]byte("orgs:\n  acme:\n    admins: [alice]\n    teams:\n      members:\n        members: [bob]\n      admins:\n        members: [a_b]\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		orgs, err := Parse("p.yaml", data)
		if err != nil {
			for _, e := range unwrap(err) {
				var se *schema.Error
				if !errors.As(e, &se) || se.File != "p.yaml" || se.Msg == "" {
					t.Fatalf("error without place: %v", e)
				}
			}
			return
		}
		res, err := Convert(orgs)
		if err != nil {
			return
		}
		if _, err := schema.Check(res.FS(), now); err != nil {
			t.Fatalf("the import does not validate: %v\ninput:\n%s", err, data)
		}
	})
}

func unwrap(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}

func indent(b []byte, pre string) []byte {
	var out []byte
	line := true
	for _, c := range b {
		if line && c != '\n' {
			out = append(out, pre...)
		}
		out = append(out, c)
		line = c == '\n'
	}
	return out
}
