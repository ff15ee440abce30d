package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/access-as-code/access/schema/query"
)

func newCompareCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "compare USER OTHER",
		Short: "What OTHER has that USER has not, and the other way round",
		Long: `compare answers "what does a teammate have that I don't?". It lists, in both
directions, the config groups, roles and apps one person holds and the other
does not, and the targets: Okta groups, and GitLab groups where one person's
effective level is higher than the other's (or the other has none).

USER and OTHER are any identifiers from users.yaml.`,
		Example: `  # what does bob have that alice has not (and back)?
  reconcile compare alice bob

  # the same, for a script
  reconcile compare alice@example.com bob --format json`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkQueryFormat(a.format); err != nil {
				return err
			}
			now, err := a.now()
			if err != nil {
				return err
			}
			cfg, err := loadQueryConfig(a, now)
			if err != nil {
				return err
			}
			view, d, err := query.CompileFor(cfg, now, args[0], args[1])
			if err != nil {
				return err
			}
			res, err := query.Compare(view, d, args[0], args[1])
			if err != nil {
				return err
			}
			if a.format == "json" {
				return writeJSON(a.stdout, res)
			}
			return writeTables(a.stdout, a.format,
				diffTable(fmt.Sprintf("What %s has that %s has not", res.Other.ID, res.User.ID), res.OtherOnly, res.User.ID),
				diffTable(fmt.Sprintf("What %s has that %s has not", res.User.ID, res.Other.ID), res.UserOnly, res.Other.ID))
		},
	}
}

func diffTable(title string, d query.Difference, compared string) table {
	t := table{title: title, head: []string{"KIND", "NAME", "DETAIL"}, empty: "nothing"}
	for _, g := range d.Groups {
		t.rows = append(t.rows, []string{"group", g, ""})
	}
	for _, r := range d.Roles {
		t.rows = append(t.rows, []string{"role", r, ""})
	}
	for _, ap := range d.Apps {
		t.rows = append(t.rows, []string{"app", ap, ""})
	}
	for _, o := range d.Okta {
		t.rows = append(t.rows, []string{"okta", o, ""})
	}
	for _, l := range d.GitLab {
		detail := l.Level + " (" + compared + ": none)"
		if l.ComparedLevel != "" {
			detail = l.Level + " (" + compared + ": " + l.ComparedLevel + ")"
		}
		t.rows = append(t.rows, []string{"gitlab", l.Group, detail})
	}
	for _, l := range d.GitHub {
		detail := l.Level + " (" + compared + ": none)"
		if l.ComparedLevel != "" {
			detail = l.Level + " (" + compared + ": " + l.ComparedLevel + ")"
		}
		t.rows = append(t.rows, []string{"github", l.Group, detail})
	}
	return t
}
