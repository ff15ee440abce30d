package main

import (
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/access-as-code/access/schema"
	"github.com/access-as-code/access/schema/query"
)

func newListCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "list groups|roles|apps",
		Short: "What groups, roles and apps exist, with owners, members and targets",
		Long: `list answers "what groups and roles are available?" and "who do I ask?".
groups: each config group with its app, owners, number of effective members,
Okta group and GitLab groups with levels. roles: owners, members, the groups
each role grants. apps: owners and the groups of the app.

To get access, open a pull request that adds you to the group's or role's
file; its owners are asked to review it.`,
		Example: `  # which groups exist and who owns them?
  reconcile list groups

  # roles as JSON
  reconcile list roles --format json`,
		ValidArgs: query.ListKinds,
		Args:      cobra.ExactArgs(1),
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
			res, err := query.List(cfg, d, args[0])
			if err != nil {
				return err
			}
			if a.format == "json" {
				return writeJSON(a.stdout, res)
			}
			return writeTables(a.stdout, a.format, listTable(res))
		},
	}
}

func listTable(res *query.ListResult) table {
	switch res.Kind {
	case "groups":
		t := table{head: []string{"GROUP", "APP", "OWNERS", "MEMBERS", "OKTA", "GITLAB", "GITHUB", "DESCRIPTION"}, empty: "no groups"}
		for _, g := range res.Groups {
			var gl, gh []string
			for _, x := range g.GitLab {
				gl = append(gl, x.Group+" ("+x.Access+")")
			}
			for _, x := range g.GitHub {
				name := x.Org
				if x.Team != "" {
					name += "/" + x.Team
				}
				gh = append(gh, name+" ("+x.Role+")")
			}
			t.rows = append(t.rows, []string{g.Name, dash(g.App), refs(g.Owners), strconv.Itoa(g.Members),
				dash(g.Okta), dash(strings.Join(gl, ", ")), dash(strings.Join(gh, ", ")), dash(g.Description)})
		}
		return t
	case "roles":
		t := table{head: []string{"ROLE", "OWNERS", "MEMBERS", "GRANTS GROUPS", "DESCRIPTION"}, empty: "no roles"}
		for _, r := range res.Roles {
			t.rows = append(t.rows, []string{r.Name, refs(r.Owners), strconv.Itoa(r.Members), dash(strings.Join(r.Groups, ", ")), dash(r.Description)})
		}
		return t
	}
	t := table{head: []string{"APP", "OWNERS", "GROUPS", "DESCRIPTION"}, empty: "no apps"}
	for _, ap := range res.Apps {
		t.rows = append(t.rows, []string{ap.Name, refs(ap.Owners), dash(strings.Join(ap.Groups, ", ")), dash(ap.Description)})
	}
	return t
}

func refs(rs []schema.Ref) string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = query.RefString(r)
	}
	return dash(strings.Join(out, ", "))
}
