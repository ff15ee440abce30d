package main

import (
	"fmt"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/access-as-code/access/schema"
	"github.com/access-as-code/access/schema/gitrev"
	"github.com/access-as-code/access/schema/query"
)

func newAccessOfCmd(a *app) *cobra.Command {
	var atFlag string
	cmd := &cobra.Command{
		Use:   "access-of USER",
		Short: "Everything a person has: groups, roles, apps, Okta groups, GitLab levels, GitHub roles",
		Long: `access-of answers "what do I have access to?": every config group USER holds
(and whether directly or through a role, until when), their roles and apps,
the Okta groups they are put in, each GitLab group with the highest level
any of their groups grants, and each GitHub org and team with its role.

USER is any identifier from users.yaml: id, email, Okta login, GitLab or
GitHub username. With --at, the config is read from the last git commit at or
before that date and evaluated at that instant: "what did they have then?".`,
		Example: `  # what do I have access to?
  reconcile access-of alice@example.com

  # what did alice have on the first of March (from git history)?
  reconcile access-of alice --at 2026-03-01 --format json`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkQueryFormat(a.format); err != nil {
				return err
			}
			var (
				cfg    *schema.Config
				d      *schema.Desired
				commit *gitrev.Commit
			)
			if atFlag != "" {
				at, err := schema.ParseTime(atFlag)
				if err != nil {
					return fmt.Errorf("--at: %w", err)
				}
				fsys, c, done, err := gitrev.ConfigAt(cmd.Context(), a.configDir, at)
				if err != nil {
					return fmt.Errorf("--at %s: %w", atFlag, err)
				}
				commit = &c
				cfg, err = schema.Check(fsys, at)
				if cerr := done(); cerr != nil && err == nil {
					return fmt.Errorf("--at %s: %w", atFlag, cerr)
				}
				if err != nil {
					return invalidConfigError(fmt.Sprintf("%s at commit %.12s", a.configDir, c.Hash), err)
				}
				if cfg, d, err = query.CompileFor(cfg, at, args[0]); err != nil {
					return err
				}
			} else {
				now, err := a.now()
				if err != nil {
					return err
				}
				if cfg, err = loadQueryConfig(a, now); err != nil {
					return err
				}
				if cfg, d, err = query.CompileFor(cfg, now, args[0]); err != nil {
					return err
				}
			}
			res, err := query.AccessOf(cfg, d, args[0])
			if err != nil {
				return err
			}
			if a.format == "json" {
				return writeJSON(a.stdout, struct {
					*query.AccessResult
					Commit *gitrev.Commit `json:"commit,omitempty"`
				}{res, commit})
			}
			return writeAccessOf(a, res, commit)
		},
	}
	cmd.Flags().StringVar(&atFlag, "at", "", "a date or RFC 3339 time: use the config of the last commit at or before it, evaluated then")
	return cmd
}

func writeAccessOf(a *app, res *query.AccessResult, commit *gitrev.Commit) error {
	who := res.User.ID
	if res.User.Name != "" {
		who += " (" + res.User.Name + ")"
	}
	fmt.Fprintf(a.stdout, "%s at %s", who, res.At.UTC().Format("2006-01-02 15:04 MST"))
	if commit != nil {
		fmt.Fprintf(a.stdout, ", config of commit %.12s (%s)", commit.Hash, commit.When.UTC().Format("2006-01-02"))
	}
	fmt.Fprintln(a.stdout)
	fmt.Fprintln(a.stdout)
	groups := table{title: "Groups", head: []string{"GROUP", "APP", "VIA", "UNTIL", "REASON"}, empty: "no groups"}
	for _, g := range res.Groups {
		var how, why []string
		for _, v := range g.Via {
			how = append(how, v.Describe(false))
			if v.Reason != "" && !slices.Contains(why, v.Reason) {
				why = append(why, v.Reason)
			}
		}
		groups.rows = append(groups.rows, []string{g.Group, dash(g.App), strings.Join(how, ", "), fmtUntil(g.Until), dash(strings.Join(why, "; "))})
	}
	roles := table{title: "Roles", head: []string{"ROLE", "UNTIL", "REASON"}, empty: "no roles"}
	for _, r := range res.Roles {
		roles.rows = append(roles.rows, []string{r.Role, fmtUntil(r.Until), dash(r.Reason)})
	}
	apps := table{title: "Apps", head: []string{"APP", "THROUGH GROUPS"}, empty: "no apps"}
	for _, ap := range res.Apps {
		apps.rows = append(apps.rows, []string{ap.App, strings.Join(ap.Groups, ", ")})
	}
	okta := table{title: "Okta groups", head: []string{"OKTA GROUP", "FROM"}, empty: "no Okta groups"}
	for _, o := range res.Okta {
		okta.rows = append(okta.rows, []string{o.Group, o.ConfigGroup})
	}
	gl := table{title: "GitLab groups", head: []string{"GITLAB GROUP", "LEVEL", "FROM"}, empty: "no GitLab groups"}
	for _, g := range res.GitLab {
		var from []string
		for _, v := range g.Via {
			from = append(from, v.Group+" ("+v.Level+")")
		}
		gl.rows = append(gl.rows, []string{g.Group, g.Level, strings.Join(from, ", ")})
	}
	gh := table{title: "GitHub orgs and teams", head: []string{"GITHUB", "ROLE", "FROM"}, empty: "no GitHub orgs or teams"}
	for _, g := range res.GitHub {
		var from []string
		for _, v := range g.Via {
			from = append(from, v.Group+" ("+v.Level+")")
		}
		gh.rows = append(gh.rows, []string{g.Name, g.Role, strings.Join(from, ", ")})
	}
	if err := writeTables(a.stdout, a.format, groups, roles, apps, okta, gl, gh); err != nil {
		return err
	}
	for _, n := range res.Notes {
		fmt.Fprintln(a.stdout, "\nnote: "+n)
	}
	return nil
}
