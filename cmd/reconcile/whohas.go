package main

import (
	"fmt"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/access-as-code/access/schema"
	"github.com/access-as-code/access/schema/query"
)

func newWhoHasCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "who-has GROUP",
		Short: "List who holds a group, and how: directly or through a role, until when",
		Long: `who-has lists the effective members of a config group at --now (default: now):
direct members and members of its roles, without expired entries. For each
person it shows every path (direct, role NAME), when access ends and why.

GROUP may also name an app (all of its groups: "who has access to my
application?"), a role (its members), an Okta group, a GitLab group path
(with each person's effective level) or a GitHub org or ORG/TEAM (with each
person's role; a team's members are members of its org).`,
		Example: `  # who is in the backend group, and through which role
  reconcile who-has backend

  # who reaches GitLab's platform/backend, at which level
  reconcile who-has platform/backend --format json`,
		Args: cobra.ExactArgs(1),
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
			// compile only the groups that grant it: same answer, less work
			view, err := query.ForWhoHas(cfg, args[0])
			if err != nil {
				return err
			}
			res, err := query.WhoHas(view, schema.Compile(view, now), args[0])
			if err != nil {
				return err
			}
			if a.format == "json" {
				return writeJSON(a.stdout, res)
			}
			return writeWhoHas(a, res)
		},
	}
}

func writeWhoHas(a *app, res *query.WhoHasResult) error {
	title := fmt.Sprintf("%s (%s): %s", res.Name, res.Kind, plural(len(res.Members), "member"))
	if res.Kind != "group" {
		title += ", through " + dash(strings.Join(res.Groups, ", "))
	}
	head := []string{"USER", "NAME", "VIA", "UNTIL", "REASON"}
	switch res.Kind {
	case "gitlab":
		head = []string{"USER", "NAME", "LEVEL", "VIA", "UNTIL", "REASON"}
	case "github":
		head = []string{"USER", "NAME", "ROLE", "VIA", "UNTIL", "REASON"}
	}
	t := table{title: title, head: head, empty: "nobody holds it at " + res.At.UTC().Format("2006-01-02 15:04 MST")}
	withGroup := res.Kind != "group" && res.Kind != "role"
	for _, h := range res.Members {
		var how, why []string
		for _, v := range h.Via {
			how = append(how, v.Describe(withGroup))
			if v.Reason != "" && !slices.Contains(why, v.Reason) {
				why = append(why, v.Reason)
			}
		}
		row := []string{h.User.ID, dash(h.User.Name), strings.Join(how, ", "), fmtUntil(h.Until), dash(strings.Join(why, "; "))}
		if res.Kind == "gitlab" || res.Kind == "github" {
			row = append(row[:2], append([]string{h.Level}, row[2:]...)...)
		}
		t.rows = append(t.rows, row)
	}
	return writeTables(a.stdout, a.format, t)
}
