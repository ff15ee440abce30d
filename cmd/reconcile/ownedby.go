package main

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/access-as-code/access/schema/query"
)

func newOwnedByCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "owned-by USER",
		Short: "The groups, roles and apps USER administers (approves changes to)",
		Long: `owned-by answers "which roles and groups do I administer?": everything USER
owns by name, as a member of an owning role, or as an owner of a group's app.
Owners approve the pull requests that change what they own. access.yaml
admins may approve everything; owned-by says so.

USER is any identifier from users.yaml.`,
		Example: `  # what does bob approve?
  reconcile owned-by bob

  # as JSON
  reconcile owned-by bob@example.com --format json`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkQueryFormat(a.format); err != nil {
				return err
			}
			now, err := a.now()
			if err != nil {
				return err
			}
			cfg, d, err := loadQueryState(a, now)
			if err != nil {
				return err
			}
			res, err := query.OwnedBy(cfg, d, args[0])
			if err != nil {
				return err
			}
			if a.format == "json" {
				return writeJSON(a.stdout, res)
			}
			if res.Admin {
				fmt.Fprintf(a.stdout, "%s is an admin (access.yaml admins): may approve changes to every group, role and app.\n\n", res.User.ID)
			}
			t := table{title: "Owned by " + res.User.ID, head: []string{"KIND", "NAME", "VIA"}, empty: "owns nothing by name, role or app"}
			add := func(kind string, items []query.OwnedItem) {
				for _, it := range items {
					var via []string
					for _, v := range it.Via {
						via = append(via, v.String())
					}
					t.rows = append(t.rows, []string{kind, it.Name, strings.Join(via, ", ")})
				}
			}
			add("app", res.Apps)
			add("role", res.Roles)
			add("group", res.Groups)
			return writeTables(a.stdout, a.format, t)
		},
	}
}
