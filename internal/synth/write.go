package synth

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// Write writes the org as an access-config directory. dir must be empty or
// not exist yet, so that a generated org never mixes with other files.
func (org *Org) Write(dir string) error {
	if ents, err := os.ReadDir(dir); err == nil && len(ents) > 0 {
		return fmt.Errorf("synth: %s is not empty: generate into a new directory", dir)
	}
	for _, sub := range []string{"groups", "roles", "apps"} {
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o755); err != nil {
			return fmt.Errorf("synth: %w", err)
		}
	}
	errs := []error{
		writeFile(filepath.Join(dir, "access.yaml"), org.writeSettings),
		writeFile(filepath.Join(dir, "users.yaml"), org.writeUsers),
	}
	for i := range org.Apps {
		a := &org.Apps[i]
		errs = append(errs, writeFile(filepath.Join(dir, "apps", a.Name+".yaml"), func(w io.Writer) {
			fmt.Fprintf(w, "description: %s\n", a.Description)
			org.writeOwners(w, a.Owners)
		}))
	}
	for i := range org.Roles {
		ro := &org.Roles[i]
		errs = append(errs, writeFile(filepath.Join(dir, "roles", ro.Name+".yaml"), func(w io.Writer) {
			fmt.Fprintf(w, "description: %s\n", ro.Description)
			org.writeOwners(w, ro.Owners)
			org.writeMembers(w, ro.Members)
		}))
	}
	for i := range org.Groups {
		g := &org.Groups[i]
		errs = append(errs, writeFile(filepath.Join(dir, "groups", g.Name+".yaml"), func(w io.Writer) { org.writeGroup(w, g) }))
	}
	return errors.Join(errs...)
}

func writeFile(path string, body func(io.Writer)) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("synth: %w", err)
	}
	bw := bufio.NewWriterSize(f, 64<<10)
	body(bw)
	if err := bw.Flush(); err != nil {
		f.Close()
		return fmt.Errorf("synth: writing %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("synth: writing %s: %w", path, err)
	}
	return nil
}

func (org *Org) writeSettings(w io.Writer) {
	fmt.Fprintf(w, "# Synthetic org: %d users, %d groups, %d roles, %d apps, %d membership entries, seed %d.\n",
		org.Opts.Users, org.Opts.Groups, org.Opts.Roles, org.Opts.Apps, org.Opts.Memberships, org.Opts.Seed)
	fmt.Fprint(w, "okta:\n  org_url: https://synth.okta.example\ngitlab:\n  url: https://gitlab.synth.example\n")
	ids := make([]string, len(org.Admins))
	for i, a := range org.Admins {
		ids[i] = org.Users[a].ID
	}
	fmt.Fprintf(w, "admins: [%s]\n", strings.Join(ids, ", "))
}

func (org *Org) writeUsers(w io.Writer) {
	fmt.Fprintln(w, "users:")
	for i, u := range org.Users {
		if org.left[i] {
			continue
		}
		fmt.Fprintf(w, "  - id: %s\n    name: %s\n    email: %s\n", u.ID, u.Name, u.Email)
		if u.GitLab != "" {
			fmt.Fprintf(w, "    gitlab: %s\n", u.GitLab)
		}
		if u.GitHub != "" {
			fmt.Fprintf(w, "    github: %s\n", u.GitHub)
		}
	}
}

func (org *Org) writeOwners(w io.Writer, owners []Owner) {
	parts := make([]string, len(owners))
	for i, o := range owners {
		if o.Role >= 0 {
			parts[i] = "{role: " + org.Roles[o.Role].Name + "}"
		} else {
			parts[i] = org.Users[o.User].ID
		}
	}
	fmt.Fprintf(w, "owners: [%s]\n", strings.Join(parts, ", "))
}

func (org *Org) writeGroup(w io.Writer, g *Group) {
	fmt.Fprintf(w, "description: %s\n", g.Description)
	if g.App != "" {
		fmt.Fprintf(w, "app: %s\n", g.App)
	}
	org.writeOwners(w, g.Owners)
	if g.Policy {
		fmt.Fprint(w, "policy:\n  max_duration: 90d\n  require_reason: true\n")
	}
	if g.Okta != "" {
		fmt.Fprintf(w, "okta:\n  group: %s\n", g.Okta)
	}
	if len(g.GitLab) > 0 {
		fmt.Fprintln(w, "gitlab:")
		for _, t := range g.GitLab {
			fmt.Fprintf(w, "  - group: %s\n    access: %s\n", t.Path, t.Access)
		}
	}
	org.writeMembers(w, g.Members)
}

func (org *Org) writeMembers(w io.Writer, ms []Entry) {
	if len(ms) == 0 {
		fmt.Fprintln(w, "members: []")
		return
	}
	fmt.Fprintln(w, "members:")
	for _, m := range ms {
		switch {
		case m.Role >= 0:
			fmt.Fprintf(w, "  - role: %s\n", org.Roles[m.Role].Name)
		case m.Until.IsZero():
			fmt.Fprintf(w, "  - %s\n", org.Users[m.User].ID)
		default:
			fmt.Fprintf(w, "  - user: %s\n    until: %s\n    reason: %s\n", org.Users[m.User].ID, m.Until.Format("2006-01-02"), m.Reason)
		}
	}
}
